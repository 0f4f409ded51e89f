// SPDX-License-Identifier: MIT
// Autoregressive sampling from a Gpt: temperature, top-k, top-p, greedy, one seed. The context is cropped to the
// block size as in nanoGPT. Runs on the calling thread; the callback may stop generation by returning false.
#pragma once

#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <functional>
#include <vector>

namespace tb::core {

struct SampleOptions {
    int64_t maxNewTokens = 200;
    double temperature = 0.8;  // < 1 sharpens, > 1 flattens the distribution; <= 0 means greedy
    int64_t topK = 0;          // keep exactly the k most likely tokens (ties: lower id first); 0 keeps all
    double topP = 1.0;         // keep the smallest set whose probability reaches p; 1 keeps all
    uint64_t seed = 1337;
    bool greedy = false;       // always take the most likely token (ignores temperature, top-k, top-p, seed)
};

/// Returns only the new tokens. The prompt must hold at least one token, all inside the vocabulary (else Error).
/// onToken(id) is called for each new token; returning false stops early (that token is still in the result).
/// The model is put in eval mode and restored to its previous mode afterwards. Uses its own generator, so the global torch RNG is untouched.
std::vector<TokenId> generate(Gpt& model, const std::vector<TokenId>& prompt, const SampleOptions& options,
                              const std::function<bool(TokenId)>& onToken = {});

/// Applies temperature / top-k / top-p to one row of logits [V] and returns probabilities [V] (fp32) where the
/// removed tokens have probability exactly 0. Order: temperature, top-k, top-p (cumulative mass within 1e-6 of p
/// counts as reaching it, so float rounding does not decide the boundary token). Greedy gives a one-hot row.
/// Exposed for tests and the next-token view.
torch::Tensor filteredProbabilities(const torch::Tensor& logits, const SampleOptions& options);

} // namespace tb::core
