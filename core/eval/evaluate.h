// SPDX-License-Identifier: MIT
// Loss evaluation helpers (no grad, eval mode restored afterwards). Calling thread only.
#pragma once

#include "core/model/gpt.h"

#include <vector>

namespace tb::core {

/// Mean loss over a whole token stream cut into non-overlapping windows of blockSize (each window predicts its
/// next blockSize tokens; the tail shorter than one window is scored too when it has at least 1 target).
/// Every target token counts once, so this is the split's true per-token loss.
double fullSplitLoss(Gpt& model, const torch::Tensor& tokens, int64_t blockSize, int64_t batchSize);

/// Fixed, reproducible batch start offsets for evaluation: `count` offsets drawn from `seed`, each in
/// [0, splitSize - blockSize - 1].
std::vector<int64_t> fixedBatchStarts(int64_t splitSize, int64_t blockSize, int64_t count, uint64_t seed);

} // namespace tb::core
