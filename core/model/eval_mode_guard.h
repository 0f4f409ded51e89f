// SPDX-License-Identifier: MIT
// Puts a module (and its children) in eval mode for a scope and restores its previous train/eval mode afterwards,
// also when an exception leaves the scope. Used by generation and evaluation. Same thread as the module.
#pragma once

#include <torch/nn/module.h>

namespace tb::core {

class EvalModeGuard {
public:
    explicit EvalModeGuard(torch::nn::Module& module) : m_module(module), m_wasTraining(module.is_training())
    {
        m_module.eval();
    }
    ~EvalModeGuard() { m_module.train(m_wasTraining); }

    EvalModeGuard(const EvalModeGuard&) = delete;
    EvalModeGuard& operator=(const EvalModeGuard&) = delete;

private:
    torch::nn::Module& m_module;
    bool m_wasTraining;
};

} // namespace tb::core
