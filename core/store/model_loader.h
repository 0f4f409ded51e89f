// SPDX-License-Identifier: MIT
// Loading a trained model for inference from a run directory or a checkpoint file. Any thread; the returned model
// is used by one thread at a time.
#pragma once

#include "core/io/run_config.h"
#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <filesystem>
#include <map>
#include <memory>

namespace tb::core {

struct LoadedModel {
    RunConfig config;
    Gpt model{nullptr};
    std::unique_ptr<Tokenizer> tokenizer;
    int64_t step = 0;
    std::filesystem::path checkpoint;
};

/// Copies tensors into the model's parameters by name. Throws InputError naming `origin` and the parameter when one
/// is missing or has the wrong shape.
void loadWeights(Gpt& model, const std::map<std::string, torch::Tensor>& weights, const std::filesystem::path& origin);

/// Adds the adapters a run's method trains (LoRA for "lora" and dpo/reward_model with adapter lora, virtual tokens
/// for "prompt_tuning", the score head for "reward_model" and the value head (the same scalar head) for "ppo"; nothing otherwise) to a freshly built model, so that a fine-tuning checkpoint's weights (base + adapters) load into it.
void enableConfiguredAdapters(Gpt& model, const RunConfig& config);

/// `path` is a checkpoint file, or a run directory (its best checkpoint if `preferBest` and one exists, else its
/// latest). The model is in eval mode, with the adapters of a LoRA or prompt-tuning run (unmerged). Throws InputError naming the path when nothing loadable is there.
LoadedModel loadModel(const std::filesystem::path& path, bool preferBest = true);

} // namespace tb::core
