// SPDX-License-Identifier: MIT
#include "core/rl/ppo_math.h"

#include "core/common/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace tb::core::rl {

namespace {

constexpr double kWhitenEps = 1e-8; // TRL's masked_whiten

/// The mask as 0/1 in the values' floating type.
torch::Tensor asWeights(const torch::Tensor& mask, const torch::Tensor& like)
{
    return mask.to(like.scalar_type());
}

void checkSameShape(const torch::Tensor& a, const torch::Tensor& b, const char* what)
{
    if (a.sizes() != b.sizes())
        throw Error(std::string(what) + ": tensors of different shapes");
}

double scalar(const torch::Tensor& t) { return t.detach().to(torch::kDouble).item<double>(); }

} // namespace

KlEstimator klEstimatorFromName(const std::string& name)
{
    if (name == "k1")
        return KlEstimator::K1;
    if (name == "k2")
        return KlEstimator::K2;
    if (name == "k3")
        return KlEstimator::K3;
    throw Error("unknown KL estimator \"" + name + "\" (expected k1, k2 or k3)");
}

torch::Tensor klPerToken(const torch::Tensor& logprobs, const torch::Tensor& refLogprobs, const torch::Tensor& mask,
                         KlEstimator estimator)
{
    checkSameShape(logprobs, refLogprobs, "klPerToken");
    const auto w = asWeights(mask, logprobs);
    // Padding may hold anything (TRL fills it with 1.0): zero logr there first so exp() cannot overflow.
    const auto logr = (refLogprobs - logprobs) * w;
    switch (estimator) {
    case KlEstimator::K1:
        return -logr;
    case KlEstimator::K2:
        return 0.5 * logr * logr;
    case KlEstimator::K3:
        return (torch::exp(logr) - 1.0) - logr;
    }
    return {};
}

torch::Tensor maskedMean(const torch::Tensor& values, const torch::Tensor& mask)
{
    const auto w = asWeights(mask, values);
    return (values * w).sum() / w.sum().clamp_min(1.0);
}

torch::Tensor maskedMean(const torch::Tensor& values, const torch::Tensor& mask, int64_t dim)
{
    const auto w = asWeights(mask, values);
    return (values * w).sum(dim) / w.sum(dim).clamp_min(1.0);
}

torch::Tensor maskedVar(const torch::Tensor& values, const torch::Tensor& mask, bool unbiased)
{
    const auto w = asWeights(mask, values);
    const auto mean = maskedMean(values, w);
    const auto centred = values - mean;
    auto variance = maskedMean(centred * centred, w);
    if (unbiased) {
        const double n = scalar(w.sum());
        if (n < 2.0)
            throw Error("maskedVar: the unbiased variance needs at least two masked entries");
        variance = variance * (n / (n - 1.0));
    }
    return variance;
}

torch::Tensor maskedWhiten(const torch::Tensor& values, const torch::Tensor& mask, bool shiftMean)
{
    const auto w = asWeights(mask, values);
    const auto mean = maskedMean(values, w);
    auto whitened = (values - mean) * torch::rsqrt(maskedVar(values, w) + kWhitenEps);
    if (!shiftMean)
        whitened = whitened + mean;
    return whitened * w;
}

torch::Tensor entropyFromLogits(const torch::Tensor& logits)
{
    const auto x = logits.scalar_type() == torch::kDouble ? logits : logits.to(torch::kFloat);
    // H = logsumexp(x) - sum(softmax(x) * x), TRL's formula: stable for large logits.
    return torch::logsumexp(x, -1) - (torch::softmax(x, -1) * x).sum(-1);
}

torch::Tensor applyMissingEosPenalty(const torch::Tensor& scores, const torch::Tensor& ended, double penalty)
{
    if (scores.sizes() != ended.sizes())
        throw Error("applyMissingEosPenalty: scores and ended must have the same shape");
    if (penalty == 0.0)
        return scores;
    return scores - penalty * (~ended.to(torch::kBool)).to(scores.scalar_type());
}

PenalisedRewards klPenalisedRewards(const torch::Tensor& scores, const torch::Tensor& logprobs,
                                    const torch::Tensor& refLogprobs, const torch::Tensor& mask, double klCoef,
                                    KlEstimator estimator)
{
    if (logprobs.dim() != 2 || scores.dim() != 1 || scores.size(0) != logprobs.size(0))
        throw Error("klPenalisedRewards expects scores [B] and log-probabilities [B, T]");
    torch::NoGradGuard noGrad;
    PenalisedRewards out;
    out.kl = klPerToken(logprobs.detach(), refLogprobs.detach(), mask, estimator);
    out.nonScoreReward = -klCoef * out.kl;
    const auto w = asWeights(mask, logprobs);
    const auto lengths = w.sum(1);
    const auto last = (lengths - 1.0).clamp_min(0.0).to(torch::kLong).unsqueeze(1);
    const auto score = (scores.detach().to(logprobs.scalar_type()) * (lengths > 0).to(logprobs.scalar_type()));
    out.rewards = out.nonScoreReward.clone().scatter_add_(1, last, score.unsqueeze(1));
    return out;
}

Advantages generalizedAdvantages(const torch::Tensor& rewards, const torch::Tensor& values, const torch::Tensor& mask,
                                 double gamma, double lam, bool whiten)
{
    checkSameShape(rewards, values, "generalizedAdvantages");
    if (rewards.dim() != 2)
        throw Error("generalizedAdvantages expects [B, T] tensors");
    torch::NoGradGuard noGrad;
    const auto w = asWeights(mask, rewards);
    const auto r = rewards.detach() * w;
    const auto v = values.detach().to(rewards.scalar_type()) * w;
    const int64_t t = rewards.size(1);
    std::vector<torch::Tensor> reversed;
    reversed.reserve(size_t(t));
    auto next = torch::zeros({rewards.size(0)}, r.options());  // A_{t+1}
    auto nextValue = torch::zeros_like(next);                  // V_{t+1}
    for (int64_t i = t - 1; i >= 0; --i) {
        const auto wi = w.select(1, i);
        const auto delta = r.select(1, i) + gamma * nextValue - v.select(1, i);
        // Under the mask everything is 0, so the recursion restarts at each row's last real token.
        next = (delta + gamma * lam * next) * wi;
        nextValue = v.select(1, i);
        reversed.push_back(next);
    }
    std::reverse(reversed.begin(), reversed.end());
    Advantages out;
    const auto raw = torch::stack(reversed, 1);
    out.returns = (raw + v) * w;
    out.advantages = whiten ? maskedWhiten(raw, w, true) : raw;
    return out;
}

PolicyLoss clippedPolicyLoss(const torch::Tensor& logprobs, const torch::Tensor& oldLogprobs,
                             const torch::Tensor& advantages, const torch::Tensor& mask, double clipRange)
{
    checkSameShape(logprobs, oldLogprobs, "clippedPolicyLoss");
    checkSameShape(logprobs, advantages, "clippedPolicyLoss");
    const auto w = asWeights(mask, logprobs);
    const auto diff = (logprobs - oldLogprobs.detach()) * w;
    const auto ratio = torch::exp(diff);
    const auto adv = advantages.detach();
    const auto unclipped = -adv * ratio;
    const auto clipped = -adv * torch::clamp(ratio, 1.0 - clipRange, 1.0 + clipRange);
    PolicyLoss out;
    out.loss = maskedMean(torch::max(unclipped, clipped), w);
    torch::NoGradGuard noGrad;
    out.clipfrac = scalar(maskedMean((clipped > unclipped).to(w.scalar_type()), w));
    out.approxkl = scalar(0.5 * maskedMean(diff.detach() * diff.detach(), w));
    out.ratio = scalar(maskedMean(ratio.detach(), w));
    return out;
}

ValueLoss clippedValueLoss(const torch::Tensor& values, const torch::Tensor& oldValues, const torch::Tensor& returns,
                           const torch::Tensor& mask, double clipRange)
{
    checkSameShape(values, oldValues, "clippedValueLoss");
    checkSameShape(values, returns, "clippedValueLoss");
    const auto w = asWeights(mask, values);
    const auto old = oldValues.detach();
    const auto target = returns.detach();
    const auto clippedValues = torch::max(torch::min(values, old + clipRange), old - clipRange);
    const auto unclippedLoss = (values - target).square();
    const auto clippedLoss = (clippedValues - target).square();
    ValueLoss out;
    out.loss = 0.5 * maskedMean(torch::max(unclippedLoss, clippedLoss), w);
    torch::NoGradGuard noGrad;
    out.clipfrac = scalar(maskedMean((clippedLoss > unclippedLoss).to(w.scalar_type()), w));
    return out;
}

void KlController::update(double current, int64_t nSteps)
{
    if (!adaptive)
        return;
    const double error = std::clamp(current / target - 1.0, -0.2, 0.2);
    value *= 1.0 + error * double(nSteps) / horizon;
}

RolloutStats rolloutStats(const PenalisedRewards& rewards, const torch::Tensor& scores, const torch::Tensor& logprobs,
                          const torch::Tensor& mask, const torch::Tensor& ended)
{
    torch::NoGradGuard noGrad;
    const auto w = asWeights(mask, logprobs);
    RolloutStats s;
    s.kl = scalar((rewards.kl * w).sum(1).mean());
    s.entropy = scalar((-logprobs.detach() * w).sum(1).mean());
    s.nonScoreReward = scalar((rewards.nonScoreReward * w).sum(1).mean());
    s.scores = scalar(scores.detach().to(torch::kDouble).mean());
    s.rlhfReward = s.scores + s.nonScoreReward;
    s.numEosTokens = scalar(ended.to(torch::kDouble).sum());
    return s;
}

std::vector<std::pair<std::string, double>> PpoStats::named() const
{
    return {{"objective/kl", rollout.kl},
            {"objective/entropy", rollout.entropy},
            {"objective/non_score_reward", rollout.nonScoreReward},
            {"objective/rlhf_reward", rollout.rlhfReward},
            {"objective/scores", rollout.scores},
            {"policy/approxkl_avg", approxkl},
            {"policy/clipfrac_avg", clipfrac},
            {"loss/policy_avg", policyLoss},
            {"loss/value_avg", valueLoss},
            {"val/clipfrac_avg", valueClipfrac},
            {"policy/entropy_avg", entropy},
            {"val/ratio", ratio},
            {"val/ratio_var", ratioVar},
            {"val/num_eos_tokens", rollout.numEosTokens}};
}

void PpoStatsAccumulator::add(const PolicyLoss& policy, const ValueLoss* value, double entropy)
{
    m_approxkl += policy.approxkl;
    m_clipfrac += policy.clipfrac;
    m_policyLoss += scalar(policy.loss);
    if (value) {
        m_valueLoss += scalar(value->loss);
        m_valueClipfrac += value->clipfrac;
    }
    m_entropy += entropy;
    m_ratios.push_back(policy.ratio);
}

PpoStats PpoStatsAccumulator::finish(const RolloutStats& rollout) const
{
    PpoStats s;
    s.rollout = rollout;
    const double n = double(m_ratios.size());
    if (n == 0.0)
        return s;
    s.approxkl = m_approxkl / n;
    s.clipfrac = m_clipfrac / n;
    s.policyLoss = m_policyLoss / n;
    s.valueLoss = m_valueLoss / n;
    s.valueClipfrac = m_valueClipfrac / n;
    s.entropy = m_entropy / n;
    double mean = 0.0;
    for (const double r : m_ratios)
        mean += r;
    mean /= n;
    double var = 0.0;
    for (const double r : m_ratios)
        var += (r - mean) * (r - mean);
    s.ratio = mean;
    // torch.var's default (unbiased), as TRL's ratio_stats.var(); one minibatch has no spread.
    s.ratioVar = n > 1.0 ? var / (n - 1.0) : 0.0;
    return s;
}

} // namespace tb::core::rl
