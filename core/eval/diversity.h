// SPDX-License-Identifier: MIT
// Diversity of a set of samples (the seed fan): distinct-n of Li et al. 2016, the number of different n-grams over
// the number of n-grams, pooled over all samples. Pure; any thread.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <vector>

namespace tb::core {

/// Distinct n-grams / all n-grams over every sample (n-grams do not cross sample boundaries). 1 when no n-gram
/// repeats, towards 0 when the samples repeat each other or themselves; 0 when no sample has n tokens. n >= 1.
double distinctN(const std::vector<std::vector<TokenId>>& samples, int n);

} // namespace tb::core
