// SPDX-License-Identifier: MIT
// The Compare panel's reward-model scores: a "Score with:" picker (none, or one of the project's completed
// reward_model runs by display name) and, under each generated output, the picked reward model's score of that
// answer to the prompt (the number `tunebench-cli score` prints), or why it cannot be scored ("cannot score:
// different tokenizer"). Scoring runs on a RewardScoring handed in with setScoring() (never on the GUI thread) and is
// cached there, so picking a reward model again shows its scores at once. GUI thread only.
#pragma once

#include "core/store/run_records.h"

#include <QPointer>
#include <QString>
#include <QWidget>

#include <map>
#include <vector>

class QComboBox;
class QLabel;

namespace tb::ui {

class RewardScoring;

class RewardScores : public QWidget {
    Q_OBJECT
public:
    /// One output to score: the model that wrote it (run directory or checkpoint), its text, and the label under it.
    struct Output {
        QString policy;
        QString answer;
        QPointer<QLabel> label;
    };

    explicit RewardScores(QWidget* parent = nullptr);
    ~RewardScores() override;

    /// The scoring service (not owned; it must outlive this widget or be unset first).
    void setScoring(RewardScoring* scoring);
    /// Offers the completed reward_model runs among `runs` (the pick is kept by path while it is offered).
    void setRuns(const std::vector<core::RunRecord>& runs);
    /// The picked reward run's directory, or empty for none.
    QString rewardRun() const;
    /// Picks the reward run at `path` (empty: none). False when it is not offered.
    bool setRewardRun(const QString& path);
    QComboBox* picker() const { return m_picker; }

    /// Scores every output's answer to `prompt` with the picked reward model into its label (empty and hidden when
    /// none is picked). Remembered, so another pick scores them again.
    void score(const QString& prompt, const std::vector<Output>& outputs);
    /// Forgets the outputs and empties their labels.
    void clear();
    /// Scores asked for whose answer has not come yet.
    int pending() const { return int(m_jobs.size()); }

    /// The text of a score label: "reward score: 0.1234".
    static QString scoreText(double score);

signals:
    /// Every label of the last score() (or pick) shows its score or why it has none.
    void scoresShown();

private:
    void rescore();
    void onScored(quint64 job, double score);
    void onFailed(quint64 job, const QString& reason, const QString& detail);
    void finishJob(quint64 job);

    RewardScoring* m_scoring = nullptr;
    QComboBox* m_picker = nullptr;
    QString m_prompt;
    std::vector<Output> m_outputs;
    std::map<quint64, QPointer<QLabel>> m_jobs; // job -> the label it fills
};

} // namespace tb::ui
