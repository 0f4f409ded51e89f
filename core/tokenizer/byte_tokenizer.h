// SPDX-License-Identifier: MIT
// Byte-level tokenizer: 256 ids, id = byte value of the UTF-8 text. It can encode any text, and decode() repairs
// the invalid UTF-8 that a sampled byte stream may contain (each ill-formed sequence becomes U+FFFD). Stateless, so
// any number of threads may use one instance. Its 256 bytes are its vocabulary, not a fallback, so pieceKind() keeps
// the default (Normal) for every id; a character of several bytes becomes several pieces, each spanning one byte.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <string>
#include <string_view>
#include <vector>

namespace tb::core {

class ByteTokenizer final : public Tokenizer {
public:
    static constexpr int64_t kVocabSize = 256;

    std::string kind() const override { return "byte"; }
    int64_t vocabSize() const override { return kVocabSize; }
    std::vector<TokenId> encode(std::string_view text) const override;
    /// Ids outside 0..255 and ill-formed UTF-8 sequences decode to U+FFFD; the result is always valid UTF-8.
    std::string decode(const std::vector<TokenId>& ids) const override;
    /// Printable ASCII as itself ("\\n", "\\t", "\\r" and "␣" for whitespace), every other byte as "0xHH".
    std::string tokenText(TokenId id) const override;
    /// Token i spans byte i.
    std::vector<TokenSpan> encodeWithSpans(std::string_view text) const override;
    std::string serialize() const override { return R"({"kind":"byte"})"; }
};

} // namespace tb::core
