// SPDX-License-Identifier: MIT
// The sampling filters of generate() (temperature, top-k, top-p, greedy) on one row of logits as plain vectors, with
// every stage kept, for the next-token view: it re-shapes a stored distribution live as the knobs move, without torch
// and without the model. Same results as filteredProbabilities() (tested to 1e-6, masks exactly). Pure; any thread.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <vector>

namespace tb::core {

struct SampleOptions;

/// The knobs that shape one next-token distribution (SampleOptions without the ones that need the text or a seed).
struct SamplingParams {
    double temperature = 1.0; // <= 0 means greedy
    int64_t topK = 0;         // 0 keeps all
    double topP = 1.0;        // 1 keeps all
    bool greedy = false;
};

/// The temperature, top-k, top-p and greedy fields of `options`.
SamplingParams samplingParams(const SampleOptions& options);

/// One distribution after each stage. Every vector has one entry per token id.
struct ShapedDistribution {
    std::vector<double> raw;        // softmax(logits): the model's own distribution (temperature 1)
    std::vector<double> tempered;   // softmax(logits / temperature); equal to raw when greedy
    std::vector<double> afterTopK;  // tempered, renormalised over the top-k survivors (0 elsewhere)
    std::vector<double> final;      // after top-p as well: what sampling draws from (0 for removed tokens)
    std::vector<bool> kept;         // final > 0
    int64_t keptCount = 0;
    /// Mass of `tempered` on the removed tokens (0 when nothing is cut; 1 - p(argmax) when greedy).
    double truncatedMass = 0.0;
};

/// Applies `params` in generate()'s order: temperature, then top-k (exactly k survive, ties to the lower id), then
/// top-p on the renormalised survivors (the smallest prefix whose mass reaches p, within 1e-6; the first token always
/// stays). Greedy, or temperature <= 0, keeps only the first most likely token. A -inf or NaN logit has probability
/// 0 at every stage and is never kept; a row without any finite logit keeps nothing (all zeros).
ShapedDistribution shapeDistribution(const std::vector<float>& logits, const SamplingParams& params);

/// softmax(logits), in double.
std::vector<double> softmaxOf(const std::vector<float>& logits);

/// Entropy in nats of probabilities that sum to 1 (zero entries contribute nothing).
double entropyOf(const std::vector<double>& probs);

/// Token ids ordered by probability, most likely first, ties to the lower id (tokenDistribution's order); at most
/// `k` of them (all when k <= 0).
std::vector<TokenId> rankedIds(const std::vector<double>& probs, int64_t k = 0);

/// 1-based rank of `id` in rankedIds(probs) (1 = most likely); 0 when id is outside the vocabulary.
int64_t rankOf(const std::vector<double>& probs, TokenId id);

/// KL(P || Q) in nats; both must have the same size (else Error). Terms with P = 0 count 0; Q = 0 where P > 0 gives
/// +inf.
double klDivergence(const std::vector<double>& p, const std::vector<double>& q);

} // namespace tb::core
