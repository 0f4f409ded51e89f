// SPDX-License-Identifier: MIT
#include "core/model/gpt_config.h"

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

int64_t GptConfig::parameterCount() const
{
    const int64_t b = bias ? 1 : 0;
    const int64_t perLayer = 2 * nEmbd * (1 + b)              // ln_1, ln_2
                             + nEmbd * 3 * nEmbd + 3 * nEmbd * b // c_attn
                             + nEmbd * nEmbd + nEmbd * b         // attn.c_proj
                             + nEmbd * 4 * nEmbd + 4 * nEmbd * b // mlp.c_fc
                             + 4 * nEmbd * nEmbd + nEmbd * b;    // mlp.c_proj
    return vocabSize * nEmbd + blockSize * nEmbd + nLayer * perLayer + nEmbd * (1 + b);
}

int64_t GptConfig::nonEmbeddingParameterCount() const { return parameterCount() - blockSize * nEmbd; }

double GptConfig::flopsPerToken() const
{
    // 6N for the matmuls of forward+backward, plus attention scores: 12 * L * C * T (nanoGPT's estimate_mfu).
    return 6.0 * double(nonEmbeddingParameterCount()) + 12.0 * double(nLayer * nEmbd * blockSize);
}

int64_t GptConfig::estimateTrainingBytes(int64_t batchSize) const
{
    const int64_t params = parameterCount();
    const int64_t state = params * 4 * 4; // weights, grads, AdamW m and v
    const int64_t bt = batchSize * blockSize;
    // Per layer: ~34 activations of width C per token kept for backward, plus the attention maps (scores, softmax,
    // dropout mask) of size B*H*T*T.
    const int64_t perLayer = bt * nEmbd * 34 + 3 * batchSize * nHead * blockSize * blockSize;
    const int64_t logits = bt * vocabSize * 3;
    return state + (nLayer * perLayer + logits) * 4;
}

} // namespace tb::core
