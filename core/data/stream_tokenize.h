// SPDX-License-Identifier: MIT
// Tokenizing a plain-text corpus that is too big to hold in memory: the file is read in chunks, validated and
// normalised exactly as loadCorpus does (BOM removed, CRLF and lone CR to LF, NUL bytes and invalid UTF-8 reported
// with line and byte offset), encoded chunk by chunk and written straight into the token cache file that
// TokenDataset reads. Memory stays at a few chunks whatever the file size. Progress is reported by bytes read, and
// a stop request cancels cleanly (the partial cache file is removed). Pure functions; run them on any thread.
//
// Chunks are cut after the last line feed in them, so a tokenizer sees whole lines (a line longer than a chunk is
// cut at a character boundary). Char and byte tokenizers give exactly the ids of encoding the whole text at once;
// for subword tokenizers the ids can differ only where a line is longer than a chunk.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

namespace tb::core {

struct StreamOptions {
    size_t chunkBytes = size_t{8} << 20;
    /// Called after each chunk with bytes read so far and the file size.
    std::function<void(int64_t done, int64_t total)> progress;
    std::stop_token stop;
};

struct StreamedText {
    std::string hash;        // Fnv1a64 hex of the normalised text: equal to loadCorpus(file).hash
    int64_t bytes = 0;       // size of the normalised text
    int64_t characters = 0;  // Unicode code points
    int64_t lines = 0;       // line feeds, plus one when the text does not end with one
    bool cancelled = false;
};

/// Streams the normalised text of `file` to `onText` in pieces that end at a line feed (or a character boundary).
/// Throws InputError like loadCorpus: missing, directory, empty, binary (NUL) or invalid UTF-8 files.
StreamedText streamCorpusText(const std::filesystem::path& file, const std::function<void(std::string_view)>& onText,
                              const StreamOptions& options = {});

struct CorpusScan {
    StreamedText text;
    std::string alphabet;  // every distinct character once, in code point order (UTF-8)
    std::string head;      // the first `headBytes` of the normalised text (cut at a character boundary)
    /// Text a tokenizer can be built from without the whole corpus: makeTokenizer() learns the same char-level
    /// vocabulary from it as from the whole text, and subword tokenizers train on the head.
    std::string tokenizerSample() const { return alphabet + head; }
};

/// One pass over `file`: its hash and counts, its alphabet and its first `headBytes` of text.
CorpusScan scanCorpus(const std::filesystem::path& file, size_t headBytes, const StreamOptions& options = {});

struct TokenizedFile {
    std::filesystem::path cacheFile;  // empty when cancelled
    std::string corpusHash;
    int64_t tokens = 0;
    bool fromCache = false;           // an up-to-date cache file already existed
    bool cancelled = false;
};

/// Tokenizes `file` into `cacheDir/<corpus hash>-<tokenizer fingerprint>.tokens` (the cache format of
/// TokenDataset), unless that file already exists and is intact. The text is read twice: once for its hash (the
/// cache key), once to encode it. The cache file is written under a temporary name and renamed when complete.
/// `knownHash`, when given (from scanCorpus), saves the first pass.
TokenizedFile tokenizeFileToCache(const std::filesystem::path& file, const Tokenizer& tokenizer,
                                  const std::filesystem::path& cacheDir, const StreamOptions& options = {},
                                  const std::string& knownHash = {});

} // namespace tb::core
