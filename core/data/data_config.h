// SPDX-License-Identifier: MIT
// Where a run's text comes from and how it is split. Plain value type.
#pragma once

#include <string>
#include <vector>

namespace tb::core {

struct DataConfig {
    std::string corpus;          // path to a UTF-8 text file or a JSONL file of {"text": ...}
    double valFraction = 0.1;    // the last fraction of the token stream is validation (nanoGPT: first 90% train)
    std::string train;           // fine-tuning: a dataset in any supported format (docs/formats.md)
    std::string format;          // fine-tuning: the format of data.train; empty detects it
    std::vector<std::string> replace; // fine-tuning: "{{name}}=TuneBench" placeholder replacements in data.train
    std::string cacheDir;        // token cache; empty means $XDG_CACHE_HOME/tunebench/tokens (or ~/.cache/...)
};

} // namespace tb::core
