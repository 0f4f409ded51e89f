// SPDX-License-Identifier: MIT
#include "core/eval/generate.h"

#include "core/common/error.h"
#include "core/model/eval_mode_guard.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <string>

namespace tb::core {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Cumulative probabilities within this distance of top-p count as reaching it, so that float rounding in the
// softmax does not decide whether the token exactly at the boundary survives.
constexpr double kTopPSlack = 1e-6;

bool isGreedy(const SampleOptions& options) { return options.greedy || options.temperature <= 0.0; }

} // namespace

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

std::vector<TokenId> generate(Gpt& model, const std::vector<TokenId>& prompt, const SampleOptions& options,
                              const std::function<bool(TokenId)>& onToken)
{
    if (prompt.empty())
        throw Error("generation needs a prompt of at least one token");
    const GptConfig& config = model->config();
    for (const TokenId id : prompt)
        if (id < 0 || id >= config.vocabSize)
            throw Error("prompt token " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(config.vocabSize) + " tokens");

    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*model);
    const auto device = model->parameters().front().device();
    // A private generator: sampling is reproducible from options.seed and leaves the global RNG alone.
    auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);

    std::vector<int64_t> context(prompt.begin(), prompt.end());
    std::vector<TokenId> result;
    result.reserve(size_t(std::max<int64_t>(options.maxNewTokens, 0)));
    for (int64_t step = 0; step < options.maxNewTokens; ++step) {
        // Crop the context to the last blockSize tokens, as nanoGPT does.
        const int64_t length = std::min<int64_t>(int64_t(context.size()), config.blockSize);
        const auto idx = torch::from_blob(context.data() + (int64_t(context.size()) - length), {1, length},
                                          torch::kLong)
                             .to(device, torch::kLong, /*non_blocking=*/false, /*copy=*/true);
        const auto logits = model(idx).index({0, -1}).to(torch::kCPU, torch::kFloat);

        int64_t next = 0;
        if (isGreedy(options))
            next = logits.argmax().item<int64_t>();
        else
            next = torch::multinomial(filteredProbabilities(logits, options), 1, false, generator).item<int64_t>();

        context.push_back(next);
        result.push_back(TokenId(next));
        if (onToken && !onToken(TokenId(next)))
            break;
    }
    return result;
}

} // namespace tb::core
