// SPDX-License-Identifier: MIT
// Settings of fine-tuning runs (method sft, lora, prompt_tuning, dpo, reward_model). Plain value types, no torch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tb::core {

/// Supervised fine-tuning on conversations / prompt-completion pairs.
struct SftConfig {
    std::string lossOn = "completion"; // "completion": loss on assistant/completion tokens only; "all": every token
    std::string chatTemplate;          // empty: the built-in default template; otherwise the template text
    bool packing = false;              // pack several short examples into one block_size row
    bool skipUnspellable = true;       // leave out examples with characters the tokenizer cannot spell (<unk>)
    std::string forgettingCorpus;      // held-out text for the forgetting meter; empty: the parent's corpus
};

/// Low-rank adapters on the attention and MLP projections (Hu et al. 2021); the base weights stay frozen.
struct LoraConfig {
    int64_t r = 8;                // rank of A [r, in] and B [out, r]
    double alpha = 16.0;          // the update is (alpha / r) * B A
    double dropout = 0.05;        // on the adapter's input only
    std::vector<std::string> targets = {"q", "k", "v", "attn_out", "mlp_in", "mlp_out"};
};

/// Prompt tuning (Lester et al. 2021): trainable virtual-token embeddings prepended to every input.
struct PromptTuningConfig {
    int64_t numVirtualTokens = 8;
};

/// Direct preference optimisation (Rafailov et al. 2023) on chosen/rejected pairs; the reference is the parent.
struct DpoConfig {
    double beta = 0.1;            // strength of the pull towards the reference (TRL's default)
    std::string adapter = "none"; // "none": every weight trains; "lora": the base is frozen and lora.* adapters train
};

/// A reward model (method reward_model): the parent GPT with a scalar head on the last token of prompt + answer,
/// trained on preference pairs with the Bradley-Terry loss -log sigmoid(r_chosen - r_rejected).
struct RewardModelConfig {
    std::string adapter = "none"; // "none": every weight trains; "lora": the base is frozen, lora.* and the head train
};

/// Every LoRA target name: attention query/key/value (slices of nanoGPT's fused c_attn), the attention output
/// projection (c_proj) and the MLP's input (c_fc) and output (mlp.c_proj).
inline const std::vector<std::string>& loraTargetNames()
{
    static const std::vector<std::string> names = {"q", "k", "v", "attn_out", "mlp_in", "mlp_out"};
    return names;
}

} // namespace tb::core
