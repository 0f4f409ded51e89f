// SPDX-License-Identifier: MIT
// Loading a training corpus into one UTF-8 string: plain text files and JSONL files of {"text": ...}. The loader is
// strict and explicit about bad input (InputError with file, line, byte offset and field) and normalises what is
// harmless (a UTF-8 BOM is removed, CRLF and lone CR become LF). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace tb::core {

struct Corpus {
    std::string path;       // as given
    std::string text;       // normalised UTF-8; JSONL documents joined with "\n"
    std::string hash;       // Fnv1a64 hex of `text` (after normalisation)
    std::string format;     // "text" or "jsonl"
    int64_t documents = 0;  // 1 for plain text, number of records for JSONL
    int64_t characters = 0; // Unicode code points in `text`
};

/// Reads and validates a corpus. JSONL is chosen by the .jsonl extension. Errors (InputError):
///  - missing file, a directory, unreadable file
///  - empty file (or only whitespace / a BOM)
///  - binary file: a NUL byte (reported with its byte offset)
///  - invalid UTF-8 (reported with line and byte offset of the first bad byte)
///  - JSONL: a line that is not JSON, not an object, lacks "text", or whose "text" is not a string (line, field)
Corpus loadCorpus(const std::filesystem::path& file);

/// Validates and normalises text that is already in memory; `origin` names it in errors.
/// Returns the normalised text. Throws InputError like loadCorpus.
std::string normaliseUtf8Text(std::string text, const std::string& origin);

/// CRLF and lone CR to LF, for strings that are already valid UTF-8 (e.g. decoded JSON strings).
std::string normaliseNewlines(const std::string& text);

/// Number of Unicode code points in valid UTF-8 text.
int64_t countCodePoints(std::string_view text);

} // namespace tb::core
