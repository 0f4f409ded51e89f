// SPDX-License-Identifier: MIT
// From a corpus file to a TokenDataset the way a run needs it, whatever the file's size. Plain-text corpora are
// never held whole in memory: one streaming pass gives their hash, alphabet and first megabytes (enough to build
// any tokenizer), a second pass tokenizes them chunk by chunk into the on-disk token cache, which is then read as
// int32 ids (see stream_tokenize.h). JSONL corpora are loaded with loadCorpus as before. Pure functions.
#pragma once

#include "core/data/stream_tokenize.h"
#include "core/data/token_dataset.h"

#include <filesystem>
#include <string>

namespace tb::core {

struct CorpusSample {
    std::string hash;  // equal to loadCorpus(file).hash
    std::string text;  // what makeTokenizer() needs: the whole JSONL text, or a plain text's alphabet + head
    int64_t characters = 0;
};

/// The first pass. Throws InputError like loadCorpus.
CorpusSample sampleCorpus(const std::filesystem::path& file, const StreamOptions& options = {});

/// The corpus hash alone (one streaming pass for plain text).
std::string corpusHash(const std::filesystem::path& file, const StreamOptions& options = {});

/// Tokenizes `file` (reusing `cacheDir`'s cache when it holds this corpus and tokenizer) and splits it.
/// `knownHash` saves a pass when the caller has it. An unwritable cache directory falls back to tokenizing in
/// memory. Throws InputError for bad input or a split that would be empty.
TokenDataset loadTokenDataset(const std::filesystem::path& file, const Tokenizer& tokenizer, double valFraction,
                              const std::filesystem::path& cacheDir, const std::string& knownHash = {},
                              const StreamOptions& options = {});

} // namespace tb::core
