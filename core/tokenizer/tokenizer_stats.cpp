// SPDX-License-Identifier: MIT
#include "core/tokenizer/tokenizer_stats.h"

#include "core/common/rng.h"
#include "core/common/utf8.h"

#include <algorithm>
#include <limits>
#include <unordered_set>

namespace tb::core {
namespace {

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// For each byte of a text, the index of the character it belongs to, and whether a character starts there.
struct CharMap {
    std::vector<int64_t> charOf;   // size bytes + 1; charOf[bytes] = number of characters
    std::vector<bool> startsChar;  // size bytes + 1; true at the end too

    explicit CharMap(std::string_view text) : charOf(text.size() + 1), startsChar(text.size() + 1, false)
    {
        int64_t index = 0;
        size_t i = 0;
        while (i < text.size()) {
            const size_t length = static_cast<unsigned char>(text[i]) < 0x80 ? 1 : decodeUtf8(text, i).length;
            startsChar[i] = true;
            for (size_t j = i; j < i + length; ++j)
                charOf[j] = index;
            ++index;
            i += length;
        }
        charOf[text.size()] = index;
        startsChar[text.size()] = true;
    }
    int64_t characters() const { return charOf.back(); }
};

TokenPiece makePiece(const Tokenizer& tokenizer, const TokenSpan& span, size_t textSize, const CharMap& map)
{
    TokenPiece piece;
    piece.id = span.id;
    piece.kind = tokenizer.pieceKind(span.id);
    // A tokenizer's spans are trusted only as far as they fit the text.
    piece.byteEnd = std::min(span.end, textSize);
    piece.byteBegin = std::min(span.begin, piece.byteEnd);
    piece.charBegin = map.charOf[piece.byteBegin];
    piece.charEnd = piece.byteEnd > piece.byteBegin ? map.charOf[piece.byteEnd - 1] + 1 : piece.charBegin;
    piece.partialCharacter = piece.byteEnd > piece.byteBegin &&
                             (!map.startsChar[piece.byteBegin] || !map.startsChar[piece.byteEnd]);
    return piece;
}

std::vector<TextSegment> groupSegments(const std::vector<TokenPiece>& pieces)
{
    std::vector<TextSegment> segments;
    constexpr size_t kNone = std::numeric_limits<size_t>::max();
    size_t pendingFirst = kNone; // first of the empty-span pieces not yet given to a segment (the latest ones)
    const auto extendLast = [&](size_t lastPiece) {
        TextSegment& s = segments.back();
        s.pieceCount = lastPiece - s.firstPiece + 1;
    };
    for (size_t k = 0; k < pieces.size(); ++k) {
        const TokenPiece& p = pieces[k];
        if (p.byteEnd == p.byteBegin) {
            if (pendingFirst == kNone)
                pendingFirst = k;
            continue;
        }
        if (!segments.empty() && p.charBegin < segments.back().charEnd) { // shares a character: same segment
            extendLast(k);
            TextSegment& s = segments.back();
            s.byteEnd = std::max(s.byteEnd, p.byteEnd);
            s.charEnd = std::max(s.charEnd, p.charEnd);
            pendingFirst = kNone;
            continue;
        }
        TextSegment next{p.byteBegin, p.byteEnd, p.charBegin, p.charEnd, k, 1};
        if (pendingFirst != kNone) {
            if (pieces[pendingFirst].byteBegin == p.byteBegin || segments.empty())
                next.firstPiece = pendingFirst;
            else
                extendLast(k - 1);
            next.pieceCount = k - next.firstPiece + 1;
            pendingFirst = kNone;
        }
        segments.push_back(next);
    }
    if (pendingFirst != kNone) {
        if (!segments.empty()) {
            extendLast(pieces.size() - 1);
        } else { // only pieces without text: one empty segment holds them
            const TokenPiece& p = pieces[pendingFirst];
            segments.push_back({p.byteBegin, p.byteBegin, p.charBegin, p.charBegin, pendingFirst,
                                pieces.size() - pendingFirst});
        }
    }
    return segments;
}

} // namespace

TokenizerStats computeTokenizerStats(const Tokenizer& tokenizer, std::string_view text)
{
    TokenizerStats stats;
    const CharMap map(text);
    const std::vector<TokenSpan> spans = tokenizer.encodeWithSpans(text);
    stats.pieces.reserve(spans.size());
    std::unordered_set<TokenId> distinct;
    for (const TokenSpan& span : spans) {
        const TokenPiece piece = makePiece(tokenizer, span, text.size(), map);
        distinct.insert(piece.id);
        switch (piece.kind) {
        case PieceKind::Unknown: ++stats.unknownTokens; break;
        case PieceKind::Byte: ++stats.byteFallbackTokens; break;
        case PieceKind::Control: ++stats.controlTokens; break;
        case PieceKind::Normal:
            if (piece.byteEnd == piece.byteBegin)
                ++stats.unplacedTokens;
            break;
        }
        stats.pieces.push_back(piece);
    }
    stats.segments = groupSegments(stats.pieces);
    stats.bytes = static_cast<int64_t>(text.size());
    stats.characters = map.characters();
    stats.tokens = static_cast<int64_t>(stats.pieces.size());
    stats.tokensPerCharacter = stats.characters > 0 ? double(stats.tokens) / double(stats.characters) : 0.0;
    stats.vocabSize = tokenizer.vocabSize();
    stats.distinctIds = static_cast<int64_t>(distinct.size());
    stats.vocabShare = stats.vocabSize > 0 ? double(stats.distinctIds) / double(stats.vocabSize) : 0.0;
    return stats;
}

std::string sampleCorpusText(std::string_view corpus, int64_t characters, uint64_t seed)
{
    if (characters <= 0 || corpus.empty())
        return {};
    const auto wanted = static_cast<size_t>(characters);
    // A character has at most 4 bytes, so only a short corpus needs counting.
    if (corpus.size() <= 4 * wanted &&
        std::count_if(corpus.begin(), corpus.end(), [](char c) { return !isContinuationByte(c); }) <=
            static_cast<std::ptrdiff_t>(wanted))
        return std::string(corpus);

    SplitMix64 rng(seed);
    size_t begin = static_cast<size_t>(rng.below(corpus.size()));
    while (begin > 0 && isContinuationByte(corpus[begin]))
        --begin;
    // Start on a fresh line when one begins early in the stretch: samples then read like the corpus does.
    size_t i = begin;
    for (size_t seen = 0; i < corpus.size() && seen < wanted / 4; ++i) {
        if (corpus[i] == '\n') {
            while (i + 1 < corpus.size() && corpus[i + 1] == '\n') // past blank lines too
                ++i;
            if (i + 1 < corpus.size())
                begin = i + 1;
            break;
        }
        seen += isContinuationByte(corpus[i]) ? 0 : 1;
    }
    // Take `wanted` characters from there; a stretch that runs into the end becomes the corpus's last ones.
    size_t end = begin;
    size_t taken = 0;
    while (end < corpus.size() && taken < wanted) {
        ++end;
        while (end < corpus.size() && isContinuationByte(corpus[end]))
            ++end;
        ++taken;
    }
    if (taken < wanted) {
        end = corpus.size();
        begin = end;
        for (taken = 0; begin > 0 && taken < wanted;) {
            --begin;
            if (!isContinuationByte(corpus[begin]))
                ++taken;
        }
    }
    return std::string(corpus.substr(begin, end - begin));
}

} // namespace tb::core
