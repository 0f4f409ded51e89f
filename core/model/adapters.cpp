// SPDX-License-Identifier: MIT
// LoRA and prompt tuning on GptImpl. Placeholder until the adapters land: every entry point says so.
#include "core/common/error.h"
#include "core/model/gpt.h"

namespace tb::core {

void GptImpl::enableLora(const LoraConfig&) { throw Error("LoRA is not implemented yet"); }

void GptImpl::enablePromptTuning(int64_t) { throw Error("prompt tuning is not implemented yet"); }

std::vector<std::pair<std::string, torch::Tensor>> GptImpl::trainableParameters()
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : named_parameters())
        if (item.value().requires_grad())
            out.emplace_back(item.key(), item.value());
    return out;
}

int64_t GptImpl::maxInputLength() const { return m_config.blockSize; }

} // namespace tb::core
