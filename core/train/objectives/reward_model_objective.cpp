// SPDX-License-Identifier: MIT
// Method reward_model: the Bradley-Terry loss on preference pairs (core/train/reward_model); on the held-out pairs,
// pair accuracy, mean margin and the correlation of score with answer length (a known bias of reward models).
#include "core/train/objectives/objectives.h"

#include "core/train/finetune.h"
#include "core/train/reward_model.h"

#include <torch/torch.h>

namespace tb::core {
namespace {

class RewardModelObjective final : public TrainingObjective {
public:
    void load(const ObjectiveInput& in, std::vector<std::string>& notes) override
    {
        m_batchSize = in.config.train.batchSize;
        m_rowLength = in.rowLength;
        m_data = loadRewardData(in.config, in.tokenizer, in.rowLength);
        const int64_t evalRows = in.config.train.evalIters * in.config.train.batchSize;
        m_evalRowsTrain = fixedRowIndices(static_cast<int64_t>(m_data.train.size()), evalRows,
                                          in.config.train.seed ^ kEvalTrainSeedSalt);
        const int64_t kept = static_cast<int64_t>(m_data.train.size() + m_data.val.size());
        if (m_data.pairsSkipped > 0)
            notes.push_back("left out " + std::to_string(m_data.pairsSkipped) + " of " +
                            std::to_string(kept + m_data.pairsCutAway + m_data.pairsSkipped) +
                            " pairs with characters the parent's tokenizer cannot spell "
                            "(sft.skip_unspellable: false keeps them)");
        else if (m_data.pairsWithUnknown > 0)
            notes.push_back(std::to_string(m_data.pairsWithUnknown) + " pairs have characters the parent's "
                            "tokenizer cannot spell; the model sees <unk> there");
        if (m_data.pairsCutAway > 0)
            notes.push_back("left out " + std::to_string(m_data.pairsCutAway) + " pairs whose prompt fills the "
                            "model's " + std::to_string(m_rowLength) + "-token context (no answer token left)");
        if (m_data.truncatedPairs > 0)
            notes.push_back(std::to_string(m_data.truncatedPairs) + " pairs have an answer cut at the model's " +
                            std::to_string(m_rowLength) + "-token context: the score reads the cut text");
    }
    const std::string& dataHash() const override { return m_data.hash; }
    const ChatTemplate* chatTemplate() const override { return &m_data.chatTemplate; }
    bool generatesText() const override { return false; }

    torch::Tensor microBatchLoss(Gpt& model, SplitMix64& rng) override
    {
        auto [ids, last] = rewardBatch(m_data.train, drawIndices(m_data.train.size(), m_batchSize, rng));
        const torch::Tensor s = model->score(ids, last);
        return bradleyTerryLoss(s.narrow(0, 0, m_batchSize), s.narrow(0, m_batchSize, m_batchSize));
    }

    void evaluate(Gpt& model, EvalMetrics& m, RunSummary& summary) override
    {
        m.trainLoss = evaluateRewardModel(model, m_data.train, m_evalRowsTrain, m_batchSize).loss;
        const RewardMetrics val = evaluateRewardModel(model, m_data.val, {}, m_batchSize);
        m.valLoss = val.loss;
        m.rewardAccuracy = summary.rewardAccuracy = val.accuracy;
        m.rewardMargin = summary.rewardMargin = val.margin;
        summary.rewardLengthCorrelation = val.lengthCorrelation;
        summary.rewardInput = rewardInputStyle(m_data.plain);
        // TRL's RewardTrainer logs eval_accuracy; the margin and the length bias are ours.
        m.metrics = {{"eval_accuracy", val.accuracy},
                     {"eval_margin", val.margin},
                     {"eval_mean_score", val.meanScore},
                     {"eval_length_correlation", val.lengthCorrelation}};
    }
    double finalValLoss(Gpt& model) override { return evaluateRewardModel(model, m_data.val, {}, m_batchSize).loss; }

    int64_t rowsPerExample() const override { return 2; }
    int64_t trainTokens() const override { return static_cast<int64_t>(m_data.train.size()) * 2 * m_rowLength; }
    int64_t valTokens() const override { return static_cast<int64_t>(m_data.val.size()) * 2 * m_rowLength; }

private:
    int64_t m_batchSize = 1;
    int64_t m_rowLength = 0;
    RewardData m_data;
    std::vector<int64_t> m_evalRowsTrain;
};

} // namespace

std::unique_ptr<TrainingObjective> makeRewardModelObjective() { return std::make_unique<RewardModelObjective>(); }

} // namespace tb::core
