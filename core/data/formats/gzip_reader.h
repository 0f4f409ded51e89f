// SPDX-License-Identifier: MIT
// Decompressing gzip files (one or more concatenated members) in memory with zlib. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tb::core {

/// Limits on what a gzip file may expand to, so that a small hostile file (a "zip bomb") is refused before it
/// takes the memory. Both are checked while decompressing, before the output grows past them.
struct GunzipLimits {
    int64_t maxBytes = 0;   // decompressed bytes at most; <= 0: defaultGunzipLimits().maxBytes
    double maxRatio = 0;    // decompressed / compressed bytes at most, once the output passes 1 MiB; <= 0: default
};

/// 128 MiB and 200:1, unless the environment variable TUNEBENCH_GZIP_MAX_MB gives another size cap in MiB (the
/// ratio cap is lifted with it: a set the user knows to be large and repetitive).
GunzipLimits defaultGunzipLimits();

/// True when `bytes` starts with the gzip magic number 1f 8b.
bool isGzip(std::string_view bytes);

/// The decompressed content. Throws InputError naming `origin` for a corrupt or truncated stream, or one that
/// expands past `limits`.
std::string gunzip(std::string_view bytes, const std::string& origin, GunzipLimits limits = {});

/// gzip-compresses `bytes` (for tests and tools).
std::string gzipCompress(std::string_view bytes);

} // namespace tb::core
