// SPDX-License-Identifier: MIT
#include "core/data/formats/gzip_reader.h"

#include "core/common/error.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace tb::core {
namespace {

constexpr int64_t kDefaultMaxBytes = int64_t(128) << 20;
constexpr double kDefaultMaxRatio = 200;
constexpr int64_t kRatioFloor = int64_t(1) << 20; // small files may compress as well as they like

std::string mib(int64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

} // namespace

bool isGzip(std::string_view bytes)
{
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
           static_cast<unsigned char>(bytes[1]) == 0x8b;
}

GunzipLimits defaultGunzipLimits()
{
    GunzipLimits limits;
    limits.maxBytes = kDefaultMaxBytes;
    limits.maxRatio = kDefaultMaxRatio;
    if (const char* env = std::getenv("TUNEBENCH_GZIP_MAX_MB"); env != nullptr && *env != '\0') {
        char* end = nullptr;
        const double mb = std::strtod(env, &end);
        if (end != nullptr && *end == '\0' && mb > 0 && mb < 1e9) {
            limits.maxBytes = static_cast<int64_t>(mb * 1024 * 1024);
            limits.maxRatio = 1e12;
        }
    }
    return limits;
}

std::string gunzip(std::string_view bytes, const std::string& origin, GunzipLimits limits)
{
    const GunzipLimits defaults = defaultGunzipLimits();
    if (limits.maxBytes <= 0)
        limits.maxBytes = defaults.maxBytes;
    if (limits.maxRatio <= 0)
        limits.maxRatio = defaults.maxRatio;
    auto checkLimits = [&](size_t produced, size_t added) {
        const auto total = static_cast<int64_t>(produced + added);
        if (total > limits.maxBytes)
            throw InputError(origin, "",
                             "expands to more than " + mib(limits.maxBytes) +
                                 " when decompressed, the limit for gzip input (a zip bomb?); set "
                                 "TUNEBENCH_GZIP_MAX_MB to allow more");
        if (total > kRatioFloor && double(total) > limits.maxRatio * double(bytes.size()))
            throw InputError(origin, "",
                             "expands more than " + std::to_string(static_cast<int64_t>(limits.maxRatio)) +
                                 " times when decompressed (" + std::to_string(bytes.size()) +
                                 " compressed bytes; a zip bomb?); set TUNEBENCH_GZIP_MAX_MB to allow it");
    };
    std::string out;
    size_t consumed = 0;
    char buffer[1 << 16];
    // One member per iteration: `gzip a; gzip b; cat` files are valid gzip too.
    while (consumed < bytes.size()) {
        z_stream stream{};
        if (inflateInit2(&stream, 15 + 16) != Z_OK)
            throw InputError(origin, "", "cannot start gzip decompression (zlib out of memory)");
        const size_t memberStart = consumed;
        const size_t fed = std::min<size_t>(bytes.size() - consumed, UINT_MAX);
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
        stream.avail_in = static_cast<uInt>(fed);
        for (;;) {
            stream.next_out = reinterpret_cast<Bytef*>(buffer);
            stream.avail_out = sizeof buffer;
            const int status = inflate(&stream, Z_NO_FLUSH);
            try {
                checkLimits(out.size(), sizeof buffer - stream.avail_out);
            } catch (...) {
                inflateEnd(&stream);
                throw;
            }
            out.append(buffer, sizeof buffer - stream.avail_out);
            if (status == Z_STREAM_END)
                break;
            if (status == Z_OK)
                continue;
            const std::string detail = stream.msg != nullptr ? stream.msg : "corrupt data";
            const auto at = static_cast<int64_t>(consumed + fed - stream.avail_in);
            inflateEnd(&stream);
            if (status == Z_BUF_ERROR && stream.avail_in == 0)
                throw InputError(origin, "", "is a truncated gzip file (the compressed data ends early)", -1, at);
            throw InputError(origin, "", "is not a valid gzip file (" + detail + ")", -1,
                             static_cast<int64_t>(memberStart));
        }
        consumed += fed - stream.avail_in;
        inflateEnd(&stream);
        // Trailing zero padding after the last member is tolerated, like gzip(1) does.
        if (consumed < bytes.size() && !isGzip(bytes.substr(consumed))) {
            if (bytes.substr(consumed).find_first_not_of('\0') == std::string_view::npos)
                break;
            throw InputError(origin, "", "has trailing bytes after the gzip data", -1, static_cast<int64_t>(consumed));
        }
    }
    return out;
}

std::string gzipCompress(std::string_view bytes)
{
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error("gzip: deflateInit2 failed");
    std::string out;
    char buffer[1 << 16];
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream.avail_in = static_cast<uInt>(bytes.size());
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof buffer;
        status = deflate(&stream, Z_FINISH);
        if (status == Z_STREAM_ERROR) {
            deflateEnd(&stream);
            throw Error("gzip: deflate failed");
        }
        out.append(buffer, sizeof buffer - stream.avail_out);
    }
    deflateEnd(&stream);
    return out;
}

} // namespace tb::core
