// SPDX-License-Identifier: MIT
// The seam between the Trainer and a training method: one TrainingObjective per method owns the method's data
// (batches), its loss, its evaluation metrics and summary fields. The Trainer does the rest the same way for every
// method (model and optimizer, the parent of a fine-tuning run, the loop, checkpoints, probes, the forgetting
// meter). A new method is one objective file in core/train/objectives/ plus one row in the table of
// objective.cpp (and its config keys). Torch is in this header: include it from .cpp files only. Calling thread
// only.
#pragma once

#include "core/common/rng.h"
#include "core/data/chat_template.h"
#include "core/io/run_config.h"
#include "core/model/gpt.h"
#include "core/store/run_dir.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/training_observer.h"

#include <torch/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tb::core {

/// Salts of the fixed evaluation batches' seeds (train.seed ^ salt), shared by every method.
inline constexpr uint64_t kEvalTrainSeedSalt = 0xe7a1ULL;
inline constexpr uint64_t kEvalValSeedSalt = 0xe7a2ULL;

/// `count` indices below `size`, drawn from `rng` (one draw each): a micro-batch's examples.
inline std::vector<int64_t> drawIndices(size_t size, int64_t count, SplitMix64& rng)
{
    std::vector<int64_t> out(static_cast<size_t>(count));
    for (auto& i : out)
        i = static_cast<int64_t>(rng.below(size));
    return out;
}

/// What an objective's data is read with.
struct ObjectiveInput {
    const RunConfig& config;
    const Tokenizer& tokenizer;
    int64_t rowLength = 0;        // the model's maxInputLength()
    std::string knownCorpusHash;  // pretrain: the corpus hash the Trainer already has (saves a pass)
};

class TrainingObjective {
public:
    virtual ~TrainingObjective() = default;

    /// Reads and tokenises the method's data. Throws InputError (file, line, field) for bad input, before the run
    /// writes anything. Warnings to show when the run starts go to `notes`.
    virtual void load(const ObjectiveInput& input, std::vector<std::string>& notes) = 0;
    /// Hash of the training data: a resume refuses data that changed since the checkpoint.
    virtual const std::string& dataHash() const = 0;
    /// The key that names the data in errors ("data.train", "data.corpus").
    virtual std::string dataKey() const { return "data.train"; }

    /// Methods that compare against a frozen reference (DPO) compute what they need from it once: at create from
    /// the model itself (still the parent's weights), at resume from the parent checkpoint.
    virtual bool usesReference() const { return false; }
    virtual void computeReference(Gpt& /*reference*/) {}

    /// The chat template probe prompts are wrapped in (fine-tuning methods); nullptr: raw prompts.
    virtual const ChatTemplate* chatTemplate() const { return nullptr; }
    /// False for methods whose model does not write text worth sampling (reward_model): no probe samples and no
    /// adapter-effect check.
    virtual bool generatesText() const { return true; }

    /// One micro-batch's loss (with a gradient), its examples drawn from `rng`.
    virtual torch::Tensor microBatchLoss(Gpt& model, SplitMix64& rng) = 0;
    /// Fills m.trainLoss / m.valLoss on the fixed eval batches, the method's metrics (m.metrics by name, and the
    /// typed fields the printers show) and its summary fields. The Trainer calls it in fp32; the objective uses
    /// EvalModeGuard and no-grad itself.
    virtual void evaluate(Gpt& model, EvalMetrics& m, RunSummary& summary) = 0;
    /// The loss over the whole validation set at the end of the run.
    virtual double finalValLoss(Gpt& model) = 0;

    /// A new run's model after the parent's weights are loaded and the data read (PPO: the value head's start).
    virtual void initialiseModel(Gpt& /*model*/) {}
    /// Optimizer steps that belong together (PPO: epochs x minibatches steps per rollout): the Trainer stops and
    /// writes checkpoints only at multiples of it (and at the run's end), so a checkpoint never splits them.
    virtual int64_t stepsPerIteration() const { return 1; }
    /// What the objective keeps between steps that a checkpoint must hold (PPO: the KL coefficient), by name; the
    /// Trainer stores it with the optimizer state ("objective.<name>") and gives it back on resume.
    virtual std::map<std::string, torch::Tensor> state() const { return {}; }
    virtual void restoreState(const std::map<std::string, torch::Tensor>& /*state*/) {}

    /// RL methods (grpo, ppo): the values of the step just taken under TRL's names (objective/scores, kl, ...),
    /// averaged over its micro-batches; logged with the step and then cleared. None for the other methods.
    virtual std::vector<NamedMetric> takeStepMetrics() { return {}; }
    /// RL methods: some answers of the step just taken, for rollouts.jsonl (the Trainer adds the step); cleared.
    virtual std::vector<RolloutSample> takeRolloutSamples() { return {}; }

    /// Rows of one training example (a preference pair is two) and the token counts shown at the start.
    virtual int64_t rowsPerExample() const { return 1; }
    virtual int64_t trainTokens() const = 0;
    virtual int64_t valTokens() const = 0;
    virtual bool tokensFromCache() const { return false; }
};

/// The objective of `config.method`; Error for a method without one (RunConfig::validate refuses those first).
std::unique_ptr<TrainingObjective> makeObjective(const RunConfig& config);

/// Every method that has an objective, in the table's order.
std::vector<std::string> objectiveMethods();

} // namespace tb::core
