// SPDX-License-Identifier: MIT
// How many parameters a fine-tuning method trains, from the model's shape alone (no torch), so the Run setup can
// show "Trainable: 74 k of 0.81 M parameters (9.1%)" before a run starts. The counts follow core/model/adapters:
// LoRA adds A [r, in] and B [out, r] (no bias) to each targeted projection of every block; prompt tuning trains
// num_virtual_tokens embeddings of width n_embd. Thread-safe (pure functions).
#pragma once

#include "core/model/gpt_config.h"
#include "core/train/finetune_config.h"

#include <cstdint>
#include <string>

namespace tb::core {

/// Input and output width of one LoRA target of a block ("q", "k", "v", "attn_out", "mlp_in", "mlp_out").
/// Returns false for an unknown name.
bool loraTargetShape(const GptConfig& model, const std::string& target, int64_t& in, int64_t& out);

/// LoRA parameters over the whole model: for every target, r * (in + out) per layer. Unknown targets count 0
/// (RunConfig::validate names them).
int64_t loraParameterCount(const GptConfig& model, const LoraConfig& lora);

/// Parameters the optimizer updates for `method`: every base weight for pretrain, sft, dpo and grpo (their adapter
/// none; pass "lora" for a run with adapters), and the score head too for reward_model and ppo (its value head), the
/// adapters only for lora, the virtual tokens only for prompt_tuning. 0 for an unknown method.
int64_t trainableParameterCount(const GptConfig& model, const std::string& method, const LoraConfig& lora,
                                const PromptTuningConfig& promptTuning);

} // namespace tb::core
