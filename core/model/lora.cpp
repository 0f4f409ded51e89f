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
    for (const auto& adapter : adapters) {
        if (adapter->merged())
            continue;
        auto d = adapter->delta(x, dropout);
        const int64_t out = y.size(-1);
        if (adapter->rows() != out) // a q/k/v slice of c_attn: zeros for the other rows
            d = torch::constant_pad_nd(d, {adapter->rowStart(), out - adapter->rowStart() - adapter->rows()});
        y = y + d;
    }
    return y;
}

} // namespace tb::core
