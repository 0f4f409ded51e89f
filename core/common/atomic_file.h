// SPDX-License-Identifier: MIT
// Crash-safe file writes: data goes to a temporary file beside the target, is fsync'ed, then renamed over the
// target and the directory is fsync'ed. A reader therefore sees either the old file or the new one, never a torn
// write, even if the process is killed midway. Any thread; concurrent writers to one path must be serialised by
// the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

namespace tb::core {

/// Calls write(fd) on a fresh temporary file, then commits it atomically to `target`. write() must write the whole
/// content with writeAll(). Throws Error on any I/O failure and leaves `target` untouched.
void writeFileAtomically(const std::filesystem::path& target, const std::function<void(int fd)>& write);

/// Convenience: atomically replace `target` with `content`.
void writeFileAtomically(const std::filesystem::path& target, std::string_view content);

/// Writes all bytes to fd, retrying on EINTR and short writes. Throws Error naming `what` on failure.
void writeAll(int fd, const void* data, size_t size, const std::filesystem::path& what);

/// Appends one line (a '\n' is added) to a file and flushes it, creating the file if needed. Used for journals
/// such as metrics.jsonl, where a torn last line after a crash is tolerated by readers.
void appendLine(const std::filesystem::path& file, std::string_view line);

/// Throws InputError naming the file when it does not exist, is a directory, or is not a regular file (a named
/// pipe, socket or device: opening a FIFO would block forever, /dev/zero never ends). Every reader of a user's
/// path goes through this (readFile does it itself).
void requireRegularFile(const std::filesystem::path& file);

/// Reads a whole regular file into a string. Throws InputError naming the file if it is missing, not a regular
/// file (requireRegularFile), cannot be opened, or is larger than `maxBytes` (checked before reading; -1: no cap).
std::string readFile(const std::filesystem::path& file, int64_t maxBytes = -1);

} // namespace tb::core
