// SPDX-License-Identifier: MIT
// The value types of the project's run registry (core/store/run_registry.h): one SQLite database (WAL) per project folder that lists every run with its config,
// status, parent, metrics, checkpoints and probe samples. Run directories (config.yaml, metrics.jsonl,
// checkpoints/) stay the source of the weights; the registry is what the GUI lists, plots and diffs.
//
// A project folder looks like
//     <project>/tunebench.db          the registry (+ -wal, -shm)
//     <project>/runs/<run id>/        one RunDirectory per run
//
// Threads: one RunRegistry object per thread. Several objects (threads or processes) may open the same project at
// once: WAL lets readers go on while one writer commits. A run that is being trained holds an exclusive lock on
// its run directory's `.lock` file; a run whose status is still `running` but whose lock is free died with its
// process and is reported as `interrupted` (see markInterruptedRuns).
//
// These plain structs are the contract between the registry, the CLI, the bridge and the panels, so panels can be
// fed and tested without a database.
#pragma once

#include "core/io/run_config.h"
#include "core/store/run_dir.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tb::core {

/// One row of the runs table.
struct RunRecord {
    std::string id;                     // stable, unique in the project, also the folder name under runs/
    std::string name;                   // shown to the user; rename changes only this
    std::string method = "pretrain";    // pretrain, sft, lora, prompt_tuning, ...
    RunStatus status = RunStatus::Running;
    std::string parentRunId;            // empty when the run starts from scratch
    std::string parentCheckpoint;       // path of the checkpoint it started from, if any
    std::filesystem::path runDir;       // absolute
    std::string configYaml;             // the resolved config, as toYaml() writes it
    std::string createdAt;              // ISO 8601 UTC
    std::string updatedAt;
    int64_t steps = 0;
    int64_t maxSteps = 0;
    std::optional<double> bestValLoss;
    std::optional<double> finalValLoss;
    double wallSeconds = 0;
    double tokensPerSecond = 0;
    int64_t parameterCount = 0;
    int64_t trainableParameters = 0;
    std::optional<double> forgettingBefore;  // fine-tuning: perplexity on the parent's held-out text before/after
    std::optional<double> forgettingAfter;
    std::string error;                  // failed runs: the message
};

/// One logged point of a run's curves (a training step, an evaluation, or both at the same step).
struct MetricPoint {
    int64_t step = 0;
    std::optional<double> loss;            // training loss of the step
    std::optional<double> evalLoss;        // validation loss (eval points only)
    std::optional<double> evalTrainLoss;   // training loss on the fixed eval batches (eval points only)
    std::optional<double> learningRate;
    std::optional<double> gradNorm;
    std::optional<double> tokensPerSecond;
    std::optional<double> forgettingPerplexity; // fine-tuning eval points: the forgetting meter
    std::vector<NamedMetric> values;            // what the method adds, by metrics.jsonl name (eval_rewards/*, ...)
    double elapsedSeconds = 0;
    int64_t tokensSeen = 0;
};

struct CheckpointRecord {
    int64_t step = 0;
    std::filesystem::path path;
    bool best = false;
    std::string createdAt;
};

/// One probe prompt's continuation at one evaluation (the Samples timeline).
struct SampleRecord {
    int64_t step = 0;
    std::string prompt;
    std::string text;    // the generated continuation only
};

} // namespace tb::core
