// SPDX-License-Identifier: MIT
#include "core/train/dpo.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/data/formats/dataset_checks.h"
#include "core/data/formats/dataset_reader.h"
#include "core/model/eval_mode_guard.h"
#include "core/train/finetune.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

namespace tb::core {

namespace {

/// The example as one row of `rowLength`, or nothing when no answer token is left within it.
std::optional<SftRow> singleRow(const TokenizedExample& example, int64_t rowLength)
{
    std::vector<SftRow> rows = buildRows({example}, rowLength, false);
    if (rows.empty())
        return std::nullopt;
    return std::move(rows.front());
}

std::vector<int64_t> allIndices(size_t n)
{
    std::vector<int64_t> out(n);
    std::iota(out.begin(), out.end(), int64_t{0});
    return out;
}

} // namespace

TokenizedExample tokenizeAnswer(const DatasetRecord& pair, const std::vector<Turn>& answer,
                                const ChatTemplate& chatTemplate, const Tokenizer& tokenizer, const std::string& file)
{
    DatasetRecord conversation;
    conversation.kind = RecordKind::Conversation;
    conversation.turns = pair.turns;
    conversation.turns.insert(conversation.turns.end(), answer.begin(), answer.end());
    conversation.plain = pair.plain;
    conversation.index = pair.index;
    conversation.line = pair.line;
    return tokenizeExample(renderRecord(conversation, chatTemplate, LossOn::Completion, file), tokenizer);
}


PreferencePairs loadPreferencePairs(const RunConfig& config, const Tokenizer& tokenizer,
                                    const PreferenceLoadOptions& options)
{
    PreferencePairs out;
    const std::string& file = config.data.train;
    out.chatTemplate = ChatTemplate::parse(config.sft.chatTemplate);
    const auto replacements = parseReplacements(config.data.replace);
    Dataset dataset = loadTrainingDataset(config);
    out.hash = hashHex(readFile(file));
    out.pairs.reserve(dataset.records.size());
    for (DatasetRecord& record : dataset.records) {
        if (record.kind != RecordKind::Preference)
            throw InputError(file, "data.train",
                             "record " + std::to_string(record.index) + " is a " +
                                 std::string(recordKindName(record.kind)) + " record; " + options.who +
                                 " needs preference pairs (chosen/rejected): a preference, "
                                 "preference-implicit, llamafactory-preference or hh-rlhf dataset (docs/formats.md)",
                             record.line);
        applyReplacements(record, replacements);
        if (options.requirePrompt &&
            std::all_of(record.turns.begin(), record.turns.end(), [](const Turn& t) { return t.content.empty(); }))
            throw InputError(file, "data.train",
                             "record " + std::to_string(record.index) + " has no prompt; " + options.who +
                                 " scores an answer to a prompt, so every pair needs one (a \"prompt\" field, or "
                                 "chosen/rejected conversations that start with the same user turn)",
                             record.line);
        if (options.oneStyle) {
            if (&record == &dataset.records.front())
                out.plain = record.plain;
            else if (record.plain != out.plain)
                throw InputError(file, "data.train",
                                 "record " + std::to_string(record.index) + " is " +
                                     (record.plain ? "plain text" : "a conversation") + " but record 0 is " +
                                     (out.plain ? "plain text" : "a conversation") + "; " + options.who +
                                     " reads one style, so that scoring can render a prompt and answer the same way",
                                 record.line);
        }
        TokenizedPair t{tokenizeAnswer(record, record.chosen, out.chatTemplate, tokenizer, file),
                        tokenizeAnswer(record, record.rejected, out.chatTemplate, tokenizer, file)};
        if (t.chosen.unknownTokens + t.rejected.unknownTokens > 0) {
            ++out.pairsWithUnknown;
            if (config.sft.skipUnspellable)
                continue;
        }
        out.pairs.push_back(std::move(t));
    }
    out.held = heldOutExamples(config, static_cast<int64_t>(out.pairs.size()),
                               static_cast<int64_t>(dataset.records.size()), "pair(s)", options.who);
    out.pairsSkipped = config.sft.skipUnspellable ? out.pairsWithUnknown : 0;
    return out;
}

void throwIfNoPairLeft(const std::string& file, bool trainEmpty, int64_t rowLength, int64_t cutAway)
{
    throw InputError(file, "data.train",
                     std::string("leaves no ") + (trainEmpty ? "training" : "validation") +
                         " pair with both answers inside the model's " + std::to_string(rowLength) +
                         "-token context (" + std::to_string(cutAway) +
                         " pairs have a prompt that fills it); use a parent with a larger model.block_size");
}

DpoData loadDpoData(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength)
{
    PreferencePairs loaded = loadPreferencePairs(config, tokenizer, {"DPO", false, false});
    return splitPairRows<DpoData>(loaded, config.data.train, rowLength, singleRow);
}

std::pair<torch::Tensor, torch::Tensor> pairsBatch(const std::vector<DpoPair>& pairs, const std::vector<int64_t>& indices)
{
    const auto n = static_cast<int64_t>(indices.size());
    const auto length = static_cast<int64_t>(pairs.front().chosen.inputs.size());
    torch::Tensor x = torch::empty({2 * n, length}, torch::kLong);
    torch::Tensor y = torch::empty_like(x);
    auto xa = x.accessor<int64_t, 2>();
    auto ya = y.accessor<int64_t, 2>();
    for (int64_t b = 0; b < n; ++b) {
        const DpoPair& p = pairs[static_cast<size_t>(indices[static_cast<size_t>(b)])];
        for (int64_t t = 0; t < length; ++t) {
            const auto s = static_cast<size_t>(t);
            xa[b][t] = p.chosen.inputs[s];
            ya[b][t] = p.chosen.targets[s];
            xa[n + b][t] = p.rejected.inputs[s];
            ya[n + b][t] = p.rejected.targets[s];
        }
    }
    return {x, y};
}

torch::Tensor answerLogProbs(const torch::Tensor& logits, const torch::Tensor& targets)
{
    const torch::Tensor logProbs = torch::log_softmax(logits.to(torch::kFloat), -1);
    const torch::Tensor counted = targets.ne(kIgnoreTarget);
    const torch::Tensor picked = logProbs.gather(-1, targets.clamp_min(0).unsqueeze(-1)).squeeze(-1);
    return picked.masked_fill(counted.logical_not(), 0.0).sum(-1);
}

DpoLoss dpoLoss(const torch::Tensor& policyChosen, const torch::Tensor& policyRejected,
                const torch::Tensor& referenceChosen, const torch::Tensor& referenceRejected, double beta)
{
    const torch::Tensor chosenRatio = policyChosen - referenceChosen;
    const torch::Tensor rejectedRatio = policyRejected - referenceRejected;
    DpoLoss out;
    out.loss = -torch::log_sigmoid(beta * (chosenRatio - rejectedRatio)).mean();
    out.chosenRewards = (beta * chosenRatio).detach();
    out.rejectedRewards = (beta * rejectedRatio).detach();
    return out;
}

std::pair<torch::Tensor, torch::Tensor> referenceLogProbs(const std::vector<DpoPair>& pairs,
                                                          const std::vector<int64_t>& indices)
{
    const auto n = static_cast<int64_t>(indices.size());
    torch::Tensor chosen = torch::empty({n}, torch::kFloat);
    torch::Tensor rejected = torch::empty({n}, torch::kFloat);
    auto ca = chosen.accessor<float, 1>();
    auto ra = rejected.accessor<float, 1>();
    for (int64_t i = 0; i < n; ++i) {
        const DpoPair& p = pairs[static_cast<size_t>(indices[static_cast<size_t>(i)])];
        // Stored from fp32 sums, so the float is exact again.
        ca[i] = static_cast<float>(p.referenceChosen);
        ra[i] = static_cast<float>(p.referenceRejected);
    }
    return {chosen, rejected};
}

void computeReferenceLogProbs(Gpt& reference, std::vector<DpoPair>& pairs, int64_t batchSize)
{
    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*reference);
    const std::vector<int64_t> indices = allIndices(pairs.size());
    const size_t step = static_cast<size_t>(std::max<int64_t>(batchSize, 1));
    for (size_t i = 0; i < indices.size(); i += step) {
        const std::vector<int64_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(i),
                                         indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), i + step)));
        auto [x, y] = pairsBatch(pairs, chunk);
        const torch::Tensor lp = answerLogProbs(reference->forward(x), y);
        auto la = lp.accessor<float, 1>();
        const auto n = static_cast<int64_t>(chunk.size());
        for (int64_t b = 0; b < n; ++b) {
            DpoPair& p = pairs[static_cast<size_t>(chunk[static_cast<size_t>(b)])];
            p.referenceChosen = la[b];
            p.referenceRejected = la[n + b];
        }
    }
}

DpoMetrics evaluateDpo(Gpt& model, const std::vector<DpoPair>& pairs, const std::vector<int64_t>& indicesIn,
                       double beta, int64_t batchSize)
{
    const std::vector<int64_t> indices = indicesIn.empty() ? allIndices(pairs.size()) : indicesIn;
    torch::NoGradGuard noGrad;
    EvalModeGuard evalMode(*model);
    DpoMetrics m;
    double loss = 0, chosen = 0, rejected = 0, wins = 0;
    const size_t step = static_cast<size_t>(std::max<int64_t>(batchSize, 1));
    for (size_t i = 0; i < indices.size(); i += step) {
        const std::vector<int64_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(i),
                                         indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), i + step)));
        const auto n = static_cast<int64_t>(chunk.size());
        auto [x, y] = pairsBatch(pairs, chunk);
        const torch::Tensor lp = answerLogProbs(model->forward(x), y);
        const auto [refChosen, refRejected] = referenceLogProbs(pairs, chunk);
        const DpoLoss d = dpoLoss(lp.narrow(0, 0, n), lp.narrow(0, n, n), refChosen, refRejected, beta);
        loss += d.loss.item<double>() * double(n);
        chosen += d.chosenRewards.sum().item<double>();
        rejected += d.rejectedRewards.sum().item<double>();
        wins += d.chosenRewards.gt(d.rejectedRewards).sum().item<double>();
        m.pairs += n;
    }
    if (m.pairs > 0) {
        const double n = double(m.pairs);
        m.loss = loss / n;
        m.rewardChosen = chosen / n;
        m.rewardRejected = rejected / n;
        m.accuracy = wins / n;
        m.margin = (chosen - rejected) / n;
    }
    return m;
}

} // namespace tb::core
