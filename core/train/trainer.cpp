// SPDX-License-Identifier: MIT
#include "core/train/trainer.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/common/torch_rng.h"
#include "core/data/corpus_tokens.h"
#include "core/eval/generate.h"
#include "core/model/gpt.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "core/train/adamw.h"
#include "core/train/autocast_scope.h"
#include "core/train/finetune.h"
#include "core/train/lr_schedule.h"
#include "core/train/objective.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>

namespace tb::core {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kBatchSeedSalt = 0x5eedba7c4e5ULL;
constexpr uint64_t kProbeSeedSalt = 0x9b0beULL;
// An objective's own state (TrainingObjective::state) sits beside the optimizer's tensors under this prefix.
constexpr const char* kObjectiveStatePrefix = "objective.";
// Probe samples use the CLI's default temperature: lively enough to show what the model learnt, not greedy loops.
constexpr double kProbeTemperature = 0.8;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Removes what an atomic write killed midway left in `dir` (`latest.safetensors.tmp.<pid>`, see atomic_file.h).
/// Only the run that owns the folder resumes it, so no other process is writing these.
void removeStaleTempFiles(const fs::path& dir)
{
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const size_t tmp = name.rfind(".tmp.");
        if (tmp == std::string::npos || tmp + 5 == name.size() ||
            name.find_first_not_of("0123456789", tmp + 5) != std::string::npos)
            continue;
        std::error_code removeError;
        if (it->is_regular_file(removeError))
            fs::remove(it->path(), removeError);
    }
}

void throwIfInvalid(const RunConfig& config)
{
    const auto problems = config.validate();
    if (problems.empty())
        return;
    std::string message = problems.front();
    for (size_t i = 1; i < problems.size(); ++i)
        message += "; " + problems[i];
    throw InputError("config", "", message);
}

} // namespace

struct Trainer::Impl {
    RunConfig config;
    RunDirectory dir;
    std::string corpusHash;
    std::unique_ptr<Tokenizer> tokenizer;
    std::unique_ptr<TrainingObjective> objective; // the method's data, loss and metrics (core/train/objective.h)
    Gpt model{nullptr};
    std::unique_ptr<AdamW> optimizer;
    SplitMix64 batchRng;
    std::vector<std::vector<TokenId>> probeIds; // train.probe_prompts, encoded
    int64_t step = 0;
    int64_t startStep = 0;
    bool resumed = false; // the eval of startStep is already in metrics.jsonl (its checkpoint came after it)
    double bestValLoss = std::numeric_limits<double>::infinity();
    double elapsedBefore = 0;
    int64_t tokensSeen = 0;
    int threads = 1;
    RunSummary summary;
    // Fine-tuning only (core/train/finetune.h): the forgetting meter. What to tell the observer when the run starts.
    ForgettingMeter forgetting;
    std::vector<std::string> startNotes;

    explicit Impl(fs::path root) : dir(std::move(root)) {}

    /// Pretraining: the corpus's token splits and their fixed eval windows (the pretrain objective).
    void loadCorpusData()
    {
        std::vector<std::string> notes;
        objective->load({config, *tokenizer, config.model.blockSize, corpusHash}, notes);
        startNotes.insert(startNotes.end(), notes.begin(), notes.end());
    }

    /// Encodes the probe prompts once, so a prompt the tokenizer cannot encode is bad input before training.
    void encodeProbes()
    {
        probeIds.clear();
        const auto& prompts = config.train.probePrompts;
        for (size_t i = 0; i < prompts.size(); ++i) {
            std::vector<TokenId> ids;
            try {
                const ChatTemplate* chat = objective->chatTemplate();
                ids = tokenizer->encode(chat ? chat->promptFor(prompts[i]) : prompts[i]);
            } catch (const InputError& e) {
                throw InputError("config", "train.probe_prompts",
                                 "prompt " + std::to_string(i + 1) + " cannot be encoded (" + e.message() +
                                     "); use text from the corpus, or [] to turn probe samples off");
            }
            if (ids.empty())
                throw InputError("config", "train.probe_prompts",
                                 "prompt " + std::to_string(i + 1) + " encodes to no tokens");
            probeIds.push_back(std::move(ids));
        }
    }

    /// Continues every probe prompt from the current weights. The seed is the same at every evaluation, so the
    /// samples differ only because the model did; generate() has its own generator and restores the model's
    /// train mode, so the training RNG and exact resume are untouched.
    SampleSet sampleProbes()
    {
        SampleSet set;
        set.step = step;
        SampleOptions options;
        options.maxNewTokens = config.train.probeTokens;
        options.temperature = kProbeTemperature;
        options.seed = config.train.seed ^ kProbeSeedSalt;
        FullPrecisionScope fp32;
        // A fine-tuning run's probes are chat prompts: each answer stops where the template's answer ends.
        const ChatTemplate* chat = objective->chatTemplate();
        const std::string answerEnd = chat ? chat->answerEnd() : std::string();
        for (size_t i = 0; i < probeIds.size(); ++i)
            set.samples.push_back({config.train.probePrompts[i],
                                   generateAnswer(model, *tokenizer, probeIds[i], options, answerEnd).text});
        return set;
    }

    /// `parent`: a new fine-tuning run's starting weights, loaded before any adapter is added.
    void buildModelAndOptimizer(const ParentModel* parent = nullptr)
    {
        torch::manual_seed(config.train.seed);
        model = Gpt(config.model);
        model->setActivationCheckpointing(config.train.activationCheckpointing);
        if (parent)
            loadWeights(model, parent->weights, parent->checkpoint);
        enableConfiguredAdapters(model, config);
        model->train();
        std::vector<std::pair<std::string, torch::Tensor>> params;
        if (config.isFineTuning())
            params = model->trainableParameters();
        else
            for (const auto& item : model->named_parameters())
                params.emplace_back(item.key(), item.value());
        optimizer = std::make_unique<AdamW>(
            params, AdamWOptions{config.train.beta1, config.train.beta2, 1e-8, config.train.weightDecay});
    }

    int64_t parameterCount() const
    {
        int64_t n = 0;
        for (const auto& p : model->parameters())
            n += p.numel();
        return n;
    }

    int64_t trainableParameterCount() const
    {
        int64_t n = 0;
        for (const auto& p : model->parameters())
            if (p.requires_grad())
                n += p.numel();
        return n;
    }

    /// Fine-tuning: the method's data (rows as long as the model's input) and the forgetting meter. The model must
    /// exist (its maxInputLength depends on the adapters).
    void loadFinetuneData(double parentValFraction)
    {
        const int64_t rowLength = model->maxInputLength();
        std::vector<std::string> notes;
        objective->load({config, *tokenizer, rowLength, {}}, notes);
        corpusHash = objective->dataHash();
        std::string why;
        forgetting = makeForgettingMeter(config, parentValFraction, *tokenizer, rowLength, why);
        startNotes.clear();
        if (!why.empty())
            startNotes.push_back("forgetting meter off: " + why);
        startNotes.insert(startNotes.end(), notes.begin(), notes.end());
    }

    bool fineTuned() const { return config.isFineTuning(); }
    int64_t rowLength() const { return fineTuned() ? model->maxInputLength() : config.model.blockSize; }

    /// After a fine-tuning run: how far the tuned model moved from its parent on the probe prompts (each with the
    /// tuned model's greedy answer), into the summary, with a warning when it barely moved.
    void checkAdapterEffect(TrainingObserver& observer)
    {
        if (!fineTuned() || !objective->generatesText() || probeIds.empty() || summary.parentCheckpoint.empty())
            return;
        try {
            const ParentModel parent = loadParent(summary.parentCheckpoint); // a LoRA parent's adapters merged
            Gpt base(config.model);
            loadWeights(base, parent.weights, summary.parentCheckpoint);
            base->eval();
            std::vector<std::vector<TokenId>> texts;
            SampleOptions options;
            options.greedy = true;
            options.maxNewTokens = config.train.probeTokens;
            const ChatTemplate* chat = objective->chatTemplate();
            const std::string answerEnd = chat ? chat->answerEnd() : std::string();
            for (const auto& ids : probeIds) {
                std::vector<TokenId> text = ids;
                const auto answer = generateAnswer(model, *tokenizer, ids, options, answerEnd).tokens;
                text.insert(text.end(), answer.begin(), answer.end());
                if (static_cast<int64_t>(text.size()) > rowLength())
                    text.resize(static_cast<size_t>(rowLength()));
                texts.push_back(std::move(text));
            }
            const AdapterEffect effect = adapterEffect(model, base, texts);
            summary.adapterKl = effect.meanKl;
            summary.adapterTop1Agreement = effect.top1Agreement;
            observer.onLog(LogLevel::Info, "effect of tuning on the probe prompts: mean KL(tuned || base) " +
                                               std::to_string(effect.meanKl) + " nats, top-1 agreement " +
                                               std::to_string(effect.top1Agreement * 100.0) + "%");
            if (const std::string warning = adapterEffectWarning(effect); !warning.empty())
                observer.onLog(LogLevel::Warning, warning);
        } catch (const Error& e) {
            observer.onLog(LogLevel::Warning, std::string("the effect of tuning was not measured: ") + e.what());
        }
    }

    Checkpoint makeCheckpoint(double elapsed) const
    {
        Checkpoint c;
        c.config = config;
        c.step = step;
        c.bestValLoss = bestValLoss;
        c.batchRngState = batchRng.state();
        c.elapsedSeconds = elapsed;
        c.tokensSeen = tokensSeen;
        c.tokenizer = tokenizer->serialize();
        c.corpusHash = corpusHash;
        c.torchRngState = cpuRngState();
        for (const auto& item : model->named_parameters())
            c.model[item.key()] = item.value();
        c.optimizer = optimizer->stateDict();
        for (const auto& [name, value] : objective->state())
            c.optimizer[std::string(kObjectiveStatePrefix) + name] = value;
        return c;
    }

    void writeCheckpoint(TrainingObserver& observer, double elapsed, bool best)
    {
        const Checkpoint c = makeCheckpoint(elapsed);
        saveCheckpoint(dir.latestCheckpoint(), c);
        observer.onCheckpoint({step, dir.latestCheckpoint().string(), false});
        if (best) {
            saveCheckpoint(dir.bestCheckpoint(), c);
            observer.onCheckpoint({step, dir.bestCheckpoint().string(), true});
        }
    }

    void updateSummary(RunStatus status, double elapsed)
    {
        summary.status = status;
        summary.steps = step;
        summary.maxSteps = config.train.maxSteps;
        summary.wallSeconds = elapsed;
        summary.tokensSeen = tokensSeen;
        summary.tokensPerSecond = elapsed > 0 ? double(tokensSeen) / elapsed : 0.0;
        if (std::isfinite(bestValLoss))
            summary.bestValLoss = bestValLoss;
        summary.updatedAt = utcTimestamp();
        dir.writeSummary(summary);
    }

    EvalMetrics evaluate(double elapsed)
    {
        EvalMetrics m;
        m.step = step;
        {
            // Evaluation runs in fp32 whatever the training precision, so losses compare across runs.
            FullPrecisionScope fp32;
            objective->evaluate(model, m, summary);
            if (fineTuned() && forgetting.enabled()) {
                m.forgettingPerplexity = forgetting.perplexity(model, config.train.batchSize);
                if (!summary.forgettingBefore)
                    summary.forgettingBefore = m.forgettingPerplexity;
                summary.forgettingAfter = m.forgettingPerplexity;
            }
        }
        m.improved = m.valLoss < bestValLoss;
        if (m.improved)
            bestValLoss = m.valLoss;
        m.bestValLoss = bestValLoss;
        m.elapsedSeconds = elapsed;
        return m;
    }
};

Trainer::Trainer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Trainer::~Trainer() = default;

std::unique_ptr<Trainer> Trainer::create(const RunConfig& configIn, const fs::path& runDir)
{
    throwIfInvalid(configIn);
    auto impl = std::make_unique<Impl>(runDir);
    std::error_code ec;
    if (fs::exists(impl->dir.summaryFile(), ec) || fs::exists(impl->dir.latestCheckpoint(), ec))
        throw InputError(runDir.string(), "", "already holds a run; resume it or choose another output folder");
    impl->config = configIn;
    impl->objective = makeObjective(impl->config);
    impl->threads = configureThreads(impl->config.train.threads);
    if (impl->config.isFineTuning()) {
        const ParentModel parent = loadParent(impl->config.initFrom);
        if (parent.config.isFineTuning() && parent.config.sft.chatTemplate != impl->config.sft.chatTemplate)
            impl->startNotes.push_back("the parent was tuned with another chat template; answers in the old "
                                       "format may be lost");
        inheritFromParent(impl->config, parent.config);
        throwIfInvalid(impl->config);
        impl->tokenizer = loadTokenizer(parent.tokenizer, parent.checkpoint.string() + " (tokenizer)");
        impl->summary.parentRun = parent.runDir.string();
        impl->summary.parentCheckpoint = parent.checkpoint.string();
        impl->buildModelAndOptimizer(&parent);
        const auto notes = impl->startNotes;
        impl->loadFinetuneData(parent.config.data.valFraction);
        if (impl->objective->usesReference())
            impl->objective->computeReference(impl->model); // still the parent's weights (LoRA's B starts at 0)
        impl->objective->initialiseModel(impl->model);
        impl->startNotes.insert(impl->startNotes.begin(), notes.begin(), notes.end());
        impl->encodeProbes();
    } else {
        const CorpusSample corpus = sampleCorpus(impl->config.data.corpus);
        impl->corpusHash = corpus.hash;
        impl->tokenizer = makeTokenizer(impl->config.tokenizer, corpus.text);
        impl->config.model.vocabSize = impl->tokenizer->vocabSize();
        impl->loadCorpusData();
        impl->encodeProbes();
        impl->buildModelAndOptimizer();
    }
    impl->batchRng = SplitMix64(impl->config.train.seed ^ kBatchSeedSalt);

    fs::create_directories(runDir);
    impl->dir.writeConfig(impl->config);
    writeFileAtomically(impl->dir.tokenizerFile(), impl->tokenizer->serialize());
    impl->summary.method = impl->config.method;
    impl->summary.parameterCount = impl->parameterCount();
    impl->summary.trainableParameters = impl->trainableParameterCount();
    impl->summary.startedAt = utcTimestamp();
    impl->updateSummary(RunStatus::Running, 0.0);
    return std::unique_ptr<Trainer>(new Trainer(std::move(impl)));
}

std::unique_ptr<Trainer> Trainer::resume(const fs::path& runDir)
{
    auto impl = std::make_unique<Impl>(runDir);
    std::error_code ec;
    if (!fs::exists(impl->dir.latestCheckpoint(), ec))
        throw InputError(runDir.string(), "", "has no checkpoint to resume from (checkpoints/latest.safetensors)");
    Checkpoint c = loadCheckpoint(impl->dir.latestCheckpoint());
    impl->config = c.config;
    throwIfInvalid(impl->config);
    impl->objective = makeObjective(impl->config);
    impl->threads = configureThreads(impl->config.train.threads);
    impl->tokenizer = loadTokenizer(c.tokenizer, impl->dir.latestCheckpoint().string() + " (tokenizer)");
    if (impl->config.isFineTuning()) {
        impl->buildModelAndOptimizer();
        // The meter's split needs the parent's val fraction; the parent checkpoint the run started from has it.
        RunSummary before;
        try {
            before = impl->dir.readSummary();
        } catch (const InputError&) {
        }
        double parentValFraction = impl->config.data.valFraction;
        std::error_code exists;
        if (!before.parentCheckpoint.empty() && fs::exists(before.parentCheckpoint, exists))
            parentValFraction = loadCheckpoint(before.parentCheckpoint).config.data.valFraction;
        impl->loadFinetuneData(parentValFraction);
        if (impl->objective->usesReference()) {
            // The reference is the parent the run started from (a LoRA parent's adapters merged, as at the start).
            const ParentModel parent =
                loadParent(before.parentCheckpoint.empty() ? impl->config.initFrom : before.parentCheckpoint);
            Gpt reference(impl->config.model);
            loadWeights(reference, parent.weights, parent.checkpoint);
            impl->objective->computeReference(reference);
        }
        if (impl->corpusHash != c.corpusHash)
            throw InputError(impl->config.data.train, "data.train",
                             "changed since the checkpoint was written (hash " + impl->corpusHash +
                                 ", checkpoint has " + c.corpusHash + "); resuming would train on different data");
        impl->encodeProbes();
    } else {
        const std::string hash = corpusHash(impl->config.data.corpus);
        if (hash != c.corpusHash)
            throw InputError(impl->config.data.corpus, "data.corpus",
                             "changed since the checkpoint was written (hash " + hash + ", checkpoint has " +
                                 c.corpusHash + "); resuming would train on different data");
        impl->corpusHash = hash;
        impl->loadCorpusData();
        impl->encodeProbes();
        impl->buildModelAndOptimizer();
    }
    loadWeights(impl->model, c.model, impl->dir.latestCheckpoint());
    impl->optimizer->loadStateDict(c.optimizer);
    std::map<std::string, torch::Tensor> objectiveState;
    const std::string prefix = kObjectiveStatePrefix;
    for (const auto& [name, value] : c.optimizer)
        if (name.rfind(prefix, 0) == 0)
            objectiveState.emplace(name.substr(prefix.size()), value);
    impl->objective->restoreState(objectiveState);
    impl->batchRng.setState(c.batchRngState);
    if (c.torchRngState.defined())
        setCpuRngState(c.torchRngState);
    impl->step = impl->startStep = c.step;
    impl->resumed = true;
    removeStaleTempFiles(impl->dir.root());
    removeStaleTempFiles(impl->dir.latestCheckpoint().parent_path());
    impl->bestValLoss = c.bestValLoss;
    impl->elapsedBefore = c.elapsedSeconds;
    impl->tokensSeen = c.tokensSeen;
    impl->dir.truncateMetricsAfter(c.step);
    impl->dir.truncateSamplesAfter(c.step);
    impl->dir.truncateRolloutsAfter(c.step);
    try {
        impl->summary = impl->dir.readSummary();
        impl->summary.error.clear();
        impl->summary.finalValLoss.reset();
    } catch (const InputError&) {
        impl->summary.method = impl->config.method;
        impl->summary.startedAt = utcTimestamp();
    }
    impl->summary.parameterCount = impl->parameterCount();
    impl->summary.trainableParameters = impl->trainableParameterCount();
    impl->updateSummary(RunStatus::Running, impl->elapsedBefore);
    return std::unique_ptr<Trainer>(new Trainer(std::move(impl)));
}

const RunConfig& Trainer::config() const { return m_impl->config; }
const RunDirectory& Trainer::runDirectory() const { return m_impl->dir; }
int64_t Trainer::parameterCount() const { return m_impl->parameterCount(); }
int64_t Trainer::startStep() const { return m_impl->startStep; }

std::string Trainer::sample(const std::string& prompt, int64_t maxNewTokens, double temperature, uint64_t seed)
{
    Impl& d = *m_impl;
    std::vector<TokenId> ids = d.tokenizer->encode(prompt.empty() ? std::string("\n") : prompt);
    SampleOptions options;
    options.maxNewTokens = maxNewTokens;
    options.temperature = temperature;
    options.seed = seed;
    return d.tokenizer->decode(generate(d.model, ids, options));
}

TrainResult Trainer::run(TrainingObserver& observer, std::stop_token stop)
{
    Impl& d = *m_impl;
    const TrainConfig& tc = d.config.train;
    TrainingObjective& objective = *d.objective;
    const int64_t tokensPerStep = tc.tokensPerStep(d.rowLength()) * objective.rowsPerExample();
    configureThreads(tc.threads);

    RunInfo info;
    info.parameterCount = d.parameterCount();
    info.vocabSize = d.config.model.vocabSize;
    info.trainableParameters = d.trainableParameterCount();
    info.trainTokens = objective.trainTokens();
    info.valTokens = objective.valTokens();
    info.startStep = d.startStep;
    info.maxSteps = tc.maxSteps;
    info.tokensPerStep = tokensPerStep;
    info.threads = d.threads;
    info.tokensFromCache = objective.tokensFromCache();
    observer.onStart(info);
    for (const auto& note : d.startNotes)
        observer.onLog(LogLevel::Warning, note);

    const auto loopStart = Clock::now();
    auto elapsed = [&] { return d.elapsedBefore + secondsSince(loopStart); };
    TrainResult result;
    auto finish = [&](TrainOutcome outcome, RunStatus status) {
        d.updateSummary(status, elapsed());
        result.outcome = outcome;
        result.summary = d.summary;
        return result;
    };

    try {
        AutocastScope autocast(tc.precision == Precision::Bf16);
        int64_t lastCheckpointStep = d.startStep;
        const int64_t iteration = objective.stepsPerIteration(); // checkpoints and stops only between iterations
        auto evalAndCheckpoint = [&] {
            const EvalMetrics m = d.evaluate(elapsed());
            json line = {{"step", m.step},
                         {"eval_loss", m.valLoss},
                         {"eval_train_loss", m.trainLoss},
                         {"best_val_loss", m.bestValLoss},
                         {"elapsed_s", m.elapsedSeconds},
                         {"epoch", double(d.tokensSeen) / double(objective.trainTokens())}};
            if (m.forgettingPerplexity)
                line["forgetting_perplexity"] = *m.forgettingPerplexity;
            for (const auto& metric : m.metrics)
                line[metric.name] = metric.value;
            d.dir.appendMetrics(line);
            observer.onEval(m);
            // Outside any step's timing, so tokens/s stays the training speed; it counts in the wall time.
            if (!d.probeIds.empty() && objective.generatesText()) {
                const SampleSet samples = d.sampleProbes();
                d.dir.appendSamples(samples);
                observer.onSamples(samples);
            }
            if ((d.step > lastCheckpointStep || d.step == 0) && (d.step % iteration == 0 || d.step == tc.maxSteps)) {
                d.writeCheckpoint(observer, elapsed(), m.improved);
                lastCheckpointStep = d.step;
                d.updateSummary(RunStatus::Running, elapsed());
            }
        };

        for (; d.step < tc.maxSteps; ++d.step) {
            if (stop.stop_requested() && d.step % iteration == 0) {
                if (d.step > lastCheckpointStep)
                    d.writeCheckpoint(observer, elapsed(), false);
                observer.onLog(LogLevel::Info, "stopped at step " + std::to_string(d.step));
                return finish(TrainOutcome::Stopped, RunStatus::Stopped);
            }
            if (d.step % tc.evalInterval == 0 && !(d.step == d.startStep && d.resumed))
                evalAndCheckpoint();

            const auto stepStart = Clock::now();
            const double lr = learningRateAt(d.step, tc);
            d.optimizer->zeroGrad();
            double loss = 0;
            for (int64_t micro = 0; micro < tc.gradAccum; ++micro) {
                torch::Tensor microLoss = objective.microBatchLoss(d.model, d.batchRng) / double(tc.gradAccum);
                microLoss.backward();
                loss += microLoss.item<double>();
            }
            double gradNorm = 0;
            if (tc.gradClip > 0) {
                gradNorm = torch::nn::utils::clip_grad_norm_(d.model->parameters(), tc.gradClip);
            } else {
                torch::NoGradGuard noGrad;
                double sq = 0;
                for (const auto& p : d.model->parameters())
                    if (p.grad().defined())
                        sq += p.grad().pow(2).sum().item<double>();
                gradNorm = std::sqrt(sq);
            }
            if (!std::isfinite(loss) || !std::isfinite(gradNorm)) {
                const bool lossBad = !std::isfinite(loss);
                const double bad = lossBad ? loss : gradNorm;
                d.summary.error = std::string(lossBad ? "the loss" : "the gradient norm") + " became " +
                                  (std::isnan(bad) ? "NaN" : "infinite") + " at step " + std::to_string(d.step + 1) + " (learning rate " + std::to_string(lr) +
                                  "); training stopped and the last good checkpoint (step " +
                                  std::to_string(lastCheckpointStep) +
                                  ") was kept. Try a lower train.learning_rate or train.grad_clip.";
                observer.onLog(LogLevel::Error, d.summary.error);
                return finish(TrainOutcome::Failed, RunStatus::Failed);
            }
            d.optimizer->step(lr);
            if (tc.precision == Precision::Bf16)
                at::autocast::clear_cache();
            d.tokensSeen += tokensPerStep;
            const double stepSeconds = secondsSince(stepStart);

            StepMetrics m;
            m.step = d.step + 1;
            m.maxSteps = tc.maxSteps;
            m.loss = loss;
            m.learningRate = lr;
            m.gradNorm = gradNorm;
            m.tokensPerSecond = stepSeconds > 0 ? double(tokensPerStep) / stepSeconds : 0.0;
            m.elapsedSeconds = elapsed();
            const double sessionSeconds = secondsSince(loopStart);
            const int64_t sessionSteps = m.step - d.startStep;
            m.etaSeconds = sessionSteps > 0 ? sessionSeconds / double(sessionSteps) * double(tc.maxSteps - m.step) : 0.0;
            m.tokensSeen = d.tokensSeen;
            m.metrics = objective.takeStepMetrics();
            // An RL method's step values (one rollout each) are logged at every step.
            if (m.step % tc.logInterval == 0 || m.step == tc.maxSteps || !m.metrics.empty()) {
                json line = {{"step", m.step},
                             {"loss", m.loss},
                             {"learning_rate", m.learningRate},
                             {"grad_norm", m.gradNorm},
                             {"tokens_per_second", m.tokensPerSecond},
                             {"elapsed_s", m.elapsedSeconds},
                             {"eta_s", m.etaSeconds},
                             {"epoch", double(d.tokensSeen) / double(objective.trainTokens())}};
                for (const auto& metric : m.metrics)
                    line[metric.name] = metric.value;
                d.dir.appendMetrics(line);
            }
            if (auto samples = objective.takeRolloutSamples(); !samples.empty())
                d.dir.appendRollouts({m.step, std::move(samples)});
            observer.onStep(m);
        }
        // Final evaluation at max_steps (unless it just happened), then the whole val split.
        evalAndCheckpoint();
        const double wall = elapsed();
        {
            FullPrecisionScope fp32;
            d.summary.finalValLoss = objective.finalValLoss(d.model);
            d.checkAdapterEffect(observer);
        }
        d.updateSummary(RunStatus::Completed, wall);
        result.outcome = TrainOutcome::Completed;
        result.summary = d.summary;
        observer.onLog(LogLevel::Info, "final validation loss over the whole split: " +
                                           std::to_string(*d.summary.finalValLoss));
        return result;
    } catch (const std::exception& e) {
        d.summary.error = e.what();
        try {
            d.updateSummary(RunStatus::Failed, elapsed());
        } catch (...) {
            // The original error matters more than a failed summary write.
        }
        throw;
    }
}

} // namespace tb::core
