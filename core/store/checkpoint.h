// SPDX-License-Identifier: MIT
// The checkpoint bundle: one self-describing safetensors file holding the model weights ("model.<name>"), the
// AdamW state ("optim.<name>.exp_avg", ...), torch's CPU RNG state, and in its metadata the resolved run config
// (YAML), step, best val loss, batch-sampler RNG state, tokenizer (JSON), corpus hash and elapsed time. Resume and
// fine-tuning read the same file. Writes are atomic (see atomic_file.h). Thread-safe (pure functions).
#pragma once

#include "core/io/run_config.h"

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>

namespace tb::core {

inline constexpr const char* kCheckpointFormat = "tunebench.checkpoint/1";

struct Checkpoint {
    RunConfig config;
    int64_t step = 0;
    double bestValLoss = 0;
    uint64_t batchRngState = 0;
    double elapsedSeconds = 0;
    int64_t tokensSeen = 0;
    std::string tokenizer;   // Tokenizer::serialize()
    std::string corpusHash;
    torch::Tensor torchRngState;                      // uint8, from the default CPU generator
    std::map<std::string, torch::Tensor> model;       // parameter name -> tensor
    std::map<std::string, torch::Tensor> optimizer;   // AdamW::stateDict()
};

void saveCheckpoint(const std::filesystem::path& file, const Checkpoint& checkpoint);

/// Throws InputError naming the file for a missing, truncated or foreign file.
Checkpoint loadCheckpoint(const std::filesystem::path& file);

} // namespace tb::core
