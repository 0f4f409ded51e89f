// SPDX-License-Identifier: MIT
// Methods sft, lora and prompt_tuning: the masked next-token loss on the SFT rows of data.train (core/train/finetune),
// evaluated on fixed training rows and every held-out row.
#include "core/train/objectives/objectives.h"

#include "core/train/finetune.h"

#include <torch/torch.h>

namespace tb::core {
namespace {

class SftObjective final : public TrainingObjective {
public:
    void load(const ObjectiveInput& in, std::vector<std::string>& notes) override
    {
        m_batchSize = in.config.train.batchSize;
        m_rowLength = in.rowLength;
        m_sft = loadSftData(in.config, in.tokenizer, in.rowLength);
        const int64_t evalRows = in.config.train.evalIters * in.config.train.batchSize;
        m_evalRowsTrain = fixedRowIndices(static_cast<int64_t>(m_sft.train.size()), evalRows,
                                          in.config.train.seed ^ kEvalTrainSeedSalt);
        if (m_sft.examplesSkipped > 0)
            notes.push_back("left out " + std::to_string(m_sft.examplesSkipped) + " of " +
                            std::to_string(m_sft.trainExamples + m_sft.valExamples + m_sft.examplesSkipped) +
                            " examples with characters the parent's tokenizer cannot spell (they would teach "
                            "the model to write <unk>; sft.skip_unspellable: false keeps them)");
        else if (m_sft.examplesWithUnknown > 0)
            notes.push_back(std::to_string(m_sft.examplesWithUnknown) + " of " +
                            std::to_string(m_sft.trainExamples + m_sft.valExamples) +
                            " examples have characters the parent's tokenizer cannot spell; the model sees "
                            "<unk> there");
        if (m_sft.truncatedRows > 0)
            notes.push_back(std::to_string(m_sft.truncatedRows) + " examples are longer than the model's " +
                            std::to_string(m_rowLength) + "-token context and were cut");
    }
    const std::string& dataHash() const override { return m_sft.hash; }
    const ChatTemplate* chatTemplate() const override { return &m_sft.chatTemplate; }

    torch::Tensor microBatchLoss(Gpt& model, SplitMix64& rng) override
    {
        auto [x, y] = rowsBatch(m_sft.train, drawIndices(m_sft.train.size(), m_batchSize, rng));
        return maskedLanguageModelLoss(model->forward(x), y);
    }

    void evaluate(Gpt& model, EvalMetrics& m, RunSummary& /*summary*/) override
    {
        m.trainLoss = maskedLoss(model, m_sft.train, m_evalRowsTrain, m_batchSize);
        m.valLoss = maskedLoss(model, m_sft.val, {}, m_batchSize); // every held-out row: the val set is small
    }
    double finalValLoss(Gpt& model) override { return maskedLoss(model, m_sft.val, {}, m_batchSize); }

    int64_t trainTokens() const override { return static_cast<int64_t>(m_sft.train.size()) * m_rowLength; }
    int64_t valTokens() const override { return static_cast<int64_t>(m_sft.val.size()) * m_rowLength; }

private:
    int64_t m_batchSize = 1;
    int64_t m_rowLength = 0;
    SftData m_sft;
    std::vector<int64_t> m_evalRowsTrain;
};

} // namespace

std::unique_ptr<TrainingObjective> makeSftObjective() { return std::make_unique<SftObjective>(); }

} // namespace tb::core
