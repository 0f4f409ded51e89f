// SPDX-License-Identifier: MIT
#include "core/data/token_cache.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/hash.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace tb::core {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'T', 'B', 'T', 'O', 'K', 'E', 'N', 'S'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHashChars = 16;
constexpr size_t kHeaderBytes = 64;
constexpr int64_t kMaxUint16Vocab = 65536;
constexpr size_t kReadChunkIds = size_t{1} << 20;

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

CacheHeader makeHeader(uint64_t count, const TokenCacheKey& key, uint64_t payloadHash)
{
    CacheHeader h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.version = kFormatVersion;
    h.elementSize = tokenCacheElementSize(key.vocabSize);
    h.count = count;
    copyHash(h.corpusHash, key.corpusHash);
    copyHash(h.fingerprint, key.fingerprint);
    h.payloadHash = payloadHash;
    return h;
}

/// The header of `file` if it is a complete cache file for `key` (sizes agree), else nothing.
std::optional<CacheHeader> openHeader(std::ifstream& in, const fs::path& file, const TokenCacheKey& key)
{
    if (!in)
        return std::nullopt;
    CacheHeader header{};
    if (!in.read(reinterpret_cast<char*>(&header), sizeof header))
        return std::nullopt;
    const CacheHeader want = makeHeader(header.count, key, 0);
    if (std::memcmp(header.magic, want.magic, sizeof want.magic) != 0 || header.version != kFormatVersion ||
        header.elementSize != want.elementSize || std::memcmp(header.corpusHash, want.corpusHash, kHashChars) != 0 ||
        std::memcmp(header.fingerprint, want.fingerprint, kHashChars) != 0)
        return std::nullopt;
    std::error_code ec;
    const auto fileSize = fs::file_size(file, ec);
    if (ec || fileSize < kHeaderBytes || header.count > (fileSize - kHeaderBytes) / header.elementSize ||
        fileSize != kHeaderBytes + header.count * header.elementSize)
        return std::nullopt;
    return header;
}

/// Reads the payload chunk by chunk, widening each chunk to int32 for `sink(ids, n)`. Returns false on a short
/// read or a payload hash mismatch.
bool readPayload(std::ifstream& in, const CacheHeader& header, const std::function<bool(const int32_t*, size_t)>& sink)
{
    Fnv1a64 hash;
    std::vector<char> raw(kReadChunkIds * header.elementSize);
    std::vector<int32_t> wide(kReadChunkIds);
    uint64_t left = header.count;
    while (left > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, kReadChunkIds));
        const size_t bytes = n * header.elementSize;
        if (!in.read(raw.data(), static_cast<std::streamsize>(bytes)))
            return false;
        hash.update(raw.data(), bytes);
        if (header.elementSize == 2) {
            for (size_t i = 0; i < n; ++i) {
                uint16_t v;
                std::memcpy(&v, raw.data() + 2 * i, 2);
                wide[i] = v;
            }
        } else {
            std::memcpy(wide.data(), raw.data(), bytes);
        }
        if (!sink(wide.data(), n))
            return false;
        left -= n;
    }
    return hash.digest() == header.payloadHash;
}

struct Cancelled {};

} // namespace

fs::path tokenCacheFile(const fs::path& dir, const TokenCacheKey& key)
{
    return dir / (key.corpusHash + "-" + key.fingerprint + ".tokens");
}

uint32_t tokenCacheElementSize(int64_t vocabSize) { return vocabSize <= kMaxUint16Vocab ? 2 : 4; }

int64_t writeTokenCacheStreaming(const fs::path& file, const TokenCacheKey& key,
                                 const std::function<bool(const std::function<void(const std::vector<TokenId>&)>&)>& produce)
{
    const uint32_t element = tokenCacheElementSize(key.vocabSize);
    uint64_t count = 0;
    try {
        writeFileAtomically(file, [&](int fd) {
            const CacheHeader placeholder{};
            writeAll(fd, &placeholder, sizeof placeholder, file);
            Fnv1a64 hash;
            std::vector<uint16_t> small;
            auto append = [&](const std::vector<TokenId>& ids) {
                const void* data = ids.data();
                size_t bytes = ids.size() * sizeof(TokenId);
                if (element == 2) {
                    small.resize(ids.size());
                    for (size_t i = 0; i < ids.size(); ++i)
                        small[i] = static_cast<uint16_t>(ids[i]);
                    data = small.data();
                    bytes = small.size() * sizeof(uint16_t);
                }
                hash.update(data, bytes);
                writeAll(fd, data, bytes, file);
                count += ids.size();
            };
            if (!produce(append))
                throw Cancelled{};
            const CacheHeader header = makeHeader(count, key, hash.digest());
            if (::pwrite(fd, &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header))
                throw Error("cannot write the header of " + file.string() + ": " + std::strerror(errno));
        });
    } catch (const Cancelled&) {
        return -1;
    }
    return static_cast<int64_t>(count);
}

bool writeTokenCache(const fs::path& file, const std::vector<TokenId>& ids, const TokenCacheKey& key)
{
    try {
        writeTokenCacheStreaming(file, key, [&](const auto& append) {
            append(ids);
            return true;
        });
    } catch (const std::exception&) { // Error or filesystem_error (e.g. a read-only cache directory)
        return false;
    }
    return true;
}

std::optional<int64_t> checkTokenCache(const fs::path& file, const TokenCacheKey& key)
{
    std::ifstream in(file, std::ios::binary);
    const auto header = openHeader(in, file, key);
    if (!header)
        return std::nullopt;
    const bool ok = readPayload(in, *header, [&](const int32_t* ids, size_t n) {
        return std::all_of(ids, ids + n, [&](int32_t id) { return id >= 0 && id < key.vocabSize; });
    });
    if (!ok)
        return std::nullopt;
    return static_cast<int64_t>(header->count);
}

bool readTokenCache(const fs::path& file, const TokenCacheKey& key, const std::function<int32_t*(int64_t)>& allocate)
{
    std::ifstream in(file, std::ios::binary);
    const auto header = openHeader(in, file, key);
    if (!header)
        return false;
    int32_t* out = allocate(static_cast<int64_t>(header->count));
    return readPayload(in, *header, [&](const int32_t* ids, size_t n) {
        for (size_t i = 0; i < n; ++i)
            if (ids[i] < 0 || ids[i] >= key.vocabSize)
                return false;
        std::memcpy(out, ids, n * sizeof(int32_t));
        out += n;
        return true;
    });
}

} // namespace tb::core
