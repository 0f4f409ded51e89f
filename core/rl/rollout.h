// SPDX-License-Identifier: MIT
// Batched rollouts for RL fine-tuning: N prompts of different lengths are answered together, one forward per new
// token for the whole batch, with the KV cache. Prompts are left-padded and the cache's row starts (KvCache::
// setRowStarts) give each row its own positions and hide its padding, so every row's tokens and log-probabilities
// are those of generating it alone (generate(), to float rounding). Each row stops at its own end token or end
// string. Then responseLogits() re-scores a rollout in one ordinary forward (with gradient, for the PPO/GRPO
// losses; also for the reference and value models), in a right-padded layout that needs no attention mask.
// Runs on the calling thread.
#pragma once

#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tb::core::rl {

struct RolloutOptions {
    int64_t maxNewTokens = 32;
    double temperature = 1.0; // sampling temperature; also divides the logits of the log-probabilities (as TRL)
    int64_t topK = 0;         // 0 keeps every token
    double topP = 1.0;        // 1 keeps every token
    bool greedy = false;      // most likely token; the log-probabilities are then at temperature 1
    /// Row i draws from its own SplitMix64 seeded with seed + i, one number per generated token, exactly as
    /// generate() with seed + i: a row's sample does not depend on the other rows or the batch size.
    uint64_t seed = 1337;
    std::vector<TokenId> stopTokens; // a row ends after generating one of these (it is part of the response)
    std::string stopString;          // or once its decoded response contains this (needs tokenizer)
    const Tokenizer* tokenizer = nullptr;
    TokenId padToken = 0;            // fills the padding of the returned tensors (any id in the vocabulary)
};

/// An empty string if the options are valid, else what is wrong.
std::string validateRolloutOptions(const RolloutOptions& options);

struct Rollout {
    /// [B, P + R] int64: row b is its prompt, its R response slots, then padding to the common length P + R
    /// (P = longest prompt). The input of responseLogits().
    torch::Tensor queryResponses;
    torch::Tensor responses;    // [B, R] int64, padToken after each row's end (R = maxNewTokens)
    torch::Tensor responseMask; // [B, R] bool: the row's real response tokens (a prefix; the end token included)
    torch::Tensor logprobs;     // [B, R] fp32: log p(token) under the policy at rollout time, 0 under the mask
    torch::Tensor ended;        // [B] bool: the row stopped at an end token or string (else it ran out)
    std::vector<int64_t> promptLengths;   // after cutting (see generateRollout)
    std::vector<int64_t> responseLengths; // real response tokens per row

    int64_t rows() const { return int64_t(promptLengths.size()); }
    /// Row b's response tokens (without padding).
    std::vector<TokenId> response(int64_t row) const;
};

/// Answers every prompt (each at least one token, ids inside the vocabulary; else Error). A prompt longer than
/// maxInputLength() - maxNewTokens keeps its last tokens (as generation's window would); maxNewTokens must leave
/// room for at least one prompt token (else Error). The model is put in eval mode for the rollout and restored
/// afterwards; no gradient is recorded. onStep(step) is called after each generated token and may return false to
/// stop early (every row then counts as not ended).
Rollout generateRollout(Gpt& model, const std::vector<std::vector<TokenId>>& prompts, const RolloutOptions& options,
                        const std::function<bool(int64_t)>& onStep = {});

/// The model's logits [B, R, V] (fp32) for every response slot of a rollout: entry (b, j) is its prediction of
/// responses[b, j] given the prompt and the response before it. One forward of queryResponses, in the model's
/// current mode and with gradient when enabled. Slots under the mask hold logits of padding: mask them.
torch::Tensor responseLogits(Gpt& model, const Rollout& rollout);

/// log softmax(logits / temperature) of the given tokens: logits [B, R, V], tokens [B, R] -> [B, R].
torch::Tensor tokenLogprobs(const torch::Tensor& logits, const torch::Tensor& tokens, double temperature = 1.0);

} // namespace tb::core::rl
