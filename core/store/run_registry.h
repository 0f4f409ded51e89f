// SPDX-License-Identifier: MIT
// The project's run registry: one SQLite database in WAL mode, <project>/tunebench.db, listing every run of the
// project folder with its config, status, parent, curves, checkpoints and probe samples (value types and folder
// layout: run_records.h). Every write is one transaction, so a crash leaves either the old or the new state; with
// synchronous=NORMAL a committed step survives kill -9 of the writing process.
//
// Threads: a RunRegistry owns one SQLite connection and is used by one thread at a time (open one per thread).
// Several objects, in this process or others, may open the same project at once: readers go on while one writer
// commits, and writers wait for each other up to kBusyTimeoutMs.
#pragma once

#include "core/io/run_config.h"
#include "core/store/run_records.h"
#include "core/train/training_observer.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace tb::core {

class RunRegistry {
public:
    static constexpr const char* kDatabaseFileName = "tunebench.db";
    static constexpr const char* kRunsFolderName = "runs";
    static constexpr int kSchemaVersion = 3;
    static constexpr int kBusyTimeoutMs = 10000;

    /// Opens the project in `projectDir`, creating the folder and an empty registry if needed. Throws InputError
    /// naming the database file when it is not a TuneBench registry (corrupt, foreign, from a newer version) or
    /// cannot be opened.
    explicit RunRegistry(const std::filesystem::path& projectDir);
    ~RunRegistry();
    RunRegistry(const RunRegistry&) = delete;
    RunRegistry& operator=(const RunRegistry&) = delete;

    /// Whether `dir` holds a registry (a tunebench.db file).
    static bool isProject(const std::filesystem::path& dir);
    /// A fresh run id: UTC time plus a random suffix, e.g. "20261129-174502-3fa9c1"; letters, digits and '-'.
    static std::string newRunId();
    /// Whether `id` could name a run folder (non-empty; letters, digits, '-', '_' and '.' but not only dots).
    static bool isValidRunId(const std::string& id);

    const std::filesystem::path& projectDir() const { return m_projectDir; }
    std::filesystem::path databaseFile() const { return m_projectDir / kDatabaseFileName; }
    std::filesystem::path runDirectory(const std::string& id) const;

    /// Registers a new run with status `running` and returns it; the run folder is `runDir` of the record, which
    /// this does not create. `id` empty: a fresh newRunId(). `name` empty: defaultRunName(). Throws InputError for
    /// an invalid or already used id.
    RunRecord createRun(const RunConfig& config, const std::string& name = {}, const std::string& parentRunId = {},
                        const std::string& parentCheckpoint = {}, const std::string& id = {});

    /// A readable name for a new run of `method`: the method and a counter of the project's runs of that method
    /// ("pretrain 1", "pretrain 2"), or with a parent, the method and the parent as method and counter ("sft of
    /// pretrain 1", "dpo of sft 1"). " (2)", " (3)", ... is added when a run already has that name.
    std::string defaultRunName(const std::string& method, const std::string& parentRunId = {}) const;

    /// Every run, newest first.
    std::vector<RunRecord> listRuns() const;
    std::optional<RunRecord> findRun(const std::string& id) const;
    /// The id of the run whose folder is `runDir`, if `runDir` is <this project>/runs/<id> of a registered run.
    std::optional<std::string> findRunByDirectory(const std::filesystem::path& runDir) const;
    /// The run's curve points, by step.
    std::vector<MetricPoint> metrics(const std::string& id) const;
    /// The run's checkpoint files (latest and best), by step.
    std::vector<CheckpointRecord> checkpoints(const std::string& id) const;
    /// The run's probe samples, by step, then in prompt order.
    std::vector<SampleRecord> samples(const std::string& id) const;

    /// Throws InputError for an unknown id.
    void rename(const std::string& id, const std::string& name);
    /// Deletes the run's rows and its folder. Throws InputError for an unknown id and Error while it is training.
    void remove(const std::string& id);

    /// Runs whose status is `running` but whose folder's lock is free died with their process: marks them
    /// `interrupted`, completes their curves from metrics.jsonl (steps logged there but not yet here), and returns
    /// their ids.
    std::vector<std::string> markInterruptedRuns();

    // Writers, used by RegistryObserver on the training thread. Each is one transaction; an unknown id throws
    // InputError.
    /// The run (re)starts at info.startStep: status running, error cleared, and any metrics, samples and
    /// checkpoint rows after startStep dropped (a resume goes on from its checkpoint, as metrics.jsonl does).
    void recordStart(const std::string& id, const RunInfo& info);
    void recordStep(const std::string& id, const StepMetrics& metrics);
    void recordEval(const std::string& id, const EvalMetrics& metrics);
    void recordCheckpoint(const std::string& id, const CheckpointInfo& checkpoint);
    void recordSamples(const std::string& id, const SampleSet& samples);
    /// The run ended: its status and the summary's figures (steps, losses, wall time, throughput, error).
    void recordEnd(const std::string& id, const RunSummary& summary);
    /// The run ended with an exception: status failed with `message`.
    void recordFailure(const std::string& id, const std::string& message);

private:
    void initialize();
    /// Migration to 3: the named values of every run's metrics.jsonl into metric_values.
    void backfillNamedValues();
    void requireRun(const std::string& id) const;
    int64_t importJournal(const std::string& id, const std::filesystem::path& runDir);

    std::filesystem::path m_projectDir;
    sqlite3* m_db = nullptr;
};

} // namespace tb::core
