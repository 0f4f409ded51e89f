// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace tb::core {

struct TokenizerConfig {
    std::string kind = "char";     // "char" (vocabulary from the corpus) or "byte" (256 ids)
    std::string unknown = "unk";   // char only: what unseen characters become: "unk" (a reserved id), "error"
    int64_t vocabSize = 0;         // for trained tokenizers (sentencepiece); 0 = tokenizer's choice
};

} // namespace tb::core
