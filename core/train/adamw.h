// SPDX-License-Identifier: MIT
// AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias correction), with two parameter groups:
// 2-D and larger tensors decay, vectors (biases, LayerNorm) do not — nanoGPT's configure_optimizers. Its whole
// state is named tensors, so checkpoints store it exactly. Used by one thread at a time.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace tb::core {

struct AdamWOptions {
    double beta1 = 0.9;
    double beta2 = 0.99;
    double eps = 1e-8;
    double weightDecay = 0.1;
};

class AdamW {
public:
    /// `params` are (name, tensor) pairs; only tensors with requires_grad are optimised.
    AdamW(std::vector<std::pair<std::string, torch::Tensor>> params, AdamWOptions options);

    /// One update with learning rate `lr`. Parameters without a gradient are skipped.
    void step(double lr);
    void zeroGrad();

    int64_t stepCount() const { return m_step; }
    int64_t decayedParameterCount() const;

    /// "<name>.exp_avg", "<name>.exp_avg_sq" and "step" (int64 scalar).
    std::map<std::string, torch::Tensor> stateDict() const;
    /// Throws Error if a tensor is missing or has the wrong shape.
    void loadStateDict(const std::map<std::string, torch::Tensor>& state);

private:
    struct Slot {
        std::string name;
        torch::Tensor param;
        torch::Tensor expAvg;
        torch::Tensor expAvgSq;
        bool decay;
    };
    std::vector<Slot> m_slots;
    AdamWOptions m_options;
    int64_t m_step = 0;
};

} // namespace tb::core
