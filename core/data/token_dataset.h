// SPDX-License-Identifier: MIT
// A tokenized corpus split into train and validation token streams, with random batch sampling (nanoGPT's
// get_batch) and an on-disk cache of token ids. Build it on any thread; sampling mutates only the SplitMix64 passed
// in, so one dataset may serve several threads that each own their generator.
#pragma once

#include "core/common/rng.h"
#include "core/data/corpus.h"
#include "core/data/token_cache.h"
#include "core/tokenizer/tokenizer.h"

#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <utility>

namespace tb::core {

enum class Split { Train, Val };

class TokenDataset {
public:
    /// Tokenizes `corpus` with `tokenizer`, or reuses the cache file in `cacheDir` when one exists for the same
    /// corpus hash and tokenizer fingerprint. The first (1 - valFraction) of the token stream is train, the rest
    /// val. Cache files hold ids as uint16 when the vocabulary has at most 65536 ids, else int32. An empty cacheDir
    /// disables caching. Throws InputError if a split would be empty.
    static TokenDataset build(const Corpus& corpus, const Tokenizer& tokenizer, double valFraction,
                              const std::filesystem::path& cacheDir);

    /// From ids already in memory (tests, fine-tuning data).
    static TokenDataset fromTokens(std::vector<TokenId> ids, double valFraction);

    /// From an intact cache file for `key` (e.g. written by tokenizeFileToCache for a corpus too big to load), or
    /// nothing when it is missing or damaged. Reads the file in chunks: memory is the int32 token array only.
    /// `reused` is what loadedFromCache() will say (false when the caller has just written the file).
    static std::optional<TokenDataset> openCache(const std::filesystem::path& file, const TokenCacheKey& key,
                                                 double valFraction, bool reused = true);

    /// Token ids of one split as a 1-D int32 tensor (CPU; 4 bytes a token, so big corpora fit). Convert windows,
    /// not whole splits, to int64 where a model needs them; batch() and batchAt() already return int64.
    const torch::Tensor& tokens(Split split) const { return split == Split::Train ? m_train : m_val; }
    int64_t size(Split split) const { return tokens(split).size(0); }

    /// A random batch: x and y of shape [batchSize, blockSize], int64, y shifted by one token.
    /// Requires size(split) > blockSize.
    std::pair<torch::Tensor, torch::Tensor> batch(Split split, int64_t batchSize, int64_t blockSize,
                                                  SplitMix64& rng) const;

    /// Batch at explicit start offsets (for fixed eval batches).
    std::pair<torch::Tensor, torch::Tensor> batchAt(Split split, const std::vector<int64_t>& starts,
                                                    int64_t blockSize) const;

    bool loadedFromCache() const { return m_fromCache; }
    const std::filesystem::path& cacheFile() const { return m_cacheFile; }

private:
    static TokenDataset fromTensor(const torch::Tensor& all, double valFraction);

    torch::Tensor m_train;
    torch::Tensor m_val;
    bool m_fromCache = false;
    std::filesystem::path m_cacheFile;
};

/// $XDG_CACHE_HOME/tunebench/tokens, or ~/.cache/tunebench/tokens.
std::filesystem::path defaultTokenCacheDir();

} // namespace tb::core
