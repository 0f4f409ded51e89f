// SPDX-License-Identifier: MIT
// Pre-flight checks: what is wrong or risky about a run config before it starts, in plain words, each naming
// its key. Errors would make the run fail (or cannot work); warnings are legal but likely mistakes; infos are
// facts worth knowing. The GUI shows them live and disables Start on errors; the CLI prints them and refuses
// errors. Thread-safe (pure functions, except probeMachine reading /proc).
#pragma once

#include "core/data/corpus_stats.h"
#include "core/io/run_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tb::core {

enum class Severity { Error, Warning, Info };

/// "error", "warning", "info".
std::string toString(Severity severity);

struct Finding {
    Severity severity = Severity::Info;
    std::string key;     // the config key it is about; "" when none
    std::string message; // a plain-words sentence
};

struct MachineInfo {
    int64_t availableMemoryBytes = 0; // MemAvailable of /proc/meminfo; 0 when unknown
    int cores = 0;                    // std::thread::hardware_concurrency(); 0 when unknown
};

/// This machine's available memory and core count.
MachineInfo probeMachine();

/// All findings for `config` on `machine`; `corpus` adds the checks that need the token counts of the split
/// (see splitTokens). Errors first, then warnings, then infos.
std::vector<Finding> preflight(const RunConfig& config, const MachineInfo& machine,
                               const std::optional<TokenSplit>& corpus = std::nullopt);

bool hasErrors(const std::vector<Finding>& findings);

/// "1.2 GB", "350 MB": a byte count for people.
std::string formatBytes(int64_t bytes);

} // namespace tb::core
