// SPDX-License-Identifier: MIT
#include "core/tokenizer/byte_tokenizer.h"
#include "core/tokenizer/token_text.h"

#include "core/common/utf8.h"

#include <cstdio>

namespace tb::core {

std::vector<TokenId> ByteTokenizer::encode(std::string_view text) const
{
    std::vector<TokenId> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        ids[i] = static_cast<unsigned char>(text[i]);
    return ids;
}

std::vector<TokenSpan> ByteTokenizer::encodeWithSpans(std::string_view text) const
{
    std::vector<TokenSpan> spans(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        spans[i] = {static_cast<unsigned char>(text[i]), i, i + 1};
    return spans;
}

std::string ByteTokenizer::decode(const std::vector<TokenId>& ids) const
{
    // An out-of-range id becomes 0xFF, a byte that never occurs in UTF-8, so sanitising turns it into U+FFFD too.
    std::string bytes(ids.size(), '\0');
    for (size_t i = 0; i < ids.size(); ++i) {
        const TokenId id = ids[i];
        bytes[i] = static_cast<char>(id >= 0 && id < kVocabSize ? id : 0xFF);
    }
    return sanitiseUtf8(bytes);
}

std::string ByteTokenizer::tokenText(TokenId id) const
{
    if (id < 0 || id >= kVocabSize)
        return "<invalid id " + std::to_string(id) + ">";
    if (const auto shown = visibleWhitespace(static_cast<char32_t>(id)))
        return *shown;
    if (id > 0x20 && id < 0x7F)
        return std::string(1, static_cast<char>(id));
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(id));
    return buf;
}

} // namespace tb::core
