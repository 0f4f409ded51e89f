// SPDX-License-Identifier: MIT
// Where an RL run (grpo, ppo) gets the reward of an answer (config reward.*): a reward-model run (the proxy,
// loaded as `tunebench-cli score` loads it), the built-in gold scorer, or the weighted mix
//   reward = reward.model_weight * model score + reward.gold_weight * gold score.
// The gold score is also computed for logging when reward.log_gold is set. Torch is in this header: include it from
// .cpp files only. Calling thread only.
#pragma once

#include "core/io/run_config.h"
#include "core/rl/gold_scorer.h"
#include "core/train/reward_model.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tb::core::rl {

struct RewardScores {
    std::vector<double> reward;              // what the policy is trained on
    std::vector<double> model;               // the reward model's scores (empty without one)
    std::vector<double> gold;                // the gold scores (empty unless gold is used or logged)
    std::optional<double> meanGold() const;
    std::optional<double> meanModel() const;
};

class RewardSource {
public:
    /// Checks and loads config.reward. InputError naming reward.model for a run that is not a reward_model run or
    /// whose tokenizer differs from the policy's (`policyTokenizerJson`: Tokenizer::serialize()); naming the
    /// reward keys when there is no source at all.
    static RewardSource load(const RunConfig& config, const std::string& policyTokenizerJson);

    bool hasModel() const { return m_scorer != nullptr; }
    /// The loaded reward model, or nullptr.
    const RewardScorer* scorer() const { return m_scorer.get(); }
    bool computesGold() const { return m_goldWeight > 0.0 || m_logGold; }
    /// One line for the run's log: what the reward is made of.
    std::string describe() const;

    /// Scores answers[i] to prompts[i] (the user's prompt text, the answer text cut at its end). An empty answer
    /// (or one the reward model's context cannot hold) gets the lowest model score of the batch (0 if none).
    RewardScores score(const std::vector<std::string>& prompts, const std::vector<std::string>& answers);

private:
    std::shared_ptr<RewardScorer> m_scorer;
    std::string m_modelPath;
    double m_modelWeight = 0.0;
    double m_goldWeight = 0.0;
    bool m_logGold = false;
    GoldScorerOptions m_gold;
};

} // namespace tb::core::rl
