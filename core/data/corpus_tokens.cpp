// SPDX-License-Identifier: MIT
#include "core/data/corpus_tokens.h"

#include "core/common/error.h"
#include "core/data/corpus.h"

#include <algorithm>
#include <cctype>

namespace tb::core {
namespace fs = std::filesystem;

namespace {

/// Enough text to train a subword tokenizer on; sentencepiece samples sentences from it anyway.
constexpr size_t kTokenizerHeadBytes = size_t{32} << 20;

bool isJsonl(const fs::path& file)
{
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".jsonl";
}

} // namespace

CorpusSample sampleCorpus(const fs::path& file, const StreamOptions& options)
{
    CorpusSample sample;
    if (isJsonl(file)) {
        Corpus corpus = loadCorpus(file);
        sample.hash = corpus.hash;
        sample.characters = corpus.characters;
        sample.text = std::move(corpus.text);
        return sample;
    }
    CorpusScan scan = scanCorpus(file, kTokenizerHeadBytes, options);
    sample.hash = scan.text.hash;
    sample.characters = scan.text.characters;
    sample.text = scan.tokenizerSample();
    return sample;
}

std::string corpusHash(const fs::path& file, const StreamOptions& options)
{
    if (isJsonl(file))
        return loadCorpus(file).hash;
    return streamCorpusText(file, {}, options).hash;
}

TokenDataset loadTokenDataset(const fs::path& file, const Tokenizer& tokenizer, double valFraction,
                              const fs::path& cacheDir, const std::string& knownHash, const StreamOptions& options)
{
    if (!isJsonl(file) && !cacheDir.empty()) {
        std::optional<TokenizedFile> tokens;
        try {
            tokens = tokenizeFileToCache(file, tokenizer, cacheDir, options, knownHash);
        } catch (const InputError&) {
            throw;
        } catch (const std::exception&) {
            // The cache directory cannot be written: tokenize in memory below.
        }
        if (tokens && tokens->cancelled)
            throw Error("tokenizing " + file.string() + " was cancelled");
        if (tokens) {
            const TokenCacheKey key{tokens->corpusHash, tokenizer.fingerprint(), tokenizer.vocabSize()};
            if (auto data = TokenDataset::openCache(tokens->cacheFile, key, valFraction, tokens->fromCache))
                return std::move(*data);
        }
    }
    return TokenDataset::build(loadCorpus(file), tokenizer, valFraction, cacheDir);
}

} // namespace tb::core
