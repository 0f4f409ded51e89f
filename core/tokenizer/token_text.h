// SPDX-License-Identifier: MIT
// How tokenizers show whitespace tokens to people (tokenText): the shared part of every tokenizer's display rule.
#pragma once

#include <optional>
#include <string>

namespace tb::core {

/// "\\n", "\\t", "\\r" and "␣" (U+2423 OPEN BOX) for newline, tab, carriage return and space; nullopt otherwise.
std::optional<std::string> visibleWhitespace(char32_t codePoint);

} // namespace tb::core
