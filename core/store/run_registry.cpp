// SPDX-License-Identifier: MIT
#include "core/store/run_registry.h"

#include "core/common/error.h"
#include "core/store/run_dir.h"
#include "core/store/run_lock.h"
#include "core/store/run_registry_detail.h"
#include "core/store/sqlite_statement.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iterator>
#include <map>
#include <random>
#include <utility>

namespace tb::core {
namespace fs = std::filesystem;

using sqlite::exec;
using sqlite::Statement;
using sqlite::Transaction;
using registry_detail::storeNamedValues;

namespace {

// Version 1; kMigrations bring it to kSchemaVersion. A new version appends a migration (never edits this schema or an
// old migration), so a new database and a migrated one are the same.
constexpr const char* kSchema = R"sql(
CREATE TABLE runs (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    method            TEXT NOT NULL,
    status            TEXT NOT NULL,
    parent_run_id     TEXT REFERENCES runs(id) ON DELETE SET NULL,
    parent_checkpoint TEXT NOT NULL DEFAULT '',
    run_dir           TEXT NOT NULL,              -- relative to the project folder
    config_yaml       TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    steps             INTEGER NOT NULL DEFAULT 0,
    max_steps         INTEGER NOT NULL DEFAULT 0,
    best_val_loss     REAL,
    final_val_loss    REAL,
    wall_seconds      REAL NOT NULL DEFAULT 0,
    tokens_per_second REAL NOT NULL DEFAULT 0,
    parameter_count   INTEGER NOT NULL DEFAULT 0,
    error             TEXT NOT NULL DEFAULT ''
);
CREATE TABLE metrics (
    run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step              INTEGER NOT NULL,
    loss              REAL,
    eval_loss         REAL,
    eval_train_loss   REAL,
    learning_rate     REAL,
    grad_norm         REAL,
    tokens_per_second REAL,
    elapsed_seconds   REAL NOT NULL DEFAULT 0,
    tokens_seen       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
    run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path              TEXT NOT NULL,              -- relative to the run folder when inside it
    step              INTEGER NOT NULL,
    best              INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
CREATE TABLE samples (
    run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step              INTEGER NOT NULL,
    idx               INTEGER NOT NULL,
    prompt            TEXT NOT NULL,
    text              TEXT NOT NULL,
    PRIMARY KEY (run_id, step, idx)
) WITHOUT ROWID;
CREATE INDEX runs_by_parent ON runs(parent_run_id);
)sql";

/// kMigrations[i] takes a database from version i + 1 to i + 2.
constexpr const char* kMigrations[] = {
    // 2: fine-tuning: trainable parameters and the forgetting meter (before/after per run, per eval point).
    R"sql(
ALTER TABLE runs ADD COLUMN trainable_parameters INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN forgetting_before REAL;
ALTER TABLE runs ADD COLUMN forgetting_after REAL;
ALTER TABLE metrics ADD COLUMN forgetting_perplexity REAL;
)sql",
    // 3: the values a method adds, by name (DPO's eval_rewards/*, a reward model's eval_accuracy, ...), so a new
    // method needs no new column. Runs of version 2 get theirs from metrics.jsonl (backfillNamedValues).
    R"sql(
CREATE TABLE metric_values (
    run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step              INTEGER NOT NULL,
    name              TEXT NOT NULL,
    value             REAL NOT NULL,
    PRIMARY KEY (run_id, step, name)
) WITHOUT ROWID;
)sql",
};
static_assert(std::size(kMigrations) + 1 == RunRegistry::kSchemaVersion);

constexpr const char* kRunColumns =
    "id, name, method, status, parent_run_id, parent_checkpoint, run_dir, config_yaml, created_at, updated_at, "
    "steps, max_steps, best_val_loss, final_val_loss, wall_seconds, tokens_per_second, parameter_count, error, "
    "trainable_parameters, forgetting_before, forgetting_after";

RunStatus statusFromText(const std::string& text)
{
    for (RunStatus s : {RunStatus::Running, RunStatus::Completed, RunStatus::Stopped, RunStatus::Failed,
                        RunStatus::Interrupted})
        if (toString(s) == text)
            return s;
    return RunStatus::Failed; // written by a newer version; never shown as a success
}

} // namespace

void registry_detail::storeNamedValues(sqlite3* db, const std::string& id, int64_t step,
                                       const std::vector<NamedMetric>& values, bool replace)
{
    if (values.empty())
        return;
    Statement insert(db, replace ? "INSERT INTO metric_values (run_id, step, name, value) VALUES (?,?,?,?) "
                                   "ON CONFLICT (run_id, step, name) DO UPDATE SET value = excluded.value"
                                 : "INSERT OR IGNORE INTO metric_values (run_id, step, name, value) VALUES (?,?,?,?)");
    for (const NamedMetric& v : values) {
        if (!std::isfinite(v.value))
            continue;
        insert.bind(1, id).bind(2, step).bind(3, v.name).bind(4, v.value);
        insert.run();
    }
}

RunRegistry::RunRegistry(const fs::path& projectDir) : m_projectDir(fs::absolute(projectDir).lexically_normal())
{
    if (!m_projectDir.has_filename())
        m_projectDir = m_projectDir.parent_path(); // drop a trailing separator
    const fs::path file = databaseFile();
    std::error_code ec;
    fs::create_directories(m_projectDir / kRunsFolderName, ec);
    if (ec)
        throw InputError(m_projectDir.string(), "", "cannot create the project folder: " + ec.message());
    const int rc = sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    try {
        if (rc != SQLITE_OK)
            throw Error(m_db ? sqlite3_errmsg(m_db) : "out of memory");
        initialize();
    } catch (const InputError&) {
        sqlite3_close_v2(m_db);
        throw;
    } catch (const Error& e) {
        sqlite3_close_v2(m_db);
        std::string message = e.what();
        if (message.rfind(file.string() + ": ", 0) == 0)
            message.erase(0, file.string().size() + 2);
        throw InputError(file.string(), "", "is not a readable TuneBench run registry (" + message + ")");
    }
}

RunRegistry::~RunRegistry()
{
    sqlite3_close_v2(m_db);
}

void RunRegistry::initialize()
{
    sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
    sqlite3_extended_result_codes(m_db, 1);
    {
        // Reading the mode back is the first access to the file: a corrupt or foreign file fails here.
        Statement mode(m_db, "PRAGMA journal_mode=WAL");
        if (!mode.step() || mode.text(0) != "wal")
            throw Error("cannot switch to WAL journaling");
    }
    // NORMAL in WAL mode: a commit is durable against a killed process (the OS has the pages); only a power loss
    // may lose the last commits, never consistency.
    exec(m_db, "PRAGMA synchronous=NORMAL");
    exec(m_db, "PRAGMA foreign_keys=ON");

    Transaction tx(m_db); // two processes opening a new project at once: one creates, the other sees it
    int version = 0;
    {
        Statement v(m_db, "PRAGMA user_version");
        if (v.step())
            version = static_cast<int>(v.integer(0));
    }
    int64_t tables = 0;
    bool hasRuns = false;
    {
        Statement t(m_db, "SELECT name FROM sqlite_master WHERE type = 'table'");
        while (t.step()) {
            ++tables;
            hasRuns = hasRuns || t.text(0) == "runs";
        }
    }
    if (version > kSchemaVersion)
        throw InputError(databaseFile().string(), "",
                         "was written by a newer TuneBench (registry schema " + std::to_string(version) +
                             ", this version reads up to " + std::to_string(kSchemaVersion) + ")");
    if (version == 0) {
        if (tables > 0)
            throw InputError(databaseFile().string(), "", "is an SQLite database but not a TuneBench run registry");
        exec(m_db, kSchema);
        version = 1;
    } else if (!hasRuns) {
        throw InputError(databaseFile().string(), "", "is not a TuneBench run registry (it has no runs table)");
    }
    if (version < kSchemaVersion) {
        const int from = version;
        for (int v = version; v < kSchemaVersion; ++v)
            exec(m_db, kMigrations[v - 1]);
        exec(m_db, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
        if (from < 3)
            backfillNamedValues();
    }
    tx.commit();
}

bool RunRegistry::isProject(const fs::path& dir)
{
    std::error_code ec;
    return fs::is_regular_file(dir / kDatabaseFileName, ec);
}

std::string RunRegistry::newRunId()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "%06llx", static_cast<unsigned long long>(rng() & 0xffffffu));
    return std::string(stamp) + "-" + suffix;
}

bool RunRegistry::isValidRunId(const std::string& id)
{
    if (id.empty() || id.size() > 128 || std::all_of(id.begin(), id.end(), [](char c) { return c == '.'; }))
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
    });
}

fs::path RunRegistry::runDirectory(const std::string& id) const
{
    return m_projectDir / kRunsFolderName / id;
}

namespace {

RunRecord readRun(const Statement& s, const fs::path& projectDir)
{
    RunRecord r;
    r.id = s.text(0);
    r.name = s.text(1);
    r.method = s.text(2);
    r.status = statusFromText(s.text(3));
    r.parentRunId = s.text(4);
    r.parentCheckpoint = s.text(5);
    r.runDir = (projectDir / s.text(6)).lexically_normal();
    r.configYaml = s.text(7);
    r.createdAt = s.text(8);
    r.updatedAt = s.text(9);
    r.steps = s.integer(10);
    r.maxSteps = s.integer(11);
    r.bestValLoss = s.optionalReal(12);
    r.finalValLoss = s.optionalReal(13);
    r.wallSeconds = s.real(14);
    r.tokensPerSecond = s.real(15);
    r.parameterCount = s.integer(16);
    r.error = s.text(17);
    r.trainableParameters = s.integer(18);
    r.forgettingBefore = s.optionalReal(19);
    r.forgettingAfter = s.optionalReal(20);
    return r;
}

} // namespace

RunRecord RunRegistry::createRun(const RunConfig& config, const std::string& name, const std::string& parentRunId,
                                 const std::string& parentCheckpoint, const std::string& idIn)
{
    const std::string id = idIn.empty() ? newRunId() : idIn;
    if (!isValidRunId(id))
        throw InputError(databaseFile().string(), "run id",
                         "'" + id + "' is not a valid run id (letters, digits, '-', '_' and '.')");
    Transaction tx(m_db);
    if (findRun(id))
        throw InputError(databaseFile().string(), "run id", "a run with id '" + id + "' already exists");
    if (!parentRunId.empty() && !findRun(parentRunId))
        throw InputError(databaseFile().string(), "parent run", "there is no run with id '" + parentRunId + "'");
    const std::string now = utcTimestamp();
    Statement insert(m_db, "INSERT INTO runs (id, name, method, status, parent_run_id, parent_checkpoint, run_dir, "
                           "config_yaml, created_at, updated_at, max_steps) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    insert.bind(1, id)
        .bind(2, name.empty() ? defaultRunName(config.method, parentRunId) : name)
        .bind(3, config.method)
        .bind(4, toString(RunStatus::Running))
        .bindNullIfEmpty(5, parentRunId)
        .bind(6, parentCheckpoint)
        .bind(7, (fs::path(kRunsFolderName) / id).string())
        .bind(8, toYaml(config))
        .bind(9, now)
        .bind(10, now)
        .bind(11, config.train.maxSteps);
    insert.run();
    tx.commit();
    return *findRun(id);
}

std::string RunRegistry::defaultRunName(const std::string& method, const std::string& parentRunId) const
{
    const std::vector<RunRecord> runs = listRuns(); // newest first
    // A run's counter: its place among the project's runs of its method, oldest first.
    auto counter = [&](const std::string& m, size_t from) {
        return std::count_if(runs.begin() + static_cast<std::ptrdiff_t>(from), runs.end(),
                             [&](const RunRecord& r) { return r.method == m; });
    };
    std::string name = method + " " + std::to_string(counter(method, 0) + 1);
    for (size_t i = 0; i < runs.size(); ++i)
        if (!parentRunId.empty() && runs[i].id == parentRunId)
            name = method + " of " + runs[i].method + " " + std::to_string(counter(runs[i].method, i));
    auto taken = [&](const std::string& candidate) {
        return std::any_of(runs.begin(), runs.end(), [&](const RunRecord& r) { return r.name == candidate; });
    };
    std::string unique = name;
    for (int n = 2; taken(unique); ++n)
        unique = name + " (" + std::to_string(n) + ")";
    return unique;
}

std::vector<RunRecord> RunRegistry::listRuns() const
{
    Statement s(m_db, (std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY created_at DESC, rowid DESC").c_str());
    std::vector<RunRecord> runs;
    while (s.step())
        runs.push_back(readRun(s, m_projectDir));
    return runs;
}

std::optional<RunRecord> RunRegistry::findRun(const std::string& id) const
{
    Statement s(m_db, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?").c_str());
    s.bind(1, id);
    if (!s.step())
        return std::nullopt;
    return readRun(s, m_projectDir);
}

std::optional<std::string> RunRegistry::findRunByDirectory(const fs::path& runDir) const
{
    std::error_code ec;
    fs::path dir = fs::weakly_canonical(fs::absolute(runDir), ec);
    if (ec)
        return std::nullopt;
    if (!dir.has_filename())
        dir = dir.parent_path();
    const fs::path runs = fs::weakly_canonical(m_projectDir / kRunsFolderName, ec);
    if (ec || dir.parent_path() != runs)
        return std::nullopt;
    const std::string id = dir.filename().string();
    if (!findRun(id))
        return std::nullopt;
    return id;
}

void RunRegistry::requireRun(const std::string& id) const
{
    Statement s(m_db, "SELECT 1 FROM runs WHERE id = ?");
    s.bind(1, id);
    if (!s.step())
        throw InputError(databaseFile().string(), "run id", "there is no run with id '" + id + "'");
}

std::vector<MetricPoint> RunRegistry::metrics(const std::string& id) const
{
    Statement s(m_db, "SELECT step, loss, eval_loss, eval_train_loss, learning_rate, grad_norm, tokens_per_second, "
                      "elapsed_seconds, tokens_seen, forgetting_perplexity FROM metrics WHERE run_id = ? ORDER BY step");
    s.bind(1, id);
    std::vector<MetricPoint> points;
    while (s.step()) {
        MetricPoint p;
        p.step = s.integer(0);
        p.loss = s.optionalReal(1);
        p.evalLoss = s.optionalReal(2);
        p.evalTrainLoss = s.optionalReal(3);
        p.learningRate = s.optionalReal(4);
        p.gradNorm = s.optionalReal(5);
        p.tokensPerSecond = s.optionalReal(6);
        p.elapsedSeconds = s.real(7);
        p.tokensSeen = s.integer(8);
        p.forgettingPerplexity = s.optionalReal(9);
        points.push_back(p);
    }
    std::map<int64_t, size_t> byStep;
    for (size_t i = 0; i < points.size(); ++i)
        byStep[points[i].step] = i;
    Statement values(m_db, "SELECT step, name, value FROM metric_values WHERE run_id = ? ORDER BY step, name");
    values.bind(1, id);
    while (values.step()) {
        const auto it = byStep.find(values.integer(0));
        if (it != byStep.end())
            points[it->second].values.push_back({values.text(1), values.real(2)});
    }
    return points;
}

std::vector<CheckpointRecord> RunRegistry::checkpoints(const std::string& id) const
{
    Statement s(m_db, "SELECT c.step, c.path, c.best, c.created_at, r.run_dir FROM checkpoints c "
                      "JOIN runs r ON r.id = c.run_id WHERE c.run_id = ? ORDER BY c.step, c.best");
    s.bind(1, id);
    std::vector<CheckpointRecord> records;
    while (s.step()) {
        CheckpointRecord c;
        c.step = s.integer(0);
        const fs::path path = s.text(1);
        c.path = path.is_absolute() ? path : (m_projectDir / s.text(4) / path).lexically_normal();
        c.best = s.integer(2) != 0;
        c.createdAt = s.text(3);
        records.push_back(c);
    }
    return records;
}

std::vector<SampleRecord> RunRegistry::samples(const std::string& id) const
{
    Statement s(m_db, "SELECT step, prompt, text FROM samples WHERE run_id = ? ORDER BY step, idx");
    s.bind(1, id);
    std::vector<SampleRecord> records;
    while (s.step())
        records.push_back({s.integer(0), s.text(1), s.text(2)});
    return records;
}

void RunRegistry::rename(const std::string& id, const std::string& name)
{
    Transaction tx(m_db);
    requireRun(id);
    Statement s(m_db, "UPDATE runs SET name = ?, updated_at = ? WHERE id = ?");
    s.bind(1, name.empty() ? id : name).bind(2, utcTimestamp()).bind(3, id);
    s.run();
    tx.commit();
}

void RunRegistry::remove(const std::string& id)
{
    const std::optional<RunRecord> run = findRun(id);
    if (!run)
        throw InputError(databaseFile().string(), "run id", "there is no run with id '" + id + "'");
    const fs::path dir = runDirectory(id);
    if (RunLock::isLocked(dir))
        throw Error("run '" + run->name + "' is being trained; stop it before deleting it");
    {
        Transaction tx(m_db);
        Statement s(m_db, "DELETE FROM runs WHERE id = ?"); // metrics, checkpoints and samples cascade
        s.bind(1, id);
        s.run();
        tx.commit();
    }
    // Rows first: a folder left behind by a failed delete is only clutter; rows without a folder would lie.
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec)
        throw Error("run '" + run->name + "' was removed from the registry, but its folder " + dir.string() +
                    " could not be deleted: " + ec.message());
}


void RunRegistry::recordStart(const std::string& id, const RunInfo& info)
{
    Transaction tx(m_db);
    requireRun(id);
    for (const char* sql : {"DELETE FROM metrics WHERE run_id = ? AND step > ?",
                            "DELETE FROM metric_values WHERE run_id = ? AND step > ?",
                            "DELETE FROM samples WHERE run_id = ? AND step > ?",
                            "DELETE FROM checkpoints WHERE run_id = ? AND step > ?"}) {
        Statement s(m_db, sql);
        s.bind(1, id).bind(2, info.startStep);
        s.run();
    }
    Statement s(m_db, "UPDATE runs SET status = ?, error = '', final_val_loss = NULL, steps = ?, max_steps = ?, "
                      "parameter_count = ?, trainable_parameters = ?, updated_at = ? WHERE id = ?");
    s.bind(1, toString(RunStatus::Running))
        .bind(2, info.startStep)
        .bind(3, info.maxSteps)
        .bind(4, info.parameterCount)
        .bind(5, info.trainableParameters > 0 ? info.trainableParameters : info.parameterCount)
        .bind(6, utcTimestamp())
        .bind(7, id);
    s.run();
    tx.commit();
}

void RunRegistry::recordStep(const std::string& id, const StepMetrics& m)
{
    Transaction tx(m_db);
    Statement run(m_db, "UPDATE runs SET steps = ?, wall_seconds = ?, updated_at = ? WHERE id = ?");
    run.bind(1, m.step).bind(2, m.elapsedSeconds).bind(3, utcTimestamp()).bind(4, id);
    run.run();
    if (sqlite3_changes(m_db) == 0)
        throw InputError(databaseFile().string(), "run id", "there is no run with id '" + id + "'");
    Statement upsert(m_db, "INSERT INTO metrics (run_id, step, loss, learning_rate, grad_norm, tokens_per_second, "
                           "elapsed_seconds, tokens_seen) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (run_id, step) DO "
                           "UPDATE SET loss = excluded.loss, learning_rate = excluded.learning_rate, "
                           "grad_norm = excluded.grad_norm, tokens_per_second = excluded.tokens_per_second, "
                           "elapsed_seconds = excluded.elapsed_seconds, tokens_seen = excluded.tokens_seen");
    upsert.bind(1, id)
        .bind(2, m.step)
        .bind(3, m.loss)
        .bind(4, m.learningRate)
        .bind(5, m.gradNorm)
        .bind(6, m.tokensPerSecond)
        .bind(7, m.elapsedSeconds)
        .bind(8, m.tokensSeen);
    upsert.run();
    storeNamedValues(m_db, id, m.step, m.metrics, true);
    tx.commit();
}

void RunRegistry::recordEval(const std::string& id, const EvalMetrics& m)
{
    Transaction tx(m_db);
    requireRun(id);
    Statement upsert(m_db, "INSERT INTO metrics (run_id, step, eval_loss, eval_train_loss, elapsed_seconds, "
                           "forgetting_perplexity) VALUES (?,?,?,?,?,?) ON CONFLICT (run_id, step) DO UPDATE SET "
                           "eval_loss = excluded.eval_loss, eval_train_loss = excluded.eval_train_loss, "
                           "forgetting_perplexity = excluded.forgetting_perplexity");
    upsert.bind(1, id)
        .bind(2, m.step)
        .bind(3, m.valLoss)
        .bind(4, m.trainLoss)
        .bind(5, m.elapsedSeconds)
        .bind(6, m.forgettingPerplexity);
    upsert.run();
    storeNamedValues(m_db, id, m.step, m.metrics, true);
    // The first forgetting value is the "before" (step 0 is the parent's weights); the latest is the "after".
    Statement run(m_db, "UPDATE runs SET best_val_loss = ?, forgetting_before = COALESCE(forgetting_before, ?), "
                        "forgetting_after = COALESCE(?, forgetting_after), updated_at = ? WHERE id = ?");
    run.bind(1, std::isfinite(m.bestValLoss) ? std::optional<double>(m.bestValLoss) : std::nullopt)
        .bind(2, m.forgettingPerplexity)
        .bind(3, m.forgettingPerplexity)
        .bind(4, utcTimestamp())
        .bind(5, id);
    run.run();
    tx.commit();
}

void RunRegistry::recordCheckpoint(const std::string& id, const CheckpointInfo& checkpoint)
{
    Transaction tx(m_db);
    requireRun(id);
    // Stored relative to the run folder, so a moved project still finds its files.
    const fs::path runDir = runDirectory(id);
    fs::path path = fs::absolute(checkpoint.path).lexically_normal();
    const fs::path relative = path.lexically_relative(runDir);
    if (!relative.empty() && *relative.begin() != "..")
        path = relative;
    Statement upsert(m_db, "INSERT INTO checkpoints (run_id, path, step, best, created_at) VALUES (?,?,?,?,?) "
                           "ON CONFLICT (run_id, path) DO UPDATE SET step = excluded.step, best = excluded.best, "
                           "created_at = excluded.created_at");
    upsert.bind(1, id)
        .bind(2, path.string())
        .bind(3, checkpoint.step)
        .bind(4, int64_t{checkpoint.best ? 1 : 0})
        .bind(5, utcTimestamp());
    upsert.run();
    tx.commit();
}

void RunRegistry::recordSamples(const std::string& id, const SampleSet& set)
{
    Transaction tx(m_db);
    requireRun(id);
    {
        Statement clear(m_db, "DELETE FROM samples WHERE run_id = ? AND step = ?");
        clear.bind(1, id).bind(2, set.step);
        clear.run();
    }
    Statement insert(m_db, "INSERT INTO samples (run_id, step, idx, prompt, text) VALUES (?,?,?,?,?)");
    for (size_t i = 0; i < set.samples.size(); ++i) {
        insert.bind(1, id)
            .bind(2, set.step)
            .bind(3, static_cast<int64_t>(i))
            .bind(4, set.samples[i].prompt)
            .bind(5, set.samples[i].text);
        insert.run();
    }
    tx.commit();
}

void RunRegistry::recordEnd(const std::string& id, const RunSummary& summary)
{
    Transaction tx(m_db);
    requireRun(id);
    Statement s(m_db, "UPDATE runs SET status = ?, steps = ?, best_val_loss = COALESCE(?, best_val_loss), "
                      "final_val_loss = ?, wall_seconds = ?, tokens_per_second = ?, "
                      "parameter_count = CASE WHEN ? > 0 THEN ? ELSE parameter_count END, error = ?, "
                      "updated_at = ?, trainable_parameters = CASE WHEN ? > 0 THEN ? ELSE trainable_parameters END, "
                      "forgetting_before = COALESCE(?, forgetting_before), "
                      "forgetting_after = COALESCE(?, forgetting_after) WHERE id = ?");
    s.bind(1, toString(summary.status))
        .bind(2, summary.steps)
        .bind(3, summary.bestValLoss)
        .bind(4, summary.finalValLoss)
        .bind(5, summary.wallSeconds)
        .bind(6, summary.tokensPerSecond)
        .bind(7, summary.parameterCount)
        .bind(8, summary.parameterCount)
        .bind(9, summary.error)
        .bind(10, utcTimestamp())
        .bind(11, summary.trainableParameters)
        .bind(12, summary.trainableParameters)
        .bind(13, summary.forgettingBefore)
        .bind(14, summary.forgettingAfter)
        .bind(15, id);
    s.run();
    tx.commit();
}

void RunRegistry::recordFailure(const std::string& id, const std::string& message)
{
    Transaction tx(m_db);
    requireRun(id);
    Statement s(m_db, "UPDATE runs SET status = ?, error = ?, updated_at = ? WHERE id = ?");
    s.bind(1, toString(RunStatus::Failed)).bind(2, message).bind(3, utcTimestamp()).bind(4, id);
    s.run();
    tx.commit();
}

} // namespace tb::core
