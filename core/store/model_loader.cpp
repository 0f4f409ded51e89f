// SPDX-License-Identifier: MIT
#include "core/store/model_loader.h"

#include "core/common/error.h"
#include "core/store/checkpoint.h"
#include "core/store/run_dir.h"

#include <torch/torch.h>

namespace tb::core {
namespace fs = std::filesystem;

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
    out.tokenizer = loadTokenizer(c.tokenizer);
    out.model = Gpt(c.config.model);
    torch::NoGradGuard noGrad;
    for (auto& item : out.model->named_parameters()) {
        const auto it = c.model.find(item.key());
        if (it == c.model.end() || it->second.sizes() != item.value().sizes())
            throw InputError(file.string(), item.key(), "is missing or has the wrong shape for this model");
        item.value().copy_(it->second);
    }
    out.model->eval();
    return out;
}

} // namespace tb::core
