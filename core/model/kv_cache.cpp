// SPDX-License-Identifier: MIT
#include "core/model/kv_cache.h"

#include "core/common/error.h"
#include "core/model/gpt.h"
#include "core/model/lora.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace tb::core {

struct KvCache::State {
    std::shared_ptr<TransformerImpl> transformer;
    std::vector<std::shared_ptr<BlockImpl>> blocks;
    std::vector<torch::Tensor> keys;   // per layer [B, nh, blockSize, hd]
    std::vector<torch::Tensor> values; // per layer [B, nh, blockSize, hd]
    torch::Tensor positions;           // arange(blockSize), sliced per call
    torch::Tensor mask;                // [blockSize, blockSize] bool, true above the diagonal
    torch::Tensor prompt;              // prompt tuning's virtual tokens [n, C], or undefined
    int64_t virtualTokens = 0;         // n: cache positions 0..n-1 hold the virtual tokens
    torch::Tensor rowStarts;           // [B] int64 left padding per row (setRowStarts), or undefined
    torch::Tensor padKeys;             // [B, 1, 1, blockSize] bool: the slot is before the row's start
    int64_t maxStart = 0;              // the largest row start: later query slots are real in every row
    int64_t batch = 1;
    int64_t nHead = 1;
    int64_t nEmbd = 1;
    double scale = 1.0;
};

KvCache::KvCache(GptImpl& model, int64_t batch) : m_state(std::make_unique<State>())
{
    if (batch < 1)
        throw Error("KvCache needs at least one row, got " + std::to_string(batch));
    const GptConfig& config = model.config();
    State& s = *m_state;
    // The modules are found by name, so Gpt's header needs no accessor for them.
    for (const auto& child : model.named_children())
        if (child.key() == "transformer")
            s.transformer = std::dynamic_pointer_cast<TransformerImpl>(child.value());
    if (!s.transformer)
        throw Error("KvCache: the model has no transformer module");
    for (const auto& module : *s.transformer->h)
        s.blocks.push_back(std::dynamic_pointer_cast<BlockImpl>(module));

    s.batch = batch;
    s.nHead = config.nHead;
    s.nEmbd = config.nEmbd;
    const int64_t hd = config.nEmbd / config.nHead;
    s.scale = 1.0 / std::sqrt(double(hd));
    s.prompt = model.promptEmbeddings();
    s.virtualTokens = model.numVirtualTokens();
    m_capacity = config.blockSize - s.virtualTokens;

    c10::InferenceMode inference; // buffers are only ever touched inside InferenceMode
    const auto options = s.transformer->wte->weight.options().requires_grad(false);
    for (int64_t l = 0; l < config.nLayer; ++l) {
        s.keys.push_back(torch::empty({batch, config.nHead, config.blockSize, hd}, options));
        s.values.push_back(torch::empty({batch, config.nHead, config.blockSize, hd}, options));
    }
    s.positions = torch::arange(config.blockSize, options.dtype(torch::kLong));
    s.mask = torch::ones({config.blockSize, config.blockSize}, options.dtype(torch::kBool)).triu(1);
}

KvCache::~KvCache() = default;

void KvCache::setRowStarts(const std::vector<int64_t>& starts)
{
    State& s = *m_state;
    if (!starts.empty() && int64_t(starts.size()) != s.batch)
        throw Error("KvCache::setRowStarts needs one start per row (" + std::to_string(s.batch) + "), got " +
                    std::to_string(starts.size()));
    // No padding at all is the plain computation (and no mask costs anything).
    if (std::all_of(starts.begin(), starts.end(), [](int64_t start) { return start == 0; })) {
        s.rowStarts = torch::Tensor();
        s.padKeys = torch::Tensor();
        s.maxStart = 0;
        return;
    }
    if (s.virtualTokens > 0)
        throw Error("KvCache: left padding is not supported with prompt tuning");
    for (const int64_t start : starts)
        if (start < 0 || start >= m_capacity)
            throw Error("KvCache: row start " + std::to_string(start) + " is outside the block");
    c10::InferenceMode inference;
    s.rowStarts = torch::tensor(starts, s.positions.options());
    s.padKeys = s.positions.view({1, 1, 1, -1}) < s.rowStarts.view({s.batch, 1, 1, 1});
    s.maxStart = *std::max_element(starts.begin(), starts.end());
}

torch::Tensor KvCache::forward(const torch::Tensor& idx, bool allPositions)
{
    State& s = *m_state;
    if (idx.dim() != 2 || idx.size(0) != s.batch || idx.size(1) < 1)
        throw Error("KvCache::forward expects token ids of shape [" + std::to_string(s.batch) + ", t >= 1]");
    const int64_t b = s.batch;
    const int64_t tokens = idx.size(1);
    if (m_length + tokens > m_capacity)
        throw Error("KvCache: " + std::to_string(m_length + tokens) + " positions exceed the block size of " +
                    std::to_string(m_capacity) +
                    (s.virtualTokens > 0 ? " (after " + std::to_string(s.virtualTokens) + " virtual tokens)" : ""));
    // Cache positions: the virtual tokens of prompt tuning (fed with the first tokens) occupy 0..n-1.
    const bool withPrompt = s.virtualTokens > 0 && m_length == 0;
    const int64_t p0 = withPrompt ? 0 : s.virtualTokens + m_length;
    const int64_t t = withPrompt ? s.virtualTokens + tokens : tokens;
    const int64_t end = p0 + t;
    c10::InferenceMode inference;
    using torch::indexing::Slice;
    const int64_t c = s.nEmbd;
    const int64_t nh = s.nHead;
    const int64_t hd = c / nh;
    const int64_t nLayer = int64_t(s.blocks.size());

    // Dropout is skipped everywhere: this is inference (the same as eval mode).
    auto embedded = s.transformer->wte(idx);
    if (withPrompt)
        embedded = torch::cat({s.prompt.unsqueeze(0).expand({b, s.virtualTokens, -1}), embedded}, 1);
    const bool padded = s.rowStarts.defined();
    // With left padding, row b's position is its cache slot minus its start (padding slots get position 0).
    auto x = embedded + s.transformer->wpe(padded ? (s.positions.slice(0, p0, end).unsqueeze(0) -
                                                     s.rowStarts.unsqueeze(1)).clamp_min(0)
                                                  : s.positions.slice(0, p0, end));
    // Left padding: a query never sees a row's padding keys, except a padding query its own key (so that its
    // softmax is finite: padding outputs are never read, but NaNs would reach the real rows through 0 * NaN).
    const auto paddingMask = [&](int64_t q0, int64_t tq) {
        const auto padKey = s.padKeys.slice(3, 0, end); // [B, 1, 1, end]
        if (q0 >= s.maxStart) // every query is a real token (each decode step): only the padding keys are hidden
            return padKey;
        const auto ownKey = s.positions.slice(0, 0, end).view({1, 1, 1, end}) ==
                            s.positions.slice(0, q0, q0 + tq).view({1, 1, tq, 1}); // [1, 1, tq, end]
        return padKey & ~ownKey;                                                     // [B, 1, tq, end]
    };
    // Every layer but a last-position-only last layer has the same queries: one mask for them all.
    const torch::Tensor layerMask = padded ? paddingMask(p0, t) : torch::Tensor();
    for (int64_t l = 0; l < nLayer; ++l) {
        BlockImpl& block = *s.blocks[size_t(l)];
        CausalSelfAttentionImpl& attn = *block.attn;
        const auto qkv = loraLinear(attn.cAttn, attn.cAttnLora, block.ln1(x), false).split(c, 2);
        s.keys[size_t(l)].slice(2, p0, end).copy_(qkv[1].view({b, t, nh, hd}).transpose(1, 2));
        s.values[size_t(l)].slice(2, p0, end).copy_(qkv[2].view({b, t, nh, hd}).transpose(1, 2));
        const auto keys = s.keys[size_t(l)].slice(2, 0, end);
        const auto values = s.values[size_t(l)].slice(2, 0, end);

        // The last layer's output is needed at the last position only, unless every position's logits are.
        auto q = qkv[0];
        auto residual = x;
        int64_t q0 = p0;
        if (l == nLayer - 1 && !allPositions && t > 1) {
            q = q.slice(1, t - 1, t);
            residual = x.slice(1, t - 1, t);
            q0 = end - 1;
        }
        const int64_t tq = q.size(1);
        // Scale q before the product, as the full forward does, so both round alike.
        q = (q * s.scale).view({b, tq, nh, hd}).transpose(1, 2);
        // A batched rollout's decode step (left padding, one query per row): broadcast products and sums instead of
        // B * nh tiny matrix products, about 3x faster at B = 16 (the plain path keeps its arithmetic exactly).
        const bool rowQueries = padded && tq == 1;
        auto att = rowQueries ? (keys * q).sum(-1).unsqueeze(2)              // [B, nh, 1, end]
                              : torch::matmul(q, keys.transpose(-2, -1)); // [B, nh, tq, end]
        if (tq > 1) // each query sees the keys up to its own position (a single last query sees all)
            att = att.masked_fill(s.mask.index({Slice(q0, q0 + tq), Slice(0, end)}),
                                  -std::numeric_limits<double>::infinity());
        if (padded)
            att = att.masked_fill(q0 == p0 ? layerMask : paddingMask(q0, tq),
                                  -std::numeric_limits<double>::infinity());
        att = torch::softmax(att, -1);
        const auto y = rowQueries ? (att.transpose(-2, -1) * values).sum(-2).reshape({b, 1, c})
                                  : torch::matmul(att, values).transpose(1, 2).reshape({b, tq, c});
        x = residual + loraLinear(attn.cProj, attn.cProjLora, y, false);
        const auto h = block.ln2(x);
        MlpImpl& mlp = *block.mlp;
        x = x + loraLinear(mlp.cProj, mlp.cProjLora, torch::gelu(loraLinear(mlp.cFc, mlp.cFcLora, h, false)), false);
    }
    m_length += tokens;
    if (allPositions && withPrompt)
        x = x.slice(1, s.virtualTokens);
    x = s.transformer->lnF(allPositions ? x : x.select(1, -1));
    return torch::nn::functional::linear(x, s.transformer->wte->weight);
}

} // namespace tb::core
