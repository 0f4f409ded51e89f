// SPDX-License-Identifier: MIT
#include "core/store/model_loader.h"

#include "core/common/error.h"
#include "core/store/checkpoint.h"
#include "core/store/run_dir.h"

#include <torch/torch.h>

namespace tb::core {
namespace fs = std::filesystem;

void loadWeights(Gpt& model, const std::map<std::string, torch::Tensor>& weights, const fs::path& origin)
{
    torch::NoGradGuard noGrad;
    for (auto& item : model->named_parameters()) {
        const auto it = weights.find(item.key());
        if (it == weights.end() || it->second.sizes() != item.value().sizes())
            throw InputError(origin.string(), item.key(), "is missing or has the wrong shape for this model");
        item.value().copy_(it->second);
    }
}

void enableConfiguredAdapters(Gpt& model, const RunConfig& config)
{
    if (config.method == "reward_model" || config.method == "ppo")
        model->enableScoreHead(); // reward model's score, PPO's value head; before LoRA, which leaves it trainable
    if (config.usesLora())
        model->enableLora(config.lora);
    else if (config.method == "prompt_tuning")
        model->enablePromptTuning(config.promptTuning.numVirtualTokens);
}

LoadedModel loadModel(const fs::path& path, bool preferBest)
{
    std::error_code ec;
    fs::path file = path;
    if (fs::is_directory(path, ec)) {
        const RunDirectory dir(path);
        if (preferBest && fs::exists(dir.bestCheckpoint(), ec))
            file = dir.bestCheckpoint();
        else if (fs::exists(dir.latestCheckpoint(), ec))
            file = dir.latestCheckpoint();
        else
            throw InputError(path.string(), "", "holds no checkpoint (expected checkpoints/latest.safetensors)");
    } else if (!fs::exists(path, ec)) {
        throw InputError(path.string(), "", "does not exist");
    }
    Checkpoint c = loadCheckpoint(file);
    LoadedModel out;
    out.config = c.config;
    out.step = c.step;
    out.checkpoint = file;
    out.tokenizer = loadTokenizer(c.tokenizer, file.string() + " (tokenizer)");
    out.model = Gpt(c.config.model);
    enableConfiguredAdapters(out.model, c.config);
    loadWeights(out.model, c.model, file);
    out.model->eval();
    return out;
}

} // namespace tb::core
