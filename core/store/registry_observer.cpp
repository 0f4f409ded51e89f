// SPDX-License-Identifier: MIT
#include "core/store/registry_observer.h"

#include "core/common/error.h"

#include <exception>
#include <utility>

namespace tb::core {
namespace fs = std::filesystem;

RegistryObserver::RegistryObserver(std::unique_ptr<RunRegistry> registry, std::string id, RunLock lock, bool created,
                                   TrainingObserver* next)
    : m_registry(std::move(registry)), m_id(std::move(id)), m_runDir(m_registry->runDirectory(m_id)),
      m_lock(std::move(lock)), m_next(next), m_created(created)
{
}

namespace {

/// A fine-tuning run's parent: the id of the project's run that init_from names (empty when it lies outside the
/// project) and the checkpoint file it starts from (a run directory's latest, as the trainer takes it).
std::pair<std::string, std::string> parentOf(const RunRegistry& registry, const RunConfig& config)
{
    if (!config.isFineTuning() || config.initFrom.empty())
        return {};
    std::error_code ec;
    const fs::path from = fs::absolute(config.initFrom).lexically_normal();
    const bool isDir = fs::is_directory(from, ec);
    const fs::path checkpoint = isDir ? RunDirectory(from).latestCheckpoint() : from;
    const fs::path runDir = isDir ? from : from.parent_path().parent_path();
    return {registry.findRunByDirectory(runDir).value_or(""), checkpoint.string()};
}

} // namespace

std::unique_ptr<RegistryObserver> RegistryObserver::createRun(const fs::path& projectDir, const RunConfig& config,
                                                              const std::string& name, TrainingObserver* next,
                                                              const std::string& idIn)
{
    auto registry = std::make_unique<RunRegistry>(projectDir);
    const std::string id = idIn.empty() ? RunRegistry::newRunId() : idIn;
    if (!RunRegistry::isValidRunId(id))
        throw InputError(registry->databaseFile().string(), "run id", "'" + id + "' is not a valid run id");
    // Lock first, register second: another process never sees this run `running` with a free lock.
    const fs::path dir = registry->runDirectory(id);
    std::error_code ec;
    const bool existed = fs::exists(dir, ec);
    RunLock lock(dir);
    try {
        const auto [parentId, parentCheckpoint] = parentOf(*registry, config);
        registry->createRun(config, name, parentId, parentCheckpoint, id);
    } catch (...) {
        lock.release();
        if (!existed)
            fs::remove_all(dir, ec);
        throw;
    }
    return std::unique_ptr<RegistryObserver>(
        new RegistryObserver(std::move(registry), id, std::move(lock), true, next));
}

std::unique_ptr<RegistryObserver> RegistryObserver::openRun(const fs::path& projectDir, const std::string& id,
                                                            TrainingObserver* next)
{
    auto registry = std::make_unique<RunRegistry>(projectDir);
    if (!registry->findRun(id))
        throw InputError(registry->databaseFile().string(), "run id", "there is no run with id '" + id + "'");
    RunLock lock(registry->runDirectory(id));
    return std::unique_ptr<RegistryObserver>(
        new RegistryObserver(std::move(registry), id, std::move(lock), false, next));
}

RegistryObserver::~RegistryObserver()
{
    if (!m_ended && (m_started || m_created)) {
        try {
            m_registry->recordFailure(m_id, "the run ended without recording a result");
        } catch (...) {
            // Destructors do not throw; the lock is released below, so the run reads as interrupted at worst.
        }
    }
}

void RegistryObserver::end()
{
    m_ended = true;
    m_lock.release(); // only after the end is committed: a free lock with status running means "died"
}

TrainResult RegistryObserver::train(Trainer& trainer, std::stop_token stop)
{
    TrainResult result;
    try {
        result = trainer.run(*this, std::move(stop));
    } catch (const std::exception& e) {
        recordFailureQuietly(e.what());
        throw;
    } catch (...) {
        recordFailureQuietly("training failed with an unknown error");
        throw;
    }
    recordResult(result);
    return result;
}

void RegistryObserver::recordResult(const TrainResult& result)
{
    RunSummary summary = result.summary;
    // The outcome decides the status: a failed run never reads as completed, whatever the summary says.
    switch (result.outcome) {
    case TrainOutcome::Completed: summary.status = RunStatus::Completed; break;
    case TrainOutcome::Stopped: summary.status = RunStatus::Stopped; break;
    case TrainOutcome::Failed:
        summary.status = RunStatus::Failed;
        if (summary.error.empty())
            summary.error = "training failed";
        break;
    }
    m_registry->recordEnd(m_id, summary);
    end();
}

void RegistryObserver::recordFailure(const std::string& message)
{
    if (m_ended)
        return;
    if (m_started || m_created)
        m_registry->recordFailure(m_id, message.empty() ? std::string("training failed") : message);
    end();
}

void RegistryObserver::recordFailureQuietly(const std::string& message) noexcept
{
    try {
        recordFailure(message);
    } catch (...) {
        // The training error matters more than a registry write; the destructor tries once more.
    }
}

void RegistryObserver::discard()
{
    if (!m_created || m_started)
        return recordFailure("the run could not start");
    m_ended = true;
    m_lock.release();
    m_registry->remove(m_id);
}

void RegistryObserver::onStart(const RunInfo& info)
{
    m_registry->recordStart(m_id, info);
    m_started = true;
    if (m_next)
        m_next->onStart(info);
}

void RegistryObserver::onStep(const StepMetrics& metrics)
{
    m_registry->recordStep(m_id, metrics);
    if (m_next)
        m_next->onStep(metrics);
}

void RegistryObserver::onEval(const EvalMetrics& metrics)
{
    m_registry->recordEval(m_id, metrics);
    if (m_next)
        m_next->onEval(metrics);
}

void RegistryObserver::onCheckpoint(const CheckpointInfo& checkpoint)
{
    m_registry->recordCheckpoint(m_id, checkpoint);
    if (m_next)
        m_next->onCheckpoint(checkpoint);
}

void RegistryObserver::onSamples(const SampleSet& samples)
{
    m_registry->recordSamples(m_id, samples);
    if (m_next)
        m_next->onSamples(samples);
}

void RegistryObserver::onLog(LogLevel level, const std::string& message)
{
    if (m_next)
        m_next->onLog(level, message);
}

} // namespace tb::core
