// SPDX-License-Identifier: MIT
// The reward model (method reward_model), used by its objective, the CLI's `score` and later by RL methods: the
// parent GPT with a scalar head (GptImpl::enableScoreHead) read at the last token of prompt + answer, trained on
// preference pairs with the Bradley-Terry loss -log sigmoid(r_chosen - r_rejected) (Ouyang et al. 2022; TRL's
// RewardTrainer). Pairs are rendered as DPO renders them: conversations with the run's chat template (the prompt as
// user turns, the answer as the assistant's), plain string pairs as raw prompt + answer. One file holds one style,
// and the run's summary records which (reward_input), so `score` rebuilds exactly the text the model learnt from. Torch is in this header: include it from .cpp files only. Calling thread only.
#pragma once

#include "core/data/chat_template.h"
#include "core/io/run_config.h"
#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tb::core {

/// Prompt + answer as the reward model reads it: ids padded with 0 to the row length, the position of the last
/// real token (where the score is read) and the answer's token count.
struct RewardInput {
    std::vector<int64_t> ids;
    int64_t last = 0;
    int64_t answerTokens = 0;
    bool truncated = false; // the text was longer than the row and cut at its end
};

struct RewardPair {
    RewardInput chosen;
    RewardInput rejected;
};

/// The pairs of data.train (every preference format the loader reads; Rate's exported votes are TRL preference
/// JSONL). As DPO: sft.skip_unspellable, data.val_fraction held out (at least one), pairs whose answer starts
/// beyond the row left out (counted).
struct RewardData {
    ChatTemplate chatTemplate;
    std::vector<RewardPair> train;
    std::vector<RewardPair> val;
    bool plain = false; // plain string pairs: raw prompt + answer, no chat template
    int64_t pairsWithUnknown = 0;
    int64_t pairsSkipped = 0;
    int64_t pairsCutAway = 0;
    int64_t truncatedPairs = 0;
    std::string hash;
};

/// Throws InputError naming data.train (file, line) for records that are not preference pairs, a pair without a
/// prompt, plain and conversational pairs mixed, an unreadable file, too few pairs, and no pair left inside the
/// row length.
RewardData loadRewardData(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength);

/// `prompt` (a user turn) and `answer` (the assistant's) as the reward model reads them: in `chatTemplate`, or raw
/// prompt + answer when `plain`. InputError for an empty answer or a prompt that leaves it no room in `rowLength`.
RewardInput rewardInput(const std::string& prompt, const std::string& answer, const ChatTemplate& chatTemplate,
                        bool plain, const Tokenizer& tokenizer, int64_t rowLength);

/// summary.json's reward_input for a run that read plain pairs ("raw") or conversations ("chat template").
std::string rewardInputStyle(bool plain);

/// Ids [2n, length] and last positions [2n] (int64) of the pairs at `indices`: the n chosen, then the n rejected.
std::pair<torch::Tensor, torch::Tensor> rewardBatch(const std::vector<RewardPair>& pairs,
                                                    const std::vector<int64_t>& indices);

/// Bradley-Terry: mean over pairs of -log sigmoid(chosen - rejected), from the scores [n] of each side.
torch::Tensor bradleyTerryLoss(const torch::Tensor& chosen, const torch::Tensor& rejected);

struct RewardMetrics {
    double loss = 0;
    double accuracy = 0;          // share of pairs with chosen scored strictly above rejected
    double margin = 0;            // mean chosen - rejected score
    double meanScore = 0;         // mean score of every answer
    double lengthCorrelation = 0; // Pearson correlation of score and answer length in tokens over every answer
    int64_t pairs = 0;
};

/// The metrics of `model` on the pairs at `indices` (all when empty), `batchSize` pairs at a time. No grad, eval
/// mode (restored).
RewardMetrics evaluateRewardModel(Gpt& model, const std::vector<RewardPair>& pairs,
                                  const std::vector<int64_t>& indices, int64_t batchSize);

/// Pearson correlation of x and y; 0 when either is constant or there are fewer than two values.
double pearsonCorrelation(const std::vector<double>& x, const std::vector<double>& y);

/// A loaded reward-model run and what scoring needs.
struct RewardScorer {
    RunConfig config;
    Gpt model{nullptr};
    std::unique_ptr<Tokenizer> tokenizer;
    std::string tokenizerJson; // Tokenizer::serialize(), to compare with a policy's
    ChatTemplate chatTemplate;
    bool plain = false; // the run learnt from plain pairs (its summary's reward_input is "raw")
    std::string checkpoint;
};

/// Loads a reward_model run (directory: its best checkpoint, else latest; or a checkpoint file). InputError
/// naming the path when it is not a reward-model run.
RewardScorer loadRewardScorer(const std::string& path);

/// The score of `answer` to `prompt` (eval mode, no grad, fp32).
double scoreAnswer(RewardScorer& scorer, const std::string& prompt, const std::string& answer);

/// Throws InputError naming `key` when a reward model's tokenizer differs from the policy's: its scores would be
/// of other token ids than the policy writes. `rewardOrigin` names the reward run.
void requireSameTokenizer(const RewardScorer& scorer, const std::string& policyTokenizerJson,
                          const std::string& rewardOrigin, const std::string& key);

} // namespace tb::core
