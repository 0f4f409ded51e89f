// SPDX-License-Identifier: MIT
// Model presets (tiny / small / baby) as sets of config key changes, and estimates of what a config costs:
// parameters, training memory, FLOPs and time per step. The time estimate divides the FLOPs of a step by the
// throughput of a short matrix-multiply probe. No torch in this header; thread-safe.
#pragma once

#include "core/io/run_config.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tb::core {

struct ModelPreset {
    std::string name;        // "tiny", "small", "baby"
    std::string description; // one line for pickers
    /// Key changes in `--set` form; every preset sets the same keys, so presets replace each other completely.
    std::vector<std::pair<std::string, std::string>> changes;
};

/// tiny (about a minute on 2 CPU cores), small (nanoGPT's CPU recipe), baby (nanoGPT's shakespeare-char).
const std::vector<ModelPreset>& modelPresets();

/// The preset with this name, or nullptr.
const ModelPreset* findPreset(const std::string& name);

/// `config` with the preset's changes applied (through applyOverride, the CLI's rules).
RunConfig applyPreset(RunConfig config, const ModelPreset& preset);

/// The name of the preset whose changes `config` already has, or "" when none matches.
std::string matchingPreset(const RunConfig& config);

/// Method presets: ready-made RL recipes on the demo model (key changes in `--set` form, applied over a config).
/// grpo-gold: GRPO of a fine-tuned demo model (init_from) against the built-in gold scorer; data.train is left
/// empty for the caller to fill (the CLI uses the demo's instructions.jsonl).
const std::vector<ModelPreset>& methodPresets();

/// The method preset with this name, or nullptr.
const ModelPreset* findMethodPreset(const std::string& name);

struct RunEstimate {
    int64_t parameters = 0;
    int64_t trainingBytes = 0;   // GptConfig::estimateTrainingBytes for one micro-batch
    double flopsPerStep = 0;     // forward + backward of batch_size * grad_accum * block_size tokens
    double secondsPerStep = 0;   // flopsPerStep / matmul throughput; 0 when the throughput is unknown (<= 0)
};

/// Estimates for `config` with a vocabulary of `vocabSize` tokens (config.model.vocabSize when <= 0) and a matmul
/// throughput in FLOP/s (see matmulThroughput()).
RunEstimate estimateRun(const RunConfig& config, int64_t vocabSize, double matmulFlopsPerSecond);

/// FLOP/s of single-precision matrix multiplies on this machine with torch's current thread count, measured once
/// with a short (tens of milliseconds) probe and cached for the process. Real steps reach less than this, so the
/// time estimate is a lower bound.
double matmulThroughput();

} // namespace tb::core
