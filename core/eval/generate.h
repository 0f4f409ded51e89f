// SPDX-License-Identifier: MIT
// Autoregressive sampling from a Gpt: temperature, top-k, top-p, repetition penalty, greedy, one seed, with or
// without a KV cache (the same tokens either way). Runs on the calling thread; the callback may stop generation by
// returning false.
#pragma once

#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <functional>
#include <vector>

namespace tb::core {

/// Which tokens the model sees once the text is longer than the block size.
enum class ContextWindow {
    /// nanoGPT's rule: always the last blockSize tokens. Every position shifts by one with each new token, so
    /// with learned position embeddings every cached key and value changes: past the block size each token costs
    /// a forward of the whole window, cache or not.
    Sliding,
    /// When the window is full, keep its last blockSize/2 tokens (positions restart at 0), rebuild the cache once,
    /// and continue one token at a time. About blockSize/2 times less work per token past the block size, but the
    /// model sees between blockSize/2 and blockSize tokens of context, not always blockSize.
    Chunked,
};

struct SampleOptions {
    int64_t maxNewTokens = 200;
    double temperature = 0.8;       // < 1 sharpens, > 1 flattens the distribution; <= 0 means greedy
    int64_t topK = 0;               // keep exactly the k most likely tokens (ties: lower id first); 0 keeps all
    double topP = 1.0;              // keep the smallest set whose probability reaches p; 1 keeps all
    double repetitionPenalty = 1.0; // > 1 discourages tokens already in the text (CTRL / Hugging Face); 1 is off
    uint64_t seed = 1337;
    bool greedy = false;            // always take the most likely token (ignores temperature, top-k, top-p, seed)
    bool useCache = true;           // KV cache: same tokens, less work per token
    ContextWindow window = ContextWindow::Sliding;
};

/// What generate() reports for each new token.
struct GeneratedToken {
    TokenId id = 0;
    /// The model's raw logits [V] (fp32, CPU) that the token was drawn from, before the repetition penalty and
    /// temperature. Created in InferenceMode: read it or copy it, do not modify it in place.
    torch::Tensor logits;
};

/// Returns only the new tokens. The prompt must hold at least one token, all inside the vocabulary (else Error);
/// options must be valid (else Error). onToken(id) is called for each new token; returning false stops early (that
/// token is still in the result). The model is put in eval mode and restored to its previous mode afterwards.
///
/// Randomness comes from a private SplitMix64 seeded with options.seed that draws exactly one uniform number per
/// step, greedy or not, whatever the model: two models run with one seed get the same random stream (lock-step),
/// and the global torch RNG is untouched. A token is drawn by inverse CDF over the filtered probabilities in
/// token-id order, so models with similar distributions tend to pick the same token for the same draw.
std::vector<TokenId> generate(Gpt& model, const std::vector<TokenId>& prompt, const SampleOptions& options,
                              const std::function<bool(TokenId)>& onToken = {});

/// As generate(), reporting each token with the logits it was drawn from.
std::vector<TokenId> generateTokens(Gpt& model, const std::vector<TokenId>& prompt, const SampleOptions& options,
                                    const std::function<bool(const GeneratedToken&)>& onToken);

/// A chat answer: what generateAnswer() returns.
struct Answer {
    std::vector<TokenId> tokens; // the new tokens, up to and including the one that completed the answer's end
    std::string text;            // their text, cut before the answer's end
    bool ended = false;          // the answer's end was generated (not the token limit or onToken)
};

/// As generateTokens(), but generation stops as soon as the decoded continuation holds `answerEnd` (a chat
/// template's answer end, core/data/chat_prompt.h; "" runs to maxNewTokens), and the text is cut before it. The
/// one rule for every place that generates an answer with a chat template: `sample --chat`, `compare --chat`,
/// the probe samples of fine-tuning runs.
Answer generateAnswer(Gpt& model, const Tokenizer& tokenizer, const std::vector<TokenId>& prompt,
                      const SampleOptions& options, const std::string& answerEnd,
                      const std::function<bool(const GeneratedToken&)>& onToken = {});

/// An empty string if the options are valid, else what is wrong (naming the option).
std::string validateSampleOptions(const SampleOptions& options);

/// First position of the window the model sees when the text has `length` tokens and the previous window began at
/// `previousStart` (0 at the start). Pure; see ContextWindow.
int64_t contextWindowStart(int64_t length, int64_t previousStart, int64_t blockSize, ContextWindow window);

/// CTRL's repetition penalty as Hugging Face applies it: each token id that occurs in `context` has its logit
/// divided by `penalty` if it is positive and multiplied by it if it is negative (each id once, however often it
/// occurs). Returns a new tensor; penalty 1 returns the logits unchanged.
torch::Tensor applyRepetitionPenalty(const torch::Tensor& logits, const std::vector<TokenId>& context,
                                     double penalty);

/// Applies temperature / top-k / top-p to one row of logits [V] and returns probabilities [V] (fp32) where the
/// removed tokens have probability exactly 0. Order: temperature, top-k, top-p (cumulative mass within 1e-6 of p
/// counts as reaching it, so float rounding does not decide the boundary token). Greedy gives a one-hot row.
/// The repetition penalty is not applied here (it needs the text; see applyRepetitionPenalty).
/// Exposed for tests and the next-token view.
torch::Tensor filteredProbabilities(const torch::Tensor& logits, const SampleOptions& options);

/// The token that inverse-CDF sampling picks from probabilities [V] for a uniform number u in [0, 1): the first id
/// whose cumulative probability exceeds u times the total. Never returns a token of probability 0.
TokenId sampleFromProbabilities(const torch::Tensor& probs, double u);
/// The same rule on n probabilities in memory (a batch's rows without a tensor per row).
TokenId sampleFromProbabilities(const double* probs, int64_t n, double u);

} // namespace tb::core
