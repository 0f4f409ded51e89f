// SPDX-License-Identifier: MIT
#include "core/data/corpus_stats.h"

#include "core/common/utf8.h"

#include <cmath>
#include <filesystem>
#include <vector>

namespace tb::core {

std::optional<CorpusStats> scanCorpusStats(const Corpus& corpus, const std::function<bool(double)>& progress)
{
    CorpusStats s;
    s.path = corpus.path;
    s.format = corpus.format;
    s.hash = corpus.hash;
    s.documents = corpus.documents;
    std::error_code ec;
    const auto size = std::filesystem::file_size(corpus.path, ec);
    s.fileBytes = ec ? 0 : static_cast<int64_t>(size);

    const std::string_view text = corpus.text;
    s.textBytes = static_cast<int64_t>(text.size());
    std::vector<bool> seen(kMaxCodePoint + 1, false);
    constexpr size_t kChunk = size_t(1) << 20;
    size_t nextReport = kChunk;
    for (size_t i = 0; i < text.size();) {
        if (progress && i >= nextReport) {
            nextReport += kChunk;
            if (!progress(double(i) / double(text.size())))
                return std::nullopt;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        char32_t cp = c;
        uint32_t length = 1;
        if (c >= 0x80) {
            const Utf8Step step = decodeUtf8(text, i); // the loader validated the text already
            cp = step.codePoint;
            length = step.length;
        } else if (c == '\n') {
            ++s.lines;
        }
        if (!seen[cp]) {
            seen[cp] = true;
            ++s.distinctCharacters;
        }
        ++s.characters;
        i += length;
    }
    if (!text.empty() && text.back() != '\n')
        ++s.lines;
    if (progress && !progress(1.0))
        return std::nullopt;
    return s;
}

TokenSplit splitTokens(const CorpusStats& stats, const TokenizerConfig& tokenizer, double valFraction)
{
    TokenSplit t;
    if (!(valFraction >= 0.0 && valFraction < 1.0))
        return t;
    if (tokenizer.kind == "char") {
        t.tokens = stats.characters;
        t.vocabSize = stats.distinctCharacters + (tokenizer.unknown == "unk" ? 1 : 0);
    } else if (tokenizer.kind == "byte") {
        t.tokens = stats.textBytes;
        t.vocabSize = 256;
    } else {
        return t;
    }
    // As TokenDataset::fromTokens (nanoGPT: train = data[:int(n * 0.9)]).
    t.trainTokens = static_cast<int64_t>(std::floor(static_cast<double>(t.tokens) * (1.0 - valFraction)));
    t.valTokens = t.tokens - t.trainTokens;
    return t;
}

std::string textPreview(const std::string& text, size_t maxBytes)
{
    if (text.size() <= maxBytes)
        return text;
    size_t end = maxBytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end; // back up to the first byte of the character that would be cut
    return text.substr(0, end);
}

} // namespace tb::core
