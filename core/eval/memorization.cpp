// SPDX-License-Identifier: MIT
#include "core/eval/memorization.h"

#include "core/common/error.h"

#include <algorithm>
#include <map>
#include <string>

namespace tb::core {

namespace {

constexpr uint64_t kHashBase = 0x100000001b3ULL; // FNV prime: odd, so the polynomial hash is a bijection per step
constexpr size_t kMaxCandidates = 64;

uint64_t hashOf(const TokenId* tokens, int64_t length)
{
    uint64_t h = 0;
    for (int64_t i = 0; i < length; ++i)
        h = h * kHashBase + uint64_t(uint32_t(tokens[i])) + 1;
    return h;
}

} // namespace

MemorizationIndex::MemorizationIndex(std::vector<TokenId> training, int64_t minLength, int64_t maxEntries)
    : m_tokens(std::move(training)), m_minLength(minLength)
{
    if (minLength < 1)
        throw Error("memorization spans need a minimum length of at least 1 token, got " + std::to_string(minLength));
    if (maxEntries < 1)
        throw Error("the memorization index needs room for at least one entry");
    const int64_t n = int64_t(m_tokens.size());
    // Stride s with keys of minLength - s + 1 tokens: a match of minLength tokens always covers one indexed key.
    const int64_t positions = std::max<int64_t>(0, n - minLength + 1);
    m_stride = std::clamp<int64_t>((positions + maxEntries - 1) / maxEntries, 1, minLength);
    m_keyLength = minLength - m_stride + 1;
    if (n < m_keyLength)
        return;

    // Rolling polynomial hash over every position; keep every stride-th.
    uint64_t top = 1; // kHashBase^(keyLength-1)
    for (int64_t i = 1; i < m_keyLength; ++i)
        top *= kHashBase;
    m_entries.reserve(size_t((n - m_keyLength) / m_stride + 1));
    uint64_t h = hashOf(m_tokens.data(), m_keyLength);
    for (int64_t o = 0;; ++o) {
        if (o % m_stride == 0)
            m_entries.push_back({h, o});
        if (o + m_keyLength >= n)
            break;
        h = (h - (uint64_t(uint32_t(m_tokens[size_t(o)])) + 1) * top) * kHashBase +
            uint64_t(uint32_t(m_tokens[size_t(o + m_keyLength)])) + 1;
    }
    std::sort(m_entries.begin(), m_entries.end(), [](const Entry& a, const Entry& b) {
        return a.hash != b.hash ? a.hash < b.hash : a.offset < b.offset;
    });
}

std::vector<MemorizedSpan> MemorizationIndex::find(const std::vector<TokenId>& generated) const
{
    const int64_t g = int64_t(generated.size());
    const int64_t n = int64_t(m_tokens.size());
    // (start, length) -> training offset: one occurrence per maximal span.
    std::map<std::pair<int64_t, int64_t>, int64_t> found;
    for (int64_t j = 0; j + m_keyLength <= g; ++j) {
        const uint64_t h = hashOf(generated.data() + j, m_keyLength);
        auto it = std::lower_bound(m_entries.begin(), m_entries.end(), h,
                                   [](const Entry& e, uint64_t key) { return e.hash < key; });
        for (size_t checked = 0; it != m_entries.end() && it->hash == h && checked < kMaxCandidates; ++it, ++checked) {
            const int64_t o = it->offset;
            if (!std::equal(generated.begin() + j, generated.begin() + j + m_keyLength, m_tokens.begin() + o))
                continue; // a hash collision
            int64_t left = 0;
            while (j - left > 0 && o - left > 0 && generated[size_t(j - left - 1)] == m_tokens[size_t(o - left - 1)])
                ++left;
            int64_t right = m_keyLength;
            while (j + right < g && o + right < n && generated[size_t(j + right)] == m_tokens[size_t(o + right)])
                ++right;
            const int64_t length = left + right;
            if (length < m_minLength)
                continue;
            const auto key = std::make_pair(j - left, length);
            const auto at = found.find(key);
            if (at == found.end() || o - left < at->second)
                found[key] = o - left;
        }
    }
    std::vector<MemorizedSpan> spans;
    for (const auto& [key, offset] : found)
        spans.push_back({key.first, key.second, offset});
    // Drop spans that lie inside a longer one (in generated positions).
    std::vector<MemorizedSpan> out;
    for (const auto& s : spans) {
        const bool inside = std::any_of(spans.begin(), spans.end(), [&s](const MemorizedSpan& other) {
            return other.length > s.length && other.start <= s.start && s.start + s.length <= other.start + other.length;
        });
        if (!inside)
            out.push_back(s);
    }
    return out; // std::map iterates by start, then length
}

} // namespace tb::core
