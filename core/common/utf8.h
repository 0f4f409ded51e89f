// SPDX-License-Identifier: MIT
// Strict UTF-8 decoding shared by the corpus loader and the tokenizers. One step decodes one character and, for
// ill-formed input, says what is wrong (overlong, surrogate, above U+10FFFF, truncated, stray continuation byte)
// and how many bytes form the "maximal subpart" that Unicode (§3.9) recommends replacing by one U+FFFD.
// Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tb::core {

inline constexpr char32_t kReplacementChar = 0xFFFD;
inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

enum class Utf8Fault {
    None,
    StrayContinuation,   // 0x80..0xBF where a character should start
    InvalidByte,         // 0xF5..0xFF: never part of UTF-8
    Overlong,            // 0xC0, 0xC1, 0xE0 0x80..0x9F, 0xF0 0x80..0x8F
    Surrogate,           // 0xED 0xA0..0xBF: U+D800..U+DFFF
    AboveMax,            // 0xF4 0x90..0xBF: above U+10FFFF
    Truncated,           // the input ends inside a multi-byte character
    MissingContinuation, // a multi-byte character is cut short by a byte that is not a continuation byte
};

struct Utf8Step {
    char32_t codePoint = kReplacementChar; // U+FFFD when fault != None
    uint32_t length = 1;                   // bytes consumed: the character, or the maximal ill-formed subpart (>= 1)
    Utf8Fault fault = Utf8Fault::None;
};

/// Decodes the character starting at text[pos] (pos < text.size()).
Utf8Step decodeUtf8(std::string_view text, size_t pos);

/// Plain-words explanation of a fault found by decodeUtf8(text, pos), naming the bytes involved.
std::string describeUtf8Fault(std::string_view text, size_t pos, const Utf8Step& step);

/// Appends the UTF-8 encoding of a code point (which must be a valid scalar value).
void appendUtf8(std::string& out, char32_t codePoint);

/// Copy of `bytes` in which every ill-formed subsequence is replaced by U+FFFD: always valid UTF-8.
std::string sanitiseUtf8(std::string_view bytes);

/// "U+00E9" style name of a code point (at least four hex digits).
std::string codePointName(char32_t codePoint);

} // namespace tb::core
