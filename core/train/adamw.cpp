// SPDX-License-Identifier: MIT
#include "core/train/adamw.h"

#include "core/common/error.h"

#include <torch/torch.h>

#include <cmath>

namespace tb::core {

AdamW::AdamW(std::vector<std::pair<std::string, torch::Tensor>> params, AdamWOptions options) : m_options(options)
{
    for (auto& [name, p] : params) {
        if (!p.requires_grad())
            continue;
        m_slots.push_back({name, p, torch::zeros_like(p, torch::MemoryFormat::Contiguous),
                           torch::zeros_like(p, torch::MemoryFormat::Contiguous), p.dim() >= 2});
    }
}

int64_t AdamW::decayedParameterCount() const
{
    int64_t n = 0;
    for (const auto& s : m_slots)
        if (s.decay)
            n += s.param.numel();
    return n;
}

void AdamW::zeroGrad()
{
    for (auto& s : m_slots) {
        auto& g = s.param.mutable_grad();
        if (g.defined())
            g.zero_();
    }
}

void AdamW::step(double lr)
{
    torch::NoGradGuard noGrad;
    ++m_step;
    const double b1 = m_options.beta1;
    const double b2 = m_options.beta2;
    const double bc1 = 1.0 - std::pow(b1, double(m_step));
    const double bc2Sqrt = std::sqrt(1.0 - std::pow(b2, double(m_step)));
    const double stepSize = lr / bc1;
    for (auto& s : m_slots) {
        const torch::Tensor& g = s.param.grad();
        if (!g.defined())
            continue;
        if (s.decay && m_options.weightDecay != 0.0)
            s.param.mul_(1.0 - lr * m_options.weightDecay);
        s.expAvg.lerp_(g, 1.0 - b1);
        s.expAvgSq.mul_(b2).addcmul_(g, g, 1.0 - b2);
        const torch::Tensor denom = (s.expAvgSq.sqrt() / bc2Sqrt).add_(m_options.eps);
        s.param.addcdiv_(s.expAvg, denom, -stepSize);
    }
}

std::map<std::string, torch::Tensor> AdamW::stateDict() const
{
    std::map<std::string, torch::Tensor> out;
    for (const auto& s : m_slots) {
        out[s.name + ".exp_avg"] = s.expAvg;
        out[s.name + ".exp_avg_sq"] = s.expAvgSq;
    }
    out["step"] = torch::tensor(m_step, torch::kInt64);
    return out;
}

void AdamW::loadStateDict(const std::map<std::string, torch::Tensor>& state)
{
    torch::NoGradGuard noGrad;
    auto fetch = [&](const std::string& key, const torch::Tensor& like) -> const torch::Tensor& {
        const auto it = state.find(key);
        if (it == state.end())
            throw Error("optimizer state has no tensor '" + key + "'");
        if (it->second.sizes() != like.sizes())
            throw Error("optimizer state tensor '" + key + "' has the wrong shape");
        return it->second;
    };
    for (auto& s : m_slots) {
        s.expAvg.copy_(fetch(s.name + ".exp_avg", s.expAvg));
        s.expAvgSq.copy_(fetch(s.name + ".exp_avg_sq", s.expAvgSq));
    }
    const auto it = state.find("step");
    if (it == state.end())
        throw Error("optimizer state has no 'step'");
    m_step = it->second.item<int64_t>();
}

} // namespace tb::core
