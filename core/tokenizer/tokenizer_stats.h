// SPDX-License-Identifier: MIT
// What a tokenizer makes of one text, for the Tokenizer panel and reports: every piece with its id, kind and place
// in the text, the segments a viewer colours, and the counts (tokens per character, share of the vocabulary used,
// unknown and byte-fallback tokens). Also picks a random stretch of a corpus to try tokenizers on. Pure functions,
// safe from any thread.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tb::core {

/// One token of the text.
struct TokenPiece {
    TokenId id = 0;
    PieceKind kind = PieceKind::Normal;
    size_t byteBegin = 0;           // [byteBegin, byteEnd) of the text; empty for a piece that stands for no text
    size_t byteEnd = 0;
    int64_t charBegin = 0;          // code points [charBegin, charEnd): every character the piece touches, so a
    int64_t charEnd = 0;            // byte of a multi-byte character covers that whole character
    bool partialCharacter = false;  // the piece holds only some of the bytes of a character (byte-level tokens)
};

/// What a viewer colours as one unit: consecutive pieces that share characters. A character that byte-level tokens
/// split is shown once, as one segment of all its byte pieces; a piece with an empty span joins the segment that
/// starts at its position (or else the one before it). Segments cover the text in order without overlap; text no
/// piece covers (possible only with the default alignment) lies between segments.
struct TextSegment {
    size_t byteBegin = 0;
    size_t byteEnd = 0;
    int64_t charBegin = 0;
    int64_t charEnd = 0;
    size_t firstPiece = 0; // pieces [firstPiece, firstPiece + pieceCount)
    size_t pieceCount = 0;
};

struct TokenizerStats {
    std::vector<TokenPiece> pieces;
    std::vector<TextSegment> segments;
    int64_t bytes = 0;                 // of the text
    int64_t characters = 0;            // code points (an ill-formed UTF-8 sequence counts as one)
    int64_t tokens = 0;
    double tokensPerCharacter = 0.0;   // 0 for an empty text
    int64_t vocabSize = 0;
    int64_t distinctIds = 0;           // ids used at least once
    double vocabShare = 0.0;           // distinctIds / vocabSize
    int64_t unknownTokens = 0;         // PieceKind::Unknown
    int64_t byteFallbackTokens = 0;    // PieceKind::Byte
    int64_t controlTokens = 0;         // PieceKind::Control
    int64_t unplacedTokens = 0;        // pieces (other than control tokens) that got no text from encodeWithSpans
};

/// Encodes `text` with `tokenizer` (through encodeWithSpans) and measures it. Throws what encode() throws, e.g.
/// InputError for an unseen character when a char tokenizer's policy is "error".
TokenizerStats computeTokenizerStats(const Tokenizer& tokenizer, std::string_view text);

/// A random stretch of `characters` code points of `corpus`, chosen by `seed` (same corpus and seed, same text).
/// It starts on a character boundary, at the start of a non-empty line when one begins within the first quarter of
/// the stretch, and never cuts a UTF-8 sequence. The whole corpus when it has no more than `characters` code points.
std::string sampleCorpusText(std::string_view corpus, int64_t characters, uint64_t seed);

} // namespace tb::core
