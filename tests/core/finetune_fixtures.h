// SPDX-License-Identifier: MIT
// Shared by the fine-tuning tests: a word-salad corpus in a small alphabet and the tiny parent model pretrained on it.
#pragma once

#include "core/common/rng.h"
#include "core/io/run_config.h"

#include <filesystem>
#include <string>

namespace tb::test {

/// `chars` characters (or a few more) of ten words drawn by SplitMix64(seed).
inline std::string makeCorpus(size_t chars, uint64_t seed)
{
    const std::string words[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran ", "far ", "away.\n"};
    core::SplitMix64 rng(seed);
    std::string out;
    while (out.size() < chars)
        out += words[rng.below(10)];
    return out;
}

/// A 2-layer, 32-wide char model pretrained for 10 steps on `corpus` (one eval at the end, no probes).
inline core::RunConfig tinyParentConfig(const std::filesystem::path& corpus, const std::filesystem::path& cache)
{
    core::RunConfig c;
    c.model.nLayer = 2;
    c.model.nHead = 2;
    c.model.nEmbd = 32;
    c.model.blockSize = 32;
    c.model.dropout = 0.0;
    c.train.batchSize = 4;
    c.train.maxSteps = 10;
    c.train.learningRate = 3e-3;
    c.train.warmupSteps = 2;
    c.train.evalInterval = 10;
    c.train.evalIters = 2;
    c.train.threads = 1;
    c.train.probePrompts = {};
    c.data.corpus = corpus.string();
    c.data.cacheDir = cache.string();
    c.data.valFraction = 0.2;
    return c;
}

} // namespace tb::test
