// SPDX-License-Identifier: MIT
#include "core/common/torch_rng.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

namespace tb::core {

torch::Tensor cpuRngState()
{
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void setCpuRngState(const torch::Tensor& state)
{
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

} // namespace tb::core
