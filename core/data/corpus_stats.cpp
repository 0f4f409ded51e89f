// SPDX-License-Identifier: MIT
#include "core/data/corpus_stats.h"

#include "core/common/utf8.h"

#include <algorithm>
#include <cmath>
#include <iterator>
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

double subwordBytesPerToken(const TokenizerConfig& tokenizer)
{
    if (tokenizer.kind != "bpe" && tokenizer.kind != "unigram")
        return 0.0;
    // SentencePiece BPE on tinyshakespeare, byte fallback on (bench/tokenize_bench --vocab-size N): the vocabulary
    // and the bytes per token. 322 is the bare alphabet (64 characters, <unk>, byte pieces, specials).
    struct Point {
        double vocab;
        double bytesPerToken;
    };
    static constexpr Point kBpe[] = {{322, 1.0}, {500, 1.80}, {1000, 2.35}, {2000, 2.81}, {4000, 3.18}, {8000, 3.46}};
    constexpr double kUnigramFactor = 0.97; // unigram made 1.5-4% more tokens than bpe at every size measured
    constexpr double kPerDoublingAbove = 0.25;
    const double vocab = double(tokenizer.vocabSize > 0 ? tokenizer.vocabSize : 1000); // 0 means 1000
    double bpt = kBpe[0].bytesPerToken;
    if (vocab >= kBpe[std::size(kBpe) - 1].vocab) {
        const Point& last = kBpe[std::size(kBpe) - 1];
        bpt = last.bytesPerToken + kPerDoublingAbove * std::log2(vocab / last.vocab);
    } else {
        for (size_t i = 1; i < std::size(kBpe); ++i) {
            if (vocab <= kBpe[i].vocab) {
                const double t = vocab <= kBpe[i - 1].vocab
                                     ? 0.0
                                     : std::log(vocab / kBpe[i - 1].vocab) / std::log(kBpe[i].vocab / kBpe[i - 1].vocab);
                bpt = kBpe[i - 1].bytesPerToken + t * (kBpe[i].bytesPerToken - kBpe[i - 1].bytesPerToken);
                break;
            }
        }
    }
    return tokenizer.kind == "unigram" ? bpt * kUnigramFactor : bpt;
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
    } else if (const double bpt = subwordBytesPerToken(tokenizer); bpt > 0) {
        t.tokens = stats.textBytes > 0 ? std::max<int64_t>(1, std::llround(double(stats.textBytes) / bpt)) : 0;
        t.vocabSize = tokenizer.vocabSize > 0 ? tokenizer.vocabSize : 1000;
        t.estimated = true;
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
