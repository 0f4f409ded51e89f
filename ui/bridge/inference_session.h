// SPDX-License-Identifier: MIT
// The GUI's handle on inference: owns one worker QThread on which it loads models (run directories or checkpoints,
// cached by path and reloaded when the checkpoint file changes) and runs jobs: side-by-side generation in 2-4 models
// (lock-step or independent seeds) streaming tokens as they come, the next-token distribution after a prefix,
// per-token KL between two models along a text, a seed fan with distinct-n, a phrasing battery with the
// log-probability of a reference answer, and the memorization spans of a generated text in a model's training
// corpus (its index is built lazily on the worker thread, with progress, and cached).
//
// Create and use it from one thread, the GUI thread; every signal is emitted on that thread. Each request returns
// a job id that its signals carry. Jobs run one at a time, in the order requested (the worker's event queue).
// A new generation, seed fan or battery stops the one running and any queued before it (their last signal says
// they stopped); next-token, KL and memorization requests queue behind whatever runs. Each job ends with exactly one
// of: its result signal (generationFinished, nextTokenReady, klReady, seedFanReady, batteryReady,
// memorizationReady), cancelled(), or failed(). stop() is a direct call checked before every token, so a job stops
// within one token. Destroying the session stops every job and joins the thread.
#pragma once

#include "core/eval/compare_session.h"
#include "core/eval/memorization.h"
#include "core/tokenizer/tokenizer.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tb::core {
struct LoadedModel;
struct RunConfig;
}

namespace tb::ui {

/// What a model is, once loaded (sent with modelLoaded()).
struct LoadedModelInfo {
    QString path;         // as requested
    QString checkpoint;   // the file loaded
    qint64 step = 0;
    QString method;       // pretrain, sft, lora, prompt_tuning
    qint64 parameters = 0;
    qint64 vocabSize = 0;
    QString promptFormat; // how the prompt went in: "raw prompt", "built-in chat template" or "run's chat template"
};

/// The next-token distribution after a prefix.
struct NextTokenResult {
    std::vector<float> logits;               // raw logits [V], before temperature and filters
    std::vector<float> filtered;             // probabilities [V] after the request's temperature/top-k/top-p
    std::vector<core::TokenId> topIds;       // the k most likely under softmax(logits), most likely first
    std::vector<double> topProbs;
    QStringList topTexts;                    // display text of each (tokenizer's tokenText)
    double entropy = 0.0;                    // nats, of softmax(logits)
    qint64 chosenRank = 0;                   // rank of the chosen token (1 = top); 0 when none was given
    double chosenProb = 0.0;
    QStringList vocabulary;                  // every token id's display text (tokenText); only when asked for
};

/// Per-token KL(P || Q) along a text: kl[i] compares the models' predictions of token i + 1.
struct KlResult {
    std::vector<core::TokenId> tokens;
    QStringList pieces;                      // display text of each token
    std::vector<double> kl;
};

/// N samples of one prompt, seeds seed .. seed + N - 1.
struct SeedFanResult {
    std::vector<quint64> seeds;
    QStringList texts;
    std::vector<std::vector<core::TokenId>> tokens;
    double distinct1 = 0.0;
    double distinct2 = 0.0;
};

/// Phrasings × models: outputs[p][m] and logProbs[p][m] (nats of the reference answer after phrasing p).
struct BatteryResult {
    std::vector<QStringList> outputs;
    std::vector<std::vector<double>> logProbs;
};

/// A verbatim span, with where it comes from in the training corpus.
struct MemorizedSpanInfo {
    core::MemorizedSpan span;                // in generated-token positions and training-token offsets
    QString corpus;                          // the training corpus file
    qint64 line = 0;                         // 1-based line of the corpus where the span starts
    QString text;                            // the span's text
    QString context;                         // the span with a few tokens of training text either side
};

class InferenceSession : public QObject {
    Q_OBJECT
public:
    /// Fewest milliseconds between two tokensGenerated signals of one model (the first token goes at once).
    static constexpr qint64 kMinTokenIntervalMs = 40;

    explicit InferenceSession(QObject* parent = nullptr);
    /// Stops every job, quits the worker thread and waits for it (within one token of the job running).
    ~InferenceSession() override;

    InferenceSession(const InferenceSession&) = delete;
    InferenceSession& operator=(const InferenceSession&) = delete;

    /// Generates from every model with the same prompt, one model after the other, each with
    /// compareSeed(settings, i). With settings.chatTemplate a fine-tuned run's prompt is its chat template's user
    /// turn followed by the assistant's prefix (core::promptForRun, as `tunebench-cli sample --chat`), and its
    /// output ends where the assistant's turn does (the output's text is cut there; its tokens include the ones that
    /// made the end); a pretrained run gets the raw prompt. The same holds for seedFan() and battery(). Stops the
    /// generation, seed fan or battery in progress.
    quint64 generate(const std::vector<core::CompareModel>& models, const QString& prompt,
                     const core::CompareSettings& settings);
    /// The model's top-k next tokens after `context` (which must not be empty), the rank of `chosen` (< 0: none),
    /// and the full raw logits and filtered probabilities under `settings` (temperature, top-k, top-p, greedy).
    /// `withVocabulary`: the result also carries every token's display text (ask once per model).
    quint64 nextToken(const core::CompareModel& model, const std::vector<core::TokenId>& context,
                      core::TokenId chosen, int k, const core::CompareSettings& settings, bool withVocabulary = false);
    /// KL(P || Q) at each token of `text` (encoded with P's tokenizer; the vocabularies must have the same size).
    quint64 tokenKl(const core::CompareModel& p, const core::CompareModel& q, const QString& text);
    /// The same for a text given as token ids (of P's tokenizer, e.g. a column's prompt and output).
    quint64 tokenKl(const core::CompareModel& p, const core::CompareModel& q, const std::vector<core::TokenId>& tokens);
    /// Continues a text of one model from `promptIds` + `prefix` (a branch: the output up to a position plus another
    /// token there) with compareSeed(settings, modelIndex). Signals as generate() with model 0: generationStarted
    /// with `promptIds`, tokensGenerated whose ids and text start with `prefix`, and one output (prefix + new tokens,
    /// up to settings.maxNewTokens new ones). Stops the generation, seed fan or battery in progress.
    quint64 branch(const core::CompareModel& model, size_t modelIndex, const std::vector<core::TokenId>& promptIds,
                   const std::vector<core::TokenId>& prefix, const core::CompareSettings& settings);
    /// `count` samples of `prompt` from one model with seeds settings.seed + i. Stops the generation in progress.
    quint64 seedFan(const core::CompareModel& model, const QString& prompt, const core::CompareSettings& settings,
                    int count);
    /// Each phrasing through each model (lock-step), and the log-probability of `reference` after each phrasing.
    /// Stops the generation in progress.
    quint64 battery(const std::vector<core::CompareModel>& models, const QStringList& phrasings,
                    const QString& reference, const core::CompareSettings& settings);
    /// The spans of >= minLength tokens of `generated` (ids of `model`'s tokenizer) found verbatim in the model's
    /// training corpus (data.corpus of its run config, train split). The index is built on first use per model
    /// and length, with memorizationProgress(), and kept.
    quint64 memorization(const core::CompareModel& model, const std::vector<core::TokenId>& generated,
                         int minLength);

    /// Direct, thread-safe: every job running or queued stops within one token.
    void stop();
    /// Jobs requested whose last signal has not been delivered yet.
    int pendingJobs() const { return int(m_jobs.size()); }
    bool isBusy() const { return !m_jobs.empty(); }
    /// Tokens generated so far by the job running now (all its models together). Thread-safe.
    qint64 generatedTokenCount() const { return m_tokenCount.load(); }

signals:
    // All emitted on the session's (GUI) thread, in the order the worker produced them.
    void modelLoaded(quint64 job, int model, const tb::ui::LoadedModelInfo& info);
    /// Model `model` starts generating after these prompt tokens (the chat template applied, if on).
    void generationStarted(quint64 job, int model, const QList<int>& promptIds);
    /// New tokens of model `model` (in order; concatenated over the job they are the whole output), the whole
    /// output text so far, where in that text each new token ends (QString offsets, for mapping a click back to a
    /// token) and the generation speed so far. At most every kMinTokenIntervalMs per model.
    void tokensGenerated(quint64 job, int model, const QList<int>& ids, const QString& text, const QList<int>& ends,
                         double tokensPerSecond);
    /// One output per model that started (fewer when stopped early); `stopped` when stop() or a newer request
    /// ended it.
    void generationFinished(quint64 job, const std::vector<tb::core::CompareOutput>& outputs, bool stopped);
    void nextTokenReady(quint64 job, const tb::ui::NextTokenResult& result);
    void klReady(quint64 job, const tb::ui::KlResult& result);
    /// One sample of a seed fan, as soon as it is done.
    void seedSampleReady(quint64 job, int index, const QString& text);
    void seedFanReady(quint64 job, const tb::ui::SeedFanResult& result);
    /// One cell of a battery, as soon as it is done.
    void batteryCellReady(quint64 job, int phrasing, int model, const QString& output, double logProb);
    void batteryReady(quint64 job, const tb::ui::BatteryResult& result);
    /// Building the training index: what is happening and how far (0-100).
    void memorizationProgress(quint64 job, const QString& stage, int percent);
    void memorizationReady(quint64 job, const std::vector<tb::ui::MemorizedSpanInfo>& spans);
    /// A job was stopped before it had a result (not used for generation, whose finished signal says stopped).
    void cancelled(quint64 job);
    /// The job could not run: an InputError's message (naming the file and field) or another error.
    void failed(quint64 job, const QString& message);

private:
    struct Job;
    struct Worker;

    enum class Kind { Generation, Analysis };
    quint64 enqueue(Kind kind, std::function<void(Worker&, Job&)> work);
    /// Worker thread: queues `deliver` to the GUI thread, where it runs unless the session is gone.
    void post(std::function<void()> deliver);
    void endJob(quint64 id);
    /// Worker thread: generates one model's output after promptIds + prefix (streamed as model `model` of `job`;
    /// the output and its text start with the prefix; it ends before the first `answerEnd` when that is not empty).
    core::CompareOutput generateOne(Job& job, int model, core::LoadedModel& m,
                                    const std::vector<core::TokenId>& promptIds,
                                    const std::vector<core::TokenId>& prefix, const core::CompareSettings& settings,
                                    uint64_t seed, const std::string& answerEnd = {});
    /// Worker thread: per-token KL of `tokens` between mp and q, then klReady.
    void runKl(Worker& w, Job& job, core::LoadedModel& mp, const core::CompareModel& q,
               const std::vector<core::TokenId>& tokens);

    QThread m_thread;
    QObject* m_context = nullptr;           // lives on m_thread; queued jobs are invoked on it
    std::unique_ptr<Worker> m_worker;       // worker-thread state (model cache, indexes); used only on m_thread
    std::map<quint64, std::shared_ptr<Job>> m_jobs; // GUI thread: requested and not yet ended
    quint64 m_nextId = 1;
    std::atomic<qint64> m_tokenCount{0};
};

} // namespace tb::ui

Q_DECLARE_METATYPE(tb::ui::LoadedModelInfo)
Q_DECLARE_METATYPE(tb::ui::NextTokenResult)
Q_DECLARE_METATYPE(tb::ui::KlResult)
Q_DECLARE_METATYPE(tb::ui::SeedFanResult)
Q_DECLARE_METATYPE(tb::ui::BatteryResult)
Q_DECLARE_METATYPE(std::vector<tb::core::CompareOutput>)
Q_DECLARE_METATYPE(std::vector<tb::ui::MemorizedSpanInfo>)
