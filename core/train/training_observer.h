// SPDX-License-Identifier: MIT
// What a training run reports while it runs: value types and an observer interface with empty defaults. The hooks
// are called on the thread that runs Trainer::run(); an observer that feeds a GUI must hand the values over to its
// own thread (ui/bridge does). Hooks must be quick: they run between training steps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tb::core {

/// A value a training method adds, under its TRL-style name as in metrics.jsonl ("eval_rewards/accuracies",
/// "eval_accuracy", ...). The registry stores and the Monitor plots these by name, so a new method needs no schema
/// change.
struct NamedMetric {
    std::string name;
    double value = 0;
};

struct RunInfo {
    int64_t parameterCount = 0;
    int64_t vocabSize = 0;
    int64_t trainTokens = 0;
    int64_t valTokens = 0;
    int64_t startStep = 0;       // > 0 when resuming
    int64_t maxSteps = 0;
    int64_t tokensPerStep = 0;
    int threads = 1;
    bool tokensFromCache = false;
    int64_t trainableParameters = 0; // == parameterCount for pretrain and full SFT; adapters only for LoRA/prompt tuning
};

struct StepMetrics {
    int64_t step = 0;            // optimizer steps done, 1-based after the first update
    int64_t maxSteps = 0;
    double loss = 0;             // mean training loss of this step's micro-batches
    double learningRate = 0;
    double gradNorm = 0;         // global L2 norm before clipping
    double tokensPerSecond = 0;  // this step's throughput
    double elapsedSeconds = 0;   // since the run started (earlier sessions of a resumed run included)
    double etaSeconds = 0;
    int64_t tokensSeen = 0;
    std::vector<NamedMetric> metrics; // the method's own training-step values (none for pretrain/SFT/DPO)
};

struct EvalMetrics {
    int64_t step = 0;            // optimizer steps done when evaluated
    double trainLoss = 0;        // on fixed train batches
    double valLoss = 0;          // on fixed val batches
    double bestValLoss = 0;      // including this one
    bool improved = false;
    double elapsedSeconds = 0;
    /// Fine-tuning only: perplexity on the held-out slice of the parent's pretraining corpus (the forgetting meter).
    std::optional<double> forgettingPerplexity;
    /// DPO and reward_model (on the held-out pairs; trainLoss and valLoss are then the method's loss): the share of
    /// pairs whose chosen reward beats the rejected one and the mean reward margin; DPO also has the mean rewards.
    std::optional<double> rewardAccuracy;
    std::optional<double> rewardMargin;
    std::optional<double> rewardChosen;
    std::optional<double> rewardRejected;
    /// Every value the method adds (DPO: eval_rewards/*; reward_model: eval_accuracy, eval_margin, ...), by name.
    std::vector<NamedMetric> metrics;
};

/// The value named `name` in `metrics`, or nothing.
inline std::optional<double> findMetric(const std::vector<NamedMetric>& metrics, const std::string& name)
{
    for (const auto& m : metrics)
        if (m.name == name)
            return m.value;
    return std::nullopt;
}

struct CheckpointInfo {
    int64_t step = 0;
    std::string path;
    bool best = false;
};

/// The continuation of one fixed probe prompt, sampled at an evaluation so a user can watch the text improve.
struct ProbeSample {
    std::string prompt;
    std::string text;    // the generated continuation only
};

struct SampleSet {
    int64_t step = 0;    // optimizer steps done when sampled
    std::vector<ProbeSample> samples;
};

enum class LogLevel { Info, Warning, Error };

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onStart(const RunInfo&) {}
    virtual void onStep(const StepMetrics&) {}
    virtual void onEval(const EvalMetrics&) {}
    virtual void onCheckpoint(const CheckpointInfo&) {}
    /// After an evaluation, when the run has probe prompts.
    virtual void onSamples(const SampleSet&) {}
    virtual void onLog(LogLevel, const std::string&) {}
};

} // namespace tb::core
