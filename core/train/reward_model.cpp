// SPDX-License-Identifier: MIT
#include "core/train/reward_model.h"

#include "core/common/error.h"
#include "core/data/chat_prompt.h"
#include "core/data/sft_examples.h"
#include "core/model/eval_mode_guard.h"
#include "core/store/model_loader.h"
#include "core/store/run_dir.h"
#include "core/train/dpo.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

namespace tb::core {
namespace {

/// The tokens as one reward row of `rowLength`, or nothing when the answer starts beyond it (or is empty).
std::optional<RewardInput> rewardRow(const TokenizedExample& e, int64_t rowLength)
{
    const auto first = std::find(e.loss.begin(), e.loss.end(), static_cast<unsigned char>(1));
    const auto answerStart = static_cast<int64_t>(first - e.loss.begin());
    if (first == e.loss.end() || answerStart >= rowLength)
        return std::nullopt;
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(e.ids.size()), rowLength);
    RewardInput out;
    out.ids.assign(static_cast<size_t>(rowLength), 0);
    for (int64_t i = 0; i < n; ++i)
        out.ids[static_cast<size_t>(i)] = e.ids[static_cast<size_t>(i)];
    out.last = n - 1;
    out.answerTokens = std::count(e.loss.begin(), e.loss.begin() + n, static_cast<unsigned char>(1));
    out.truncated = static_cast<int64_t>(e.ids.size()) > rowLength;
    return out;
}

std::vector<int64_t> allIndices(size_t n)
{
    std::vector<int64_t> out(n);
    std::iota(out.begin(), out.end(), int64_t{0});
    return out;
}

} // namespace

RewardData loadRewardData(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength)
{
    PreferencePairs loaded = loadPreferencePairs(config, tokenizer, {"a reward model", true, true});
    const bool plain = loaded.plain;
    RewardData out = splitPairRows<RewardData>(loaded, config.data.train, rowLength, rewardRow);
    out.plain = plain;
    return out;
}

std::string rewardInputStyle(bool plain) { return plain ? "raw" : "chat template"; }

RewardInput rewardInput(const std::string& prompt, const std::string& answer, const ChatTemplate& chatTemplate,
                        bool plain, const Tokenizer& tokenizer, int64_t rowLength)
{
    DatasetRecord pair;
    pair.kind = RecordKind::Preference;
    pair.plain = plain;
    pair.turns = {Turn{Role::User, prompt}};
    const TokenizedExample e = tokenizeAnswer(pair, {Turn{Role::Assistant, answer}}, chatTemplate, tokenizer, "answer");
    auto row = rewardRow(e, rowLength);
    if (!row)
        throw InputError("prompt", "",
                         answer.empty() ? std::string("the answer is empty: there is nothing to score")
                                        : "leaves no room for the answer within the model's " +
                                              std::to_string(rowLength) + "-token context; shorten it");
    return std::move(*row);
}

std::pair<torch::Tensor, torch::Tensor> rewardBatch(const std::vector<RewardPair>& pairs,
                                                    const std::vector<int64_t>& indices)
{
    const auto n = static_cast<int64_t>(indices.size());
    const auto length = static_cast<int64_t>(pairs.front().chosen.ids.size());
    torch::Tensor ids = torch::empty({2 * n, length}, torch::kLong);
    torch::Tensor last = torch::empty({2 * n}, torch::kLong);
    auto ia = ids.accessor<int64_t, 2>();
    auto la = last.accessor<int64_t, 1>();
    for (int64_t b = 0; b < n; ++b) {
        const RewardPair& p = pairs[static_cast<size_t>(indices[static_cast<size_t>(b)])];
        for (int64_t t = 0; t < length; ++t) {
            ia[b][t] = p.chosen.ids[static_cast<size_t>(t)];
            ia[n + b][t] = p.rejected.ids[static_cast<size_t>(t)];
        }
        la[b] = p.chosen.last;
        la[n + b] = p.rejected.last;
    }
    return {ids, last};
}

torch::Tensor bradleyTerryLoss(const torch::Tensor& chosen, const torch::Tensor& rejected)
{
    return -torch::log_sigmoid(chosen - rejected).mean();
}

double pearsonCorrelation(const std::vector<double>& x, const std::vector<double>& y)
{
    const size_t n = std::min(x.size(), y.size());
    if (n < 2)
        return 0.0;
    const double mx = std::accumulate(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n), 0.0) / double(n);
    const double my = std::accumulate(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(n), 0.0) / double(n);
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (!(sxx > 0) || !(syy > 0))
        return 0.0;
    return sxy / std::sqrt(sxx * syy);
}

RewardMetrics evaluateRewardModel(Gpt& model, const std::vector<RewardPair>& pairs,
                                  const std::vector<int64_t>& indicesIn, int64_t batchSize)
{
    const std::vector<int64_t> indices = indicesIn.empty() ? allIndices(pairs.size()) : indicesIn;
    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*model);
    RewardMetrics m;
    double loss = 0, wins = 0, margin = 0;
    std::vector<double> scores, lengths;
    const size_t step = static_cast<size_t>(std::max<int64_t>(batchSize, 1));
    for (size_t i = 0; i < indices.size(); i += step) {
        const std::vector<int64_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(i),
                                         indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), i + step)));
        const auto n = static_cast<int64_t>(chunk.size());
        auto [ids, last] = rewardBatch(pairs, chunk);
        const torch::Tensor s = model->score(ids, last);
        const torch::Tensor chosen = s.narrow(0, 0, n);
        const torch::Tensor rejected = s.narrow(0, n, n);
        loss += bradleyTerryLoss(chosen, rejected).item<double>() * double(n);
        wins += chosen.gt(rejected).sum().item<double>();
        margin += (chosen - rejected).sum().item<double>();
        auto sa = s.accessor<float, 1>();
        for (int64_t b = 0; b < n; ++b) {
            const RewardPair& p = pairs[static_cast<size_t>(chunk[static_cast<size_t>(b)])];
            scores.push_back(sa[b]);
            lengths.push_back(double(p.chosen.answerTokens));
            scores.push_back(sa[n + b]);
            lengths.push_back(double(p.rejected.answerTokens));
        }
        m.pairs += n;
    }
    if (m.pairs > 0) {
        const double n = double(m.pairs);
        m.loss = loss / n;
        m.accuracy = wins / n;
        m.margin = margin / n;
        m.meanScore = std::accumulate(scores.begin(), scores.end(), 0.0) / double(scores.size());
        m.lengthCorrelation = pearsonCorrelation(scores, lengths);
    }
    return m;
}

RewardScorer loadRewardScorer(const std::string& path)
{
    LoadedModel loaded = loadModel(path, true);
    if (loaded.config.method != "reward_model")
        throw InputError(path, "method",
                         "is a " + loaded.config.method + " run, not a reward model: train one with method "
                         "reward_model (docs/rlhf.md)");
    RewardScorer out;
    out.config = loaded.config;
    out.model = loaded.model;
    out.tokenizerJson = loaded.tokenizer->serialize();
    out.tokenizer = std::move(loaded.tokenizer);
    out.chatTemplate = runChatTemplate(out.config);
    out.checkpoint = loaded.checkpoint.string();
    // How its pairs were rendered is in the run's summary (checkpoints/<file> sits in the run folder).
    try {
        const RunSummary summary = RunDirectory(loaded.checkpoint.parent_path().parent_path()).readSummary();
        out.plain = summary.rewardInput == rewardInputStyle(true);
    } catch (const InputError&) {
        // A checkpoint without its run folder: the chat template, the default for conversations.
    }
    return out;
}

double scoreAnswer(RewardScorer& scorer, const std::string& prompt, const std::string& answer)
{
    const RewardInput in = rewardInput(prompt, answer, scorer.chatTemplate, scorer.plain, *scorer.tokenizer,
                                       scorer.model->maxInputLength());
    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*scorer.model);
    const torch::Tensor ids = torch::tensor(in.ids, torch::kLong).unsqueeze(0);
    const torch::Tensor last = torch::full({1}, in.last, torch::kLong);
    return scorer.model->score(ids, last).item<double>();
}

void requireSameTokenizer(const RewardScorer& scorer, const std::string& policyTokenizerJson,
                          const std::string& rewardOrigin, const std::string& key)
{
    if (scorer.tokenizerJson == policyTokenizerJson)
        return;
    throw InputError(rewardOrigin, key,
                     "uses another tokenizer than the policy (" + scorer.config.tokenizer.kind + ", vocabulary " +
                         std::to_string(scorer.config.model.vocabSize) +
                         "); train the reward model from the policy's parent so both read the same token ids");
}

} // namespace tb::core
