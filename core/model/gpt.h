// SPDX-License-Identifier: MIT
// nanoGPT's GPT in LibTorch: token + learned position embeddings, pre-LayerNorm blocks with causal self-attention
// and a GELU MLP, final LayerNorm, lm_head tied to the token embedding. Parameter names equal nanoGPT's
// (transformer.wte.weight, transformer.h.0.attn.c_attn.weight, ...) so weights map one-to-one to a PyTorch
// reference. A module is used by one thread at a time.
#pragma once

#include "core/model/gpt_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace tb::core {

class CausalSelfAttentionImpl : public torch::nn::Module {
public:
    explicit CausalSelfAttentionImpl(const GptConfig& config);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear cAttn{nullptr};
    torch::nn::Linear cProj{nullptr};

private:
    torch::nn::Dropout m_attnDropout{nullptr};
    torch::nn::Dropout m_residDropout{nullptr};
    int64_t m_nHead;
    int64_t m_nEmbd;
    double m_dropout;
};
TORCH_MODULE(CausalSelfAttention);

class MlpImpl : public torch::nn::Module {
public:
    explicit MlpImpl(const GptConfig& config);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear cFc{nullptr};
    torch::nn::Linear cProj{nullptr};

private:
    torch::nn::Dropout m_dropout{nullptr};
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
public:
    explicit BlockImpl(const GptConfig& config);
    torch::Tensor forward(torch::Tensor x);

    torch::nn::LayerNorm ln1{nullptr};
    CausalSelfAttention attn{nullptr};
    torch::nn::LayerNorm ln2{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

class GptImpl : public torch::nn::Module {
public:
    /// Initialises weights like nanoGPT (normal 0.02; residual projections 0.02/sqrt(2*n_layer); zero biases) from
    /// torch's default generator, so torch::manual_seed() before construction makes the init reproducible.
    explicit GptImpl(const GptConfig& config);

    /// idx: [B, T] int64 with T <= blockSize. Returns logits [B, T, vocab].
    torch::Tensor forward(const torch::Tensor& idx);

    const GptConfig& config() const { return m_config; }

private:
    GptConfig m_config;
    torch::nn::Embedding m_wte{nullptr};
    torch::nn::Embedding m_wpe{nullptr};
    torch::nn::Dropout m_drop{nullptr};
    torch::nn::ModuleList m_blocks{nullptr};
    torch::nn::LayerNorm m_lnF{nullptr};
};
TORCH_MODULE(Gpt);

/// Mean cross-entropy of logits [B, T, V] against targets [B, T], computed in fp32.
torch::Tensor languageModelLoss(const torch::Tensor& logits, const torch::Tensor& targets);

} // namespace tb::core
