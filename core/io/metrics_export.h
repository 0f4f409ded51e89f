// SPDX-License-Identifier: MIT
// Exports runs' logged metrics as CSV for spreadsheets and pandas. Columns use TRL-style names:
//     [run,] step, loss, eval_loss, learning_rate, grad_norm, tokens_per_second, elapsed_s, tokens_seen,
//     forgetting_perplexity, eval_rewards/accuracies, eval_rewards/margins
// (the last three: fine-tuning's forgetting meter and DPO's rewards, on eval rows only).
// One row per MetricPoint; a value the point does not have is an empty cell. Several runs get a leading `run`
// column with the run's name. Fields are quoted as RFC 4180 says (a field holding a comma, a double quote, CR or LF
// is enclosed in double quotes, inner quotes doubled); lines end with "\n". Numbers are written in the shortest
// form that reads back exactly. Thread-safe (pure functions; writes are atomic).
#pragma once

#include "core/store/run_records.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tb::core {

/// DPO's evaluation rewards at one step (TRL's eval_rewards/accuracies and /margins). The registry's curves do not
/// hold them; readJournalRewards takes them from the run's metrics.jsonl.
struct StepRewards {
    std::optional<double> accuracy;
    std::optional<double> margin;
};
using RewardsByStep = std::map<int64_t, StepRewards>;

/// One run's curves, named for the `run` column, with its rewards (empty unless DPO).
struct RunMetrics {
    std::string runName;
    std::vector<MetricPoint> points;
    RewardsByStep rewards;
};

/// CSV of one run, without a `run` column. `rewards` fill the reward columns of the evaluation rows at their step.
std::string metricsCsv(const std::vector<MetricPoint>& points, const RewardsByStep& rewards = {});

/// CSV of several runs, one after the other, with a leading `run` column (also when there is only one run).
std::string metricsCsv(const std::vector<RunMetrics>& runs);

/// The rewards of a run directory's metrics.jsonl, by step: empty for a missing journal or a run without them
/// (torn or malformed lines are skipped, as everywhere the journal is read).
RewardsByStep readJournalRewards(const std::filesystem::path& runDir);

/// Writes metricsCsv(...) to `file` atomically. Throws Error on I/O failure (the old file stays).
void writeMetricsCsv(const std::filesystem::path& file, const std::vector<MetricPoint>& points,
                     const RewardsByStep& rewards = {});
void writeMetricsCsv(const std::filesystem::path& file, const std::vector<RunMetrics>& runs);

/// Splits RFC 4180 CSV text into rows of fields (quoted fields may hold commas, quotes and line breaks; "\r\n" and
/// "\n" both end a row). Throws InputError naming `origin` and the line for an unterminated quote.
std::vector<std::vector<std::string>> parseCsv(const std::string& text, const std::string& origin = "csv");

/// Quotes one field if RFC 4180 requires it.
std::string csvField(const std::string& value);

} // namespace tb::core
