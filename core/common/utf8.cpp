// SPDX-License-Identifier: MIT
#include "core/common/utf8.h"

#include <cstdio>

namespace tb::core {
namespace {

bool isContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

std::string hexByte(unsigned char b)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(b));
    return buf;
}

/// "E0 80 AF": the lead byte and the continuation bytes right after it (at most `count` bytes in all).
std::string hexSequence(std::string_view text, size_t pos, size_t count)
{
    std::string out;
    for (size_t i = 0; i < count && pos + i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[pos + i]);
        if (i > 0 && !isContinuation(b))
            break;
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(b));
        if (!out.empty())
            out += ' ';
        out += buf;
    }
    return out;
}

/// Number of bytes a character starting with `lead` has (1 for bytes that cannot start one).
size_t expectedLength(unsigned char lead)
{
    if (lead >= 0xF0 && lead <= 0xF7)
        return 4;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xC0 && lead <= 0xDF)
        return 2;
    return 1;
}

} // namespace

Utf8Step decodeUtf8(std::string_view text, size_t pos)
{
    const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + pos;
    const size_t avail = text.size() - pos;
    const unsigned char b0 = p[0];
    if (b0 < 0x80)
        return {b0, 1, Utf8Fault::None};
    if (b0 < 0xC0)
        return {kReplacementChar, 1, Utf8Fault::StrayContinuation};
    if (b0 < 0xC2)
        return {kReplacementChar, 1, Utf8Fault::Overlong};
    if (b0 > 0xF4)
        return {kReplacementChar, 1, Utf8Fault::InvalidByte};

    // Table 3-7 of the Unicode standard: the second byte's range depends on the lead byte.
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    Utf8Fault secondByteFault = Utf8Fault::MissingContinuation;
    char32_t cp = 0;
    if (b0 < 0xE0) {
        need = 1;
        cp = b0 & 0x1F;
    } else if (b0 < 0xF0) {
        need = 2;
        cp = b0 & 0x0F;
        if (b0 == 0xE0) {
            lo = 0xA0;
            secondByteFault = Utf8Fault::Overlong;
        } else if (b0 == 0xED) {
            hi = 0x9F;
            secondByteFault = Utf8Fault::Surrogate;
        }
    } else {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xF0) {
            lo = 0x90;
            secondByteFault = Utf8Fault::Overlong;
        } else if (b0 == 0xF4) {
            hi = 0x8F;
            secondByteFault = Utf8Fault::AboveMax;
        }
    }

    if (avail < 2)
        return {kReplacementChar, 1, Utf8Fault::Truncated};
    const unsigned char b1 = p[1];
    if (b1 < lo || b1 > hi)
        return {kReplacementChar, 1, isContinuation(b1) ? secondByteFault : Utf8Fault::MissingContinuation};
    cp = (cp << 6) | (b1 & 0x3F);
    for (size_t k = 2; k <= need; ++k) {
        if (k >= avail)
            return {kReplacementChar, static_cast<uint32_t>(k), Utf8Fault::Truncated};
        if (!isContinuation(p[k]))
            return {kReplacementChar, static_cast<uint32_t>(k), Utf8Fault::MissingContinuation};
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    return {cp, static_cast<uint32_t>(need + 1), Utf8Fault::None};
}

std::string describeUtf8Fault(std::string_view text, size_t pos, const Utf8Step& step)
{
    const auto lead = static_cast<unsigned char>(text[pos]);
    const std::string seq = hexSequence(text, pos, expectedLength(lead));
    switch (step.fault) {
    case Utf8Fault::None:
        return "no error";
    case Utf8Fault::StrayContinuation:
        return "byte " + hexByte(lead) + " is a continuation byte with no lead byte before it";
    case Utf8Fault::InvalidByte:
        return "byte " + hexByte(lead) + " never appears in UTF-8";
    case Utf8Fault::Overlong:
        return "overlong encoding (bytes " + seq + " use more bytes than the character needs)";
    case Utf8Fault::Surrogate:
        return "bytes " + seq + " encode a UTF-16 surrogate (U+D800..U+DFFF), which UTF-8 does not allow";
    case Utf8Fault::AboveMax:
        return "bytes " + seq + " encode a code point above U+10FFFF";
    case Utf8Fault::Truncated:
        return "the text ends in the middle of a multi-byte character (bytes " + seq + ")";
    case Utf8Fault::MissingContinuation:
        return "multi-byte character starting with byte " + hexByte(lead) + " is cut short by byte " +
               hexByte(static_cast<unsigned char>(text[pos + step.length]));
    }
    return "invalid UTF-8";
}

void appendUtf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string sanitiseUtf8(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    size_t i = 0;
    while (i < bytes.size()) {
        if (static_cast<unsigned char>(bytes[i]) < 0x80) {
            out += bytes[i++];
            continue;
        }
        const Utf8Step step = decodeUtf8(bytes, i);
        if (step.fault == Utf8Fault::None)
            out.append(bytes.data() + i, step.length);
        else
            appendUtf8(out, kReplacementChar);
        i += step.length;
    }
    return out;
}

std::string codePointName(char32_t cp)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return buf;
}

} // namespace tb::core
