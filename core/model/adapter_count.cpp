// SPDX-License-Identifier: MIT
#include "core/model/adapter_count.h"

namespace tb::core {

bool loraTargetShape(const GptConfig& model, const std::string& target, int64_t& in, int64_t& out)
{
    const int64_t c = model.nEmbd;
    if (target == "q" || target == "k" || target == "v" || target == "attn_out") {
        in = c; // q, k and v are n_embd-wide slices of the fused c_attn
        out = c;
    } else if (target == "mlp_in") {
        in = c;
        out = 4 * c;
    } else if (target == "mlp_out") {
        in = 4 * c;
        out = c;
    } else {
        return false;
    }
    return true;
}

int64_t loraParameterCount(const GptConfig& model, const LoraConfig& lora)
{
    int64_t perLayer = 0;
    for (const auto& target : lora.targets) {
        int64_t in = 0, out = 0;
        if (loraTargetShape(model, target, in, out))
            perLayer += lora.r * (in + out);
    }
    return model.nLayer * perLayer;
}

int64_t trainableParameterCount(const GptConfig& model, const std::string& method, const LoraConfig& lora,
                                const PromptTuningConfig& promptTuning)
{
    if (method == "pretrain" || method == "sft")
        return model.parameterCount();
    if (method == "lora")
        return loraParameterCount(model, lora);
    if (method == "dpo" || method == "grpo")
        return model.parameterCount();
    if (method == "ppo")
        return model.parameterCount() + model.nEmbd; // and the value head
    if (method == "reward_model")
        return model.parameterCount() + model.nEmbd; // and the score head
    if (method == "prompt_tuning")
        return promptTuning.numVirtualTokens * model.nEmbd;
    return 0;
}

} // namespace tb::core
