// SPDX-License-Identifier: MIT
#include "core/rl/rl_common.h"

#include "core/common/error.h"
#include "core/data/chat_prompt.h"
#include "core/rl/ppo_math.h"
#include "core/train/finetune.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

namespace tb::core::rl {

bool parentIsChatModel(const RunConfig& config)
{
    return loadParent(config.initFrom).config.isFineTuning();
}

void RlSetup::load(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength, int64_t maxNewTokens,
                   double temperature, const std::string& maxNewKey, std::vector<std::string>& notes)
{
    m_config = config;
    m_tokenizer = &tokenizer;
    if (maxNewTokens >= rowLength)
        throw InputError("config", maxNewKey,
                         "is " + std::to_string(maxNewTokens) + " but the policy reads at most " +
                             std::to_string(rowLength) + " tokens: leave room for the prompt");
    m_reward = RewardSource::load(config, tokenizer.serialize());
    m_prompts = loadRlPrompts(config, tokenizer, parentIsChatModel(config));
    if (m_prompts.promptsSkipped > 0)
        notes.push_back("left out " + std::to_string(m_prompts.promptsSkipped) +
                        " prompts with characters the parent's tokenizer cannot spell "
                        "(sft.skip_unspellable: false keeps them)");
    m_options.maxNewTokens = maxNewTokens;
    m_options.temperature = temperature;
    m_options.tokenizer = &tokenizer;
    if (m_prompts.chat)
        m_options.stopString = m_prompts.chatTemplate.answerEnd();
}

void RlSetup::setReference(Gpt& parent)
{
    torch::NoGradGuard noGrad;
    m_reference = Gpt(m_config.model);
    std::map<std::string, torch::Tensor> weights;
    for (const auto& item : parent->named_parameters())
        weights.emplace(item.key(), item.value());
    for (auto& item : m_reference->named_parameters()) {
        const auto it = weights.find(item.key());
        if (it == weights.end())
            throw Error("the reference has no weight " + item.key());
        item.value().copy_(it->second);
    }
    for (auto& p : m_reference->parameters())
        p.set_requires_grad(false);
    m_reference->eval();
}

ScoredRollout RlSetup::rollout(Gpt& model, const std::vector<RlPrompt>& split, const std::vector<int64_t>& indices,
                               int64_t repeat, uint64_t seed)
{
    ScoredRollout out;
    std::vector<std::vector<TokenId>> ids;
    for (const int64_t i : indices)
        for (int64_t g = 0; g < repeat; ++g) {
            ids.push_back(split[static_cast<size_t>(i)].ids);
            out.prompts.push_back(split[static_cast<size_t>(i)].text);
        }
    RolloutOptions options = m_options;
    options.seed = seed;
    out.rollout = generateRollout(model, ids, options);
    const std::string& answerEnd = m_options.stopString;
    for (int64_t b = 0; b < out.rollout.rows(); ++b) {
        std::string text = m_tokenizer->decode(out.rollout.response(b));
        cutAtAnswerEnd(text, answerEnd);
        out.answers.push_back(std::move(text));
    }
    out.scores = m_reward.score(out.prompts, out.answers);
    const torch::Tensor mask = out.rollout.responseMask.to(torch::kFloat);
    {
        torch::NoGradGuard noGrad;
        out.refLogprobs = tokenLogprobs(responseLogits(m_reference, out.rollout), out.rollout.responses,
                                        m_options.temperature);
        out.klPerAnswer = ((out.rollout.logprobs - out.refLogprobs) * mask).sum(1);
        out.entropyPerAnswer = (-out.rollout.logprobs * mask).sum(1);
    }
    return out;
}

Rollout RlSetup::selectRows(const Rollout& rollout, const torch::Tensor& rows)
{
    Rollout out;
    out.queryResponses = rollout.queryResponses.index_select(0, rows);
    out.responses = rollout.responses.index_select(0, rows);
    out.responseMask = rollout.responseMask.index_select(0, rows);
    out.logprobs = rollout.logprobs.index_select(0, rows);
    out.ended = rollout.ended.index_select(0, rows);
    const auto r = rows.accessor<int64_t, 1>();
    for (int64_t i = 0; i < rows.size(0); ++i) {
        out.promptLengths.push_back(rollout.promptLengths[static_cast<size_t>(r[i])]);
        out.responseLengths.push_back(rollout.responseLengths[static_cast<size_t>(r[i])]);
    }
    return out;
}

std::vector<RolloutSample> RlSetup::samplesOf(const ScoredRollout& r)
{
    std::vector<RolloutSample> out;
    const size_t n = std::min(kRolloutSamplesPerStep, r.answers.size());
    const auto ended = r.rollout.ended.to(torch::kBool);
    for (size_t i = 0; i < n; ++i) {
        RolloutSample s;
        s.prompt = r.prompts[i];
        s.response = r.answers[i];
        s.reward = r.scores.reward[i];
        s.kl = r.klPerAnswer[static_cast<int64_t>(i)].item<double>();
        if (!r.scores.gold.empty())
            s.gold = r.scores.gold[i];
        s.ended = ended[static_cast<int64_t>(i)].item<bool>();
        out.push_back(std::move(s));
    }
    return out;
}

RlSetup::EvalResult RlSetup::evaluate(Gpt& model, const std::vector<RlPrompt>& split, std::vector<int64_t> indices,
                                      int64_t chunk, uint64_t seed)
{
    if (indices.empty()) {
        indices.resize(split.size());
        std::iota(indices.begin(), indices.end(), int64_t{0});
    }
    std::vector<std::string> prompts, answers;
    std::vector<double> rewards, gold;
    for (size_t start = 0; start < indices.size(); start += static_cast<size_t>(chunk)) {
        const size_t end = std::min(indices.size(), start + static_cast<size_t>(chunk));
        std::vector<std::vector<TokenId>> ids;
        std::vector<std::string> texts;
        for (size_t k = start; k < end; ++k) {
            ids.push_back(split[static_cast<size_t>(indices[k])].ids);
            texts.push_back(split[static_cast<size_t>(indices[k])].text);
        }
        RolloutOptions options = m_options;
        options.seed = seed + start; // row i of the whole set samples with seed + i
        const Rollout r = generateRollout(model, ids, options);
        std::vector<std::string> chunkAnswers;
        for (int64_t b = 0; b < r.rows(); ++b) {
            std::string text = m_tokenizer->decode(r.response(b));
            cutAtAnswerEnd(text, m_options.stopString);
            chunkAnswers.push_back(std::move(text));
        }
        const RewardScores s = m_reward.score(texts, chunkAnswers);
        rewards.insert(rewards.end(), s.reward.begin(), s.reward.end());
        gold.insert(gold.end(), s.gold.begin(), s.gold.end());
    }
    EvalResult out;
    if (!rewards.empty())
        out.reward = std::accumulate(rewards.begin(), rewards.end(), 0.0) / double(rewards.size());
    if (!gold.empty())
        out.gold = std::accumulate(gold.begin(), gold.end(), 0.0) / double(gold.size());
    return out;
}

void MetricAverager::add(const std::vector<NamedMetric>& values)
{
    for (const NamedMetric& v : values) {
        auto it = std::find_if(m_sums.begin(), m_sums.end(), [&](const NamedMetric& s) { return s.name == v.name; });
        if (it == m_sums.end()) {
            m_sums.push_back(v);
            m_counts.push_back(1);
        } else {
            it->value += v.value;
            ++m_counts[static_cast<size_t>(it - m_sums.begin())];
        }
    }
}

std::vector<NamedMetric> MetricAverager::take()
{
    std::vector<NamedMetric> out = std::move(m_sums);
    for (size_t i = 0; i < out.size(); ++i)
        out[i].value /= double(m_counts[i]);
    m_sums.clear();
    m_counts.clear();
    return out;
}

} // namespace tb::core::rl
