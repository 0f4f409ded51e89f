// SPDX-License-Identifier: MIT
// The registry's recovery from the run folders: importing what reached metrics.jsonl and checkpoints/ but not the
// database (a process killed mid-run), marking such runs interrupted, and backfilling named values after the
// schema 3 migration. The rest of RunRegistry is in run_registry.cpp.
#include "core/store/run_registry.h"

#include "core/store/run_dir.h"
#include "core/store/run_lock.h"
#include "core/store/run_registry_detail.h"
#include "core/store/sqlite_statement.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstdio>
#include <set>

namespace tb::core {
namespace fs = std::filesystem;

using registry_detail::storeNamedValues;
using sqlite::Statement;
using sqlite::Transaction;

namespace {

std::optional<double> jsonNumber(const nlohmann::json& j, const char* key)
{
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number())
        return std::nullopt;
    return it->get<double>();
}

/// The metrics.jsonl keys that have columns of their own (or are no curve); every other number is a named value.
bool isColumnJournalKey(const std::string& key)
{
    static const std::set<std::string> keys = {"step",     "loss",      "eval_loss", "eval_train_loss", "learning_rate",
                                               "grad_norm", "tokens_per_second", "elapsed_s", "eta_s", "epoch",
                                               "best_val_loss", "forgetting_perplexity"};
    return keys.count(key) > 0;
}

/// The named values of one metrics.jsonl line.
std::vector<NamedMetric> journalNamedValues(const nlohmann::json& line)
{
    std::vector<NamedMetric> out;
    for (const auto& [key, value] : line.items())
        if (value.is_number() && !isColumnJournalKey(key))
            out.push_back({key, value.get<double>()});
    return out;
}

/// The step stored in a checkpoint's safetensors metadata, read from its header only (no tensors, no torch).
std::optional<int64_t> checkpointStepOnDisk(const fs::path& file)
{
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f)
        return std::nullopt;
    unsigned char lengthBytes[8] = {};
    std::optional<int64_t> step;
    if (std::fread(lengthBytes, 1, 8, f) == 8) {
        uint64_t length = 0;
        for (int i = 7; i >= 0; --i)
            length = (length << 8) | lengthBytes[i];
        if (length > 0 && length < (uint64_t(1) << 26)) {
            std::string header(length, '\0');
            if (std::fread(header.data(), 1, length, f) == length) {
                const nlohmann::json j = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
                if (j.is_object() && j.contains("__metadata__") && j["__metadata__"].is_object()) {
                    const auto& meta = j["__metadata__"];
                    if (meta.contains("step") && meta["step"].is_string()) {
                        try {
                            step = std::stoll(meta["step"].get<std::string>());
                        } catch (const std::exception&) {
                        }
                    }
                }
            }
        }
    }
    std::fclose(f);
    return step;
}

} // namespace

void RunRegistry::backfillNamedValues()
{
    std::vector<std::string> ids;
    {
        Statement s(m_db, "SELECT id FROM runs");
        while (s.step())
            ids.push_back(s.text(0));
    }
    for (const std::string& id : ids)
        for (const nlohmann::json& line : RunDirectory(runDirectory(id)).readMetrics())
            if (const auto step = jsonNumber(line, "step"))
                storeNamedValues(m_db, id, static_cast<int64_t>(*step), journalNamedValues(line), false);
}

int64_t RunRegistry::importJournal(const std::string& id, const fs::path& runDir)
{
    int64_t lastStep = 0;
    {
        Statement s(m_db, "SELECT COALESCE(MAX(step), 0) FROM metrics WHERE run_id = ?");
        s.bind(1, id);
        if (s.step())
            lastStep = s.integer(0);
    }
    const RunDirectory dir(runDir);
    // Only values the registry lacks are filled in (COALESCE keeps what the run recorded itself).
    Statement upsert(m_db, "INSERT INTO metrics (run_id, step, loss, eval_loss, eval_train_loss, learning_rate, "
                           "grad_norm, tokens_per_second, elapsed_seconds, forgetting_perplexity) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (run_id, step) DO UPDATE SET "
                           "forgetting_perplexity = COALESCE(forgetting_perplexity, excluded.forgetting_perplexity), "
                           "loss = COALESCE(loss, excluded.loss), eval_loss = COALESCE(eval_loss, excluded.eval_loss), "
                           "eval_train_loss = COALESCE(eval_train_loss, excluded.eval_train_loss), "
                           "learning_rate = COALESCE(learning_rate, excluded.learning_rate), "
                           "grad_norm = COALESCE(grad_norm, excluded.grad_norm), "
                           "tokens_per_second = COALESCE(tokens_per_second, excluded.tokens_per_second)");
    int64_t journalStep = lastStep;
    std::optional<double> best;
    for (const nlohmann::json& line : dir.readMetrics()) {
        const auto step = jsonNumber(line, "step");
        if (!step || *step < double(lastStep))
            continue;
        upsert.bind(1, id)
            .bind(2, static_cast<int64_t>(*step))
            .bind(3, jsonNumber(line, "loss"))
            .bind(4, jsonNumber(line, "eval_loss"))
            .bind(5, jsonNumber(line, "eval_train_loss"))
            .bind(6, jsonNumber(line, "learning_rate"))
            .bind(7, jsonNumber(line, "grad_norm"))
            .bind(8, jsonNumber(line, "tokens_per_second"))
            .bind(9, jsonNumber(line, "elapsed_s").value_or(0.0))
            .bind(10, jsonNumber(line, "forgetting_perplexity"));
        upsert.run();
        storeNamedValues(m_db, id, static_cast<int64_t>(*step), journalNamedValues(line), false);
        journalStep = std::max(journalStep, static_cast<int64_t>(*step));
        if (const auto b = jsonNumber(line, "best_val_loss"))
            best = b;
    }
    Statement update(m_db, "UPDATE runs SET steps = MAX(steps, ?), best_val_loss = COALESCE(?, best_val_loss) "
                           "WHERE id = ?");
    update.bind(1, journalStep).bind(2, best).bind(3, id);
    update.run();

    // The checkpoint files are the truth: a kill between a checkpoint's rename and its row leaves the row one
    // checkpoint behind (or missing). Checkpoint files are written atomically, so what is there is whole.
    for (const auto& [file, isBest] : {std::pair{dir.latestCheckpoint(), false}, std::pair{dir.bestCheckpoint(), true}}) {
        const std::string relative = file.lexically_relative(runDir).string();
        if (const auto step = checkpointStepOnDisk(file)) {
            Statement upsert(m_db, "INSERT INTO checkpoints (run_id, path, step, best, created_at) VALUES (?,?,?,?,?) "
                                   "ON CONFLICT (run_id, path) DO UPDATE SET step = excluded.step");
            upsert.bind(1, id).bind(2, relative).bind(3, *step).bind(4, int64_t{isBest ? 1 : 0}).bind(5, utcTimestamp());
            upsert.run();
        } else {
            Statement drop(m_db, "DELETE FROM checkpoints WHERE run_id = ? AND path = ?");
            drop.bind(1, id).bind(2, relative);
            drop.run();
        }
    }
    return journalStep;
}

std::vector<std::string> RunRegistry::markInterruptedRuns()
{
    std::vector<std::pair<std::string, std::string>> running;
    {
        Statement s(m_db, "SELECT id, run_dir FROM runs WHERE status = ?");
        s.bind(1, toString(RunStatus::Running));
        while (s.step())
            running.emplace_back(s.text(0), s.text(1));
    }
    std::vector<std::string> changed;
    for (const auto& [id, relativeDir] : running) {
        const fs::path dir = m_projectDir / relativeDir;
        if (RunLock::isLocked(dir))
            continue;
        // Decide inside the write transaction: a process that resumes the run takes the lock before it records
        // the start, so either we see its lock, or its start lands after this commit.
        Transaction tx(m_db);
        Statement status(m_db, "SELECT status FROM runs WHERE id = ?");
        status.bind(1, id);
        if (!status.step() || status.text(0) != toString(RunStatus::Running) || RunLock::isLocked(dir))
            continue;
        importJournal(id, dir);
        Statement update(m_db, "UPDATE runs SET status = ?, updated_at = ? WHERE id = ?");
        update.bind(1, toString(RunStatus::Interrupted)).bind(2, utcTimestamp()).bind(3, id);
        update.run();
        tx.commit();
        changed.push_back(id);
    }
    return changed;
}

} // namespace tb::core
