// SPDX-License-Identifier: MIT
// Decompressing gzip files (one or more concatenated members) in memory with zlib. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tb::core {

/// True when `bytes` starts with the gzip magic number 1f 8b.
bool isGzip(std::string_view bytes);

/// The decompressed content. Throws InputError naming `origin` for a corrupt or truncated stream.
std::string gunzip(std::string_view bytes, const std::string& origin);

/// gzip-compresses `bytes` (for tests and tools).
std::string gzipCompress(std::string_view bytes);

} // namespace tb::core
