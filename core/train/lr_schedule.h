// SPDX-License-Identifier: MIT
// nanoGPT's learning-rate schedule: linear warmup, cosine decay to a floor, then the floor. Pure function.
#pragma once

#include "core/train/train_config.h"

#include <cstdint>

namespace tb::core {

/// Learning rate for the optimizer step with 0-based index `step`.
double learningRateAt(int64_t step, const TrainConfig& config);

} // namespace tb::core
