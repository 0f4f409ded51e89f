// SPDX-License-Identifier: MIT
// RAII scopes for bf16 autocast on the CPU (its state is thread-local): AutocastScope turns it on for training
// steps, FullPrecisionScope turns it off for evaluation and sampling. Both restore the previous state, also when an
// exception leaves the scope. Calling thread only; include from .cpp files (ATen is in this header).
#pragma once

#include <ATen/autocast_mode.h>

namespace tb::core {

/// Turns bf16 autocast on for this thread while alive (nothing when `enable` is false).
class AutocastScope {
public:
    explicit AutocastScope(bool enable) : m_enable(enable)
    {
        if (!m_enable)
            return;
        m_wasEnabled = at::autocast::is_cpu_enabled();
        m_previousType = at::autocast::get_autocast_cpu_dtype();
        at::autocast::set_cpu_enabled(true);
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    }
    ~AutocastScope()
    {
        if (!m_enable)
            return;
        at::autocast::clear_cache();
        at::autocast::set_cpu_enabled(m_wasEnabled);
        at::autocast::set_autocast_cpu_dtype(m_previousType);
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_enable;
    bool m_wasEnabled = false;
    at::ScalarType m_previousType = at::kBFloat16;
};

/// Turns autocast off for this thread while alive (evaluation runs in fp32 so losses compare across precisions).
class FullPrecisionScope {
public:
    FullPrecisionScope() : m_wasEnabled(at::autocast::is_cpu_enabled()) { at::autocast::set_cpu_enabled(false); }
    ~FullPrecisionScope() { at::autocast::set_cpu_enabled(m_wasEnabled); }
    FullPrecisionScope(const FullPrecisionScope&) = delete;
    FullPrecisionScope& operator=(const FullPrecisionScope&) = delete;

private:
    bool m_wasEnabled;
};

} // namespace tb::core
