// SPDX-License-Identifier: MIT
// Memory-efficient causal self-attention for training on CPU. The forward pass keeps only q, k, v, the output and
// the softmax log-sum-exp per row; the [T, T] attention maps are computed chunk by chunk (a few heads at a time,
// cache-sized) and recomputed in backward. Peak memory per layer drops from several B*H*T*T maps to B*H*T rows.
// Chunks run in parallel on torch's intra-op threads. Softmax statistics are always fp32, also for bf16 inputs.
// Use from one thread at a time per call (the chunks are parallel internally).
#pragma once

#include <torch/types.h>

namespace tb::core {

/// softmax(q k^T + causal mask) v for q, k, v of shape [B, H, T, D] (q already scaled by 1/sqrt(D)).
/// Differentiable; no attention dropout (callers fall back to the explicit path when they need it).
torch::Tensor causalAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

} // namespace tb::core
