// SPDX-License-Identifier: MIT
// The Compare panel: one prompt through 1-4 models side by side (a column per model, picked from the project's runs
// or any checkpoint file), streaming each model's text with its tokens/s, with the sampling knobs, lock-step or
// independent seeds, Stop, an optional memorization check that highlights spans found verbatim in the model's
// training data (the tooltip says where), and sessions saved as JSON, reopened, and exported as Markdown or HTML.
// Generation runs on an InferenceSession handed in with setSession() (the panel never blocks). Clicking a token in
// a column emits tokenActivated() and opens the inspection tabs' next-token view there (both models' distributions
// at that prefix; clicking a bar branches the column from there with that token). The other tabs show the first
// column coloured by per-token KL between the first two models, a seed fan of one model and a phrasing battery over
// every model. GUI thread only.
#pragma once

#include "core/eval/compare_session.h"
#include "core/store/run_records.h"

#include <QList>
#include <QString>
#include <QWidget>

#include <map>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTextEdit;
class QToolButton;

namespace tb::ui {

class ChatTemplateChoice;
class ElidedLabel;
class InferenceSession;
class KlTextView;
class NextTokenView;
class PhrasingView;
class RewardScores;
class RewardScoring;
class SeedFanView;
struct KlResult;
struct LoadedModelInfo;
struct MemorizedSpanInfo;
struct NextTokenResult;
struct SeedFanResult;

class ComparePanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMinColumns = 1;
    static constexpr int kMaxColumns = int(core::kMaxCompareModels);

    explicit ComparePanel(QWidget* parent = nullptr);
    ~ComparePanel() override;

    /// The session that runs the jobs (not owned; it must outlive the panel or be unset first).
    void setSession(InferenceSession* session);
    /// The service that scores outputs with a reward model (not owned; it must outlive the panel or be unset).
    void setScoring(RewardScoring* scoring);
    /// The project's runs, offered in every column's model list (selections are kept by path), and its completed
    /// reward models in "Score with:".
    void setRuns(const std::vector<core::RunRecord>& runs);

    int columnCount() const { return int(m_columns.size()); }
    void setColumnCount(int count);
    /// Picks `path` (a run directory from the list, or any checkpoint file, which is added) in `column`.
    void setModel(int column, const QString& path, const QString& label = {});
    /// The picked models, one per column (columns without a model are left out).
    std::vector<core::CompareModel> models() const;
    core::CompareSettings settings() const;
    void setSettings(const core::CompareSettings& settings);
    QString prompt() const;
    void setPrompt(const QString& prompt);
    void setMemorizationCheck(bool on, int minLength);

    /// The comparison so far: models, settings, every prompt generated with its outputs. Generating with other
    /// models or settings starts a new comparison.
    core::CompareSession comparison() const;
    /// Shows a saved comparison (its last prompt and outputs). False with a message on failure (nothing changes).
    bool openSession(const QString& file, QString* error = nullptr);
    bool saveSession(const QString& file, QString* error = nullptr) const;
    /// Markdown for .md / .markdown, else HTML.
    bool exportSession(const QString& file, QString* error = nullptr) const;

    bool isGenerating() const { return m_generationJob != 0; }
    /// Column `column`'s generated text as shown (without the prompt before it).
    QString columnText(int column) const;
    QTextEdit* columnView(int column) const;
    std::vector<core::TokenId> promptTokens(int column) const;
    std::vector<core::TokenId> generatedTokens(int column) const;
    /// Memorized spans highlighted in `column`.
    int memorizedSpanCount(int column) const;
    QString statusText() const;
    /// "Score with:" and the reward-model score under each output.
    RewardScores* rewardScores() const { return m_rewardScores; }
    /// The score line under `column`'s output (empty while no reward model is picked).
    QString scoreText(int column) const;
    /// The chat template check box and its per-model line.
    ChatTemplateChoice* chatTemplateChoice() const { return m_chatTemplate; }

    // The tabs: Outputs (the columns), Next token, KL, Seed fan, Phrasings.
    enum Tab { OutputsTab, NextTokenTab, KlTab, SeedFanTab, PhrasingsTab };
    QTabWidget* tabs() const { return m_tabs; }
    NextTokenView* nextTokenView() const { return m_nextToken; }
    KlTextView* klView() const { return m_kl; }
    SeedFanView* seedFanView() const { return m_seedFan; }
    PhrasingView* phrasingView() const { return m_phrasing; }
    /// The samples of the next seed fan (default 8) and the column whose model it runs.
    void setSeedFanCount(int count);
    void setSeedFanColumn(int column);
    /// The position the next-token view shows: its column (-1: none) and token position (as tokenActivated).
    int inspectedColumn() const { return m_inspect.column; }
    int inspectedPosition() const { return m_inspect.position; }

public slots:
    void generate();
    void stop();
    void addColumn();
    void removeColumn();
    void chooseOpenSession();
    void chooseSaveSession();
    void chooseExport();
    /// Shows the next-token distributions before the token at `position` of `column` (0 = the first generated
    /// token; negative: a prompt token, -1 the last one) of the column's model and, with two or more models, of a
    /// second one (the first model, or the second when `column` shows the first) at the same prefix.
    void showNextToken(int column, int position);
    /// Regenerates `column` from its output up to `position`, then `tokenId`, then new tokens (the comparison's
    /// settings).
    void branch(int column, int position, int tokenId);
    /// A seed fan of the seed-fan column's model with the prompt and settings above.
    void runSeedFan();
    /// Each phrasing through every picked model, scoring `reference` after it.
    void runBattery(const QStringList& phrasings, const QString& reference);

signals:
    /// The user clicked the token at `position` (0 = the first generated token) of model column `model`.
    void tokenActivated(int model, int position);
    /// A generation ended (completed, stopped or failed) and the columns hold its outputs.
    void generationEnded();
    /// The memorization check of every column has reported.
    void memorizationChecked();
    /// The next-token view shows the distributions asked for by showNextToken() (or why it cannot).
    void nextTokenShown();
    /// The KL view shows the last generation's first column coloured by KL (or why it cannot).
    void klShown();
    /// The seed fan ended (shown, stopped or failed).
    void seedFanEnded();
    /// The phrasing battery ended (every cell filled, stopped or failed).
    void batteryEnded();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Column {
        QWidget* box = nullptr;
        QComboBox* model = nullptr;
        QLabel* header = nullptr;
        QTextEdit* text = nullptr;
        QLabel* footer = nullptr;
        QLabel* score = nullptr; // the reward model's score of the output (RewardScores fills it)
        std::vector<core::TokenId> prompt;
        std::vector<core::TokenId> tokens;
        QString promptText;    // shown in grey before the output
        QString generated;     // the output as shown after it
        QList<int> ends;       // where each token ends in `generated`
        int memorized = 0;
        double tokensPerSecond = 0.0;
    };

    void buildUi();
    void fillModelList(Column& column, const QString& keep);
    void browseModel(int column);
    void updateControls();
    void clearOutputs();
    /// Shows the prompt (grey) and `generated`, appending when it only grew (streaming keeps scroll and selection).
    void setColumnText(Column& column, const QString& generated);
    void showOutputs(const core::ComparePrompt& prompt);
    /// Hands every column's output to RewardScores (the comparison's last prompt).
    void scoreOutputs();
    void onModelLoaded(quint64 job, int model, const tb::ui::LoadedModelInfo& info);
    void onGenerationStarted(quint64 job, int model, const QList<int>& promptIds);
    void onTokens(quint64 job, int model, const QList<int>& ids, const QString& text, const QList<int>& ends,
                  double tokensPerSecond);
    void onGenerationFinished(quint64 job, const std::vector<tb::core::CompareOutput>& outputs, bool stopped);
    void onMemorization(quint64 job, const std::vector<tb::ui::MemorizedSpanInfo>& spans);
    void onFailed(quint64 job, const QString& message);
    /// The column that shows model `model` of the current generation, or null.
    Column* columnOf(int model);
    void highlight(Column& column, const std::vector<MemorizedSpanInfo>& spans);
    QString labelFor(const QString& path) const;
    void setStatus(const QString& text);
    void buildInspectTabs();
    /// Index of the generation's model shown in `column`, or -1.
    int modelOfColumn(int column) const;
    void onNextToken(quint64 job, const NextTokenResult& result);
    void onKl(quint64 job, const KlResult& result);
    void onSeedFan(quint64 job, const SeedFanResult& result);
    void requestKl();
    void updateSeedFanModels();

    InferenceSession* m_session = nullptr;
    std::vector<core::RunRecord> m_runs;
    std::map<QString, QString> m_extraModels;  // browsed or opened checkpoint path -> label
    std::vector<Column> m_columns;
    std::vector<core::ComparePrompt> m_prompts; // the comparison's history, newest last
    core::CompareSettings m_promptSettings;     // the settings m_prompts were generated with
    std::vector<core::CompareModel> m_generatingModels;
    std::vector<int> m_modelColumns;            // the column of each model of the generation

    quint64 m_generationJob = 0;
    std::map<quint64, int> m_memorizationJobs;  // job -> model index of the generation
    int m_branchColumn = -1;                    // while m_generationJob is a branch: the column it regenerates

    // The next-token view's request: up to two models at one prefix.
    struct Inspect {
        int column = -1;
        int position = 0;
        std::vector<quint64> jobs;               // one per model asked
        std::vector<QString> labels;
        std::vector<std::string> keys;           // vocabulary cache keys
        std::vector<std::vector<float>> logits;  // filled as results come
        int pending = 0;
        int chosen = -1;
        QString context;
    } m_inspect;
    std::map<std::string, QStringList> m_vocabularies; // model path + checkpoint -> every token's text
    quint64 m_klJob = 0;
    int m_klColumn = -1;
    int m_klPromptTokens = 0;
    quint64 m_seedFanJob = 0;
    QString m_seedFanPrompt;
    bool m_seedFanGreedy = false;
    quint64 m_batteryJob = 0;

    QSplitter* m_splitter = nullptr;
    QTabWidget* m_tabs = nullptr;
    NextTokenView* m_nextToken = nullptr;
    KlTextView* m_kl = nullptr;
    SeedFanView* m_seedFan = nullptr;
    PhrasingView* m_phrasing = nullptr;
    QComboBox* m_seedFanModel = nullptr;
    QSpinBox* m_seedFanCount = nullptr;
    QPushButton* m_seedFanRun = nullptr;
    QPlainTextEdit* m_prompt = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QSpinBox* m_maxNewTokens = nullptr;
    QDoubleSpinBox* m_repetitionPenalty = nullptr;
    QCheckBox* m_greedy = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_seedMode = nullptr;
    QComboBox* m_checkpoint = nullptr;
    ChatTemplateChoice* m_chatTemplate = nullptr;
    RewardScores* m_rewardScores = nullptr;
    QCheckBox* m_memorization = nullptr;
    QSpinBox* m_memorizationLength = nullptr;
    QToolButton* m_add = nullptr;
    QToolButton* m_remove = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_stop = nullptr;
    ElidedLabel* m_status = nullptr;
};

} // namespace tb::ui
