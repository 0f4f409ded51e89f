// SPDX-License-Identifier: MIT
// One LoRA update (Hu et al. 2021) of a Linear layer y = x Wᵀ + b: a pair A [rank, in] and B [rows, rank] whose
// product, scaled by alpha / rank, is added to the output rows [rowStart, rowStart + rows) (all rows, or one of the
// q/k/v thirds of nanoGPT's fused c_attn). A starts kaiming-uniform as in PEFT, B starts at zero, so a new adapter
// changes nothing. The adapter is registered as a child of its Linear ("lora_q", "lora_attn_out", ...), so its
// parameters are named "<linear>.lora_<target>.A" / ".B". Dropout applies to the adapter's input only. Used by the
// thread that uses its model.
#pragma once

#include "core/model/gpt.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <string>

namespace tb::core {

class LoraImpl : public torch::nn::Module {
public:
    LoraImpl(int64_t in, int64_t rows, int64_t rowStart, int64_t rank, double scale, double dropout,
             const torch::TensorOptions& options);

    /// scale · dropout(x) Aᵀ Bᵀ: [..., rows]. Dropout only when `dropout` is true.
    torch::Tensor delta(const torch::Tensor& x, bool dropout) const;
    /// scale · B A: [rows, in], the change this adapter makes to its rows of the weight.
    torch::Tensor weightDelta() const;

    /// Adds weightDelta() to the Linear's rows (merge) or subtracts it (unmerge); no-op if already in that state.
    void merge(const torch::nn::Linear& linear);
    void unmerge(const torch::nn::Linear& linear);
    bool merged() const { return m_merged; }

    int64_t rowStart() const { return m_rowStart; }
    int64_t rows() const { return m_rows; }
    int64_t rank() const { return m_rank; }
    double scale() const { return m_scale; }

    torch::Tensor A; // [rank, in]
    torch::Tensor B; // [rows, rank]

private:
    int64_t m_rowStart;
    int64_t m_rows;
    int64_t m_rank;
    double m_scale;
    double m_dropout;
    bool m_merged = false;
};

/// linear(x) plus the update of every unmerged adapter in `adapters`; dropout on the adapters' input when `dropout`.
torch::Tensor loraLinear(const torch::nn::Linear& linear, const LoraAdapters& adapters, const torch::Tensor& x,
                         bool dropout);

} // namespace tb::core
