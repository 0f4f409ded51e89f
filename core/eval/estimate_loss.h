// SPDX-License-Identifier: MIT
// nanoGPT's estimate_loss with fixed batches, so successive evaluations are comparable. Calling thread only.
#pragma once

#include "core/data/token_dataset.h"
#include "core/model/gpt.h"

#include <vector>

namespace tb::core {

/// Mean loss over the given fixed batch starts of one split, `batchSize` sequences at a time. No grad; the model's
/// train/eval mode is restored afterwards.
double estimateLoss(Gpt& model, const TokenDataset& data, Split split, const std::vector<int64_t>& starts,
                    int64_t blockSize, int64_t batchSize);

} // namespace tb::core
