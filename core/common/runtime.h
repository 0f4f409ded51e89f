// SPDX-License-Identifier: MIT
// Process-wide runtime settings that every entry point (CLI, GUI, benchmarks) applies the same way.
#pragma once

namespace tb::core {

/// Keeps large freed blocks in the heap instead of returning them to the OS. Without this glibc unmaps the big
/// attention tensors after every step and faults them back in on the next (35% of CPU time in the kernel on the
/// baby config). Call once at startup, before any large allocation. Any thread.
void configureAllocator();

/// Sets torch's intra-op thread count; 0 means every core. Returns the count in effect. Process-wide.
int configureThreads(long long requested);

} // namespace tb::core
