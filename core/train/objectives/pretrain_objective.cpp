// SPDX-License-Identifier: MIT
// Method pretrain: next-token prediction on random windows of the corpus's train split; evaluation on fixed windows
// of both splits (nanoGPT's estimate_loss), the whole val split at the end.
#include "core/train/objectives/objectives.h"

#include "core/common/error.h"
#include "core/data/corpus_tokens.h"
#include "core/data/token_dataset.h"
#include "core/eval/estimate_loss.h"
#include "core/eval/evaluate.h"

#include <torch/torch.h>

namespace tb::core {
namespace {

class PretrainObjective final : public TrainingObjective {
public:
    void load(const ObjectiveInput& in, std::vector<std::string>& /*notes*/) override
    {
        const RunConfig& config = in.config;
        m_blockSize = config.model.blockSize;
        m_batchSize = config.train.batchSize;
        m_hash = in.knownCorpusHash;
        const std::filesystem::path cacheDir =
            config.data.cacheDir.empty() ? defaultTokenCacheDir() : std::filesystem::path(config.data.cacheDir);
        m_data = loadTokenDataset(config.data.corpus, in.tokenizer, config.data.valFraction, cacheDir, m_hash);
        const int64_t need = m_blockSize + 1;
        for (Split split : {Split::Train, Split::Val}) {
            if (m_data.size(split) < need) {
                const std::string name = split == Split::Train ? "training" : "validation";
                throw InputError(config.data.corpus, "model.block_size",
                                 "the " + name + " split has " + std::to_string(m_data.size(split)) +
                                     " tokens, fewer than block_size + 1 = " + std::to_string(need) +
                                     "; use a larger corpus, a smaller model.block_size or another data.val_fraction");
            }
        }
        const int64_t evalRows = config.train.evalIters * config.train.batchSize;
        m_evalStartsTrain = fixedBatchStarts(m_data.size(Split::Train), m_blockSize, evalRows,
                                             config.train.seed ^ kEvalTrainSeedSalt);
        m_evalStartsVal = fixedBatchStarts(m_data.size(Split::Val), m_blockSize, evalRows,
                                           config.train.seed ^ kEvalValSeedSalt);
    }
    const std::string& dataHash() const override { return m_hash; }
    std::string dataKey() const override { return "data.corpus"; }

    torch::Tensor microBatchLoss(Gpt& model, SplitMix64& rng) override
    {
        auto [x, y] = m_data.batch(Split::Train, m_batchSize, m_blockSize, rng);
        return languageModelLoss(model->forward(x), y);
    }

    void evaluate(Gpt& model, EvalMetrics& m, RunSummary& /*summary*/) override
    {
        m.trainLoss = estimateLoss(model, m_data, Split::Train, m_evalStartsTrain, m_blockSize, m_batchSize);
        m.valLoss = estimateLoss(model, m_data, Split::Val, m_evalStartsVal, m_blockSize, m_batchSize);
    }
    double finalValLoss(Gpt& model) override
    {
        return fullSplitLoss(model, m_data.tokens(Split::Val), m_blockSize, m_batchSize);
    }

    int64_t trainTokens() const override { return m_data.size(Split::Train); }
    int64_t valTokens() const override { return m_data.size(Split::Val); }
    bool tokensFromCache() const override { return m_data.loadedFromCache(); }

private:
    int64_t m_blockSize = 0;
    int64_t m_batchSize = 1;
    std::string m_hash;
    TokenDataset m_data;
    std::vector<int64_t> m_evalStartsTrain;
    std::vector<int64_t> m_evalStartsVal;
};

} // namespace

std::unique_ptr<TrainingObjective> makePretrainObjective() { return std::make_unique<PretrainObjective>(); }

} // namespace tb::core
