// SPDX-License-Identifier: MIT
// Pre-flight checks: what is wrong or risky about a run config before it starts, in plain words, each naming
// its key. Errors would make the run fail (or cannot work); warnings are legal but likely mistakes; infos are
// facts worth knowing. The GUI shows them live and disables Start on errors; the CLI prints them and refuses
// errors. Thread-safe (pure functions, except probeMachine reading /proc).
#pragma once

#include "core/data/corpus_stats.h"
#include "core/io/run_config.h"
#include "core/tokenizer/tokenizer.h"

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

/// What a fine-tuning run makes of data.train with its parent's tokenizer and context (fineTuneDataCounts).
struct FineTuneDataCounts {
    int64_t records = 0;    // records read from data.train (DPO: preference pairs)
    int64_t skipped = 0;    // left out: characters the parent's tokenizer cannot spell (sft.skip_unspellable)
    int64_t cut = 0;        // kept, but longer than the model's context: cut, so their ends are never trained
    int64_t valRecords = 0; // held out for validation (data.val_fraction)
    bool pairs = false;     // preference pairs (method dpo)
    std::string problem;    // why the run cannot use the data (the run's own InputError); the counts are 0 then
};

/// Reads data.train as the run will (the same loading, template, skipping and split; core/train/finetune.h and
/// dpo.h) with the parent's `tokenizer` and rows of `rowLength` tokens (the parent's block size, less prompt
/// tuning's virtual tokens). Reads the whole file: cheap for instruction sets of a few MB. Never throws for the
/// data: a problem goes into `problem`.
FineTuneDataCounts fineTuneDataCounts(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength);

/// The row length a fine-tuning run of `config` (with its parent's shape) trains on.
int64_t fineTuneRowLength(const RunConfig& config);

/// All findings for `config` on `machine`; `corpus` adds the checks that need the token counts of the split
/// (see splitTokens), `data` those about a fine-tuning run's data (most records skipped, examples cut by the
/// context, a validation split under 10 records, a DPO set under 20 pairs). Errors first, then warnings, then
/// infos.
std::vector<Finding> preflight(const RunConfig& config, const MachineInfo& machine,
                               const std::optional<TokenSplit>& corpus = std::nullopt,
                               const std::optional<FineTuneDataCounts>& data = std::nullopt);

/// A validation split smaller than this says little (a warning), and DPO on fewer pairs than this mostly
/// memorises them.
inline constexpr int64_t kMinValRecords = 10;
inline constexpr int64_t kMinDpoPairs = 20;

bool hasErrors(const std::vector<Finding>& findings);

/// "1.2 GB", "350 MB": a byte count for people.
std::string formatBytes(int64_t bytes);

} // namespace tb::core
