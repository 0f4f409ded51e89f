// SPDX-License-Identifier: MIT
#include "core/rl/reward_source.h"

#include "core/common/error.h"
#include "core/train/autocast_scope.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

namespace tb::core::rl {

namespace {

std::optional<double> mean(const std::vector<double>& v)
{
    if (v.empty())
        return std::nullopt;
    return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

std::string fmt(double v)
{
    std::string s = std::to_string(v);
    while (s.size() > 1 && s.back() == '0')
        s.pop_back();
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s;
}

} // namespace

std::optional<double> RewardScores::meanGold() const { return mean(gold); }
std::optional<double> RewardScores::meanModel() const { return mean(model); }

RewardSource RewardSource::load(const RunConfig& config, const std::string& policyTokenizerJson)
{
    const RewardSourceConfig& r = config.reward;
    RewardSource out;
    out.m_goldWeight = r.goldWeight;
    out.m_logGold = r.logGold;
    if (!r.model.empty() && r.modelWeight > 0.0) {
        try {
            out.m_scorer = std::make_shared<RewardScorer>(loadRewardScorer(r.model));
        } catch (const InputError& e) {
            throw InputError(r.model, "reward.model", e.message());
        }
        requireSameTokenizer(*out.m_scorer, policyTokenizerJson, r.model, "reward.model");
        out.m_modelPath = r.model;
        out.m_modelWeight = r.modelWeight;
    }
    if (!out.m_scorer && !(out.m_goldWeight > 0.0))
        throw InputError("config", "reward.model",
                         config.method + " needs reward.model or reward.gold_weight > 0: name a reward-model run or "
                         "give the gold scorer a weight");
    return out;
}

std::string RewardSource::describe() const
{
    std::string out = "reward = ";
    if (m_scorer)
        out += fmt(m_modelWeight) + " x reward model " + m_modelPath;
    if (m_goldWeight > 0.0)
        out += std::string(m_scorer ? " + " : "") + fmt(m_goldWeight) + " x gold score";
    if (m_logGold && !(m_goldWeight > 0.0))
        out += " (gold score logged beside it)";
    return out;
}

RewardScores RewardSource::score(const std::vector<std::string>& prompts, const std::vector<std::string>& answers)
{
    RewardScores out;
    const size_t n = answers.size();
    if (m_scorer) {
        FullPrecisionScope fp32;
        std::vector<std::optional<double>> scores(n);
        for (size_t i = 0; i < n; ++i) {
            if (answers[i].empty())
                continue;
            try {
                scores[i] = scoreAnswer(*m_scorer, prompts[i], answers[i]);
            } catch (const InputError&) {
                // The prompt fills the reward model's context: scored as the worst of the batch below.
            }
        }
        double worst = 0.0;
        bool any = false;
        for (const auto& s : scores)
            if (s) {
                worst = any ? std::min(worst, *s) : *s;
                any = true;
            }
        for (const auto& s : scores)
            out.model.push_back(s.value_or(worst));
    }
    if (computesGold())
        for (const std::string& a : answers)
            out.gold.push_back(goldScore(a, m_gold).score);
    out.reward.assign(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        if (m_scorer)
            out.reward[i] += m_modelWeight * out.model[i];
        if (m_goldWeight > 0.0)
            out.reward[i] += m_goldWeight * out.gold[i];
    }
    return out;
}

} // namespace tb::core::rl
