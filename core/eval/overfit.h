// SPDX-License-Identifier: MIT
// Where validation loss starts rising: the rule the Monitor panel marks on its loss chart. Pure function on a list
// of evaluation losses, no torch; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace tb::core {

struct OverfitRule {
    int patience = 3;               // evaluations after the best one that must all stay above it
    double relativeMargin = 0.01;   // "above" means by more than this fraction of the best loss ...
    double absoluteMargin = 1e-3;   // ... and by at least this much (for losses near zero)
};

/// The index of the evaluation where validation loss starts rising, or nothing.
///
/// The rule: take the best (lowest) loss of the whole list, its first occurrence if it repeats. It is the onset
/// when at least `patience` evaluations follow it and every one of them is above the best by more than
/// max(absoluteMargin, relativeMargin * |best|). So noise around a plateau never marks a point (some later value
/// comes back within the margin), a curve that rises and then falls to a new best moves the mark or drops it, and
/// the mark only appears once the rise has lasted `patience` evaluations. Non-finite losses are ignored.
std::optional<size_t> overfitOnset(const std::vector<double>& valLosses, const OverfitRule& rule = {});

} // namespace tb::core
