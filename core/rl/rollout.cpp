// SPDX-License-Identifier: MIT
#include "core/rl/rollout.h"

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/eval/generate.h"
#include "core/model/eval_mode_guard.h"
#include "core/model/kv_cache.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace tb::core::rl {

namespace {

SampleOptions samplingOf(const RolloutOptions& options)
{
    SampleOptions s;
    s.maxNewTokens = options.maxNewTokens;
    s.temperature = options.temperature;
    s.topK = options.topK;
    s.topP = options.topP;
    s.greedy = options.greedy || options.temperature <= 0.0;
    return s;
}

/// The temperature the log-probabilities are taken at: the sampling one, or 1 for greedy.
double logprobTemperature(const RolloutOptions& options)
{
    return (options.greedy || options.temperature <= 0.0) ? 1.0 : options.temperature;
}

} // namespace

std::string validateRolloutOptions(const RolloutOptions& options)
{
    if (options.maxNewTokens < 1)
        return "max new tokens must be at least 1";
    if (const std::string problem = validateSampleOptions(samplingOf(options)); !problem.empty())
        return problem;
    if (!options.stopString.empty() && !options.tokenizer)
        return "an end string needs the tokenizer";
    return {};
}

std::vector<TokenId> Rollout::response(int64_t row) const
{
    const auto tokens = responses[row].slice(0, 0, responseLengths.at(size_t(row))).to(torch::kCPU).contiguous();
    std::vector<TokenId> out;
    out.reserve(size_t(tokens.numel()));
    for (int64_t i = 0; i < tokens.numel(); ++i)
        out.push_back(TokenId(tokens.data_ptr<int64_t>()[i]));
    return out;
}

Rollout generateRollout(Gpt& model, const std::vector<std::vector<TokenId>>& prompts, const RolloutOptions& options,
                        const std::function<bool(int64_t)>& onStep)
{
    if (prompts.empty())
        throw Error("a rollout needs at least one prompt");
    if (const std::string problem = validateRolloutOptions(options); !problem.empty())
        throw Error("invalid rollout options: " + problem);
    const GptConfig& config = model->config();
    const int64_t room = model->maxInputLength() - options.maxNewTokens;
    if (room < 1)
        throw Error("max new tokens (" + std::to_string(options.maxNewTokens) + ") leaves no room for the prompt in " +
                    "the model's context of " + std::to_string(model->maxInputLength()) + " tokens");
    if (options.padToken < 0 || options.padToken >= config.vocabSize)
        throw Error("the padding token is outside the vocabulary");

    const int64_t b = int64_t(prompts.size());
    const int64_t r = options.maxNewTokens;
    Rollout out;
    std::vector<std::vector<int64_t>> kept(static_cast<size_t>(b)); // each prompt's last `room` tokens
    int64_t longest = 0;
    for (int64_t i = 0; i < b; ++i) {
        const auto& prompt = prompts[size_t(i)];
        if (prompt.empty())
            throw Error("rollout prompt " + std::to_string(i) + " is empty");
        for (const TokenId id : prompt)
            if (id < 0 || id >= config.vocabSize)
                throw Error("rollout prompt " + std::to_string(i) + " has token " + std::to_string(id) +
                            " outside the vocabulary of " + std::to_string(config.vocabSize) + " tokens");
        const size_t from = prompt.size() > size_t(room) ? prompt.size() - size_t(room) : 0;
        kept[size_t(i)].assign(prompt.begin() + std::ptrdiff_t(from), prompt.end());
        longest = std::max<int64_t>(longest, int64_t(kept[size_t(i)].size()));
        out.promptLengths.push_back(int64_t(kept[size_t(i)].size()));
    }

    const auto device = model->parameters().front().device();
    const auto longOptions = torch::TensorOptions().dtype(torch::kLong);
    // The result tensors are made outside InferenceMode, so that losses may use them (an inference tensor cannot
    // be saved for backward); the loop only writes into them through accessors.
    // Left-padded prompts [B, P]: every row's last prompt token sits in the last column.
    auto idx = torch::full({b, longest}, int64_t(options.padToken), longOptions);
    std::vector<int64_t> starts(static_cast<size_t>(b));
    for (int64_t i = 0; i < b; ++i) {
        const auto& p = kept[size_t(i)];
        starts[size_t(i)] = longest - int64_t(p.size());
        idx[i].slice(0, starts[size_t(i)]).copy_(torch::tensor(p, longOptions));
    }
    auto responses = torch::full({b, r}, int64_t(options.padToken), longOptions);
    auto mask = torch::zeros({b, r}, longOptions.dtype(torch::kBool));
    auto logprobs = torch::zeros({b, r}, longOptions.dtype(torch::kFloat));
    auto ended = torch::zeros({b}, longOptions.dtype(torch::kBool));
    auto responseAcc = responses.accessor<int64_t, 2>();
    auto maskAcc = mask.accessor<bool, 2>();
    auto logprobAcc = logprobs.accessor<float, 2>();
    auto endedAcc = ended.accessor<bool, 1>();
    out.responseLengths.assign(size_t(b), 0);

    {
        c10::InferenceMode inference;
        EvalModeGuard evalMode(*model);
        KvCache cache(*model, b);
        cache.setRowStarts(starts);
        auto logits = cache.forward(idx.to(device)); // [B, V], each row's prediction after its prompt

        const SampleOptions sampling = samplingOf(options);
        const double lpTemperature = logprobTemperature(options);
        const bool plainSampling = !sampling.greedy && sampling.topK == 0 && sampling.topP >= 1.0;
        std::vector<SplitMix64> rngs;
        rngs.reserve(size_t(b));
        for (int64_t i = 0; i < b; ++i)
            rngs.emplace_back(options.seed + uint64_t(i));
        std::vector<std::vector<TokenId>> text(static_cast<size_t>(b)); // for the end string
        std::vector<int64_t> next(static_cast<size_t>(b), options.padToken);
        int64_t active = b;
        for (int64_t step = 0; step < r && active > 0; ++step) {
            const auto rowLogits = logits.to(torch::kCPU, torch::kFloat).contiguous();
            const auto scaled = rowLogits / lpTemperature;
            const auto rowLogprobs = torch::log_softmax(scaled, -1).contiguous();
            const auto lpAcc = rowLogprobs.accessor<float, 2>();
            // Greedy: one argmax for the batch (exact, so the same token as a row's own argmax). Temperature only:
            // one softmax for the batch, row by row the same arithmetic as filteredProbabilities().
            const auto argmax = sampling.greedy ? rowLogits.argmax(1).contiguous() : torch::Tensor();
            const auto probs =
                plainSampling ? torch::softmax(scaled, -1).to(torch::kDouble).contiguous() : torch::Tensor();
            for (int64_t i = 0; i < b; ++i) {
                if (endedAcc[i]) { // finished rows are fed padding; their outputs are never read
                    next[size_t(i)] = options.padToken;
                    continue;
                }
                const double u = rngs[size_t(i)].uniform(); // one draw per token, as generate()
                TokenId id = 0;
                if (sampling.greedy)
                    id = TokenId(argmax.data_ptr<int64_t>()[i]);
                else if (plainSampling)
                    id = sampleFromProbabilities(probs.data_ptr<double>() + i * probs.size(1), probs.size(1), u);
                else
                    id = sampleFromProbabilities(filteredProbabilities(rowLogits[i], sampling), u);
                next[size_t(i)] = id;
                responseAcc[i][step] = id;
                maskAcc[i][step] = true;
                logprobAcc[i][step] = lpAcc[i][id];
                ++out.responseLengths[size_t(i)];
                bool stop = std::find(options.stopTokens.begin(), options.stopTokens.end(), id) !=
                            options.stopTokens.end();
                if (!stop && !options.stopString.empty()) {
                    text[size_t(i)].push_back(id);
                    stop = options.tokenizer->decode(text[size_t(i)]).find(options.stopString) != std::string::npos;
                }
                if (stop) {
                    endedAcc[i] = true;
                    --active;
                }
            }
            if (onStep && !onStep(step)) {
                for (int64_t i = 0; i < b; ++i)
                    endedAcc[i] = false;
                break;
            }
            if (step + 1 < r && active > 0)
                logits = cache.forward(torch::tensor(next, longOptions).view({b, 1}).to(device));
        }
    }

    out.responses = responses.to(device);
    out.responseMask = mask.to(device);
    out.logprobs = logprobs.to(device);
    out.ended = ended.to(device);
    // Right-padded layout for re-scoring: prompt, response slots, padding.
    auto joined = torch::full({b, longest + r}, int64_t(options.padToken), longOptions);
    for (int64_t i = 0; i < b; ++i) {
        const int64_t p = out.promptLengths[size_t(i)];
        joined[i].slice(0, 0, p).copy_(idx[i].slice(0, longest - p));
        joined[i].slice(0, p, p + r).copy_(responses[i]);
    }
    out.queryResponses = joined.to(device);
    return out;
}

torch::Tensor responseLogits(Gpt& model, const Rollout& rollout)
{
    if (!rollout.queryResponses.defined() || rollout.rows() == 0)
        throw Error("responseLogits needs a rollout");
    const int64_t r = rollout.responses.size(1);
    const auto logits = model->forward(rollout.queryResponses).to(torch::kFloat); // [B, P + R, V]
    // Slot j of row b is predicted at position promptLength[b] - 1 + j.
    auto index = torch::tensor(rollout.promptLengths, torch::TensorOptions().dtype(torch::kLong)).unsqueeze(1) - 1 +
                 torch::arange(r, torch::TensorOptions().dtype(torch::kLong)).unsqueeze(0);
    index = index.to(logits.device()).unsqueeze(2).expand({-1, -1, logits.size(2)});
    return logits.gather(1, index);
}

torch::Tensor tokenLogprobs(const torch::Tensor& logits, const torch::Tensor& tokens, double temperature)
{
    if (logits.dim() != 3 || tokens.dim() != 2 || logits.size(0) != tokens.size(0) ||
        logits.size(1) != tokens.size(1))
        throw Error("tokenLogprobs expects logits [B, R, V] and tokens [B, R]");
    if (!(temperature > 0.0))
        throw Error("tokenLogprobs: the temperature must be positive");
    const auto scaled = temperature == 1.0 ? logits : logits / temperature;
    return torch::log_softmax(scaled, -1).gather(2, tokens.to(torch::kLong).unsqueeze(2)).squeeze(2);
}

} // namespace tb::core::rl
