// SPDX-License-Identifier: MIT
// The GUI's handle on reward-model scoring (the Compare panel's "Score with:"): scores an answer to a prompt with a
// reward_model run, the same number as `tunebench-cli score RUN --prompt P --answer A` (core::scoreAnswer). Owns one
// worker QThread on which reward models are loaded (cached by path, reloaded when the checkpoint file changes) and
// scores computed, one job at a time in the order requested. Scores are cached per (reward run, prompt, answer) on
// the GUI thread, and the tokenizer check per (reward run, policy): a request whose answer is known is answered
// without a job (still queued, so a signal never comes before score() returns).
//
// Before scoring, the reward model's tokenizer is compared with the tokenizer of the model that wrote the answer (a
// run's tokenizer.json, or a checkpoint's): when they differ the job fails with kDifferentTokenizer, because the
// reward model would read other token ids than the policy writes (core::requireSameTokenizer).
//
// Create and use it from one thread, the GUI thread; its signals are emitted there. Each job ends with exactly one
// of scored() or failed(). Destroying it drops the queued jobs and waits for the one running.
#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <functional>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace tb::ui {

class RewardScoring : public QObject {
    Q_OBJECT
public:
    /// failed()'s short reason when the tokenizers differ (its detail says which).
    static QString differentTokenizerText() { return tr("cannot score: different tokenizer"); }

    explicit RewardScoring(QObject* parent = nullptr);
    ~RewardScoring() override;

    RewardScoring(const RewardScoring&) = delete;
    RewardScoring& operator=(const RewardScoring&) = delete;

    /// Scores `answer` to `prompt` with the reward model `rewardRun` (a run directory or a checkpoint file);
    /// `policy` (a run directory or checkpoint file, or empty to skip the check) wrote the answer. Returns the job
    /// id; a cached score is delivered (queued) without running a job.
    quint64 score(const QString& rewardRun, const QString& policy, const QString& prompt, const QString& answer);
    /// The cached score, if this triple was scored before.
    std::optional<double> cachedScore(const QString& rewardRun, const QString& prompt, const QString& answer) const;
    /// Jobs requested whose signal has not been delivered yet.
    int pendingJobs() const { return int(m_pending.size()); }
    /// Scores computed on the worker so far (cache hits are not counted).
    int scoresComputed() const { return m_computed; }

signals:
    void scored(quint64 job, double score);
    /// `reason` is one short line for a label (differentTokenizerText(), or "cannot score: " and why); `detail`
    /// the whole message (the InputError naming the file and field).
    void failed(quint64 job, const QString& reason, const QString& detail);

private:
    struct Worker;
    using Key = std::tuple<QString, QString, QString>; // reward run, prompt, answer

    void post(std::function<void()> deliver);

    QThread m_thread;
    QObject* m_context = nullptr;     // lives on m_thread; jobs are invoked on it
    std::shared_ptr<Worker> m_worker; // used only on m_thread
    std::map<Key, double> m_cache;    // GUI thread
    // (reward run, policy) -> whether their tokenizers match, and the detail when not. GUI thread.
    std::map<std::pair<QString, QString>, std::pair<bool, QString>> m_sameTokenizer;
    std::set<quint64> m_pending;      // GUI thread
    quint64 m_nextId = 1;
    int m_computed = 0;
};

} // namespace tb::ui
