// SPDX-License-Identifier: MIT
// A tiny deterministic random generator (SplitMix64) whose whole state is one integer, so that checkpoints can
// store and restore it exactly. Used for batch sampling; dropout uses torch's generator. Not thread-safe: one
// instance per thread.
#pragma once

#include <cstdint>

namespace tb::core {

class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed = 0) : m_state(seed) {}

    uint64_t next()
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the tiny bias is irrelevant here).
    uint64_t below(uint64_t n)
    {
        __extension__ typedef unsigned __int128 Uint128; // __extension__: keeps -Wpedantic quiet about the GCC type
        return static_cast<uint64_t>((static_cast<Uint128>(next()) * n) >> 64);
    }
    /// Uniform double in [0, 1).
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }

    uint64_t state() const { return m_state; }
    void setState(uint64_t s) { m_state = s; }

private:
    uint64_t m_state;
};

} // namespace tb::core
