// SPDX-License-Identifier: MIT
#include "core/data/token_dataset.h"

#include "core/data/token_cache.h"
#include "core/common/error.h"
#include "core/common/hash.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

namespace tb::core {
namespace fs = std::filesystem;

namespace {

static_assert(sizeof(TokenId) == sizeof(int32_t), "token ids are stored as int32 tensors");

torch::Tensor toTensor(const std::vector<TokenId>& ids)
{
    auto t = torch::empty({static_cast<int64_t>(ids.size())}, torch::kInt32);
    std::memcpy(t.data_ptr<int32_t>(), ids.data(), ids.size() * sizeof(TokenId));
    return t;
}

std::string shortNumber(double value)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", value); // 1.5, not std::to_string's 1.500000
    return buf;
}

const char* splitName(Split split) { return split == Split::Train ? "train" : "val"; }

} // namespace

TokenDataset TokenDataset::fromTokens(std::vector<TokenId> ids, double valFraction)
{
    return fromTensor(toTensor(ids), valFraction);
}

TokenDataset TokenDataset::fromTensor(const torch::Tensor& all, double valFraction)
{
    if (!std::isfinite(valFraction) || valFraction < 0.0 || valFraction >= 1.0)
        throw InputError("", "data.val_fraction",
                         "must be at least 0 and less than 1 (it is " + shortNumber(valFraction) + ")");
    const int64_t n = all.numel();
    // nanoGPT: train = data[:int(n * 0.9)]
    const auto nTrain = static_cast<int64_t>(std::floor(static_cast<double>(n) * (1.0 - valFraction)));
    const int64_t nVal = n - nTrain;
    if (nTrain <= 0)
        throw InputError("", "data.val_fraction",
                         "leaves no training tokens (the corpus has " + std::to_string(n) + " tokens)");
    if (valFraction > 0.0 && nVal <= 0)
        throw InputError("", "data.val_fraction",
                         "leaves no validation tokens (the corpus has only " + std::to_string(n) +
                             " tokens); use a larger corpus or set data.val_fraction to 0");
    TokenDataset data;
    data.m_train = all.narrow(0, 0, nTrain);
    data.m_val = all.narrow(0, nTrain, nVal);
    return data;
}

TokenDataset TokenDataset::build(const Corpus& corpus, const Tokenizer& tokenizer, double valFraction,
                                 const fs::path& cacheDir)
{
    const TokenCacheKey key{corpus.hash.empty() ? hashHex(corpus.text) : corpus.hash, tokenizer.fingerprint(),
                            tokenizer.vocabSize()};
    fs::path file;
    if (!cacheDir.empty()) {
        file = tokenCacheFile(cacheDir, key);
        if (auto cached = openCache(file, key, valFraction))
            return std::move(*cached);
    }
    std::vector<TokenId> ids = tokenizer.encode(corpus.text);
    if (!file.empty() && !writeTokenCache(file, ids, key))
        file.clear();
    TokenDataset data = fromTokens(std::move(ids), valFraction);
    data.m_cacheFile = file;
    return data;
}

std::optional<TokenDataset> TokenDataset::openCache(const fs::path& file, const TokenCacheKey& key, double valFraction,
                                                   bool reused)
{
    torch::Tensor all;
    const bool ok = readTokenCache(file, key, [&](int64_t count) {
        all = torch::empty({count}, torch::kInt32);
        return all.data_ptr<int32_t>();
    });
    if (!ok)
        return std::nullopt;
    TokenDataset data = fromTensor(all, valFraction);
    data.m_fromCache = reused;
    data.m_cacheFile = file;
    return data;
}

std::pair<torch::Tensor, torch::Tensor> TokenDataset::batch(Split split, int64_t batchSize, int64_t blockSize,
                                                            SplitMix64& rng) const
{
    const int64_t n = size(split);
    if (batchSize < 1 || blockSize < 1)
        throw Error("batch size and block size must be at least 1 (got " + std::to_string(batchSize) + " and " +
                    std::to_string(blockSize) + ")");
    if (n <= blockSize)
        throw Error(std::string("the ") + splitName(split) + " split has " + std::to_string(n) +
                    " tokens, too few for a block size of " + std::to_string(blockSize) +
                    " (a batch row needs " + std::to_string(blockSize + 1) + ")");
    std::vector<int64_t> starts(static_cast<size_t>(batchSize));
    for (auto& s : starts) // row 0 first, so a generator state always gives the same batch
        s = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - blockSize)));
    return batchAt(split, starts, blockSize);
}

std::pair<torch::Tensor, torch::Tensor> TokenDataset::batchAt(Split split, const std::vector<int64_t>& starts,
                                                              int64_t blockSize) const
{
    const torch::Tensor& data = tokens(split);
    const int64_t n = data.size(0);
    if (blockSize < 1)
        throw Error("block size must be at least 1 (got " + std::to_string(blockSize) + ")");
    const auto rows = static_cast<int64_t>(starts.size());
    auto x = torch::empty({rows, blockSize}, torch::kInt64);
    auto y = torch::empty({rows, blockSize}, torch::kInt64);
    const int32_t* src = data.data_ptr<int32_t>();
    int64_t* xp = x.data_ptr<int64_t>();
    int64_t* yp = y.data_ptr<int64_t>();
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t s = starts[static_cast<size_t>(r)];
        if (s < 0 || s + blockSize + 1 > n)
            throw Error("batch start " + std::to_string(s) + " is out of range for the " + splitName(split) +
                        " split (" + std::to_string(n) + " tokens, block size " + std::to_string(blockSize) + ")");
        std::copy(src + s, src + s + blockSize, xp + r * blockSize);
        std::copy(src + s + 1, src + s + blockSize + 1, yp + r * blockSize);
    }
    return {x, y};
}

fs::path defaultTokenCacheDir()
{
    // The XDG spec says relative values are invalid and must be ignored.
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/')
        return fs::path(xdg) / "tunebench" / "tokens";
    if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0')
        return fs::path(home) / ".cache" / "tunebench" / "tokens";
    return fs::temp_directory_path() / "tunebench" / "tokens";
}

} // namespace tb::core
