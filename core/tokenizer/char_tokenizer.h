// SPDX-License-Identifier: MIT
// Character-level tokenizer (nanoGPT's shakespeare_char): one id per distinct Unicode code point of the corpus,
// sorted by code point, plus an optional <unk> id at the end for characters the corpus never showed. Encoding uses
// a direct table for the Basic Multilingual Plane and a hash map above it. Immutable after construction, so any
// number of threads may use one instance.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tb::core {

class CharTokenizer final : public Tokenizer {
public:
    /// What encode() does with a character outside the vocabulary.
    enum class Unknown {
        Unk,   // map it to the <unk> id (the last id); decoded as U+FFFD
        Error, // throw InputError (field tokenizer.unknown)
    };

    /// `vocab` must be distinct Unicode scalar values sorted ascending (fromText and loadTokenizer guarantee it).
    CharTokenizer(std::vector<char32_t> vocab, Unknown unknown);

    /// Vocabulary = every distinct code point of `text` (invalid UTF-8 bytes count as U+FFFD).
    static CharTokenizer fromText(std::string_view text, Unknown unknown);

    std::string kind() const override { return "char"; }
    int64_t vocabSize() const override;
    std::vector<TokenId> encode(std::string_view text) const override;
    std::string decode(const std::vector<TokenId>& ids) const override;
    /// The character itself, except: "\n" -> "\\n", "\t" -> "\\t", "\r" -> "\\r", space -> "␣" (U+2423), other
    /// control characters -> "U+XXXX", the unknown id -> "<unk>", ids outside the vocabulary -> "<invalid id N>".
    std::string tokenText(TokenId id) const override;
    /// Unknown for the <unk> id, Normal for every other id.
    PieceKind pieceKind(TokenId id) const override;
    /// One span per character (an ill-formed UTF-8 sequence counts as one character, as in encode()).
    std::vector<TokenSpan> encodeWithSpans(std::string_view text) const override;
    std::string serialize() const override;

    const std::vector<char32_t>& vocab() const { return m_vocab; }
    Unknown unknownPolicy() const { return m_unknown; }
    /// The <unk> id, or -1 when the policy is Unknown::Error.
    TokenId unkId() const;

private:
    [[noreturn]] void throwUnknown(std::string_view text, size_t bytePos, char32_t cp) const;

    static constexpr TokenId kNoId = -1;
    static constexpr size_t kTableSize = 0x10000; // code points below this use m_table

    std::vector<char32_t> m_vocab;
    Unknown m_unknown;
    std::vector<TokenId> m_table;                     // code point < 0x10000 -> id, or kNoId
    std::unordered_map<char32_t, TokenId> m_astral;   // code point >= 0x10000 -> id
};

} // namespace tb::core
