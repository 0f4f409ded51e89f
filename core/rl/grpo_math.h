// SPDX-License-Identifier: MIT
// The arithmetic of GRPO (Shao et al. 2024, DeepSeekMath; TRL's GRPOTrainer): no value model; G answers are sampled
// per prompt, each answer's advantage is its reward relative to its group, and the per-token loss is PPO's clipped
// surrogate plus beta times the k3 KL to the reference. Pure functions of batched tensors, masks as in ppo_math.h.
#pragma once

#include <torch/types.h>

#include <string>

namespace tb::core::rl {

/// Group-relative advantages. rewards [N * G]: the G answers of prompt 0, then the G answers of prompt 1, ... (the
/// order generateRollout() gets when every prompt is repeated G times in a row). Returns [N * G]:
///   A_i = (r_i - mean(group)) / (std(group) + eps)   (std unbiased, as torch.std; TRL's eps is 1e-4)
/// or, with scaleByStd false, r_i - mean(group) (Dr. GRPO's recommendation: no bias towards easy or hard prompts).
/// A group whose rewards are all equal gets advantages 0. Throws Error if groupSize < 1 or does not divide N * G.
torch::Tensor groupAdvantages(const torch::Tensor& rewards, int64_t groupSize, bool scaleByStd = true,
                              double eps = 1e-4);

/// Share of groups whose rewards are all equal (TRL's frac_reward_zero_std): they teach nothing.
double fracRewardZeroStd(const torch::Tensor& rewards, int64_t groupSize);

/// How the per-token losses are averaged (TRL's loss_type).
enum class GrpoLossType {
    Grpo,   // mean over each answer's tokens, then over answers (the paper; favours short answers)
    Bnpo,   // mean over every token of the batch
    DrGrpo, // sum over tokens / (answers * maxCompletionLength) (Dr. GRPO: no length bias)
};

/// "grpo", "bnpo", "dr_grpo" (else Error).
GrpoLossType grpoLossTypeFromName(const std::string& name);

struct GrpoLoss {
    torch::Tensor loss;         // scalar, differentiable
    double kl = 0.0;            // masked mean of the per-token k3 KL (TRL's "kl"); 0 when beta is 0
    double clipRatioLow = 0.0;  // share of tokens with ratio < 1 - epsLow and advantage < 0 (clip_ratio/low_mean)
    double clipRatioHigh = 0.0; // share with ratio > 1 + epsHigh and advantage > 0 (clip_ratio/high_mean)
    double clipRatio = 0.0;     // either (clip_ratio/region_mean)
};

/// Per token: -min(ratio * A, clip(ratio, 1 - epsLow, 1 + epsHigh) * A) + beta * k3(ref || policy), where
/// ratio = exp(logprob - oldLogprob) and A is the answer's advantage [B] broadcast over its tokens; then averaged by
/// `type`. logprobs [B, T] (with gradient), oldLogprobs and refLogprobs [B, T] (refLogprobs is ignored when beta is
/// 0 and may be undefined then). maxCompletionLength is for DrGrpo (0: T).
GrpoLoss grpoLoss(const torch::Tensor& logprobs, const torch::Tensor& oldLogprobs, const torch::Tensor& refLogprobs,
                  const torch::Tensor& advantages, const torch::Tensor& mask, double beta, double epsLow,
                  double epsHigh, GrpoLossType type = GrpoLossType::Grpo, int64_t maxCompletionLength = 0);

} // namespace tb::core::rl
