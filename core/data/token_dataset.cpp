// SPDX-License-Identifier: MIT
#include "core/data/token_dataset.h"

#include "core/common/atomic_file.h"
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

// Cache file layout (little-endian), 64 bytes of header then the ids:
//   0  char[8]   magic "TBTOKENS"
//   8  uint32    format version
//  12  uint32    element size: 2 (uint16 ids) or 4 (int32 ids)
//  16  uint64    number of ids
//  24  char[16]  corpus hash (hex)
//  40  char[16]  tokenizer fingerprint (hex)
//  56  uint64    FNV-1a of the id bytes, so a damaged file is rebuilt rather than trusted
constexpr char kMagic[8] = {'T', 'B', 'T', 'O', 'K', 'E', 'N', 'S'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHashChars = 16;
constexpr size_t kHeaderBytes = 64;
constexpr int64_t kMaxUint16Vocab = 65536;

static_assert(std::endian::native == std::endian::little, "the token cache format is little-endian");

struct CacheHeader {
    char magic[8];
    uint32_t version;
    uint32_t elementSize;
    uint64_t count;
    char corpusHash[kHashChars];
    char fingerprint[kHashChars];
    uint64_t payloadHash;
};
static_assert(sizeof(CacheHeader) == kHeaderBytes);

void copyHash(char (&dst)[kHashChars], const std::string& hex)
{
    std::memset(dst, '0', kHashChars);
    std::memcpy(dst, hex.data(), std::min(hex.size(), kHashChars));
}

CacheHeader makeHeader(uint32_t elementSize, uint64_t count, const std::string& corpusHash,
                       const std::string& fingerprint, uint64_t payloadHash)
{
    CacheHeader h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.version = kFormatVersion;
    h.elementSize = elementSize;
    h.count = count;
    copyHash(h.corpusHash, corpusHash);
    copyHash(h.fingerprint, fingerprint);
    h.payloadHash = payloadHash;
    return h;
}

template <typename T>
std::vector<T> narrowIds(const std::vector<TokenId>& ids)
{
    std::vector<T> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i)
        out[i] = static_cast<T>(ids[i]);
    return out;
}

uint64_t bytesHash(const void* data, size_t size)
{
    Fnv1a64 h;
    h.update(data, size);
    return h.digest();
}

/// Writes the cache; returns false (and leaves no file) when it cannot, since a cache is only an optimisation.
bool writeCache(const fs::path& file, const std::vector<TokenId>& ids, int64_t vocabSize, const std::string& corpusHash,
                const std::string& fingerprint)
{
    const bool compact = vocabSize <= kMaxUint16Vocab;
    std::vector<uint16_t> small;
    if (compact)
        small = narrowIds<uint16_t>(ids);
    const void* payload = compact ? static_cast<const void*>(small.data()) : static_cast<const void*>(ids.data());
    const size_t payloadBytes = ids.size() * (compact ? sizeof(uint16_t) : sizeof(TokenId));
    const CacheHeader header = makeHeader(compact ? 2 : 4, ids.size(), corpusHash, fingerprint,
                                          bytesHash(payload, payloadBytes));
    try {
        writeFileAtomically(file, [&](int fd) {
            writeAll(fd, &header, sizeof header, file);
            writeAll(fd, payload, payloadBytes, file);
        });
    } catch (const std::exception&) { // Error or filesystem_error (e.g. a read-only cache directory)
        return false;
    }
    return true;
}

/// Reads the ids of a cache file, or nothing when the file is missing, for other inputs, truncated or damaged.
std::optional<std::vector<TokenId>> readCache(const fs::path& file, int64_t vocabSize, const std::string& corpusHash,
                                              const std::string& fingerprint)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return std::nullopt;
    CacheHeader header{};
    if (!in.read(reinterpret_cast<char*>(&header), sizeof header))
        return std::nullopt;
    const uint32_t expectedElement = vocabSize <= kMaxUint16Vocab ? 2 : 4;
    const CacheHeader want = makeHeader(expectedElement, header.count, corpusHash, fingerprint, 0);
    if (std::memcmp(header.magic, want.magic, sizeof want.magic) != 0 || header.version != kFormatVersion ||
        header.elementSize != expectedElement ||
        std::memcmp(header.corpusHash, want.corpusHash, kHashChars) != 0 ||
        std::memcmp(header.fingerprint, want.fingerprint, kHashChars) != 0)
        return std::nullopt;
    std::error_code ec;
    const auto fileSize = fs::file_size(file, ec);
    if (ec || header.count > (fileSize - kHeaderBytes) / expectedElement ||
        fileSize != kHeaderBytes + header.count * expectedElement)
        return std::nullopt;

    const size_t count = header.count;
    std::vector<TokenId> ids(count);
    if (expectedElement == 2) {
        std::vector<uint16_t> small(count);
        if (!in.read(reinterpret_cast<char*>(small.data()), static_cast<std::streamsize>(count * 2)) ||
            bytesHash(small.data(), count * 2) != header.payloadHash)
            return std::nullopt;
        for (size_t i = 0; i < count; ++i)
            ids[i] = small[i];
    } else {
        if (!in.read(reinterpret_cast<char*>(ids.data()), static_cast<std::streamsize>(count * 4)) ||
            bytesHash(ids.data(), count * 4) != header.payloadHash)
            return std::nullopt;
    }
    for (const TokenId id : ids)
        if (id < 0 || id >= vocabSize)
            return std::nullopt;
    return ids;
}

torch::Tensor toTensor(const std::vector<TokenId>& ids)
{
    auto t = torch::empty({static_cast<int64_t>(ids.size())}, torch::kInt64);
    int64_t* out = t.data_ptr<int64_t>();
    for (size_t i = 0; i < ids.size(); ++i)
        out[i] = ids[i];
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
    if (!std::isfinite(valFraction) || valFraction < 0.0 || valFraction >= 1.0)
        throw InputError("", "data.val_fraction",
                         "must be at least 0 and less than 1 (it is " + shortNumber(valFraction) + ")");
    const auto n = static_cast<int64_t>(ids.size());
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
    const torch::Tensor all = toTensor(ids);
    data.m_train = all.narrow(0, 0, nTrain);
    data.m_val = all.narrow(0, nTrain, nVal);
    return data;
}

TokenDataset TokenDataset::build(const Corpus& corpus, const Tokenizer& tokenizer, double valFraction,
                                 const fs::path& cacheDir)
{
    const std::string corpusHash = corpus.hash.empty() ? hashHex(corpus.text) : corpus.hash;
    const std::string fingerprint = tokenizer.fingerprint();
    const int64_t vocabSize = tokenizer.vocabSize();

    fs::path file;
    std::optional<std::vector<TokenId>> ids;
    if (!cacheDir.empty()) {
        file = cacheDir / (corpusHash + "-" + fingerprint + ".tokens");
        ids = readCache(file, vocabSize, corpusHash, fingerprint);
    }
    const bool fromCache = ids.has_value();
    if (!fromCache) {
        ids = tokenizer.encode(corpus.text);
        if (!file.empty() && !writeCache(file, *ids, vocabSize, corpusHash, fingerprint))
            file.clear();
    }
    TokenDataset data = fromTokens(std::move(*ids), valFraction);
    data.m_fromCache = fromCache;
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
    const int64_t* src = data.data_ptr<int64_t>();
    int64_t* xp = x.data_ptr<int64_t>();
    int64_t* yp = y.data_ptr<int64_t>();
    const size_t rowBytes = static_cast<size_t>(blockSize) * sizeof(int64_t);
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t s = starts[static_cast<size_t>(r)];
        if (s < 0 || s + blockSize + 1 > n)
            throw Error("batch start " + std::to_string(s) + " is out of range for the " + splitName(split) +
                        " split (" + std::to_string(n) + " tokens, block size " + std::to_string(blockSize) + ")");
        std::memcpy(xp + r * blockSize, src + s, rowBytes);
        std::memcpy(yp + r * blockSize, src + s + 1, rowBytes);
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
