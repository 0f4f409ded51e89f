// SPDX-License-Identifier: MIT
#include "core/eval/diversity.h"

#include "core/common/error.h"

#include <set>
#include <string>

namespace tb::core {

double distinctN(const std::vector<std::vector<TokenId>>& samples, int n)
{
    if (n < 1)
        throw Error("distinct-n needs n >= 1, got " + std::to_string(n));
    std::set<std::vector<TokenId>> distinct;
    size_t total = 0;
    for (const auto& sample : samples) {
        for (size_t i = 0; i + size_t(n) <= sample.size(); ++i) {
            distinct.emplace(sample.begin() + long(i), sample.begin() + long(i) + n);
            ++total;
        }
    }
    return total == 0 ? 0.0 : double(distinct.size()) / double(total);
}

} // namespace tb::core
