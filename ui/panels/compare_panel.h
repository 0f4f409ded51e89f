// SPDX-License-Identifier: MIT
// The Compare panel: one prompt through 1-4 models side by side (a column per model, picked from the project's runs
// or any checkpoint file), streaming each model's text with its tokens/s, with the sampling knobs, lock-step or
// independent seeds, Stop, an optional memorization check that highlights spans found verbatim in the model's
// training data (the tooltip says where), and sessions saved as JSON, reopened, and exported as Markdown or HTML.
// Generation runs on an InferenceSession handed in with setSession() (the panel never blocks). Clicking a token in
// a column emits tokenActivated(). GUI thread only.
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
class QTextEdit;
class QToolButton;

namespace tb::ui {

class InferenceSession;
struct LoadedModelInfo;
struct MemorizedSpanInfo;

class ComparePanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMinColumns = 1;
    static constexpr int kMaxColumns = int(core::kMaxCompareModels);

    explicit ComparePanel(QWidget* parent = nullptr);
    ~ComparePanel() override;

    /// The session that runs the jobs (not owned; it must outlive the panel or be unset first).
    void setSession(InferenceSession* session);
    /// The project's runs, offered in every column's model list (selections are kept by path).
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

public slots:
    void generate();
    void stop();
    void addColumn();
    void removeColumn();
    void chooseOpenSession();
    void chooseSaveSession();
    void chooseExport();

signals:
    /// The user clicked the token at `position` (0 = the first generated token) of model column `model`.
    void tokenActivated(int model, int position);
    /// A generation ended (completed, stopped or failed) and the columns hold its outputs.
    void generationEnded();
    /// The memorization check of every column has reported.
    void memorizationChecked();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Column {
        QWidget* box = nullptr;
        QComboBox* model = nullptr;
        QLabel* header = nullptr;
        QTextEdit* text = nullptr;
        QLabel* footer = nullptr;
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

    QSplitter* m_splitter = nullptr;
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
    QCheckBox* m_chatTemplate = nullptr;
    QCheckBox* m_memorization = nullptr;
    QSpinBox* m_memorizationLength = nullptr;
    QToolButton* m_add = nullptr;
    QToolButton* m_remove = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_stop = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace tb::ui
