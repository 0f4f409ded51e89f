// SPDX-License-Identifier: MIT
// The on-disk token cache: one file of token ids per (corpus hash, tokenizer fingerprint), so a corpus is
// tokenized once. Layout (little-endian), 64 bytes of header then the ids:
//   0  char[8]   magic "TBTOKENS"
//   8  uint32    format version
//  12  uint32    element size: 2 (uint16 ids) when the vocabulary has at most 65536 ids, else 4 (int32 ids)
//  16  uint64    number of ids
//  24  char[16]  corpus hash (hex)
//  40  char[16]  tokenizer fingerprint (hex)
//  56  uint64    FNV-1a of the id bytes, so a damaged file is rebuilt rather than trusted
// Files are written under a temporary name and renamed when complete. Pure functions; any thread.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tb::core {

struct TokenCacheKey {
    std::string corpusHash;
    std::string fingerprint;
    int64_t vocabSize = 0;
};

/// `dir/<corpus hash>-<fingerprint>.tokens`.
std::filesystem::path tokenCacheFile(const std::filesystem::path& dir, const TokenCacheKey& key);

/// Bytes per id in the cache for this vocabulary: 2 or 4.
uint32_t tokenCacheElementSize(int64_t vocabSize);

/// Writes `ids` as a cache file; returns false (and leaves no file) when it cannot, since a cache is only an
/// optimisation.
bool writeTokenCache(const std::filesystem::path& file, const std::vector<TokenId>& ids, const TokenCacheKey& key);

/// Streams ids into a cache file: `produce(append)` calls append(ids) as often as it likes. When `produce` returns
/// false (cancelled) or throws, no file is left. Throws Error on I/O failure. Returns the number of ids written.
int64_t writeTokenCacheStreaming(const std::filesystem::path& file, const TokenCacheKey& key,
                                 const std::function<bool(const std::function<void(const std::vector<TokenId>&)>&)>& produce);

/// Number of ids in an intact cache file for `key`, or nothing when the file is missing, for other inputs,
/// truncated or damaged (the payload hash is checked, reading the file once in chunks).
std::optional<int64_t> checkTokenCache(const std::filesystem::path& file, const TokenCacheKey& key);

/// Reads an intact cache file's ids into `out[0, count)` (int32), chunk by chunk. Returns false when the file is
/// missing, for other inputs, truncated, damaged, or holds an id outside the vocabulary; `out` is then undefined.
/// `allocate(count)` is called once with the number of ids and must return a buffer of at least that many.
bool readTokenCache(const std::filesystem::path& file, const TokenCacheKey& key,
                    const std::function<int32_t*(int64_t count)>& allocate);

} // namespace tb::core
