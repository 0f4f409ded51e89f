// SPDX-License-Identifier: MIT
// Saving and restoring torch's default CPU generator (dropout, init), for exact resume and for replaying a block's
// dropout masks during activation checkpointing. Any thread; the generator is process-wide and locked here.
#pragma once

#include <torch/types.h>

namespace tb::core {

/// A copy of the default CPU generator's state (a uint8 tensor).
torch::Tensor cpuRngState();
void setCpuRngState(const torch::Tensor& state);

} // namespace tb::core
