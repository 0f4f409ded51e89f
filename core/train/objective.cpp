// SPDX-License-Identifier: MIT
#include "core/train/objective.h"

#include "core/common/error.h"
#include "core/train/objectives/objectives.h"

#include <torch/torch.h>

namespace tb::core {
namespace {

struct ObjectiveEntry {
    const char* method;
    std::unique_ptr<TrainingObjective> (*make)();
};

/// One row per method. lora and prompt_tuning are SFT with adapters (the model, not the objective, differs).
constexpr ObjectiveEntry kObjectives[] = {
    {"pretrain", makePretrainObjective},
    {"sft", makeSftObjective},
    {"lora", makeSftObjective},
    {"prompt_tuning", makeSftObjective},
    {"dpo", makeDpoObjective},
    {"reward_model", makeRewardModelObjective},
    {"grpo", makeGrpoObjective},
    {"ppo", makePpoObjective},
};

} // namespace

std::unique_ptr<TrainingObjective> makeObjective(const RunConfig& config)
{
    for (const auto& entry : kObjectives)
        if (config.method == entry.method)
            return entry.make();
    throw Error("method '" + config.method + "' has no training objective");
}

std::vector<std::string> objectiveMethods()
{
    std::vector<std::string> out;
    for (const auto& entry : kObjectives)
        out.emplace_back(entry.method);
    return out;
}

} // namespace tb::core
