// SPDX-License-Identifier: MIT
#include "core/train/lr_schedule.h"

#include <cmath>
#include <numbers>

namespace tb::core {

double learningRateAt(int64_t step, const TrainConfig& c)
{
    if (step < c.warmupSteps)
        return c.learningRate * double(step + 1) / double(c.warmupSteps + 1);
    const int64_t decaySteps = c.lrDecaySteps > 0 ? c.lrDecaySteps : c.maxSteps;
    if (step > decaySteps || decaySteps <= c.warmupSteps)
        return c.minLr;
    const double ratio = double(step - c.warmupSteps) / double(decaySteps - c.warmupSteps);
    const double coeff = 0.5 * (1.0 + std::cos(std::numbers::pi * ratio));
    return c.minLr + coeff * (c.learningRate - c.minLr);
}

} // namespace tb::core
