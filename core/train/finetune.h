// SPDX-License-Identifier: MIT
// The fine-tuning parts of a run (method sft, lora, prompt_tuning), used by the Trainer: the parent model named by
// init_from, the SFT rows of data.train and their masked loss, the forgetting meter (perplexity on held-out text
// of the parent's pretraining corpus) and the adapter effect check (how far the tuned model moved from its base).
// Torch is in this header: include it from .cpp files only. Calling thread only.
#pragma once

#include "core/data/chat_template.h"
#include "core/data/formats/dataset_reader.h"
#include "core/data/sft_examples.h"
#include "core/io/run_config.h"
#include "core/model/gpt.h"
#include "core/tokenizer/tokenizer.h"

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tb::core {

/// The model a fine-tuning run starts from.
struct ParentModel {
    std::filesystem::path checkpoint; // the file the weights came from
    std::filesystem::path runDir;     // its run directory (the checkpoint's grandparent folder)
    RunConfig config;
    std::string tokenizer;            // Tokenizer::serialize()
    std::map<std::string, torch::Tensor> weights;
    int64_t step = 0;
};

/// `initFrom` is a run directory (its latest checkpoint) or a checkpoint file. A LoRA parent's adapters are merged
/// into its base weights, so `weights` are always a plain model's: the run starts from the adapted model. Throws
/// InputError naming init_from when nothing loadable is there, or for a prompt-tuning parent (its virtual tokens
/// have no place in another run's model).
ParentModel loadParent(const std::string& initFrom);

/// The run's model shape (n_layer, n_head, n_embd, block_size, bias, vocabulary) and tokenizer become the
/// parent's; dropout stays the run's own (fine-tuning often wants some). The forgetting meter's corpus becomes the
/// parent's pretraining corpus (data.corpus; a fine-tuned parent passes on its own).
void inheritFromParent(RunConfig& config, const RunConfig& parent);

/// The SFT rows of data.train: every record rendered with the chat template (after data.replace), tokenised and
/// cut into rows of `rowLength`. Examples the tokenizer cannot spell are left out when sft.skip_unspellable; of the
/// rest, data.val_fraction (at least one) is held out, picked by heldOutRecords (a fixed shuffle, not the tail).
struct SftData {
    ChatTemplate chatTemplate;
    std::vector<SftRow> train;
    std::vector<SftRow> val;
    int64_t trainExamples = 0;
    int64_t valExamples = 0;
    int64_t examplesWithUnknown = 0; // examples with characters the parent's tokenizer cannot spell
    int64_t examplesSkipped = 0;     // of those, left out (sft.skip_unspellable)
    int64_t truncatedRows = 0;
    std::string hash;                // of data.train's bytes (resume refuses a changed file)
};

/// data.train read with data.format (when set); InputError naming data.format for an unknown format.
Dataset loadTrainingDataset(const RunConfig& config);

/// Which of the `kept` examples (of `records` read; the rest left out by sft.skip_unspellable) are held out:
/// data.val_fraction of them, at least one, by heldOutRecords. InputError naming data.train when fewer than two
/// are kept; `items` names them in the message ("record(s)", "pair(s)") and `who` the method ("fine-tuning").
std::vector<bool> heldOutExamples(const RunConfig& config, int64_t kept, int64_t records, const std::string& items,
                                  const std::string& who);

/// Throws InputError for an unreadable dataset, preference/KTO records, a bad template or replacement, and for
/// too few examples to split.
SftData loadSftData(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength);

/// Inputs and targets [n, length] (int64) of the rows at `indices`.
std::pair<torch::Tensor, torch::Tensor> rowsBatch(const std::vector<SftRow>& rows, const std::vector<int64_t>& indices);

/// Mean cross-entropy (fp32) over the targets that are not kIgnoreTarget. 0 (with a gradient) when none counts.
torch::Tensor maskedLanguageModelLoss(const torch::Tensor& logits, const torch::Tensor& targets);

/// Mean masked loss over every counted target of the rows at `indices` (all rows when empty), `batchSize` rows at a
/// time: the per-token mean, so a long answer weighs more than a short one. No grad; mode restored.
double maskedLoss(Gpt& model, const std::vector<SftRow>& rows, const std::vector<int64_t>& indices, int64_t batchSize);

/// Up to `count` fixed row indices drawn from `seed` (all rows, in order, when there are at most `count`).
std::vector<int64_t> fixedRowIndices(int64_t rows, int64_t count, uint64_t seed);

/// Perplexity on a fixed set of windows of held-out text: exp(mean next-token loss), the same windows every time.
class ForgettingMeter {
public:
    ForgettingMeter() = default;
    /// Windows of `window` tokens from `tokens` (1-D int32), `count` of them from `seed`.
    ForgettingMeter(torch::Tensor tokens, int64_t window, int64_t count, uint64_t seed, std::string source);
    bool enabled() const { return m_tokens.defined(); }
    const std::string& source() const { return m_source; }
    double perplexity(Gpt& model, int64_t batchSize) const;

private:
    torch::Tensor m_tokens;
    std::vector<int64_t> m_starts;
    int64_t m_window = 0;
    std::string m_source;
};

/// The meter for a run: sft.forgetting_corpus as a whole, or else the validation split (the parent's
/// val fraction) of data.corpus, the parent's pretraining corpus. Disabled (with a reason in `why`) when
/// neither is set. Throws InputError for an unreadable file or one too short for a window.
ForgettingMeter makeForgettingMeter(const RunConfig& config, double parentValFraction, const Tokenizer& tokenizer,
                                    int64_t window, std::string& why);

/// How much a tuned model's next-token predictions differ from its base's over some texts.
struct AdapterEffect {
    double meanKl = 0;          // KL(tuned || base) in nats, averaged over positions
    double top1Agreement = 0;   // share of positions where both predict the same most likely token
    int64_t positions = 0;
};

/// Compares the two models at every position of each text (token ids).
AdapterEffect adapterEffect(Gpt& tuned, Gpt& base, const std::vector<std::vector<TokenId>>& texts);

/// "the tuned model barely differs from its base" (top-1 agreement > 0.99 and KL < 1e-3), or nothing.
std::string adapterEffectWarning(const AdapterEffect& effect);

} // namespace tb::core
