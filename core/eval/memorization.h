// SPDX-License-Identifier: MIT
// Verbatim memorization: spans of generated tokens that occur word for word in the training tokens. The index is a
// sorted table of hashed n-grams with bounded memory: when the training text has more positions than maxEntries,
// only every s-th position is indexed (s = stride()) with keys of n - s + 1 tokens, which still finds every match
// of n or more tokens (any such match contains an indexed key). Hash hits are verified token by token and extended
// to the longest match. Build once (any thread); find() is const and may run on several threads.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <vector>

namespace tb::core {

/// `length` generated tokens from `start` equal the training tokens from `trainOffset`.
struct MemorizedSpan {
    int64_t start = 0;
    int64_t length = 0;
    int64_t trainOffset = 0;
    bool operator==(const MemorizedSpan&) const = default;
};

class MemorizationIndex {
public:
    /// minLength: the shortest span reported (n >= 1). maxEntries bounds the table (16 bytes per entry; the tokens
    /// are kept too, 4 bytes each). Throws Error for minLength < 1 or maxEntries < 1.
    MemorizationIndex(std::vector<TokenId> training, int64_t minLength, int64_t maxEntries = int64_t(1) << 24);

    /// The maximal matches of >= minLength tokens, sorted by start; a match inside a longer one is left out. When a
    /// span occurs several times in the training tokens, one occurrence is reported (the first found, checking at
    /// most a few dozen occurrences per key so repetitive data stays fast).
    std::vector<MemorizedSpan> find(const std::vector<TokenId>& generated) const;

    int64_t minLength() const { return m_minLength; }
    int64_t stride() const { return m_stride; }
    size_t entries() const { return m_entries.size(); }

private:
    struct Entry {
        uint64_t hash;
        int64_t offset;
    };
    std::vector<TokenId> m_tokens;
    std::vector<Entry> m_entries; // sorted by hash, then offset
    int64_t m_minLength;
    int64_t m_stride = 1;
    int64_t m_keyLength = 1;
};

} // namespace tb::core
