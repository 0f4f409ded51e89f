// SPDX-License-Identifier: MIT
#include "core/model/lora.h"

#include <torch/torch.h>

#include <cmath>

namespace tb::core {

LoraImpl::LoraImpl(int64_t in, int64_t rows, int64_t rowStart, int64_t rank, double scale, double dropout,
                   const torch::TensorOptions& options)
    : m_rowStart(rowStart), m_rows(rows), m_rank(rank), m_scale(scale), m_dropout(dropout)
{
    A = register_parameter("A", torch::empty({rank, in}, options));
    B = register_parameter("B", torch::zeros({rows, rank}, options));
    torch::NoGradGuard noGrad;
    // PEFT's init: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)).
    torch::nn::init::kaiming_uniform_(A, std::sqrt(5.0));
}

torch::Tensor LoraImpl::delta(const torch::Tensor& x, bool dropout) const
{
    const auto input = (dropout && m_dropout > 0.0) ? torch::dropout(x, m_dropout, true) : x;
    return torch::nn::functional::linear(torch::nn::functional::linear(input, A), B) * m_scale;
}

torch::Tensor LoraImpl::weightDelta() const { return torch::matmul(B, A) * m_scale; }

void LoraImpl::merge(const torch::nn::Linear& linear)
{
    if (m_merged)
        return;
    torch::NoGradGuard noGrad;
    linear->weight.slice(0, m_rowStart, m_rowStart + m_rows).add_(weightDelta());
    m_merged = true;
}

void LoraImpl::unmerge(const torch::nn::Linear& linear)
{
    if (!m_merged)
        return;
    torch::NoGradGuard noGrad;
    linear->weight.slice(0, m_rowStart, m_rowStart + m_rows).sub_(weightDelta());
    m_merged = false;
}

torch::Tensor loraLinear(const torch::nn::Linear& linear, const LoraAdapters& adapters, const torch::Tensor& x,
                         bool dropout)
{
    auto y = torch::nn::functional::linear(x, linear->weight, linear->bias);
    std::vector<torch::Tensor> deltas;
    std::vector<const LoraImpl*> active;
    int64_t covered = 0;
    bool tiles = true; // the active adapters cover the rows in order without gaps (q, k and v of c_attn; any one)
    for (const auto& adapter : adapters) {
        if (adapter->merged())
            continue;
        tiles = tiles && adapter->rowStart() == covered;
        covered += adapter->rows();
        deltas.push_back(adapter->delta(x, dropout));
        active.push_back(adapter.get());
    }
    if (deltas.empty())
        return y;
    const int64_t out = y.size(-1);
    if (tiles && covered == out)
        return y + (deltas.size() == 1 ? deltas.front() : torch::cat(deltas, -1));
    for (size_t i = 0; i < deltas.size(); ++i) { // some rows without an adapter: zeros there
        const int64_t r0 = active[i]->rowStart();
        y = y + torch::constant_pad_nd(deltas[i], {r0, out - r0 - active[i]->rows()});
    }
    return y;
}

} // namespace tb::core
