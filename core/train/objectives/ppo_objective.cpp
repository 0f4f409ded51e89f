// SPDX-License-Identifier: MIT
// Method ppo (Ziegler et al. 2019; TRL's PPOTrainer). One PPO iteration is ppo.epochs x ppo.minibatches Trainer
// steps: its first step makes a rollout of ppo.rollout_prompts prompts (seeded from the batch RNG), scores the
// answers with the reward source, reads the reference's log-probabilities and the value head's values, and turns
// them into per-token KL-penalised rewards, GAE advantages (whitened) and returns (core/rl/ppo_math.h); every step
// is then one minibatch of the rollout (rows shuffled per epoch from the batch RNG) with the clipped policy loss
// plus ppo.vf_coef times the clipped value loss. The value head is the policy's scalar head (score_head.weight,
// read at every position), started from the reward model's head when there is one, else zeros. The iteration's
// statistics (PpoStats::named(), TRL's names) and rollout samples are logged at its last step. The Trainer
// checkpoints only between iterations (stepsPerIteration), and the KL coefficient of the adaptive controller is
// kept in the checkpoint (state()), so resume is exact.
#include "core/train/objectives/objectives.h"

#include "core/common/error.h"
#include "core/model/eval_mode_guard.h"
#include "core/rl/ppo_math.h"
#include "core/rl/rl_common.h"
#include "core/train/finetune.h"

#include <torch/torch.h>

#include <utility>

namespace tb::core {
namespace {

constexpr uint64_t kEvalRolloutSalt = 0x6e7a2ULL;
constexpr const char* kValueHead = "score_head.weight";
constexpr const char* kEmbedding = "transformer.wte.weight";

torch::Tensor parameter(const torch::nn::Module& model, const std::string& name)
{
    for (const auto& item : model.named_parameters())
        if (item.key() == name)
            return item.value();
    throw Error("the policy has no parameter " + name);
}

class PpoObjective final : public TrainingObjective {
public:
    void load(const ObjectiveInput& in, std::vector<std::string>& notes) override
    {
        m_config = in.config.ppo;
        m_rowLength = in.rowLength;
        m_batchSize = in.config.train.batchSize;
        m_seed = in.config.train.seed;
        if (in.config.train.gradAccum != 1)
            throw InputError("config", "train.grad_accum",
                             "must be 1 for ppo: ppo.epochs x ppo.minibatches set its optimizer steps per rollout");
        m_kl = rl::KlController{m_config.klCoef, m_config.klTarget > 0.0, m_config.klTarget, m_config.klHorizon};
        m_rl.load(in.config, in.tokenizer, in.rowLength, m_config.maxNewTokens, m_config.temperature,
                  "ppo.max_new_tokens", notes);
        const int64_t evalPrompts = m_config.rolloutPrompts;
        m_evalTrain = fixedRowIndices(static_cast<int64_t>(m_rl.prompts().train.size()), evalPrompts,
                                      m_seed ^ kEvalTrainSeedSalt);
        m_evalVal = fixedRowIndices(static_cast<int64_t>(m_rl.prompts().val.size()), evalPrompts,
                                    m_seed ^ kEvalValSeedSalt);
    }
    const std::string& dataHash() const override { return m_rl.prompts().hash; }
    const ChatTemplate* chatTemplate() const override { return m_rl.chatTemplate(); }

    bool usesReference() const override { return true; }
    void computeReference(Gpt& reference) override { m_rl.setReference(reference); }

    void initialiseModel(Gpt& model) override
    {
        torch::NoGradGuard noGrad;
        torch::Tensor head = parameter(*model, kValueHead);
        const RewardScorer* scorer = m_rl.rewardSource().scorer();
        if (scorer) {
            const torch::Tensor from = parameter(*scorer->model, kValueHead);
            if (from.sizes() == head.sizes()) {
                head.copy_(from);
                return;
            }
        }
        head.zero_();
    }

    int64_t stepsPerIteration() const override { return m_config.epochs * m_config.minibatches; }
    std::map<std::string, torch::Tensor> state() const override
    {
        return {{"kl_coef", torch::tensor(m_kl.value, torch::kDouble)}};
    }
    void restoreState(const std::map<std::string, torch::Tensor>& state) override
    {
        if (const auto it = state.find("kl_coef"); it != state.end())
            m_kl.value = it->second.item<double>();
    }

    torch::Tensor microBatchLoss(Gpt& model, SplitMix64& rng) override
    {
        if (m_phase == 0)
            startIteration(model, rng);
        const int64_t rows = m_r.rollout.rows();
        const int64_t size = rows / m_config.minibatches;
        const int64_t minibatch = m_phase % m_config.minibatches;
        if (minibatch == 0) {
            // Fisher-Yates from the batch RNG: a new order of the rows every epoch.
            std::vector<int64_t> order(static_cast<size_t>(rows));
            for (int64_t i = 0; i < rows; ++i)
                order[static_cast<size_t>(i)] = i;
            for (int64_t i = rows - 1; i > 0; --i)
                std::swap(order[static_cast<size_t>(i)], order[rng.below(static_cast<uint64_t>(i) + 1)]);
            m_order = torch::tensor(order, torch::kLong);
        }
        const torch::Tensor idx = m_order.narrow(0, minibatch * size, size);
        const rl::Rollout sub = rl::RlSetup::selectRows(m_r.rollout, idx);
        const torch::Tensor mask = sub.responseMask.to(torch::kFloat);
        auto [logits, values] = logitsAndValues(model, sub);
        const torch::Tensor logprobs = rl::tokenLogprobs(logits, sub.responses, m_config.temperature);
        const rl::PolicyLoss policy = rl::clippedPolicyLoss(logprobs, sub.logprobs, m_advantages.index_select(0, idx),
                                                            mask, m_config.cliprange);
        const rl::ValueLoss value = rl::clippedValueLoss(values, m_values.index_select(0, idx),
                                                         m_returns.index_select(0, idx), mask, m_config.cliprangeValue);
        double entropy = 0.0;
        {
            torch::NoGradGuard noGrad;
            entropy = rl::maskedMean(rl::entropyFromLogits(logits.detach()), mask).item<double>();
        }
        m_stats.add(policy, &value, entropy);
        if (++m_phase == stepsPerIteration())
            finishIteration();
        return policy.loss + m_config.vfCoef * value.loss;
    }

    std::vector<NamedMetric> takeStepMetrics() override { return std::exchange(m_stepMetrics, {}); }
    std::vector<RolloutSample> takeRolloutSamples() override { return std::exchange(m_samples, {}); }

    void evaluate(Gpt& model, EvalMetrics& m, RunSummary& /*summary*/) override
    {
        const uint64_t seed = m_seed ^ kEvalRolloutSalt;
        const auto train = m_rl.evaluate(model, m_rl.prompts().train, m_evalTrain, m_config.rolloutPrompts, seed);
        const auto val = m_rl.evaluate(model, m_rl.prompts().val, m_evalVal, m_config.rolloutPrompts, seed);
        m.trainLoss = -train.reward;
        m.valLoss = -val.reward;
        m.metrics = {{"eval_reward", val.reward}, {"eval_train_reward", train.reward}};
        if (val.gold)
            m.metrics.push_back({"eval_gold", *val.gold});
    }
    double finalValLoss(Gpt& model) override
    {
        return -m_rl.evaluate(model, m_rl.prompts().val, {}, m_config.rolloutPrompts, m_seed ^ kEvalRolloutSalt)
                    .reward;
    }

    /// An iteration answers rollout_prompts prompts over stepsPerIteration() steps (epoch = prompts answered /
    /// training prompts, to rounding).
    int64_t trainTokens() const override
    {
        return static_cast<int64_t>(m_rl.prompts().train.size()) * m_rowLength * m_batchSize *
               stepsPerIteration() / m_config.rolloutPrompts;
    }
    int64_t valTokens() const override { return static_cast<int64_t>(m_rl.prompts().val.size()) * m_rowLength; }

private:
    /// The policy's logits [B, R, V] and the value head's values [B, R] of the response slots, from one forward.
    std::pair<torch::Tensor, torch::Tensor> logitsAndValues(Gpt& model, const rl::Rollout& r)
    {
        const torch::Tensor hidden = model->hiddenStates(r.queryResponses).to(torch::kFloat); // [B, P + R, C]
        const int64_t slots = r.responses.size(1);
        auto index = torch::tensor(r.promptLengths, torch::kLong).unsqueeze(1) - 1 +
                     torch::arange(slots, torch::kLong).unsqueeze(0);
        index = index.unsqueeze(2).expand({-1, -1, hidden.size(2)});
        const torch::Tensor h = hidden.gather(1, index); // [B, R, C]: the state before each response token
        const torch::Tensor logits = torch::nn::functional::linear(h, parameter(*model, kEmbedding).to(torch::kFloat));
        const torch::Tensor values =
            torch::nn::functional::linear(h, parameter(*model, kValueHead).to(torch::kFloat)).squeeze(2);
        return {logits, values};
    }

    void startIteration(Gpt& model, SplitMix64& rng)
    {
        const std::vector<int64_t> prompts = drawIndices(m_rl.prompts().train.size(), m_config.rolloutPrompts, rng);
        const uint64_t seed = rng.next();
        m_r = m_rl.rollout(model, m_rl.prompts().train, prompts, 1, seed);
        const torch::Tensor mask = m_r.rollout.responseMask.to(torch::kFloat);
        {
            torch::NoGradGuard noGrad;
            EvalModeGuard evalMode(*model);
            m_values = logitsAndValues(model, m_r.rollout).second * mask;
        }
        m_scores = rl::applyMissingEosPenalty(torch::tensor(m_r.scores.reward, torch::kDouble).to(torch::kFloat),
                                              m_r.rollout.ended, m_config.missingEosPenalty);
        m_klCoefUsed = m_kl.value;
        const rl::PenalisedRewards rewards =
            rl::klPenalisedRewards(m_scores, m_r.rollout.logprobs, m_r.refLogprobs, mask, m_kl.value);
        const rl::Advantages adv =
            rl::generalizedAdvantages(rewards.rewards, m_values, mask, m_config.gamma, m_config.lam, m_config.whiten);
        m_advantages = adv.advantages;
        m_returns = adv.returns;
        m_rolloutStats = rl::rolloutStats(rewards, m_scores, m_r.rollout.logprobs, mask, m_r.rollout.ended);
        m_kl.update(m_rolloutStats.kl, m_r.rollout.rows());
        m_stats = rl::PpoStatsAccumulator();
    }

    void finishIteration()
    {
        m_phase = 0;
        const rl::PpoStats stats = m_stats.finish(m_rolloutStats);
        for (const auto& [name, value] : stats.named())
            m_stepMetrics.push_back({name, value});
        m_stepMetrics.push_back({"objective/kl_coef", m_klCoefUsed});
        if (const auto gold = m_r.scores.meanGold())
            m_stepMetrics.push_back({"objective/gold", *gold});
        if (const auto model = m_r.scores.meanModel())
            m_stepMetrics.push_back({"objective/reward_model", *model});
        m_samples = rl::RlSetup::samplesOf(m_r);
        // The penalised score is what the policy was trained on.
        for (size_t i = 0; i < m_samples.size(); ++i)
            m_samples[i].reward = m_scores[static_cast<int64_t>(i)].item<double>();
    }

    PpoConfig m_config;
    int64_t m_rowLength = 0;
    int64_t m_batchSize = 1;
    uint64_t m_seed = 0;
    rl::RlSetup m_rl;
    rl::KlController m_kl;
    double m_klCoefUsed = 0.0;
    std::vector<int64_t> m_evalTrain, m_evalVal;
    // The iteration in progress.
    int64_t m_phase = 0;
    rl::ScoredRollout m_r;
    torch::Tensor m_scores, m_values, m_advantages, m_returns, m_order;
    rl::RolloutStats m_rolloutStats;
    rl::PpoStatsAccumulator m_stats;
    std::vector<NamedMetric> m_stepMetrics;
    std::vector<RolloutSample> m_samples;
};

} // namespace

std::unique_ptr<TrainingObjective> makePpoObjective() { return std::make_unique<PpoObjective>(); }

} // namespace tb::core
