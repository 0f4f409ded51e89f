// SPDX-License-Identifier: MIT
#include "core/model/gpt.h"

#include "core/common/error.h"
#include "core/model/block_checkpoint.h"
#include "core/model/causal_attention.h"
#include "core/model/lora.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>

namespace tb::core {

namespace {

torch::nn::Linear makeLinear(int64_t in, int64_t out, bool bias)
{
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

constexpr double kInitStd = 0.02;
constexpr double kLayerNormEps = 1e-5;
/// Attention maps (B*H*T*T) at or above this size (16 MB in fp32) use the memory-efficient kernel.
constexpr int64_t kLargeAttentionElements = 4 * 1024 * 1024;

} // namespace

// ---- LayerNorm -------------------------------------------------------------------------------------------------

LayerNormImpl::LayerNormImpl(int64_t size, bool bias) : m_size(size)
{
    weight = register_parameter("weight", torch::ones({size}));
    if (bias)
        this->bias = register_parameter("bias", torch::zeros({size}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x)
{
    return torch::layer_norm(x, {m_size}, weight, bias, kLayerNormEps);
}

// ---- CausalSelfAttention ---------------------------------------------------------------------------------------

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GptConfig& config)
    : m_nHead(config.nHead), m_nEmbd(config.nEmbd), m_dropout(config.dropout)
{
    cAttn = register_module("c_attn", makeLinear(m_nEmbd, 3 * m_nEmbd, config.bias));
    cProj = register_module("c_proj", makeLinear(m_nEmbd, m_nEmbd, config.bias));
    m_attnDropout = register_module("attn_dropout", torch::nn::Dropout(config.dropout));
    m_residDropout = register_module("resid_dropout", torch::nn::Dropout(config.dropout));
    m_mask = torch::ones({config.blockSize, config.blockSize}, torch::kBool).triu(1);
}

torch::Tensor CausalSelfAttentionImpl::causalMask(int64_t t, const torch::Device& device)
{
    if (m_mask.device() != device)
        m_mask = m_mask.to(device);
    return m_mask.index({torch::indexing::Slice(0, t), torch::indexing::Slice(0, t)});
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x)
{
    const int64_t b = x.size(0);
    const int64_t t = x.size(1);
    const int64_t c = x.size(2);
    const int64_t hd = c / m_nHead;

    // [B, T, 3C] -> three [B, nh, T, hd] views (no copies until the matmuls).
    const auto qkv = loraLinear(cAttn, cAttnLora, x, is_training()).split(m_nEmbd, 2);
    // Scaling q (T*hd values) instead of the scores (T*T values) is cheaper and mathematically the same.
    const auto q = (qkv[0] * (1.0 / std::sqrt(double(hd)))).view({b, t, m_nHead, hd}).transpose(1, 2);
    const auto k = qkv[1].view({b, t, m_nHead, hd}).transpose(1, 2);
    const auto v = qkv[2].view({b, t, m_nHead, hd}).transpose(1, 2);

    const bool noAttentionDropout = !is_training() || m_dropout == 0.0;
    if (noAttentionDropout && b * m_nHead * t * t >= kLargeAttentionElements) {
        // Large maps: the memory-efficient kernel never keeps the [T, T] maps (measured: same speed, 20% less
        // peak memory on n_embd 384 / block 256 / batch 64). Small maps are faster the explicit way.
        const auto y = causalAttention(q, k, v).transpose(1, 2).contiguous().view({b, t, c});
        return m_residDropout(loraLinear(cProj, cProjLora, y, is_training()));
    }
    auto att = torch::matmul(q, k.transpose(-2, -1)); // [B, nh, T, T]
    att = att.masked_fill(causalMask(t, x.device()), -std::numeric_limits<double>::infinity());
    att = torch::softmax(att, -1);
    att = m_attnDropout(att);
    auto y = torch::matmul(att, v);                                 // [B, nh, T, hd]
    y = y.transpose(1, 2).contiguous().view({b, t, c});             // merge heads
    return m_residDropout(loraLinear(cProj, cProjLora, y, is_training()));
}

// ---- MLP -------------------------------------------------------------------------------------------------------

MlpImpl::MlpImpl(const GptConfig& config)
{
    cFc = register_module("c_fc", makeLinear(config.nEmbd, 4 * config.nEmbd, config.bias));
    cProj = register_module("c_proj", makeLinear(4 * config.nEmbd, config.nEmbd, config.bias));
    m_dropout = register_module("dropout", torch::nn::Dropout(config.dropout));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x)
{
    // Exact (erf) GELU, nn.GELU's default, as nanoGPT uses.
    const bool train = is_training();
    return m_dropout(loraLinear(cProj, cProjLora, torch::gelu(loraLinear(cFc, cFcLora, x, train)), train));
}

// ---- Block -----------------------------------------------------------------------------------------------------

BlockImpl::BlockImpl(const GptConfig& config)
{
    ln1 = register_module("ln_1", LayerNorm(config.nEmbd, config.bias));
    attn = register_module("attn", CausalSelfAttention(config));
    ln2 = register_module("ln_2", LayerNorm(config.nEmbd, config.bias));
    mlp = register_module("mlp", Mlp(config));
}

torch::Tensor BlockImpl::forward(torch::Tensor x)
{
    x = x + attn(ln1(x));
    return x + mlp(ln2(x));
}

// ---- Transformer -----------------------------------------------------------------------------------------------

TransformerImpl::TransformerImpl(const GptConfig& config)
{
    wte = register_module("wte", torch::nn::Embedding(config.vocabSize, config.nEmbd));
    wpe = register_module("wpe", torch::nn::Embedding(config.blockSize, config.nEmbd));
    drop = register_module("drop", torch::nn::Dropout(config.dropout));
    h = register_module("h", torch::nn::ModuleList());
    for (int64_t i = 0; i < config.nLayer; ++i)
        h->push_back(Block(config));
    lnF = register_module("ln_f", LayerNorm(config.nEmbd, config.bias));
}

// ---- Gpt -------------------------------------------------------------------------------------------------------

GptImpl::GptImpl(const GptConfig& config) : m_config(config)
{
    const auto problems = config.validate();
    if (!problems.empty())
        throw Error("invalid model configuration: " + problems.front());
    m_transformer = register_module("transformer", Transformer(config));
    for (const auto& module : *m_transformer->h)
        m_blocks.push_back(Block(std::dynamic_pointer_cast<BlockImpl>(module)));
    initWeights();
}

void GptImpl::initWeights()
{
    torch::NoGradGuard noGrad;
    const bool bias = m_config.bias;
    // nanoGPT draws from the default generator in this order; mirroring it keeps the init bit-identical for a seed.
    // 1. Its constructor also builds lm_head = nn.Linear(C, V, bias=False), whose default (kaiming) init draws
    //    numbers before the weight is tied to wte. The discarded module consumes the same numbers.
    (void)makeLinear(m_config.nEmbd, m_config.vocabSize, false);
    // 2. self.apply(_init_weights) visits modules children-first: wte, wpe, then per block c_attn, attn.c_proj,
    //    c_fc, mlp.c_proj, and finally lm_head, which re-draws the tied wte weight.
    auto initLinear = [bias](const torch::nn::Linear& linear) {
        linear->weight.normal_(0.0, kInitStd);
        if (bias)
            linear->bias.zero_();
    };
    m_transformer->wte->weight.normal_(0.0, kInitStd);
    m_transformer->wpe->weight.normal_(0.0, kInitStd);
    for (const auto& block : m_blocks) {
        initLinear(block->attn->cAttn);
        initLinear(block->attn->cProj);
        initLinear(block->mlp->cFc);
        initLinear(block->mlp->cProj);
    }
    m_transformer->wte->weight.normal_(0.0, kInitStd);
    // 3. Scaled init of the residual projections (GPT-2 paper), in named_parameters order.
    const double projStd = kInitStd / std::sqrt(2.0 * double(m_config.nLayer));
    for (const auto& block : m_blocks) {
        block->attn->cProj->weight.normal_(0.0, projStd);
        block->mlp->cProj->weight.normal_(0.0, projStd);
    }
    // LayerNorms are already weight 1, bias 0 from their constructor.
}

torch::Tensor GptImpl::forward(const torch::Tensor& idx)
{
    // Tied lm_head: logits = x @ wte.weight^T.
    return torch::nn::functional::linear(hiddenStates(idx), m_transformer->wte->weight);
}

torch::Tensor GptImpl::hiddenStates(const torch::Tensor& idx)
{
    if (idx.dim() != 2)
        throw Error("Gpt::forward expects token ids of shape [batch, time], got " + std::to_string(idx.dim()) +
                    " dimensions");
    const int64_t t = idx.size(1);
    const int64_t virtualTokens = numVirtualTokens();
    if (t > m_config.blockSize - virtualTokens)
        throw Error("cannot forward a sequence of length " + std::to_string(t) + ": the block size is only " +
                    std::to_string(m_config.blockSize) +
                    (virtualTokens > 0 ? " including " + std::to_string(virtualTokens) + " virtual tokens" : ""));

    auto tokens = m_transformer->wte(idx);
    if (virtualTokens > 0) // prompt tuning: the virtual tokens come first, at positions 0..n-1
        tokens = torch::cat({m_promptEncoder->weight.unsqueeze(0).expand({idx.size(0), virtualTokens, -1}), tokens},
                            1);
    const auto pos =
        torch::arange(virtualTokens + t, torch::TensorOptions().dtype(torch::kLong).device(idx.device()));
    auto x = m_transformer->drop(tokens + m_transformer->wpe(pos));
    const bool checkpoint = m_activationCheckpointing && is_training() && torch::GradMode::is_enabled();
    // A checkpointed block is differentiated only when its input needs a gradient. With a frozen base (LoRA) the
    // embeddings do not, so the adapters inside the blocks would get none: ask for the input's gradient.
    if (checkpoint && !x.requires_grad())
        x.requires_grad_(true);
    for (auto& block : m_blocks) {
        if (checkpoint)
            x = checkpointedForward([block](const torch::Tensor& in) mutable { return block(in); }, x);
        else
            x = block(x);
    }
    return m_transformer->lnF(virtualTokens > 0 ? x.slice(1, virtualTokens) : x);
}

torch::Tensor languageModelLoss(const torch::Tensor& logits, const torch::Tensor& targets)
{
    const int64_t vocab = logits.size(-1);
    return torch::nn::functional::cross_entropy(logits.reshape({-1, vocab}).to(torch::kFloat),
                                                targets.reshape({-1}));
}

} // namespace tb::core
