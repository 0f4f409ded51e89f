// SPDX-License-Identifier: MIT
#include "core/common/hash.h"

#include <cstdio>

namespace tb::core {

void Fnv1a64::update(const void* data, size_t size)
{
    const auto* bytes = static_cast<const unsigned char*>(data);
    uint64_t h = m_state;
    for (size_t i = 0; i < size; ++i) {
        h ^= bytes[i];
        h *= 0x100000001b3ULL;
    }
    m_state = h;
}

std::string Fnv1a64::hex() const
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(m_state));
    return buf;
}

std::string hashHex(std::string_view text)
{
    Fnv1a64 h;
    h.update(text);
    return h.hex();
}

} // namespace tb::core
