// SPDX-License-Identifier: MIT
// The arithmetic of PPO for language models (Ziegler et al. 2019; TRL's PPOTrainer), as pure functions of batched
// tensors: per-token KL estimators, KL-penalised per-token rewards, GAE, advantage whitening, the clipped policy and
// value losses with their statistics, entropy from logits, the missing-EOS penalty and the KL controllers.
//
// Shapes: B rows (responses) by T response tokens. A mask [B, T] (bool or 0/1 of any dtype) marks the real tokens
// of each response; it is a prefix of each row (tokens after a row's end are padding). Every function ignores what
// lies under mask 0 (those entries of the results are 0) and is differentiable where a loss needs it. Names of the
// statistics follow TRL (docs/rlhf.md has the formulas and where they differ from TRL).
#pragma once

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace tb::core::rl {

/// Per-token estimators of KL(policy || reference) from the log-probabilities of the sampled tokens (Schulman,
/// "Approximating KL divergence", 2020). With logr = refLogprob - logprob:
///   k1 = -logr (unbiased, can be negative per token), k2 = logr^2 / 2, k3 = (exp(logr) - 1) - logr (unbiased,
///   never negative; TRL's kl_estimator "k3" and GRPO's per-token KL).
enum class KlEstimator { K1, K2, K3 };

/// "k1", "k2", "k3" (else Error).
KlEstimator klEstimatorFromName(const std::string& name);

/// The chosen estimator at every token [B, T] (0 under the mask).
torch::Tensor klPerToken(const torch::Tensor& logprobs, const torch::Tensor& refLogprobs, const torch::Tensor& mask,
                         KlEstimator estimator = KlEstimator::K1);

/// sum(values * mask) / sum(mask) (a scalar tensor); with dim, per row. 0 where the mask is empty.
torch::Tensor maskedMean(const torch::Tensor& values, const torch::Tensor& mask);
torch::Tensor maskedMean(const torch::Tensor& values, const torch::Tensor& mask, int64_t dim);
/// Variance over the masked entries, with Bessel's correction when unbiased (TRL's masked_var). Throws Error when
/// the mask holds fewer than two entries and unbiased is asked.
torch::Tensor maskedVar(const torch::Tensor& values, const torch::Tensor& mask, bool unbiased = true);
/// (values - mean) / sqrt(var + 1e-8) over the masked entries (TRL's masked_whiten); with shiftMean false the mean
/// is added back (only the scale changes). Entries under mask 0 are 0.
torch::Tensor maskedWhiten(const torch::Tensor& values, const torch::Tensor& mask, bool shiftMean = true);

/// Entropy in nats of softmax(logits) at every position: logits [..., V] -> [...] (computed in fp32 or wider).
torch::Tensor entropyFromLogits(const torch::Tensor& logits);

/// scores [B] minus `penalty` for every row that did not end with the end-of-answer token or string (TRL's
/// missing_eos_penalty: rambling to max_new_tokens is punished). ended: [B] bool. penalty 0 returns scores.
torch::Tensor applyMissingEosPenalty(const torch::Tensor& scores, const torch::Tensor& ended, double penalty);

/// The per-token rewards of one rollout.
struct PenalisedRewards {
    torch::Tensor rewards;        // [B, T]: nonScoreReward, plus the score at each row's last real token
    torch::Tensor kl;             // [B, T]: the estimator's per-token KL
    torch::Tensor nonScoreReward; // [B, T]: -klCoef * kl
};

/// TRL's layout: every token gets -klCoef * kl, and the scalar score of a row [B] is added at its last real token
/// (a row with no tokens gets nothing). No gradient flows (inputs are detached).
PenalisedRewards klPenalisedRewards(const torch::Tensor& scores, const torch::Tensor& logprobs,
                                    const torch::Tensor& refLogprobs, const torch::Tensor& mask, double klCoef,
                                    KlEstimator estimator = KlEstimator::K1);

struct Advantages {
    torch::Tensor advantages; // [B, T] (whitened when asked), 0 under the mask
    torch::Tensor returns;    // [B, T] = raw advantages + values: the value head's targets, 0 under the mask
};

/// Generalised advantage estimation (Schulman et al. 2016) backwards over each row:
///   delta_t = r_t + gamma * V_{t+1} - V_t,  A_t = delta_t + gamma * lam * A_{t+1},
/// where V and A past a row's last real token are 0 (the episode ends there). returns = A + V. With whiten the
/// advantages are then whitened over the mask (maskedWhiten, shift mean), as TRL does. Detached.
Advantages generalizedAdvantages(const torch::Tensor& rewards, const torch::Tensor& values, const torch::Tensor& mask,
                                 double gamma, double lam, bool whiten = true);

/// The clipped surrogate of one minibatch, and what TRL logs about it.
struct PolicyLoss {
    torch::Tensor loss;    // scalar, differentiable: masked mean of max(-A * ratio, -A * clip(ratio, 1 -+ eps))
    double clipfrac = 0.0; // share of tokens where the clipped term won (policy/clipfrac)
    double approxkl = 0.0; // 0.5 * mean((logprob - oldLogprob)^2) over the masked tokens (policy/approxkl)
    double ratio = 0.0;    // masked mean of exp(logprob - oldLogprob) (val/ratio; 1 on the first minibatch)
};

/// logprobs: the policy's now (with gradient); oldLogprobs: at rollout time; advantages from
/// generalizedAdvantages(); clipRange: TRL's cliprange (0.2).
PolicyLoss clippedPolicyLoss(const torch::Tensor& logprobs, const torch::Tensor& oldLogprobs,
                             const torch::Tensor& advantages, const torch::Tensor& mask, double clipRange);

struct ValueLoss {
    torch::Tensor loss;    // scalar, differentiable: 0.5 * masked mean of max((v - R)^2, (clip(v, old -+ eps) - R)^2)
    double clipfrac = 0.0; // share of tokens where the clipped term won (val/clipfrac)
};

/// values: the value head's predictions now (with gradient); oldValues: at rollout time; returns from
/// generalizedAdvantages(); clipRange: TRL's cliprange_value (0.2).
ValueLoss clippedValueLoss(const torch::Tensor& values, const torch::Tensor& oldValues, const torch::Tensor& returns,
                           const torch::Tensor& mask, double clipRange);

/// The KL coefficient: fixed, or adaptive (Ziegler et al. 2019, TRL's AdaptiveKLController): after each rollout
/// with measured KL `current` (objective/kl) over nSteps samples,
///   error = clip(current / target - 1, -0.2, 0.2),  value *= 1 + error * nSteps / horizon.
/// Plain data so that a checkpoint can store it and a resume continues exactly.
struct KlController {
    double value = 0.05;   // the coefficient in use
    bool adaptive = false;
    double target = 6.0;   // nats per response; adaptive only
    double horizon = 10000; // samples; adaptive only
    void update(double current, int64_t nSteps);
};

/// The rollout-level statistics of one PPO iteration (TRL's objective/*), from the rollout's tensors.
struct RolloutStats {
    double kl = 0.0;             // objective/kl: mean over rows of the summed per-token KL
    double entropy = 0.0;        // objective/entropy: mean over rows of the summed -logprob of the sampled tokens
    double nonScoreReward = 0.0; // objective/non_score_reward: mean over rows of the summed -klCoef * kl
    double rlhfReward = 0.0;     // objective/rlhf_reward: scores + non_score_reward
    double scores = 0.0;         // objective/scores: mean score (after the missing-EOS penalty)
    double numEosTokens = 0.0;   // val/num_eos_tokens: rows that ended on the end token or string
};

RolloutStats rolloutStats(const PenalisedRewards& rewards, const torch::Tensor& scores, const torch::Tensor& logprobs,
                          const torch::Tensor& mask, const torch::Tensor& ended);

/// Everything one PPO iteration logs, under TRL's names (named()).
struct PpoStats {
    RolloutStats rollout;
    double approxkl = 0.0;       // policy/approxkl_avg
    double clipfrac = 0.0;       // policy/clipfrac_avg
    double policyLoss = 0.0;     // loss/policy_avg
    double valueLoss = 0.0;      // loss/value_avg
    double valueClipfrac = 0.0;  // val/clipfrac_avg
    double entropy = 0.0;        // policy/entropy_avg: mean entropy of the policy's distributions during training
    double ratio = 0.0;          // val/ratio: mean probability ratio new/old over the minibatches
    double ratioVar = 0.0;       // val/ratio_var: variance of the minibatches' mean ratios

    /// (TRL name, value) in a fixed order.
    std::vector<std::pair<std::string, double>> named() const;
};

/// Averages the minibatch statistics of one iteration (TRL averages them over every epoch and minibatch).
class PpoStatsAccumulator {
public:
    /// entropy: the masked mean entropy of this minibatch (entropyFromLogits + maskedMean). value may be null
    /// (GRPO-like use without a value head).
    void add(const PolicyLoss& policy, const ValueLoss* value, double entropy);
    int64_t count() const { return int64_t(m_ratios.size()); }
    PpoStats finish(const RolloutStats& rollout) const;

private:
    double m_approxkl = 0.0, m_clipfrac = 0.0, m_policyLoss = 0.0, m_valueLoss = 0.0, m_valueClipfrac = 0.0,
           m_entropy = 0.0;
    std::vector<double> m_ratios;
};

} // namespace tb::core::rl
