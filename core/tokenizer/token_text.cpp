// SPDX-License-Identifier: MIT
#include "core/tokenizer/token_text.h"

namespace tb::core {

std::optional<std::string> visibleWhitespace(char32_t codePoint)
{
    switch (codePoint) {
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '\r': return "\\r";
    case ' ': return "\u2423"; // ␣ OPEN BOX, the usual visible space
    default: return std::nullopt;
    }
}

} // namespace tb::core
