// SPDX-License-Identifier: MIT
// The Rate panel: blind A/B rating into a preference set. The user picks two models (runs of the open project) and
// a prompt (typed, or one rated before), presses Generate, and both outputs stream side by side labelled only "A"
// and "B" (which model is on which side is drawn at random per prompt; both use the same seed). When both are done
// the verdict buttons A better / B better / Tie / Both bad / Skip (keys 1, 2, 3, 4, S) are enabled; a vote is
// appended to the project's core::VoteStore (fsync'ed, so killing the app loses no recorded vote), then the models
// are revealed for that item and the tally updates. Undo appends a retract line for the last vote of this session.
// Export writes the preference file (core::exportPreferences). Generation runs on an InferenceSession handed in
// with setSession(). GUI thread only.
// Bias (rate_panel_bias.cpp): each vote records the annotator (a name field, kept in QSettings), the time from both
// outputs complete to the vote and both outputs' token counts; every Nth item ("Re-show a pair every N items",
// "never" = off) shows one of this annotator's earlier pairs again with the sides swapped instead of generating (its
// vote names the earlier one in repeat_of); Bias… opens a VoteBiasView of the project's votes.
#pragma once

#include "core/eval/compare_session.h"
#include "core/store/run_records.h"
#include "core/store/vote_store.h"

#include <QRandomGenerator>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <array>
#include <memory>
#include <optional>
#include <vector>

class QBoxLayout;
class QComboBox;
class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTextEdit;

namespace tb::ui {

class ChatTemplateChoice;
class InferenceSession;
class VoteBiasView;
struct LoadedModelInfo;

class RatePanel : public QWidget {
    Q_OBJECT
public:
    explicit RatePanel(QWidget* parent = nullptr);
    ~RatePanel() override;

    /// The session that generates (not owned; it must outlive the panel or be unset first).
    void setSession(InferenceSession* session);
    /// The project's runs, offered in both model lists (selections are kept by path).
    void setRuns(const std::vector<core::RunRecord>& runs);
    /// The project folder; its votes.jsonl is read for the tally and the prompts rated before. Empty: no project.
    void setProjectDirectory(const QString& dir);
    QString votesFile() const;

    /// Picks the run with directory `path` as model 1 (`index` 0) or 2 (`index` 1).
    void setModel(int index, const QString& path);
    QString prompt() const;
    void setPrompt(const QString& prompt);
    /// Sampling: the seed mode is always lock-step (both sides get the same seed).
    core::CompareSettings settings() const;
    void setSettings(const core::CompareSettings& settings);
    /// Seeds the draw of which model goes left (tests); by default it is seeded from the system.
    void seedSides(quint32 seed) { m_random.seed(seed); }

    bool isGenerating() const { return m_job != 0; }
    /// Both outputs are complete and the item has no vote yet.
    bool canVote() const;
    /// The text shown under "A" (side 0, left) or "B" (side 1, right).
    QString sideText(int side) const;
    /// What the side's caption says: "A" before the vote, "A: <model> · step N" after it.
    QString sideCaption(int side) const;
    /// Whether model 1 (the first picked) is shown on the left in the current item.
    bool firstModelLeft() const { return m_aLeft; }
    QString tallyText() const;
    QString statusText() const;
    QPushButton* verdictButton(core::Verdict verdict) const;
    QPushButton* undoButton() const { return m_undo; }
    ChatTemplateChoice* chatTemplateChoice() const { return m_chatTemplate; }
    /// Writes the project's preference file; false with a message on failure.
    bool exportTo(const QString& file, QString* error = nullptr);
    /// "Tune on these votes": exports the preference pairs to <project>/preferences/votes-<UTC time>.jsonl and
    /// emits tuneRequested() with that file and model 1's run folder (the suggested parent). False, with the
    /// reason in `error` and the status line, when no project is open, no model 1 is picked or no vote is decisive.
    bool tuneOnVotes(QString* file = nullptr, QString* error = nullptr);

    /// Records the verdict on the current item (ignored unless canVote()); false with the reason in the status
    /// line when it cannot be stored.
    bool vote(core::Verdict verdict);

    /// The annotator's name recorded with each vote ("" = none); remembered across sessions.
    QString annotator() const;
    void setAnnotator(const QString& name);
    /// Every Nth item shows an earlier pair again, sides swapped (0: never; else 2 to 50).
    int repeatEvery() const;
    void setRepeatEvery(int n);
    /// The current item shows an earlier vote's pair again (its id); empty for a fresh item.
    QString repeatOf() const;
    /// The Bias view, once showBias() created it.
    VoteBiasView* biasView() const;

public slots:
    /// Opens (or raises) the Bias view of the project's votes.
    void showBias();
    void generate();
    void stop();
    /// Retracts the last vote cast in this panel (an appended retract line).
    void undo();
    void chooseExport();

signals:
    /// A generation ended (both outputs shown, stopped or failed).
    void generationEnded();
    /// A vote was appended to the store (its id).
    void voted(const QString& id);
    /// A vote was retracted.
    void retracted(const QString& id);
    /// The user asked to tune on the votes: `preferenceFile` holds them (TRL prompt/chosen/rejected JSONL),
    /// `parentRun` is model 1's run folder. MainWindow hands both to Run setup (method dpo).
    void tuneRequested(const QString& preferenceFile, const QString& parentRun);

private:
    struct Side {
        QLabel* caption = nullptr;
        QTextEdit* text = nullptr;
        QString output;
    };
    struct Item {
        core::Vote vote;        // models, prompt, sampling, sides; verdict filled on voting
        bool complete = false;  // both outputs finished
        bool voted = false;
    };

    struct BiasState;
    void buildUi();
    // rate_panel_bias.cpp
    void buildBiasControls(QBoxLayout* layout);
    bool showRepeatIfDue();
    void stampVote(core::Vote& vote) const;
    void onBiasVoted();
    void fillModelList(QComboBox* box);
    std::optional<core::RunRecord> runAt(int index) const;
    void updateControls();
    void refreshTally();
    void reveal(bool shown);
    void setStatus(const QString& text);
    void onModelLoaded(quint64 job, int model, const tb::ui::LoadedModelInfo& info);
    void onTokens(quint64 job, int model, const QList<int>& ids, const QString& text, const QList<int>& ends,
                  double tokensPerSecond);
    void onFinished(quint64 job, const std::vector<tb::core::CompareOutput>& outputs, bool stopped);
    void onFailed(quint64 job, const QString& message);

    InferenceSession* m_session = nullptr;
    std::vector<core::RunRecord> m_runs;
    QString m_projectDir;
    QRandomGenerator m_random;
    quint64 m_job = 0;
    Item m_item;
    bool m_aLeft = true;
    std::vector<std::pair<QString, bool>> m_cast; // this panel's votes, newest last: id, is it the current item

    std::array<QComboBox*, 2> m_models{};
    QPlainTextEdit* m_prompt = nullptr;
    QComboBox* m_pastPrompts = nullptr;
    ChatTemplateChoice* m_chatTemplate = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_topK = nullptr;
    QSpinBox* m_maxNewTokens = nullptr;
    QSpinBox* m_seed = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_stop = nullptr;
    std::array<Side, 2> m_sides;
    std::array<QPushButton*, 5> m_verdicts{};
    QLineEdit* m_note = nullptr;
    QPushButton* m_undo = nullptr;
    QPushButton* m_export = nullptr;
    QPushButton* m_tune = nullptr;
    QLabel* m_tally = nullptr;
    QLabel* m_status = nullptr;
    struct BiasStateDeleter { // BiasState is complete only in rate_panel_bias.cpp
        void operator()(BiasState* state) const;
    };
    std::unique_ptr<BiasState, BiasStateDeleter> m_bias;
};

} // namespace tb::ui
