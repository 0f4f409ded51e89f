// SPDX-License-Identifier: MIT
// Direct preference optimisation (method dpo; Rafailov et al. 2023, as TRL's DPOTrainer computes it), used by the
// Trainer: the chosen/rejected pairs of data.train rendered and tokenised exactly as SFT renders a conversation
// (prompt turns, then the answer; only the answer's tokens count), the per-pair summed answer log-probabilities,
// the DPO loss and TRL's reward metrics. The reference model is the parent: its log-probabilities are computed once
// (it is frozen and evaluated without dropout) and kept with each pair, so no second model is held while training.
// Torch is in this header: include it from .cpp files only. Calling thread only.
#pragma once

#include "core/data/chat_template.h"
#include "core/data/formats/dataset_record.h"
#include "core/data/sft_examples.h"
#include "core/io/run_config.h"
#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tb::core {

/// One preference pair as two rows of the same length (the model's maxInputLength), with the reference model's
/// summed answer log-probabilities of each.
struct DpoPair {
    SftRow chosen;
    SftRow rejected;
    double referenceChosen = 0;
    double referenceRejected = 0;
};

/// The pairs of data.train. Pairs the tokenizer cannot spell are left out when sft.skip_unspellable; of the rest,
/// data.val_fraction (at least one) is held out by heldOutRecords, as SFT does; then pairs whose chosen or rejected
/// answer is cut away entirely by the row length are left out (counted).
struct DpoData {
    ChatTemplate chatTemplate;
    std::vector<DpoPair> train;
    std::vector<DpoPair> val;
    int64_t pairsWithUnknown = 0; // pairs with characters the parent's tokenizer cannot spell
    int64_t pairsSkipped = 0;     // of those, left out (sft.skip_unspellable)
    int64_t pairsCutAway = 0;     // left out: an answer has no token left within the row length
    int64_t truncatedPairs = 0;   // kept, but an answer was cut at the row length
    std::string hash;             // of data.train's bytes (resume refuses a changed file)
};

/// One side of a preference pair as SFT would render a conversation: the prompt turns, then `answer` (the only
/// tokens counted), with the pair's `plain` flag.
TokenizedExample tokenizeAnswer(const DatasetRecord& pair, const std::vector<Turn>& answer,
                                const ChatTemplate& chatTemplate, const Tokenizer& tokenizer, const std::string& file);

/// The preference pairs of data.train, tokenised, before they become rows: shared by DPO and the reward model.
struct TokenizedPair {
    TokenizedExample chosen;
    TokenizedExample rejected;
};
struct PreferencePairs {
    ChatTemplate chatTemplate;
    std::vector<TokenizedPair> pairs;
    std::vector<bool> held;       // per pair: held out for validation (heldOutExamples)
    bool plain = false;           // the pairs are plain strings, rendered without the chat template (oneStyle)
    int64_t pairsWithUnknown = 0; // pairs with characters the parent's tokenizer cannot spell
    int64_t pairsSkipped = 0;     // of those, left out (sft.skip_unspellable)
    std::string hash;             // of data.train's bytes
};
struct PreferenceLoadOptions {
    std::string who;            // the method in messages: "DPO", "a reward model"
    bool requirePrompt = false; // a pair whose prompt is missing or empty is an InputError
    bool oneStyle = false;      // plain (string) and conversational pairs mixed in one file are an InputError
};
/// Throws InputError naming data.train (file, line) for a record that is not a preference pair, a pair without a
/// prompt when options.requirePrompt, mixed styles when options.oneStyle, an unreadable file and too few pairs.
PreferencePairs loadPreferencePairs(const RunConfig& config, const Tokenizer& tokenizer,
                                    const PreferenceLoadOptions& options);
/// The InputError for a split left empty after pairs whose answers do not fit in `rowLength` were left out.
[[noreturn]] void throwIfNoPairLeft(const std::string& file, bool trainEmpty, int64_t rowLength, int64_t cutAway);

/// Turns loaded pairs into a method's train/val rows (DpoData, RewardData): `makeRow(example, rowLength)` gives a row
/// or nullopt when the prompt fills the context (the pair is left out and counted in pairsCutAway); pairs with a cut
/// answer count in truncatedPairs. Throws throwIfNoPairLeft's error when a split is left empty.
template <class Data, class MakeRow>
Data splitPairRows(PreferencePairs& loaded, const std::string& file, int64_t rowLength, MakeRow makeRow)
{
    Data out;
    out.chatTemplate = std::move(loaded.chatTemplate);
    out.hash = std::move(loaded.hash);
    out.pairsWithUnknown = loaded.pairsWithUnknown;
    out.pairsSkipped = loaded.pairsSkipped;
    for (size_t i = 0; i < loaded.pairs.size(); ++i) {
        auto chosen = makeRow(loaded.pairs[i].chosen, rowLength);
        auto rejected = makeRow(loaded.pairs[i].rejected, rowLength);
        if (!chosen || !rejected) {
            ++out.pairsCutAway;
            continue;
        }
        if (chosen->truncated || rejected->truncated)
            ++out.truncatedPairs;
        (loaded.held[i] ? out.val : out.train).push_back({std::move(*chosen), std::move(*rejected)});
    }
    if (out.train.empty() || out.val.empty())
        throwIfNoPairLeft(file, out.train.empty(), rowLength, out.pairsCutAway);
    return out;
}

/// Throws InputError naming data.train for a dataset that is not all preference pairs ("DPO needs preference pairs
/// (chosen/rejected)…"), an unreadable file, and too few pairs to split or left after cutting.
DpoData loadDpoData(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength);

/// Inputs and targets [2n, length] (int64) of the pairs at `indices`: the n chosen rows, then the n rejected rows.
std::pair<torch::Tensor, torch::Tensor> pairsBatch(const std::vector<DpoPair>& pairs, const std::vector<int64_t>& indices);

/// Per row, the sum over counted targets (not kIgnoreTarget) of log softmax(logits)[target], in fp32: [rows].
torch::Tensor answerLogProbs(const torch::Tensor& logits, const torch::Tensor& targets);

/// The DPO loss of a batch of pairs from the policy's and the reference's summed answer log-probabilities (each
/// [n]): mean of -log sigmoid(beta * ((pc - rc) - (pr - rr))), with the rewards beta * (pc - rc) and
/// beta * (pr - rr) per pair (detached).
struct DpoLoss {
    torch::Tensor loss;
    torch::Tensor chosenRewards;
    torch::Tensor rejectedRewards;
};
DpoLoss dpoLoss(const torch::Tensor& policyChosen, const torch::Tensor& policyRejected,
                const torch::Tensor& referenceChosen, const torch::Tensor& referenceRejected, double beta);

/// The reference log-probabilities of the pairs at `indices`, as [n] tensors (chosen, rejected).
std::pair<torch::Tensor, torch::Tensor> referenceLogProbs(const std::vector<DpoPair>& pairs,
                                                          const std::vector<int64_t>& indices);

/// Fills every pair's reference log-probabilities from `reference` (eval mode, no grad; mode restored), `batchSize`
/// pairs at a time.
void computeReferenceLogProbs(Gpt& reference, std::vector<DpoPair>& pairs, int64_t batchSize);

/// TRL's metrics over some pairs: mean loss, mean rewards, the share of pairs whose chosen reward is strictly
/// greater than the rejected one (so a policy equal to its reference scores 0), and the mean margin.
struct DpoMetrics {
    double loss = 0;
    double rewardChosen = 0;
    double rewardRejected = 0;
    double accuracy = 0;
    double margin = 0;
    int64_t pairs = 0;
};

/// The metrics of `model` on the pairs at `indices` (all pairs when empty), `batchSize` pairs at a time. No grad,
/// eval mode (mode restored).
DpoMetrics evaluateDpo(Gpt& model, const std::vector<DpoPair>& pairs, const std::vector<int64_t>& indices,
                       double beta, int64_t batchSize);

} // namespace tb::core
