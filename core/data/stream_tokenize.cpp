// SPDX-License-Identifier: MIT
#include "core/data/stream_tokenize.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/common/utf8.h"
#include "core/data/corpus.h"
#include "core/data/token_cache.h"

#include <algorithm>
#include <fstream>
#include <vector>

namespace tb::core {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr size_t kMaxUtf8Length = 4;

bool isBlankByte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool isContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// Validates and normalises one piece of the raw file (pieces never split a character or a CRLF pair) and keeps
/// the running position, line, hash and counts in file coordinates for exact error messages.
class Normaliser {
public:
    explicit Normaliser(std::string origin) : m_origin(std::move(origin)) {}

    /// Appends the normalised form of raw[0, n) to `out`. `base` is the piece's byte offset in the file.
    void feed(std::string_view raw, int64_t base, std::string& out)
    {
        size_t i = 0;
        size_t runStart = 0;
        auto flush = [&](size_t end) {
            if (end > runStart)
                out.append(raw.data() + runStart, end - runStart);
        };
        while (i < raw.size()) {
            const char c = raw[i];
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x80) {
                if (c == '\0')
                    throw InputError(m_origin, "",
                                     "looks like a binary file (NUL byte at byte offset " + std::to_string(base + int64_t(i)) + ")",
                                     -1, base + int64_t(i));
                if (c == '\r') {
                    flush(i);
                    out.push_back('\n');
                    i += (i + 1 < raw.size() && raw[i + 1] == '\n') ? 2 : 1;
                    runStart = i;
                    ++m_line;
                    continue;
                }
                if (c == '\n')
                    ++m_line;
                ++i;
                continue;
            }
            const Utf8Step step = decodeUtf8(raw, i);
            if (step.fault != Utf8Fault::None)
                throw InputError(m_origin, "",
                                 "is not valid UTF-8: " + describeUtf8Fault(raw, i, step) + " (save the file as UTF-8)",
                                 m_line, base + int64_t(i));
            i += step.length;
        }
        flush(raw.size());
    }

private:
    std::string m_origin;
    int64_t m_line = 1;
};

/// Where to cut `buffer` so the head holds whole lines (or, for a very long line, whole characters and no CR at
/// its end): the number of bytes to process now. 0 means: read more first.
size_t cutPoint(std::string_view buffer)
{
    const size_t lf = buffer.rfind('\n');
    if (lf != std::string_view::npos)
        return lf + 1;
    if (buffer.size() <= kMaxUtf8Length)
        return 0;
    size_t p = buffer.size() - kMaxUtf8Length;
    while (p > 0 && (isContinuation(buffer[p]) || buffer[p - 1] == '\r'))
        --p;
    return p;
}

} // namespace

StreamedText streamCorpusText(const fs::path& file, const std::function<void(std::string_view)>& onText,
                              const StreamOptions& options)
{
    const std::string origin = file.string();
    std::error_code ec;
    requireRegularFile(file); // a FIFO would block open(), /dev/zero would never end
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw InputError(origin, "", fs::exists(file, ec) ? "cannot be read (permission denied?)" : "does not exist");
    const auto total = static_cast<int64_t>(fs::file_size(file, ec));
    if (ec || total == 0)
        throw InputError(origin, "", "is empty");

    const size_t chunk = std::max<size_t>(options.chunkBytes, 64);
    StreamedText result;
    Normaliser normaliser(origin);
    Fnv1a64 hash;
    bool anyText = false;
    std::string buffer; // raw bytes not yet processed
    std::string out;
    int64_t consumed = 0; // file offset of buffer[0]
    int64_t read = 0;
    bool first = true;
    std::vector<char> block(chunk);
    for (;;) {
        if (options.stop.stop_requested()) {
            result.cancelled = true;
            return result;
        }
        in.read(block.data(), static_cast<std::streamsize>(chunk));
        const auto got = static_cast<size_t>(in.gcount());
        const bool eof = got < chunk;
        buffer.append(block.data(), got);
        read += static_cast<int64_t>(got);
        if (first && buffer.size() >= kBom.size()) {
            first = false;
            if (std::string_view(buffer).substr(0, kBom.size()) == kBom) {
                buffer.erase(0, kBom.size());
                consumed += static_cast<int64_t>(kBom.size());
            }
        }
        const size_t cut = eof ? buffer.size() : cutPoint(buffer);
        if (cut > 0) {
            out.clear();
            normaliser.feed(std::string_view(buffer).substr(0, cut), consumed, out);
            hash.update(out);
            result.bytes += static_cast<int64_t>(out.size());
            result.characters += countCodePoints(out);
            result.lines += std::count(out.begin(), out.end(), '\n');
            if (!anyText && !std::all_of(out.begin(), out.end(), isBlankByte))
                anyText = true;
            if (!out.empty() && onText)
                onText(out);
            buffer.erase(0, cut);
            consumed += static_cast<int64_t>(cut);
        }
        if (options.progress)
            options.progress(read, total);
        if (eof)
            break;
    }
    if (result.bytes == 0)
        throw InputError(origin, "", "is empty");
    if (!anyText)
        throw InputError(origin, "", "is empty (it contains only whitespace)");
    if (result.bytes > 0 && out.empty() == false && out.back() != '\n')
        ++result.lines;
    result.hash = hash.hex();
    return result;
}

CorpusScan scanCorpus(const fs::path& file, size_t headBytes, const StreamOptions& options)
{
    CorpusScan scan;
    std::vector<bool> seen(static_cast<size_t>(kMaxCodePoint) + 1, false);
    scan.text = streamCorpusText(
        file,
        [&](std::string_view text) {
            for (size_t i = 0; i < text.size();) {
                const Utf8Step step = decodeUtf8(text, i); // already validated
                seen[step.codePoint] = true;
                if (scan.head.size() < headBytes)
                    scan.head.append(text.data() + i, step.length);
                i += step.length;
            }
        },
        options);
    for (char32_t cp = 0; cp <= kMaxCodePoint; ++cp)
        if (seen[cp])
            appendUtf8(scan.alphabet, cp);
    return scan;
}

TokenizedFile tokenizeFileToCache(const fs::path& file, const Tokenizer& tokenizer, const fs::path& cacheDir,
                                  const StreamOptions& options, const std::string& knownHash)
{
    TokenizedFile result;
    StreamedText text;
    text.hash = knownHash;
    if (text.hash.empty()) {
        text = streamCorpusText(file, {}, options);
        if (text.cancelled) {
            result.cancelled = true;
            return result;
        }
    }
    const TokenCacheKey key{text.hash, tokenizer.fingerprint(), tokenizer.vocabSize()};
    result.corpusHash = text.hash;
    const fs::path target = tokenCacheFile(cacheDir, key);
    if (const auto count = checkTokenCache(target, key)) {
        result.cacheFile = target;
        result.tokens = *count;
        result.fromCache = true;
        return result;
    }
    const int64_t written = writeTokenCacheStreaming(target, key, [&](const auto& append) {
        const StreamedText again = streamCorpusText(
            file, [&](std::string_view piece) { append(tokenizer.encode(piece)); }, options);
        if (!again.cancelled && again.hash != text.hash)
            throw InputError(file.string(), "", "changed while it was being tokenized; try again");
        return !again.cancelled;
    });
    if (written < 0) {
        result.cancelled = true;
        return result;
    }
    result.cacheFile = target;
    result.tokens = written;
    return result;
}

} // namespace tb::core
