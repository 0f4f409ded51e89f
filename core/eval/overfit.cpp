// SPDX-License-Identifier: MIT
#include "core/eval/overfit.h"

#include <algorithm>
#include <cmath>

namespace tb::core {

std::optional<size_t> overfitOnset(const std::vector<double>& valLosses, const OverfitRule& rule)
{
    std::optional<size_t> best;
    for (size_t i = 0; i < valLosses.size(); ++i)
        if (std::isfinite(valLosses[i]) && (!best || valLosses[i] < valLosses[*best]))
            best = i;
    if (!best)
        return std::nullopt;
    const double bestLoss = valLosses[*best];
    const double threshold = bestLoss + std::max(rule.absoluteMargin, rule.relativeMargin * std::abs(bestLoss));
    int above = 0;
    for (size_t i = *best + 1; i < valLosses.size(); ++i) {
        if (!std::isfinite(valLosses[i]))
            continue;
        if (valLosses[i] <= threshold)
            return std::nullopt; // came back close to the best: a plateau or noise, not a rise
        ++above;
    }
    if (above < std::max(rule.patience, 1))
        return std::nullopt;
    return best;
}

} // namespace tb::core
