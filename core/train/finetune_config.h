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

/// Where the RL methods (grpo, ppo) get an answer's reward: a reward-model run (the proxy), the built-in gold
/// scorer (core/rl/gold_scorer.h), or a weighted mix: reward = modelWeight * model score + goldWeight * gold score.
struct RewardSourceConfig {
    std::string model;        // a reward_model run directory or checkpoint file; empty: no reward model
    double modelWeight = 1.0;
    double goldWeight = 0.0;
    bool logGold = true;      // log objective/gold (and each sample's gold score) even when goldWeight is 0
};

/// GRPO (Shao et al. 2024; TRL's GRPOTrainer): groupSize answers per prompt, group-relative advantages, the clipped
/// surrogate plus klCoef times the k3 KL to the frozen parent. One rollout and one optimizer step per trainer step.
struct GrpoConfig {
    int64_t rolloutPrompts = 4;   // prompts per rollout
    int64_t groupSize = 4;        // answers per prompt (G)
    int64_t maxNewTokens = 24;    // longest answer
    double klCoef = 0.04;         // beta
    double epsilon = 0.2;         // clip range of the probability ratio
    std::string lossType = "grpo"; // grpo | bnpo | dr_grpo
    bool scaleRewards = true;     // divide by the group's std (false: Dr. GRPO)
    double temperature = 1.0;     // sampling temperature (also of the log-probabilities)
    std::string adapter = "none"; // none | lora
};

/// PPO (Ziegler et al. 2019; TRL's PPOTrainer): a value head on the policy, per-token KL penalty, GAE, clipped
/// policy and value losses, epochs x minibatches optimizer steps per rollout.
struct PpoConfig {
    int64_t rolloutPrompts = 8;
    int64_t maxNewTokens = 24;
    double klCoef = 0.05;         // initial (adaptive) or fixed coefficient of the per-token KL penalty
    double klTarget = 0.0;        // > 0: adaptive coefficient aiming at this KL per answer (nats); 0: fixed
    double klHorizon = 10000.0;   // adaptive controller's horizon (answers)
    double gamma = 1.0;
    double lam = 0.95;
    double cliprange = 0.2;
    double cliprangeValue = 0.2;
    double vfCoef = 0.1;
    int64_t epochs = 4;
    int64_t minibatches = 1;
    bool whiten = true;           // whiten the advantages
    double missingEosPenalty = 0.0; // subtracted from the score of an answer that did not end
    double temperature = 1.0;
    std::string adapter = "none"; // none | lora
};

/// Every LoRA target name: attention query/key/value (slices of nanoGPT's fused c_attn), the attention output
/// projection (c_proj) and the MLP's input (c_fc) and output (mlp.c_proj).
inline const std::vector<std::string>& loraTargetNames()
{
    static const std::vector<std::string> names = {"q", "k", "v", "attn_out", "mlp_in", "mlp_out"};
    return names;
}

} // namespace tb::core
