// SPDX-License-Identifier: MIT
// Shared by the fine-tuning tests (SFT, adapters, DPO): a word-salad corpus in a small alphabet, the tiny parent
// model pretrained on it, and an observer that records what a run reports and can stop it after a given step.
#pragma once

#include "core/common/rng.h"
#include "core/io/run_config.h"
#include "core/train/training_observer.h"

#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

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

/// Records the run's start, steps, evaluations and warnings; requests `source`'s stop after step `stopAfterStep`.
class RecordingObserver : public core::TrainingObserver {
public:
    core::RunInfo info;
    std::vector<core::StepMetrics> steps;
    std::vector<core::EvalMetrics> evals;
    std::vector<std::string> warnings;
    int64_t stopAfterStep = -1;
    std::stop_source* source = nullptr;

    void onStart(const core::RunInfo& i) override { info = i; }
    void onStep(const core::StepMetrics& m) override
    {
        steps.push_back(m);
        if (source && m.step == stopAfterStep)
            source->request_stop();
    }
    void onEval(const core::EvalMetrics& m) override { evals.push_back(m); }
    void onLog(core::LogLevel level, const std::string& message) override
    {
        if (level == core::LogLevel::Warning)
            warnings.push_back(message);
    }
};

} // namespace tb::test
