// SPDX-License-Identifier: MIT
#include "core/common/runtime.h"

#include <ATen/Parallel.h>

#include <malloc.h>
#include <thread>

namespace tb::core {

void configureAllocator()
{
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, -1);
}

int configureThreads(long long requested)
{
    int n = static_cast<int>(requested);
    if (n <= 0)
        n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (at::get_num_threads() != n)
        at::set_num_threads(n);
    return at::get_num_threads();
}

} // namespace tb::core
