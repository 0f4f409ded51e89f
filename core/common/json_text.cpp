// SPDX-License-Identifier: MIT
#include "core/common/json_text.h"

namespace tb::core {
namespace {

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool isNumberChar(char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

/// The key of the value starting at `offset`: the string before the ':' before it, if any.
std::string keyBefore(std::string_view text, size_t offset)
{
    size_t p = offset;
    while (p > 0 && isJsonSpace(text[p - 1]))
        --p;
    if (p == 0 || text[p - 1] != ':')
        return {};
    --p;
    while (p > 0 && isJsonSpace(text[p - 1]))
        --p;
    if (p == 0 || text[p - 1] != '"')
        return {};
    const size_t close = p - 1;
    size_t open = close;
    while (open > 0) {
        --open;
        if (text[open] != '"')
            continue;
        size_t slashes = 0; // an escaped quote is preceded by an odd number of backslashes
        while (open > slashes && text[open - 1 - slashes] == '\\')
            ++slashes;
        if (slashes % 2 == 0)
            return std::string(text.substr(open + 1, close - open - 1));
    }
    return {};
}

} // namespace

std::string jsonErrorDetail(std::string_view what)
{
    if (what.starts_with("[json.exception.")) {
        const size_t end = what.find("] ");
        if (end != std::string_view::npos)
            what.remove_prefix(end + 2);
    }
    return std::string(what);
}

std::optional<JsonNumberOverflow> findJsonNumberOverflow(std::string_view what, std::string_view text)
{
    constexpr std::string_view kMarker = "number overflow parsing '";
    const size_t at = what.find(kMarker);
    if (at == std::string_view::npos)
        return std::nullopt;
    const size_t begin = at + kMarker.size();
    const size_t end = what.find('\'', begin);
    if (end == std::string_view::npos || end == begin)
        return std::nullopt;
    JsonNumberOverflow out;
    out.number = std::string(what.substr(begin, end - begin));
    // The first occurrence that is a whole number token outside a string.
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
            continue;
        }
        if (text.substr(i, out.number.size()) == out.number && (i == 0 || !isNumberChar(text[i - 1])) &&
            (i + out.number.size() == text.size() || !isNumberChar(text[i + out.number.size()]))) {
            out.offset = i;
            out.key = keyBefore(text, i);
            return out;
        }
    }
    return std::nullopt;
}

std::string describeJsonNumberOverflow(const JsonNumberOverflow& overflow)
{
    std::string number = overflow.number.size() > 40 ? overflow.number.substr(0, 40) + "..." : overflow.number;
    return "the number " + number + " is out of range (it does not fit a 64-bit float)";
}

} // namespace tb::core
