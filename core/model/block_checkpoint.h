// SPDX-License-Identifier: MIT
// Activation checkpointing for one transformer block (torch.utils.checkpoint's idea, in C++): the forward pass
// keeps only the block's input, and backward recomputes the block with the same dropout randomness before
// differentiating it. Costs one extra block forward per step and saves all of the block's activations.
// Runs on the thread that trains; backward runs where autograd runs it (the calling thread on CPU).
#pragma once

#include <torch/types.h>

#include <functional>

namespace tb::core {

/// Applies `block` to x with checkpointing. `block` must stay alive until backward has run.
torch::Tensor checkpointedForward(const std::function<torch::Tensor(const torch::Tensor&)>& block,
                                  const torch::Tensor& x);

} // namespace tb::core
