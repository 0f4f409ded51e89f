// SPDX-License-Identifier: MIT
#include "core/data/corpus.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/common/json_text.h"
#include "core/common/utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

namespace tb::core {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool startsWithBom(std::string_view bytes) { return bytes.substr(0, kBom.size()) == kBom; }

bool isBlank(std::string_view text)
{
    for (const char c : text)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f')
            return false;
    return true;
}

/// 1-based line of byte `offset` in the original bytes. LF, CRLF and a lone CR each end a line, matching how the
/// text is normalised. Only called on the error path, so a linear scan is fine.
int64_t lineAt(std::string_view bytes, size_t offset)
{
    int64_t line = 1;
    for (size_t i = 0; i < offset && i < bytes.size(); ++i) {
        if (bytes[i] == '\n')
            ++line;
        else if (bytes[i] == '\r' && (i + 1 >= bytes.size() || bytes[i + 1] != '\n'))
            ++line;
    }
    return line;
}

/// Throws if `bytes` (the whole original file) holds a NUL byte at or after `from`.
void rejectNul(std::string_view bytes, size_t from, const std::string& origin)
{
    if (from >= bytes.size())
        return;
    const void* nul = std::memchr(bytes.data() + from, '\0', bytes.size() - from);
    if (nul == nullptr)
        return;
    const auto offset = static_cast<int64_t>(static_cast<const char*>(nul) - bytes.data());
    throw InputError(origin, "", "looks like a binary file (NUL byte at byte offset " + std::to_string(offset) + ")",
                     -1, offset);
}

[[noreturn]] void throwInvalidUtf8(std::string_view bytes, size_t pos, const Utf8Step& step, const std::string& origin)
{
    throw InputError(origin, "", "is not valid UTF-8: " + describeUtf8Fault(bytes, pos, step) +
                                     " (save the file as UTF-8)",
                     lineAt(bytes, pos), static_cast<int64_t>(pos));
}

/// Validates bytes[from..] as UTF-8 and, when `out` is given, appends them with CRLF and lone CR turned into LF.
/// Offsets in errors are offsets into `bytes`, i.e. into the original file.
void scanUtf8(std::string_view bytes, size_t from, const std::string& origin, std::string* out)
{
    const size_t n = bytes.size();
    size_t i = from;
    size_t runStart = from; // start of the pending run of bytes that are copied unchanged
    auto flush = [&](size_t end) {
        if (out != nullptr && end > runStart)
            out->append(bytes.data() + runStart, end - runStart);
    };
    while (i < n) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c < 0x80) {
            if (c == '\r') {
                flush(i);
                if (out != nullptr)
                    out->push_back('\n');
                i += (i + 1 < n && bytes[i + 1] == '\n') ? 2 : 1;
                runStart = i;
            } else {
                ++i;
            }
            continue;
        }
        const Utf8Step step = decodeUtf8(bytes, i);
        if (step.fault != Utf8Fault::None)
            throwInvalidUtf8(bytes, i, step, origin);
        i += step.length;
    }
    flush(n);
}

/// "a number", "an array", "null": a JSON value's type for messages.
std::string typeWithArticle(const nlohmann::json& value)
{
    if (value.is_null())
        return "null";
    if (value.is_array() || value.is_object())
        return std::string("an ") + value.type_name();
    return std::string("a ") + value.type_name();
}

/// The "text" string of one JSONL record. `lineStart` is the byte offset of the line in the original file.
std::string jsonlRecordText(std::string_view line, int64_t lineNo, size_t lineStart, const std::string& origin)
{
    const std::string kExpected = "expected an object like {\"text\": \"...\"}";
    nlohmann::json record;
    try {
        record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
        const size_t column = e.byte == 0 ? 1 : e.byte;
        const size_t offset = lineStart + std::min(column - 1, line.empty() ? 0 : line.size() - 1);
        throw InputError(origin, "text",
                         "line is not valid JSON (syntax error at column " + std::to_string(column) + "); " + kExpected,
                         lineNo, static_cast<int64_t>(offset));
    } catch (const nlohmann::json::exception& e) { // out_of_range: a number such as 1e999999 overflows a double
        if (const auto overflow = findJsonNumberOverflow(e.what(), line))
            throw InputError(origin, overflow->key, describeJsonNumberOverflow(*overflow), lineNo,
                             static_cast<int64_t>(lineStart + overflow->offset));
        throw InputError(origin, "", "line is not valid JSON: " + jsonErrorDetail(e.what()), lineNo,
                         static_cast<int64_t>(lineStart));
    }
    const auto at = static_cast<int64_t>(lineStart);
    if (!record.is_object())
        throw InputError(origin, "text", std::string("line is a JSON ") + record.type_name() + ", " + kExpected,
                         lineNo, at);
    const auto it = record.find("text");
    if (it == record.end())
        throw InputError(origin, "text", "the record has no \"text\" key; " + kExpected, lineNo, at);
    if (!it->is_string())
        throw InputError(origin, "text",
                         "\"text\" must be a string, but it is " + typeWithArticle(*it), lineNo, at);
    std::string text = normaliseNewlines(it->get<std::string>());
    if (text.find('\0') != std::string::npos)
        throw InputError(origin, "text", "\"text\" contains a NUL character (\\u0000)", lineNo, at);
    return text;
}

Corpus loadJsonl(const std::string& raw, const std::string& origin)
{
    const size_t start = startsWithBom(raw) ? kBom.size() : 0;
    rejectNul(raw, start, origin);
    scanUtf8(raw, start, origin, nullptr); // validate the whole file first so offsets are exact

    Corpus corpus;
    corpus.format = "jsonl";
    const std::string_view bytes(raw);
    int64_t lineNo = 1;
    size_t pos = start;
    while (pos < bytes.size()) {
        size_t end = bytes.find_first_of("\r\n", pos);
        if (end == std::string_view::npos)
            end = bytes.size();
        const std::string_view line = bytes.substr(pos, end - pos);
        if (!isBlank(line)) {
            if (corpus.documents > 0)
                corpus.text.push_back('\n');
            corpus.text += jsonlRecordText(line, lineNo, pos, origin);
            ++corpus.documents;
        }
        // Same line breaks as lineAt(): LF, CRLF, lone CR.
        if (end < bytes.size() && bytes[end] == '\r' && end + 1 < bytes.size() && bytes[end + 1] == '\n')
            ++end;
        pos = end + 1;
        ++lineNo;
    }
    if (corpus.documents == 0)
        throw InputError(origin, "", "is empty (no JSON lines)");
    if (isBlank(corpus.text))
        throw InputError(origin, "text", "is empty (every \"text\" is blank)");
    return corpus;
}

} // namespace

std::string normaliseNewlines(const std::string& text)
{
    if (text.find('\r') == std::string::npos)
        return text;
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\r') {
            out.push_back(text[i]);
            continue;
        }
        out.push_back('\n');
        if (i + 1 < text.size() && text[i + 1] == '\n')
            ++i;
    }
    return out;
}

std::string normaliseUtf8Text(std::string text, const std::string& origin)
{
    if (text.empty())
        throw InputError(origin, "", "is empty");
    const size_t start = startsWithBom(text) ? kBom.size() : 0;
    rejectNul(text, start, origin);
    std::string out;
    out.reserve(text.size() - start);
    scanUtf8(text, start, origin, &out);
    if (out.empty())
        throw InputError(origin, "", "is empty");
    if (isBlank(out))
        throw InputError(origin, "", "is empty (it contains only whitespace)");
    return out;
}

int64_t countCodePoints(std::string_view text)
{
    int64_t count = 0;
    for (const char c : text)
        count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return count;
}

Corpus loadCorpus(const std::filesystem::path& file)
{
    const std::string origin = file.string();
    std::string raw = readFile(file); // InputError: does not exist / is a directory / cannot be read
    if (raw.empty())
        throw InputError(origin, "", "is empty");

    Corpus corpus;
    std::string extension = file.extension().string();
    for (char& c : extension)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (extension == ".jsonl") {
        corpus = loadJsonl(raw, origin);
    } else {
        corpus.text = normaliseUtf8Text(std::move(raw), origin);
        corpus.format = "text";
        corpus.documents = 1;
    }
    corpus.path = origin;
    corpus.hash = hashHex(corpus.text);
    corpus.characters = countCodePoints(corpus.text);
    return corpus;
}

} // namespace tb::core
