// SPDX-License-Identifier: MIT
// Statistics of a loaded corpus for the Data panel and pre-flight checks: bytes, characters, lines, distinct
// characters, and the token counts of the train/val split that a tokenizer and a val fraction give. Token counts
// of the char and byte tokenizers follow from the counts without tokenizing; those of SentencePiece (bpe, unigram)
// are estimates from a measured bytes-per-token rule (see subwordBytesPerToken). Thread-safe (pure functions).
#pragma once

#include "core/data/corpus.h"
#include "core/tokenizer/tokenizer_config.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace tb::core {

struct CorpusStats {
    std::string path;
    std::string format;             // "text" or "jsonl"
    std::string hash;               // of the normalised text, as Corpus::hash
    int64_t fileBytes = 0;          // size of the file on disk
    int64_t textBytes = 0;          // UTF-8 bytes after normalisation (what the byte tokenizer sees)
    int64_t characters = 0;         // Unicode code points
    int64_t lines = 0;              // a last line without '\n' counts
    int64_t distinctCharacters = 0; // distinct code points (the char tokenizer's vocabulary without <unk>)
    int64_t documents = 0;          // 1 for plain text, records for JSONL
};

/// How a tokenizer and val fraction split the corpus; mirrors TokenDataset::fromTokens.
struct TokenSplit {
    int64_t tokens = 0;
    int64_t trainTokens = 0;
    int64_t valTokens = 0;
    int64_t vocabSize = 0; // what the tokenizer's vocabulary will be for this corpus
    bool estimated = false; // bpe/unigram: tokens follow from subwordBytesPerToken, not from the exact count
};

/// Counts the statistics of a loaded corpus. `progress` (optional) is called with the fraction done, from the
/// calling thread, about every megabyte; when it returns false the scan stops and nullopt is returned.
std::optional<CorpusStats> scanCorpusStats(const Corpus& corpus, const std::function<bool(double)>& progress = {});

/// Token counts for a tokenizer config and a val fraction: exact for char and byte, an estimate (`estimated`) for
/// bpe and unigram (text bytes / subwordBytesPerToken). An unknown tokenizer kind or a val fraction outside [0, 1)
/// gives all zeros.
TokenSplit splitTokens(const CorpusStats& stats, const TokenizerConfig& tokenizer, double valFraction);

/// UTF-8 bytes per token that a SentencePiece tokenizer (kind "bpe" or "unigram") trained on a corpus makes of it,
/// as a rule: measured on tinyshakespeare (English, byte fallback on) at vocabularies of 500 to 8000, interpolated
/// in log(vocabulary), 1 byte per token at the bare alphabet (about 322 ids), +0.25 per doubling above 8000. Other
/// languages and scripts differ (docs/performance.md has the table). 0 for other kinds.
double subwordBytesPerToken(const TokenizerConfig& tokenizer);

/// The first at most `maxBytes` bytes of UTF-8 text, cut at a character boundary.
std::string textPreview(const std::string& text, size_t maxBytes);

} // namespace tb::core
