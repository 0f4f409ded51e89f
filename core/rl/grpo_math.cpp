// SPDX-License-Identifier: MIT
#include "core/rl/grpo_math.h"

#include "core/common/error.h"
#include "core/rl/ppo_math.h"

#include <torch/torch.h>

namespace tb::core::rl {

namespace {

torch::Tensor grouped(const torch::Tensor& rewards, int64_t groupSize)
{
    if (rewards.dim() != 1)
        throw Error("GRPO rewards must be one value per answer, [N * G]");
    if (groupSize < 1 || rewards.size(0) % groupSize != 0)
        throw Error("GRPO: " + std::to_string(rewards.size(0)) + " rewards do not split into groups of " +
                    std::to_string(groupSize));
    return rewards.detach().view({-1, groupSize});
}

} // namespace

torch::Tensor groupAdvantages(const torch::Tensor& rewards, int64_t groupSize, bool scaleByStd, double eps)
{
    const auto groups = grouped(rewards, groupSize);
    // A group of equal rewards gets exactly 0 (rounding in its mean would otherwise leave tiny values that a
    // small eps blows up).
    const auto equal = (groups == groups.select(1, 0).unsqueeze(1)).all(1, true);
    const auto centred = (groups - groups.mean(1, true)).masked_fill(equal, 0.0);
    if (!scaleByStd)
        return centred.reshape({-1});
    // A group of one has no spread: torch.std would give NaN; its advantage is 0 anyway.
    const auto stdDev = groupSize > 1 ? (centred.square().sum(1, true) / double(groupSize - 1)).sqrt()
                                      : torch::zeros_like(centred);
    return (centred / (stdDev + eps)).masked_fill(equal, 0.0).reshape({-1});
}

double fracRewardZeroStd(const torch::Tensor& rewards, int64_t groupSize)
{
    const auto groups = grouped(rewards, groupSize);
    const auto equal = (groups == groups.select(1, 0).unsqueeze(1)).all(1);
    return equal.to(torch::kDouble).mean().item<double>();
}

GrpoLossType grpoLossTypeFromName(const std::string& name)
{
    if (name == "grpo")
        return GrpoLossType::Grpo;
    if (name == "bnpo")
        return GrpoLossType::Bnpo;
    if (name == "dr_grpo")
        return GrpoLossType::DrGrpo;
    throw Error("unknown GRPO loss type \"" + name + "\" (expected grpo, bnpo or dr_grpo)");
}

GrpoLoss grpoLoss(const torch::Tensor& logprobs, const torch::Tensor& oldLogprobs, const torch::Tensor& refLogprobs,
                  const torch::Tensor& advantages, const torch::Tensor& mask, double beta, double epsLow,
                  double epsHigh, GrpoLossType type, int64_t maxCompletionLength)
{
    if (logprobs.dim() != 2 || logprobs.sizes() != oldLogprobs.sizes() || advantages.dim() != 1 ||
        advantages.size(0) != logprobs.size(0))
        throw Error("grpoLoss expects log-probabilities [B, T] and one advantage per answer [B]");
    const auto w = mask.to(logprobs.scalar_type());
    const auto ratio = torch::exp((logprobs - oldLogprobs.detach()) * w);
    const auto adv = advantages.detach().to(logprobs.scalar_type()).unsqueeze(1);
    const auto clipped = torch::clamp(ratio, 1.0 - epsLow, 1.0 + epsHigh);
    auto perToken = -torch::min(ratio * adv, clipped * adv);
    GrpoLoss out;
    torch::Tensor kl;
    if (beta != 0.0) {
        if (!refLogprobs.defined() || refLogprobs.sizes() != logprobs.sizes())
            throw Error("grpoLoss: beta > 0 needs the reference's log-probabilities [B, T]");
        kl = klPerToken(logprobs, refLogprobs.detach(), w, KlEstimator::K3);
        perToken = perToken + beta * kl;
    }
    perToken = perToken * w;
    switch (type) {
    case GrpoLossType::Grpo:
        out.loss = (perToken.sum(1) / w.sum(1).clamp_min(1.0)).mean();
        break;
    case GrpoLossType::Bnpo:
        out.loss = perToken.sum() / w.sum().clamp_min(1.0);
        break;
    case GrpoLossType::DrGrpo: {
        const int64_t length = maxCompletionLength > 0 ? maxCompletionLength : logprobs.size(1);
        out.loss = perToken.sum() / double(logprobs.size(0) * length);
        break;
    }
    }
    torch::NoGradGuard noGrad;
    const auto r = ratio.detach();
    const auto low = (r < 1.0 - epsLow) & (adv < 0);
    const auto high = (r > 1.0 + epsHigh) & (adv > 0);
    out.clipRatioLow = maskedMean(low.to(w.scalar_type()), w).item<double>();
    out.clipRatioHigh = maskedMean(high.to(w.scalar_type()), w).item<double>();
    out.clipRatio = maskedMean((low | high).to(w.scalar_type()), w).item<double>();
    if (kl.defined())
        out.kl = maskedMean(kl.detach(), w).item<double>();
    return out;
}

} // namespace tb::core::rl
