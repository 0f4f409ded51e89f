// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace tb::core {

struct TokenizerConfig {
    std::string kind = "char";     // "char" (vocabulary from the corpus), "byte" (256 ids), "bpe" or "unigram"
    std::string unknown = "unk";   // char only: what unseen characters become: "unk" (a reserved id), "error"
    int64_t vocabSize = 0;         // bpe/unigram: pieces in the vocabulary; 0 = 1000, a size that suits small corpora
    double characterCoverage = 1.0; // bpe/unigram: share of the corpus's characters that get a piece (rest: bytes)
    bool byteFallback = true;      // bpe/unigram: unseen characters become UTF-8 byte pieces, so any text round-trips
};

} // namespace tb::core
