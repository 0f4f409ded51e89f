// SPDX-License-Identifier: MIT
#include "core/eval/next_token.h"

#include "core/common/error.h"
#include "core/model/eval_mode_guard.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace tb::core {

namespace {

/// Windows of blockSize tokens forwarded per batch past the block size.
constexpr int64_t kWindowsPerBatch = 32;

} // namespace

TokenDistribution tokenDistribution(const torch::Tensor& probs, int64_t k, TokenId chosen)
{
    if (probs.dim() != 1)
        throw Error("tokenDistribution expects one row of probabilities");
    const auto p = probs.to(torch::kCPU, torch::kDouble).contiguous();
    const int64_t vocab = p.numel();
    const double* data = p.data_ptr<double>();
    std::vector<int64_t> order(static_cast<size_t>(vocab));
    for (int64_t i = 0; i < vocab; ++i)
        order[size_t(i)] = i;
    std::stable_sort(order.begin(), order.end(), [data](int64_t a, int64_t b) { return data[a] > data[b]; });

    TokenDistribution out;
    const int64_t n = (k <= 0 || k >= vocab) ? vocab : k;
    for (int64_t i = 0; i < n; ++i) {
        out.ids.push_back(TokenId(order[size_t(i)]));
        out.probs.push_back(data[order[size_t(i)]]);
    }
    for (int64_t i = 0; i < vocab; ++i)
        if (data[i] > 0.0)
            out.entropy -= data[i] * std::log(data[i]);
    if (chosen >= 0 && chosen < vocab) {
        out.chosenRank = int64_t(std::find(order.begin(), order.end(), int64_t(chosen)) - order.begin()) + 1;
        out.chosenProb = data[chosen];
    }
    return out;
}

torch::Tensor nextTokenLogits(Gpt& model, const std::vector<TokenId>& text)
{
    if (text.empty())
        throw Error("nextTokenLogits needs at least one token");
    const GptConfig& config = model->config();
    for (const TokenId id : text)
        if (id < 0 || id >= config.vocabSize)
            throw Error("token " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(config.vocabSize) + " tokens");
    EvalModeGuard evalMode(*model);
    torch::Tensor logits;
    {
        c10::InferenceMode inference;
        const auto device = model->parameters().front().device();
        const int64_t n = int64_t(text.size());
        const int64_t block = model->maxInputLength(); // blockSize minus prompt tuning's virtual tokens
        const auto ids = torch::tensor(std::vector<int64_t>(text.begin(), text.end()), torch::kLong).to(device);

        // The first blockSize positions come from one forward; each later position i from the window ending at i.
        std::vector<torch::Tensor> parts;
        const int64_t head = std::min(n, block);
        parts.push_back(model(ids.slice(0, 0, head).unsqueeze(0))[0]);
        for (int64_t first = block; first < n; first += kWindowsPerBatch) {
            const int64_t last = std::min(n, first + kWindowsPerBatch);
            // Window for position i: ids[i - block + 1 .. i]; unfold gives all of them as rows.
            const auto windows = ids.slice(0, first - block + 1, last).unfold(0, block, 1);
            parts.push_back(model(windows.contiguous()).select(1, block - 1));
        }
        logits = torch::cat(parts).to(torch::kCPU, torch::kFloat);
    }
    // A normal tensor (an inference tensor could not be modified by callers outside InferenceMode).
    return logits.clone();
}

std::vector<double> tokenKl(Gpt& p, Gpt& q, const std::vector<TokenId>& text)
{
    if (p->config().vocabSize != q->config().vocabSize)
        throw Error("cannot compare models with different vocabularies (" + std::to_string(p->config().vocabSize) +
                    " and " + std::to_string(q->config().vocabSize) + " tokens)");
    c10::InferenceMode inference;
    const auto logP = torch::log_softmax(nextTokenLogits(p, text).to(torch::kDouble), -1);
    const auto logQ = torch::log_softmax(nextTokenLogits(q, text).to(torch::kDouble), -1);
    // Where P's probability underflows to 0 the term is 0 (0 * log 0 := 0), not NaN.
    const auto terms = torch::where(logP.isinf(), torch::zeros_like(logP), logP.exp() * (logP - logQ));
    const auto kl = terms.sum(-1).contiguous();
    return std::vector<double>(kl.data_ptr<double>(), kl.data_ptr<double>() + kl.numel());
}

double continuationLogProb(Gpt& model, const std::vector<TokenId>& prompt, const std::vector<TokenId>& continuation)
{
    if (prompt.empty())
        throw Error("continuationLogProb needs a prompt of at least one token");
    if (continuation.empty())
        return 0.0;
    for (const TokenId id : continuation)
        if (id < 0 || id >= model->config().vocabSize)
            throw Error("token " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(model->config().vocabSize) + " tokens");
    std::vector<TokenId> text = prompt;
    text.insert(text.end(), continuation.begin(), continuation.end() - 1);
    c10::InferenceMode inference;
    const auto logProbs = torch::log_softmax(nextTokenLogits(model, text).to(torch::kDouble), -1);
    double total = 0.0;
    const int64_t offset = int64_t(prompt.size()) - 1;
    for (size_t j = 0; j < continuation.size(); ++j)
        total += logProbs[offset + int64_t(j)][continuation[j]].item<double>();
    return total;
}

} // namespace tb::core
