// SPDX-License-Identifier: MIT
#include "core/eval/generate.h"

#include "core/common/error.h"
#include "core/data/chat_prompt.h"
#include "core/common/rng.h"
#include "core/model/eval_mode_guard.h"
#include "core/model/kv_cache.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace tb::core {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Cumulative probabilities within this distance of top-p count as reaching it, so that float rounding in the
// softmax does not decide whether the token exactly at the boundary survives.
constexpr double kTopPSlack = 1e-6;

bool isGreedy(const SampleOptions& options) { return options.greedy || options.temperature <= 0.0; }

} // namespace

std::string validateSampleOptions(const SampleOptions& options)
{
    if (options.maxNewTokens < 0)
        return "max new tokens must not be negative";
    if (!std::isfinite(options.temperature))
        return "temperature must be a finite number";
    if (options.topK < 0)
        return "top-k must not be negative";
    if (!(options.topP > 0.0 && options.topP <= 1.0))
        return "top-p must be in (0, 1]";
    if (!(options.repetitionPenalty > 0.0) || !std::isfinite(options.repetitionPenalty))
        return "repetition penalty must be a positive number";
    return {};
}

int64_t contextWindowStart(int64_t length, int64_t previousStart, int64_t blockSize, ContextWindow window)
{
    if (window == ContextWindow::Sliding)
        return std::max<int64_t>(0, length - blockSize);
    if (length - previousStart <= blockSize)
        return previousStart;
    return length - std::max<int64_t>(1, blockSize / 2);
}

torch::Tensor applyRepetitionPenalty(const torch::Tensor& logits, const std::vector<TokenId>& context, double penalty)
{
    if (penalty == 1.0 || context.empty())
        return logits;
    const int64_t vocab = logits.size(-1);
    std::vector<int64_t> ids;
    ids.reserve(context.size());
    for (const TokenId id : context)
        if (id >= 0 && id < vocab)
            ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const auto index = torch::tensor(ids, torch::TensorOptions().dtype(torch::kLong).device(logits.device()));
    const auto seen = logits.index_select(-1, index);
    const auto penalised = torch::where(seen > 0, seen / penalty, seen * penalty);
    return logits.index_copy(-1, index, penalised);
}

torch::Tensor filteredProbabilities(const torch::Tensor& logits, const SampleOptions& options)
{
    if (logits.dim() != 1)
        throw Error("filteredProbabilities expects one row of logits, got " + std::to_string(logits.dim()) +
                    " dimensions");
    auto scores = logits.detach().to(torch::kFloat);
    const int64_t vocab = scores.size(0);

    // Greedy (or temperature <= 0): all mass on the first most likely token.
    if (isGreedy(options)) {
        auto probs = torch::zeros_like(scores);
        probs.index_put_({scores.argmax()}, 1.0f);
        return probs;
    }

    scores = scores / options.temperature;

    if (options.topK > 0 && options.topK < vocab) {
        // Exactly k tokens survive; a stable sort breaks ties among equal logits towards the lower token id.
        const auto order = std::get<1>(scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
        auto removed = torch::ones({vocab}, scores.options().dtype(torch::kBool));
        removed.index_fill_(0, order.slice(0, 0, options.topK), false);
        scores = scores.masked_fill(removed, kNegInf);
    }

    if (options.topP < 1.0) {
        // Nucleus: the smallest prefix of the descending order whose mass reaches p; the first token always stays.
        const auto [sorted, order] = scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true);
        const auto sortedProbs = torch::softmax(sorted.to(torch::kDouble), 0);
        // Mass ranked strictly above each token (an exclusive cumulative sum).
        const auto above = torch::cat({torch::zeros({1}, sortedProbs.options()),
                                       sortedProbs.cumsum(0).slice(0, 0, vocab - 1)});
        auto removedSorted = above >= (options.topP - kTopPSlack);
        removedSorted.index_put_({0}, false);
        const auto removed = torch::zeros_like(removedSorted).scatter_(0, order, removedSorted);
        scores = scores.masked_fill(removed, kNegInf);
    }

    return torch::softmax(scores, 0);
}

TokenId sampleFromProbabilities(const torch::Tensor& probs, double u)
{
    const auto p = probs.to(torch::kCPU, torch::kDouble).contiguous();
    return sampleFromProbabilities(p.data_ptr<double>(), p.numel(), u);
}

TokenId sampleFromProbabilities(const double* data, int64_t vocab, double u)
{
    double total = 0.0;
    for (int64_t i = 0; i < vocab; ++i)
        total += data[i];
    const double target = u * total;
    double cumulative = 0.0;
    int64_t last = -1;
    for (int64_t i = 0; i < vocab; ++i) {
        if (!(data[i] > 0.0))
            continue;
        cumulative += data[i];
        last = i;
        if (cumulative > target)
            return TokenId(i);
    }
    if (last < 0)
        throw Error("cannot sample: every token has probability 0");
    return TokenId(last); // rounding left u * total at or above the sum
}

std::vector<TokenId> generate(Gpt& model, const std::vector<TokenId>& prompt, const SampleOptions& options,
                              const std::function<bool(TokenId)>& onToken)
{
    return generateTokens(model, prompt, options, [&onToken](const GeneratedToken& token) {
        return !onToken || onToken(token.id);
    });
}

Answer generateAnswer(Gpt& model, const Tokenizer& tokenizer, const std::vector<TokenId>& prompt,
                      const SampleOptions& options, const std::string& answerEnd,
                      const std::function<bool(const GeneratedToken&)>& onToken)
{
    Answer answer;
    std::vector<TokenId> sofar;
    answer.tokens = generateTokens(model, prompt, options, [&](const GeneratedToken& token) {
        sofar.push_back(token.id);
        const bool goOn = !onToken || onToken(token);
        if (answerEnd.empty())
            return goOn;
        // Decoding the whole continuation keeps a multi-byte character split over byte tokens intact.
        std::string text = tokenizer.decode(sofar);
        answer.ended = cutAtAnswerEnd(text, answerEnd);
        return goOn && !answer.ended;
    });
    answer.text = tokenizer.decode(answer.tokens);
    cutAtAnswerEnd(answer.text, answerEnd);
    return answer;
}

std::vector<TokenId> generateTokens(Gpt& model, const std::vector<TokenId>& prompt, const SampleOptions& options,
                                    const std::function<bool(const GeneratedToken&)>& onToken)
{
    if (prompt.empty())
        throw Error("generation needs a prompt of at least one token");
    if (const std::string problem = validateSampleOptions(options); !problem.empty())
        throw Error("invalid sampling options: " + problem);
    const GptConfig& config = model->config();
    for (const TokenId id : prompt)
        if (id < 0 || id >= config.vocabSize)
            throw Error("prompt token " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(config.vocabSize) + " tokens");

    c10::InferenceMode inference;
    EvalModeGuard evalMode(*model);
    const auto device = model->parameters().front().device();
    const auto longOptions = torch::TensorOptions().dtype(torch::kLong).device(device);
    SplitMix64 rng(options.seed);
    std::optional<KvCache> cache;
    if (options.useCache)
        cache.emplace(*model);

    std::vector<TokenId> context(prompt.begin(), prompt.end());
    context.reserve(prompt.size() + size_t(std::max<int64_t>(options.maxNewTokens, 0)));
    std::vector<int64_t> window; // the ids fed to the model, as int64
    std::vector<TokenId> result;
    result.reserve(size_t(std::max<int64_t>(options.maxNewTokens, 0)));
    int64_t start = 0;
    for (int64_t step = 0; step < options.maxNewTokens; ++step) {
        const int64_t length = int64_t(context.size());
        const int64_t newStart = contextWindowStart(length, start, model->maxInputLength(), options.window);
        // Feed the model either the whole window (no cache, or the cache must be rebuilt because the window moved)
        // or only the newest token (the cache holds the rest).
        const bool rebuild = !cache || newStart != start || cache->length() == 0;
        const int64_t from = rebuild ? newStart : length - 1;
        start = newStart;
        window.assign(context.begin() + from, context.end());
        const auto idx = torch::from_blob(window.data(), {1, int64_t(window.size())}, torch::kLong).to(longOptions,
                                                                                                       false, true);
        torch::Tensor logits;
        if (cache) {
            if (rebuild)
                cache->clear();
            logits = cache->forward(idx)[0];
        } else {
            logits = model(idx).index({0, -1});
        }
        logits = logits.to(torch::kCPU, torch::kFloat);

        const auto scores = applyRepetitionPenalty(logits, context, options.repetitionPenalty);
        const double u = rng.uniform(); // one draw per step, always: the stream is the same for every model
        const TokenId next = isGreedy(options) ? TokenId(scores.argmax().item<int64_t>())
                                               : sampleFromProbabilities(filteredProbabilities(scores, options), u);
        context.push_back(next);
        result.push_back(next);
        if (onToken && !onToken(GeneratedToken{next, logits}))
            break;
    }
    return result;
}

} // namespace tb::core
