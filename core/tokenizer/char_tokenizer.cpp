// SPDX-License-Identifier: MIT
#include "core/tokenizer/char_tokenizer.h"
#include "core/tokenizer/token_text.h"

#include "core/common/error.h"
#include "core/common/utf8.h"

#include <nlohmann/json.hpp>

namespace tb::core {

CharTokenizer::CharTokenizer(std::vector<char32_t> vocab, Unknown unknown)
    : m_vocab(std::move(vocab)), m_unknown(unknown), m_table(kTableSize, kNoId)
{
    for (size_t i = 0; i < m_vocab.size(); ++i) {
        const char32_t cp = m_vocab[i];
        if (cp < kTableSize)
            m_table[cp] = static_cast<TokenId>(i);
        else
            m_astral.emplace(cp, static_cast<TokenId>(i));
    }
}

CharTokenizer CharTokenizer::fromText(std::string_view text, Unknown unknown)
{
    std::vector<bool> seen(kMaxCodePoint + 1, false);
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            seen[c] = true;
            ++i;
            continue;
        }
        const Utf8Step step = decodeUtf8(text, i);
        seen[step.codePoint] = true;
        i += step.length;
    }
    std::vector<char32_t> vocab;
    for (char32_t cp = 0; cp <= kMaxCodePoint; ++cp)
        if (seen[cp])
            vocab.push_back(cp);
    return CharTokenizer(std::move(vocab), unknown);
}

int64_t CharTokenizer::vocabSize() const
{
    return static_cast<int64_t>(m_vocab.size()) + (m_unknown == Unknown::Unk ? 1 : 0);
}

TokenId CharTokenizer::unkId() const
{
    return m_unknown == Unknown::Unk ? static_cast<TokenId>(m_vocab.size()) : kNoId;
}

std::vector<TokenId> CharTokenizer::encode(std::string_view text) const
{
    std::vector<TokenId> ids;
    ids.reserve(text.size());
    const TokenId unk = unkId();
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        char32_t cp = c;
        size_t length = 1;
        TokenId id = kNoId;
        if (c < 0x80) {
            id = m_table[c];
        } else {
            const Utf8Step step = decodeUtf8(text, i);
            cp = step.codePoint;
            length = step.length;
            if (cp < kTableSize) {
                id = m_table[cp];
            } else if (const auto it = m_astral.find(cp); it != m_astral.end()) {
                id = it->second;
            }
        }
        if (id == kNoId) {
            if (unk == kNoId)
                throwUnknown(text, i, cp);
            id = unk;
        }
        ids.push_back(id);
        i += length;
    }
    return ids;
}

PieceKind CharTokenizer::pieceKind(TokenId id) const
{
    return id >= 0 && id == unkId() ? PieceKind::Unknown : PieceKind::Normal;
}

std::vector<TokenSpan> CharTokenizer::encodeWithSpans(std::string_view text) const
{
    const std::vector<TokenId> ids = encode(text);
    std::vector<TokenSpan> spans;
    spans.reserve(ids.size());
    size_t i = 0;
    for (const TokenId id : ids) { // encode() emits one id per step of this same walk
        const size_t length = static_cast<unsigned char>(text[i]) < 0x80 ? 1 : decodeUtf8(text, i).length;
        spans.push_back({id, i, i + length});
        i += length;
    }
    return spans;
}

void CharTokenizer::throwUnknown(std::string_view text, size_t bytePos, char32_t cp) const
{
    std::string shown;
    if (cp >= 0x20 && !(cp >= 0x7F && cp < 0xA0))
        appendUtf8(shown, cp);
    int64_t position = 0; // code point index, 0-based
    for (size_t i = 0; i < bytePos; ++i)
        position += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 ? 1 : 0;
    throw InputError("", "tokenizer.unknown",
                     "character " + codePointName(cp) + (shown.empty() ? "" : " '" + shown + "'") + " at position " +
                         std::to_string(position) + " (byte " + std::to_string(bytePos) +
                         ") is not in the vocabulary; set tokenizer.unknown to unk to map unseen characters to <unk>");
}

std::string CharTokenizer::decode(const std::vector<TokenId>& ids) const
{
    std::string out;
    out.reserve(ids.size());
    const auto n = static_cast<TokenId>(m_vocab.size());
    for (const TokenId id : ids) {
        const char32_t cp = (id >= 0 && id < n) ? m_vocab[static_cast<size_t>(id)] : kReplacementChar;
        if (cp < 0x80)
            out.push_back(static_cast<char>(cp));
        else
            appendUtf8(out, cp);
    }
    return out;
}

std::string CharTokenizer::tokenText(TokenId id) const
{
    if (id >= 0 && id == unkId())
        return "<unk>";
    if (id < 0 || id >= static_cast<TokenId>(m_vocab.size()))
        return "<invalid id " + std::to_string(id) + ">";
    const char32_t cp = m_vocab[static_cast<size_t>(id)];
    if (const auto shown = visibleWhitespace(static_cast<char32_t>(cp)))
        return *shown;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return codePointName(cp);
    std::string out;
    appendUtf8(out, cp);
    return out;
}

std::string CharTokenizer::serialize() const
{
    nlohmann::ordered_json j;
    j["kind"] = "char";
    j["unknown"] = m_unknown == Unknown::Unk ? "unk" : "error";
    auto vocab = nlohmann::ordered_json::array();
    for (const char32_t cp : m_vocab)
        vocab.push_back(static_cast<uint32_t>(cp));
    j["vocab"] = std::move(vocab);
    return j.dump();
}

} // namespace tb::core
