// SPDX-License-Identifier: MIT
// nanoGPT's GPT in LibTorch: token + learned position embeddings, pre-LayerNorm blocks with causal self-attention
// and a GELU MLP, final LayerNorm, lm_head tied to the token embedding. Parameter names equal nanoGPT's
// (transformer.wte.weight, transformer.h.0.attn.c_attn.weight, ...) so weights map one-to-one to a PyTorch
// reference. LoRA adapters and prompt-tuning embeddings (adapters.cpp, lora.h) add parameters under stable names:
// transformer.h.<i>.attn.c_attn.lora_{q,k,v}.{A,B}, transformer.h.<i>.attn.c_proj.lora_attn_out.{A,B},
// transformer.h.<i>.mlp.c_fc.lora_mlp_in.{A,B}, transformer.h.<i>.mlp.c_proj.lora_mlp_out.{A,B} and
// prompt_encoder.weight. A reward model adds a scalar head, score_head.weight [1, n_embd] (adapters.cpp). A module is
// used by one thread at a time.
#pragma once

#include "core/model/gpt_config.h"
#include "core/train/finetune_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tb::core {

class LoraImpl; // core/model/lora.h
/// The LoRA updates of one Linear (empty unless GptImpl::enableLora added some).
using LoraAdapters = std::vector<std::shared_ptr<LoraImpl>>;

/// LayerNorm over the last dimension with an optional bias (nanoGPT's LayerNorm; torch::nn::LayerNorm cannot drop
/// only the bias). Parameters are registered as "weight" and, when bias is true, "bias".
class LayerNormImpl : public torch::nn::Module {
public:
    LayerNormImpl(int64_t size, bool bias);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;
    torch::Tensor bias; // undefined when the config has no biases

private:
    int64_t m_size;
};
TORCH_MODULE(LayerNorm);

class CausalSelfAttentionImpl : public torch::nn::Module {
public:
    explicit CausalSelfAttentionImpl(const GptConfig& config);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear cAttn{nullptr};
    torch::nn::Linear cProj{nullptr};
    LoraAdapters cAttnLora; // q, k, v: slices of c_attn's output rows
    LoraAdapters cProjLora; // attn_out

private:
    /// Upper-triangular bool mask [T, T] (true above the diagonal), cached per device. Not a registered buffer, so
    /// it stays out of state dicts and checkpoints.
    torch::Tensor causalMask(int64_t t, const torch::Device& device);

    torch::nn::Dropout m_attnDropout{nullptr};
    torch::nn::Dropout m_residDropout{nullptr};
    int64_t m_nHead;
    int64_t m_nEmbd;
    double m_dropout;
    torch::Tensor m_mask; // [blockSize, blockSize]
};
TORCH_MODULE(CausalSelfAttention);

class MlpImpl : public torch::nn::Module {
public:
    explicit MlpImpl(const GptConfig& config);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear cFc{nullptr};
    torch::nn::Linear cProj{nullptr};
    LoraAdapters cFcLora;   // mlp_in
    LoraAdapters cProjLora; // mlp_out

private:
    torch::nn::Dropout m_dropout{nullptr};
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
public:
    explicit BlockImpl(const GptConfig& config);
    torch::Tensor forward(torch::Tensor x);

    LayerNorm ln1{nullptr};
    CausalSelfAttention attn{nullptr};
    LayerNorm ln2{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

/// The "transformer" container of nanoGPT (wte, wpe, drop, h, ln_f); it exists so parameter names match.
class TransformerImpl : public torch::nn::Module {
public:
    explicit TransformerImpl(const GptConfig& config);

    torch::nn::Embedding wte{nullptr};
    torch::nn::Embedding wpe{nullptr};
    torch::nn::Dropout drop{nullptr};
    torch::nn::ModuleList h{nullptr};
    LayerNorm lnF{nullptr};
};
TORCH_MODULE(Transformer);

class GptImpl : public torch::nn::Module {
public:
    /// Initialises weights like nanoGPT (normal 0.02; residual projections 0.02/sqrt(2*n_layer); zero biases) from
    /// torch's default generator, so torch::manual_seed() before construction makes the init reproducible. It draws
    /// the same random numbers in the same order as nanoGPT's GPT(config), so with equal seeds the weights are
    /// bit-identical to nanoGPT's on CPU.
    explicit GptImpl(const GptConfig& config);

    /// idx: [B, T] int64 with T <= maxInputLength(). Returns logits [B, T, vocab] (with prompt tuning, for the real
    /// tokens only: the virtual tokens take positions 0..n-1 and the real ones follow).
    torch::Tensor forward(const torch::Tensor& idx);
    /// The final LayerNorm's output [B, T, n_embd] for the real tokens; forward() is this times the tied lm_head.
    torch::Tensor hiddenStates(const torch::Tensor& idx);

    const GptConfig& config() const { return m_config; }

    /// Recompute each block's activations in backward instead of keeping them (less memory, ~1/3 more compute).
    void setActivationCheckpointing(bool on) { m_activationCheckpointing = on; }
    bool activationCheckpointing() const { return m_activationCheckpointing; }

    // Parameter-efficient fine-tuning (core/model/adapters.cpp). Both freeze every base weight.
    /// Adds LoRA adapters (A random, B zero, so the output is unchanged) to the configured projections.
    void enableLora(const LoraConfig& config);
    /// Adds `count` trainable virtual-token embeddings, prepended to every input inside forward().
    void enablePromptTuning(int64_t count);
    /// The parameters the optimizer should update (all of them unless adapters are enabled), with their names.
    std::vector<std::pair<std::string, torch::Tensor>> trainableParameters();
    /// Reward model: adds the trainable scalar head score_head (no bias; normal(0, 0.02) like Hugging Face's
    /// sequence-classification head). Call before enableLora, which then leaves it trainable.
    void enableScoreHead();
    bool hasScoreHead() const { return !m_scoreHead.is_empty(); }
    /// The score of each row [B] (fp32): the head on the hidden state at position `last` [B] (int64) of that row,
    /// the row's last real token. Needs enableScoreHead().
    torch::Tensor score(const torch::Tensor& idx, const torch::Tensor& last);
    /// Longest input forward() accepts: blockSize minus the virtual tokens.
    int64_t maxInputLength() const;

    bool loraEnabled() const { return !m_lora.empty(); }
    /// The config enableLora() was given (meaningless unless loraEnabled()).
    const LoraConfig& loraConfig() const { return m_loraConfig; }
    /// W += (alpha/r)·B·A for every adapter, which then stops adding its own term (faster inference, same logits
    /// to float rounding). unmergeLora() subtracts it again. Both are no-ops for adapters already in that state.
    void mergeLora();
    void unmergeLora();
    bool loraMerged() const;
    /// Number of virtual tokens (0 without prompt tuning) and their embeddings [n, n_embd] (undefined if none).
    int64_t numVirtualTokens() const;
    torch::Tensor promptEmbeddings() const;

private:
    void initWeights();
    void freezeBase();

    GptConfig m_config;
    Transformer m_transformer{nullptr};
    bool m_activationCheckpointing = false;
    std::vector<Block> m_blocks; // the same modules as m_transformer->h, typed for the forward loop
    LoraConfig m_loraConfig;
    LoraAdapters m_lora;                               // every adapter of every layer
    torch::nn::Embedding m_promptEncoder{nullptr};     // "prompt_encoder.weight" [n, n_embd] with prompt tuning
    torch::nn::Linear m_scoreHead{nullptr};            // "score_head.weight" [1, n_embd] for a reward model
};
TORCH_MODULE(Gpt);

/// Mean cross-entropy of logits [B, T, V] against targets [B, T], computed in fp32.
torch::Tensor languageModelLoss(const torch::Tensor& logits, const torch::Tensor& targets);

} // namespace tb::core
