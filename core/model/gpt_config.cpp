// SPDX-License-Identifier: MIT
#include "core/model/gpt_config.h"

#include <limits>

namespace tb::core {

std::vector<std::string> GptConfig::validate() const
{
    std::vector<std::string> problems;
    auto need = [&](bool ok, std::string message) {
        if (!ok)
            problems.push_back(std::move(message));
    };
    need(vocabSize >= 2, "the vocabulary must have at least 2 tokens (model.vocab_size is " + std::to_string(vocabSize) + ")");
    need(blockSize >= 1, "model.block_size must be at least 1 (it is " + std::to_string(blockSize) + ")");
    need(nLayer >= 1, "model.n_layer must be at least 1 (it is " + std::to_string(nLayer) + ")");
    need(nHead >= 1, "model.n_head must be at least 1 (it is " + std::to_string(nHead) + ")");
    need(nEmbd >= 1, "model.n_embd must be at least 1 (it is " + std::to_string(nEmbd) + ")");
    if (nHead >= 1 && nEmbd >= 1)
        need(nEmbd % nHead == 0, "model.n_embd (" + std::to_string(nEmbd) + ") must be divisible by model.n_head (" +
                                     std::to_string(nHead) + ") so that every attention head gets the same width");
    need(dropout >= 0.0 && dropout < 1.0, "model.dropout must be in [0, 1) (it is " + std::to_string(dropout) + ")");
    return problems;
}

namespace {

/// int64 arithmetic would overflow for a hostile config (n_embd 1e9 squared): the counts are computed in double and
/// saturate at INT64_MAX, so that a pre-flight comparing them with the available memory refuses such a model.
int64_t saturate(double v)
{
    constexpr double kMax = 9.2e18; // just under INT64_MAX, exactly representable
    if (!(v < kMax))
        return std::numeric_limits<int64_t>::max();
    return v <= 0 ? 0 : static_cast<int64_t>(v);
}

double parameterCountOf(const GptConfig& c)
{
    const double b = c.bias ? 1 : 0;
    const double C = double(c.nEmbd);
    const double perLayer = 2 * C * (1 + b)        // ln_1, ln_2
                            + C * 3 * C + 3 * C * b // c_attn
                            + C * C + C * b         // attn.c_proj
                            + C * 4 * C + 4 * C * b // mlp.c_fc
                            + 4 * C * C + C * b;    // mlp.c_proj
    return double(c.vocabSize) * C + double(c.blockSize) * C + double(c.nLayer) * perLayer + C * (1 + b);
}

} // namespace

int64_t GptConfig::parameterCount() const { return saturate(parameterCountOf(*this)); }

int64_t GptConfig::nonEmbeddingParameterCount() const
{
    return saturate(parameterCountOf(*this) - double(blockSize) * double(nEmbd));
}

double GptConfig::flopsPerToken() const
{
    // 6N for the matmuls of forward+backward, plus attention scores: 12 * L * C * T (nanoGPT's estimate_mfu).
    return 6.0 * double(nonEmbeddingParameterCount()) + 12.0 * double(nLayer) * double(nEmbd) * double(blockSize);
}

int64_t GptConfig::estimateTrainingBytes(int64_t batchSize) const
{
    const double state = parameterCountOf(*this) * 4 * 4; // weights, grads, AdamW m and v
    const double B = double(batchSize);
    const double T = double(blockSize);
    const double bt = B * T;
    // Per layer: ~34 activations of width C per token kept for backward, plus the attention maps (scores, softmax,
    // dropout mask) of size B*H*T*T.
    const double perLayer = bt * double(nEmbd) * 34 + 3 * B * double(nHead) * T * T;
    const double logits = bt * double(vocabSize) * 3;
    return saturate(state + (double(nLayer) * perLayer + logits) * 4);
}

} // namespace tb::core
