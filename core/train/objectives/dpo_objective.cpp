// SPDX-License-Identifier: MIT
// Method dpo: the DPO loss on preference pairs against the parent's log-probabilities (core/train/dpo), TRL's
// eval_rewards/* on the held-out pairs.
#include "core/train/objectives/objectives.h"

#include "core/train/dpo.h"
#include "core/train/finetune.h"

#include <torch/torch.h>

namespace tb::core {
namespace {

class DpoObjective final : public TrainingObjective {
public:
    void load(const ObjectiveInput& in, std::vector<std::string>& notes) override
    {
        m_batchSize = in.config.train.batchSize;
        m_beta = in.config.dpo.beta;
        m_rowLength = in.rowLength;
        m_dpo = loadDpoData(in.config, in.tokenizer, in.rowLength);
        const int64_t evalRows = in.config.train.evalIters * in.config.train.batchSize;
        m_evalRowsTrain = fixedRowIndices(static_cast<int64_t>(m_dpo.train.size()), evalRows,
                                          in.config.train.seed ^ kEvalTrainSeedSalt);
        const int64_t kept = static_cast<int64_t>(m_dpo.train.size() + m_dpo.val.size());
        if (m_dpo.pairsSkipped > 0)
            notes.push_back("left out " + std::to_string(m_dpo.pairsSkipped) + " of " +
                            std::to_string(kept + m_dpo.pairsCutAway + m_dpo.pairsSkipped) +
                            " pairs with characters the parent's tokenizer cannot spell "
                            "(sft.skip_unspellable: false keeps them)");
        else if (m_dpo.pairsWithUnknown > 0)
            notes.push_back(std::to_string(m_dpo.pairsWithUnknown) + " pairs have characters the parent's "
                            "tokenizer cannot spell; the model sees <unk> there");
        if (m_dpo.pairsCutAway > 0)
            notes.push_back("left out " + std::to_string(m_dpo.pairsCutAway) + " pairs whose prompt fills the "
                            "model's " + std::to_string(m_rowLength) + "-token context (no answer token left)");
        if (m_dpo.truncatedPairs > 0)
            notes.push_back(std::to_string(m_dpo.truncatedPairs) + " pairs have an answer cut at the model's " +
                            std::to_string(m_rowLength) + "-token context");
    }
    const std::string& dataHash() const override { return m_dpo.hash; }
    const ChatTemplate* chatTemplate() const override { return &m_dpo.chatTemplate; }

    bool usesReference() const override { return true; }
    void computeReference(Gpt& reference) override
    {
        computeReferenceLogProbs(reference, m_dpo.train, m_batchSize);
        computeReferenceLogProbs(reference, m_dpo.val, m_batchSize);
    }

    torch::Tensor microBatchLoss(Gpt& model, SplitMix64& rng) override
    {
        const std::vector<int64_t> pairs = drawIndices(m_dpo.train.size(), m_batchSize, rng);
        auto [x, y] = pairsBatch(m_dpo.train, pairs);
        const torch::Tensor lp = answerLogProbs(model->forward(x), y);
        const auto [refChosen, refRejected] = referenceLogProbs(m_dpo.train, pairs);
        const int64_t n = m_batchSize;
        return dpoLoss(lp.narrow(0, 0, n), lp.narrow(0, n, n), refChosen, refRejected, m_beta).loss;
    }

    void evaluate(Gpt& model, EvalMetrics& m, RunSummary& summary) override
    {
        m.trainLoss = evaluateDpo(model, m_dpo.train, m_evalRowsTrain, m_beta, m_batchSize).loss;
        // Every held-out pair, in the reference's batches (so step 0 is exactly log 2).
        const DpoMetrics val = evaluateDpo(model, m_dpo.val, {}, m_beta, m_batchSize);
        m.valLoss = val.loss;
        m.rewardAccuracy = summary.rewardAccuracy = val.accuracy;
        m.rewardMargin = summary.rewardMargin = val.margin;
        m.rewardChosen = val.rewardChosen;
        m.rewardRejected = val.rewardRejected;
        m.metrics = {{"eval_rewards/accuracies", val.accuracy},
                     {"eval_rewards/margins", val.margin},
                     {"eval_rewards/chosen", val.rewardChosen},
                     {"eval_rewards/rejected", val.rewardRejected}};
    }
    double finalValLoss(Gpt& model) override { return evaluateDpo(model, m_dpo.val, {}, m_beta, m_batchSize).loss; }

    int64_t rowsPerExample() const override { return 2; }
    int64_t trainTokens() const override { return static_cast<int64_t>(m_dpo.train.size()) * 2 * m_rowLength; }
    int64_t valTokens() const override { return static_cast<int64_t>(m_dpo.val.size()) * 2 * m_rowLength; }

private:
    int64_t m_batchSize = 1;
    double m_beta = 0.1;
    int64_t m_rowLength = 0;
    DpoData m_dpo;
    std::vector<int64_t> m_evalRowsTrain;
};

} // namespace

std::unique_ptr<TrainingObjective> makeDpoObjective() { return std::make_unique<DpoObjective>(); }

} // namespace tb::core
