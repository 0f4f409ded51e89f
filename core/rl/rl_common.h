// SPDX-License-Identifier: MIT
// What the RL objectives (grpo, ppo; core/train/objectives/) share: their prompts and reward source, the frozen
// reference (a full copy of the parent), rollouts of a batch of prompts with the answers decoded and scored, the
// per-answer KL and entropy, the rollout samples kept in rollouts.jsonl, and the evaluation on held-out prompts.
// Torch is in this header: include it from .cpp files only. Calling thread only.
#pragma once

#include "core/common/rng.h"
#include "core/io/run_config.h"
#include "core/model/gpt.h"
#include "core/rl/reward_source.h"
#include "core/rl/rl_prompts.h"
#include "core/rl/rollout.h"
#include "core/store/run_dir.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/training_observer.h"

#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tb::core::rl {

/// At most this many answers of each step go to rollouts.jsonl.
inline constexpr size_t kRolloutSamplesPerStep = 8;

/// One scored rollout.
struct ScoredRollout {
    Rollout rollout;
    std::vector<std::string> prompts;  // the user's prompt text of every row
    std::vector<std::string> answers;  // decoded, cut at the answer end
    RewardScores scores;
    torch::Tensor refLogprobs;         // [B, R] the reference's log-probabilities of the sampled tokens (no grad)
    torch::Tensor klPerAnswer;         // [B] summed k1 KL (rollout log-probabilities minus the reference's)
    torch::Tensor entropyPerAnswer;    // [B] summed -logprob of the sampled tokens
};

class RlSetup {
public:
    /// Reads the prompts and the reward source (InputErrors before anything is written). `maxNewTokens` and
    /// `temperature` are the method's; `rowLength` the policy's input length; `maxNewKey` names the key for errors.
    void load(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength, int64_t maxNewTokens,
              double temperature, const std::string& maxNewKey, std::vector<std::string>& notes);
    /// The frozen reference: a full copy of `parent`'s base weights (adapters excluded) in a plain model.
    void setReference(Gpt& parent);

    const RlPrompts& prompts() const { return m_prompts; }
    const ChatTemplate* chatTemplate() const { return m_prompts.chat ? &m_prompts.chatTemplate : nullptr; }
    const RewardSource& rewardSource() const { return m_reward; }
    double temperature() const { return m_options.temperature; }
    int64_t maxNewTokens() const { return m_options.maxNewTokens; }

    /// Answers `prompts` (indices into the train or val split) `repeat` times each in a row, with `seed`; scores
    /// the answers and computes the reference's log-probabilities.
    ScoredRollout rollout(Gpt& model, const std::vector<RlPrompt>& split, const std::vector<int64_t>& indices,
                          int64_t repeat, uint64_t seed);

    /// The rows `rows` [n] (int64) of a rollout, as a rollout of their own (for PPO's minibatches).
    static Rollout selectRows(const Rollout& rollout, const torch::Tensor& rows);

    /// The first kRolloutSamplesPerStep answers of a rollout, for rollouts.jsonl.
    static std::vector<RolloutSample> samplesOf(const ScoredRollout& r);

    /// Mean reward (and gold) of one answer per prompt at `indices` of `split` (all when empty), sampled with a
    /// fixed seed, in chunks of `chunk` prompts. Eval mode, no grad (generateRollout).
    struct EvalResult {
        double reward = 0.0;
        std::optional<double> gold;
    };
    EvalResult evaluate(Gpt& model, const std::vector<RlPrompt>& split, std::vector<int64_t> indices, int64_t chunk,
                        uint64_t seed);

private:
    RunConfig m_config;
    const Tokenizer* m_tokenizer = nullptr;
    RlPrompts m_prompts;
    RewardSource m_reward;
    RolloutOptions m_options;
    Gpt m_reference{nullptr};
};

/// Named step metrics averaged over the micro-batches of one step.
class MetricAverager {
public:
    void add(const std::vector<NamedMetric>& values);
    /// The averages, in first-seen order; clears.
    std::vector<NamedMetric> take();

private:
    std::vector<NamedMetric> m_sums;
    std::vector<int64_t> m_counts;
};

/// Whether the parent named by init_from is a fine-tuned (chat) model: its prompts then use the chat template.
bool parentIsChatModel(const RunConfig& config);

} // namespace tb::core::rl
