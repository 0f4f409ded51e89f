// SPDX-License-Identifier: MIT
// Parameter-efficient fine-tuning on GptImpl: LoRA adapters (lora.h) on the attention and MLP projections, and
// prompt tuning's virtual-token embeddings. Both freeze the base weights; trainableParameters() then returns only
// what they added.
#include "core/common/error.h"
#include "core/model/gpt.h"
#include "core/model/lora.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace tb::core {

namespace {

bool isAdapterParameter(const std::string& name)
{
    return name.find(".lora_") != std::string::npos || name.rfind("prompt_encoder.", 0) == 0 ||
           name.rfind("score_head.", 0) == 0;
}

std::string loraProblem(const LoraConfig& c)
{
    if (c.r < 1)
        return "lora.r must be at least 1 (it is " + std::to_string(c.r) + ")";
    if (!(c.alpha > 0.0) || !std::isfinite(c.alpha))
        return "lora.alpha must be a positive number";
    if (!(c.dropout >= 0.0 && c.dropout < 1.0))
        return "lora.dropout must be in [0, 1)";
    if (c.targets.empty())
        return "lora.targets is empty: name at least one of q, k, v, attn_out, mlp_in, mlp_out";
    for (const auto& t : c.targets)
        if (std::find(loraTargetNames().begin(), loraTargetNames().end(), t) == loraTargetNames().end())
            return "lora.targets has '" + t + "' (expected q, k, v, attn_out, mlp_in or mlp_out)";
    return {};
}

} // namespace

void GptImpl::freezeBase()
{
    for (auto& item : named_parameters())
        if (!isAdapterParameter(item.key()))
            item.value().requires_grad_(false);
}

void GptImpl::enableLora(const LoraConfig& config)
{
    if (loraEnabled())
        throw Error("LoRA is already enabled on this model");
    if (const std::string problem = loraProblem(config); !problem.empty())
        throw Error("invalid LoRA configuration: " + problem);
    freezeBase();
    m_loraConfig = config;
    const auto wants = [&config](const char* target) {
        return std::find(config.targets.begin(), config.targets.end(), target) != config.targets.end();
    };
    const double scale = config.alpha / double(config.r);
    const int64_t c = m_config.nEmbd;
    const auto add = [&](torch::nn::Linear linear, LoraAdapters& list, const std::string& target,
                         int64_t rows, int64_t rowStart) {
        const int64_t in = linear->weight.size(1);
        auto adapter = std::make_shared<LoraImpl>(in, rows, rowStart, config.r, scale, config.dropout,
                                                  linear->weight.options().requires_grad(false));
        linear->register_module("lora_" + target, adapter);
        list.push_back(adapter);
        m_lora.push_back(adapter);
    };
    // Always in the order of loraTargetNames(), whatever the order of config.targets, so the random init is stable.
    for (auto& block : m_blocks) {
        auto& attn = *block->attn;
        auto& mlp = *block->mlp;
        if (wants("q"))
            add(attn.cAttn, attn.cAttnLora, "q", c, 0);
        if (wants("k"))
            add(attn.cAttn, attn.cAttnLora, "k", c, c);
        if (wants("v"))
            add(attn.cAttn, attn.cAttnLora, "v", c, 2 * c);
        if (wants("attn_out"))
            add(attn.cProj, attn.cProjLora, "attn_out", c, 0);
        if (wants("mlp_in"))
            add(mlp.cFc, mlp.cFcLora, "mlp_in", 4 * c, 0);
        if (wants("mlp_out"))
            add(mlp.cProj, mlp.cProjLora, "mlp_out", c, 0);
    }
}

void GptImpl::mergeLora()
{
    for (auto& block : m_blocks) {
        for (const auto& a : block->attn->cAttnLora)
            a->merge(block->attn->cAttn);
        for (const auto& a : block->attn->cProjLora)
            a->merge(block->attn->cProj);
        for (const auto& a : block->mlp->cFcLora)
            a->merge(block->mlp->cFc);
        for (const auto& a : block->mlp->cProjLora)
            a->merge(block->mlp->cProj);
    }
}

void GptImpl::unmergeLora()
{
    for (auto& block : m_blocks) {
        for (const auto& a : block->attn->cAttnLora)
            a->unmerge(block->attn->cAttn);
        for (const auto& a : block->attn->cProjLora)
            a->unmerge(block->attn->cProj);
        for (const auto& a : block->mlp->cFcLora)
            a->unmerge(block->mlp->cFc);
        for (const auto& a : block->mlp->cProjLora)
            a->unmerge(block->mlp->cProj);
    }
}

bool GptImpl::loraMerged() const
{
    return loraEnabled() && std::all_of(m_lora.begin(), m_lora.end(), [](const auto& a) { return a->merged(); });
}

void GptImpl::enablePromptTuning(int64_t count)
{
    if (m_promptEncoder)
        throw Error("prompt tuning is already enabled on this model");
    if (count < 1 || count >= m_config.blockSize)
        throw Error("prompt tuning needs between 1 and block_size - 1 = " + std::to_string(m_config.blockSize - 1) +
                    " virtual tokens, got " + std::to_string(count));
    freezeBase();
    const auto& wte = m_transformer->wte->weight;
    m_promptEncoder = register_module("prompt_encoder", torch::nn::Embedding(count, m_config.nEmbd));
    m_promptEncoder->to(wte.device(), wte.scalar_type());
    torch::NoGradGuard noGrad;
    // Initialised from random rows of the token embedding (PEFT's vocabulary-sample init), so the virtual tokens
    // start as plausible inputs instead of noise of a different scale.
    const auto rows = torch::randint(m_config.vocabSize, {count}, torch::TensorOptions().dtype(torch::kLong));
    m_promptEncoder->weight.copy_(wte.index_select(0, rows.to(wte.device())));
}

void GptImpl::enableScoreHead()
{
    if (hasScoreHead())
        throw Error("the score head is already enabled on this model");
    const auto& wte = m_transformer->wte->weight;
    m_scoreHead = register_module("score_head",
                                  torch::nn::Linear(torch::nn::LinearOptions(m_config.nEmbd, 1).bias(false)));
    m_scoreHead->to(wte.device(), wte.scalar_type());
    torch::NoGradGuard noGrad;
    m_scoreHead->weight.normal_(0.0, 0.02);
}

torch::Tensor GptImpl::score(const torch::Tensor& idx, const torch::Tensor& last)
{
    if (!hasScoreHead())
        throw Error("this model has no score head (it is not a reward model)");
    const torch::Tensor hidden = hiddenStates(idx);                               // [B, T, C]
    const auto index = last.to(torch::kLong).view({-1, 1, 1}).expand({-1, 1, hidden.size(2)});
    const torch::Tensor at = hidden.gather(1, index).squeeze(1);                   // [B, C]
    return m_scoreHead(at).squeeze(-1).to(torch::kFloat);
}

int64_t GptImpl::numVirtualTokens() const { return m_promptEncoder ? m_promptEncoder->weight.size(0) : 0; }

torch::Tensor GptImpl::promptEmbeddings() const
{
    return m_promptEncoder ? m_promptEncoder->weight : torch::Tensor();
}

std::vector<std::pair<std::string, torch::Tensor>> GptImpl::trainableParameters()
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : named_parameters())
        if (item.value().requires_grad())
            out.emplace_back(item.key(), item.value());
    return out;
}

int64_t GptImpl::maxInputLength() const { return m_config.blockSize - numVirtualTokens(); }

} // namespace tb::core
