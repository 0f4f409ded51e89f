// SPDX-License-Identifier: MIT
// Method grpo (Shao et al. 2024; TRL's GRPOTrainer): each micro-batch is one rollout of grpo.rollout_prompts
// prompts x grpo.group_size answers (seeded from the step's batch RNG, so resume is exact), scored by the reward
// source (core/rl/reward_source.h); advantages are relative to each prompt's group and the loss is the clipped
// surrogate plus grpo.kl_coef times the k3 KL to the frozen parent (core/rl/grpo_math.h). One optimizer step per
// rollout (TRL's num_iterations 1: the old log-probabilities are the new ones, detached). Evaluation: the mean
// reward of one sampled answer per held-out prompt (eval_reward; eval_loss is its negative, so the best
// checkpoint has the highest reward).
#include "core/train/objectives/objectives.h"

#include "core/rl/grpo_math.h"
#include "core/rl/rl_common.h"
#include "core/train/finetune.h"

#include <torch/torch.h>

#include <utility>

namespace tb::core {
namespace {

constexpr uint64_t kEvalRolloutSalt = 0x6e7a1ULL;

class GrpoObjective final : public TrainingObjective {
public:
    void load(const ObjectiveInput& in, std::vector<std::string>& notes) override
    {
        m_config = in.config.grpo;
        m_rowLength = in.rowLength;
        m_batchSize = in.config.train.batchSize;
        m_seed = in.config.train.seed;
        m_lossType = rl::grpoLossTypeFromName(m_config.lossType);
        m_rl.load(in.config, in.tokenizer, in.rowLength, m_config.maxNewTokens, m_config.temperature,
                  "grpo.max_new_tokens", notes);
        const int64_t evalPrompts = m_config.rolloutPrompts * m_config.groupSize;
        m_evalTrain = fixedRowIndices(static_cast<int64_t>(m_rl.prompts().train.size()), evalPrompts,
                                      m_seed ^ kEvalTrainSeedSalt);
        m_evalVal = fixedRowIndices(static_cast<int64_t>(m_rl.prompts().val.size()), evalPrompts,
                                    m_seed ^ kEvalValSeedSalt);
    }
    const std::string& dataHash() const override { return m_rl.prompts().hash; }
    const ChatTemplate* chatTemplate() const override { return m_rl.chatTemplate(); }

    bool usesReference() const override { return true; }
    void computeReference(Gpt& reference) override { m_rl.setReference(reference); }

    torch::Tensor microBatchLoss(Gpt& model, SplitMix64& rng) override
    {
        const std::vector<int64_t> prompts =
            drawIndices(m_rl.prompts().train.size(), m_config.rolloutPrompts, rng);
        const uint64_t seed = rng.next();
        const rl::ScoredRollout r = m_rl.rollout(model, m_rl.prompts().train, prompts, m_config.groupSize, seed);
        const torch::Tensor rewards = torch::tensor(r.scores.reward, torch::kDouble).to(torch::kFloat);
        const torch::Tensor advantages = rl::groupAdvantages(rewards, m_config.groupSize, m_config.scaleRewards);
        const torch::Tensor logprobs =
            rl::tokenLogprobs(rl::responseLogits(model, r.rollout), r.rollout.responses, m_config.temperature);
        const rl::GrpoLoss loss =
            rl::grpoLoss(logprobs, logprobs.detach(), r.refLogprobs, advantages, r.rollout.responseMask,
                         m_config.klCoef, m_config.epsilon, m_config.epsilon, m_lossType, m_config.maxNewTokens);

        const double mean = rewards.mean().item<double>();
        const torch::Tensor lengths = r.rollout.responseMask.to(torch::kFloat).sum(1);
        std::vector<NamedMetric> values = {
            {"objective/scores", mean},
            {"reward", mean},
            {"reward_std", rewards.numel() > 1 ? rewards.std().item<double>() : 0.0},
            {"objective/kl", r.klPerAnswer.mean().item<double>()},
            {"objective/entropy", r.entropyPerAnswer.mean().item<double>()},
            {"kl", loss.kl},
            {"clip_ratio/low_mean", loss.clipRatioLow},
            {"clip_ratio/high_mean", loss.clipRatioHigh},
            {"clip_ratio/region_mean", loss.clipRatio},
            {"frac_reward_zero_std", rl::fracRewardZeroStd(rewards, m_config.groupSize)},
            {"completions/mean_length", lengths.mean().item<double>()},
            {"completions/clipped_ratio", 1.0 - r.rollout.ended.to(torch::kFloat).mean().item<double>()},
        };
        if (const auto gold = r.scores.meanGold())
            values.push_back({"objective/gold", *gold});
        if (const auto model = r.scores.meanModel())
            values.push_back({"objective/reward_model", *model});
        m_stepMetrics.add(values);
        if (m_samples.empty())
            m_samples = rl::RlSetup::samplesOf(r);
        return loss.loss;
    }

    std::vector<NamedMetric> takeStepMetrics() override { return m_stepMetrics.take(); }
    std::vector<RolloutSample> takeRolloutSamples() override { return std::exchange(m_samples, {}); }

    void evaluate(Gpt& model, EvalMetrics& m, RunSummary& /*summary*/) override
    {
        const int64_t chunk = m_config.rolloutPrompts * m_config.groupSize;
        const uint64_t seed = m_seed ^ kEvalRolloutSalt;
        const auto train = m_rl.evaluate(model, m_rl.prompts().train, m_evalTrain, chunk, seed);
        const auto val = m_rl.evaluate(model, m_rl.prompts().val, m_evalVal, chunk, seed);
        m.trainLoss = -train.reward;
        m.valLoss = -val.reward;
        m.metrics = {{"eval_reward", val.reward}, {"eval_train_reward", train.reward}};
        if (val.gold)
            m.metrics.push_back({"eval_gold", *val.gold});
    }
    double finalValLoss(Gpt& model) override
    {
        return -m_rl.evaluate(model, m_rl.prompts().val, {}, m_config.rolloutPrompts * m_config.groupSize,
                              m_seed ^ kEvalRolloutSalt).reward;
    }

    /// A step answers rollout_prompts prompts (epoch = prompts answered / training prompts).
    int64_t rowsPerExample() const override { return m_config.rolloutPrompts; }
    int64_t trainTokens() const override
    {
        return static_cast<int64_t>(m_rl.prompts().train.size()) * m_rowLength * m_batchSize;
    }
    int64_t valTokens() const override { return static_cast<int64_t>(m_rl.prompts().val.size()) * m_rowLength; }

private:
    GrpoConfig m_config;
    int64_t m_rowLength = 0;
    int64_t m_batchSize = 1;
    uint64_t m_seed = 0;
    rl::GrpoLossType m_lossType = rl::GrpoLossType::Grpo;
    rl::RlSetup m_rl;
    std::vector<int64_t> m_evalTrain, m_evalVal;
    rl::MetricAverager m_stepMetrics;
    std::vector<RolloutSample> m_samples;
};

} // namespace

std::unique_ptr<TrainingObjective> makeGrpoObjective() { return std::make_unique<GrpoObjective>(); }

} // namespace tb::core
