// SPDX-License-Identifier: MIT
// A small, stable 64-bit content hash (FNV-1a) for corpus and tokenizer fingerprints. Not cryptographic: it only
// decides whether a token cache may be reused. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tb::core {

class Fnv1a64 {
public:
    void update(const void* data, size_t size);
    void update(std::string_view text) { update(text.data(), text.size()); }
    uint64_t digest() const { return m_state; }
    std::string hex() const;

private:
    uint64_t m_state = 0xcbf29ce484222325ULL;
};

std::string hashHex(std::string_view text);

} // namespace tb::core
