// SPDX-License-Identifier: MIT
// What a model predicts next, for the next-token view and model comparison: the top-k distribution with entropy and
// the rank of a chosen token, every position's next-token logits along a text (the window rule of generation,
// ContextWindow::Sliding), per-token KL divergence between two models, and the log-probability of a continuation.
// Pure functions of the model's weights (eval mode, InferenceMode); the calling thread.
#pragma once

#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <vector>

namespace tb::core {

struct TokenDistribution {
    std::vector<TokenId> ids;   // the k most likely tokens, most likely first (ties: lower id first)
    std::vector<double> probs;  // their probabilities
    double entropy = 0.0;       // of the whole distribution, in nats
    int64_t chosenRank = 0;     // 1 = most likely; 0 when no token was chosen
    double chosenProb = 0.0;    // probability of the chosen token
};

/// Summarises probabilities [V] (any that sum to 1, e.g. softmax(logits) or filteredProbabilities()): the top k
/// (all when k <= 0 or k >= V), the entropy, and the rank and probability of `chosen` (ignored when < 0).
TokenDistribution tokenDistribution(const torch::Tensor& probs, int64_t k, TokenId chosen = -1);

/// Logits [n, V] (fp32, CPU): row i is the model's next-token prediction after text[0..i], computed on the last
/// blockSize tokens up to i as generation does. Throws Error for an empty text or ids outside the vocabulary.
torch::Tensor nextTokenLogits(Gpt& model, const std::vector<TokenId>& text);

/// KL(P || Q) in nats at every position of `text`, where P and Q are the two models' next-token distributions
/// after text[0..i] (so entry i compares their predictions of token i+1). Exactly 0 where the logits are equal
/// (a model against itself). The models must share the vocabulary size (else Error).
std::vector<double> tokenKl(Gpt& p, Gpt& q, const std::vector<TokenId>& text);

/// Sum of log P(continuation[j] | prompt + continuation[0..j)) in nats (the log-probability a model gives a
/// reference answer). The prompt must not be empty.
double continuationLogProb(Gpt& model, const std::vector<TokenId>& prompt, const std::vector<TokenId>& continuation);

} // namespace tb::core
