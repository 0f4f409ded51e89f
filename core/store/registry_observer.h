// SPDX-License-Identifier: MIT
// Records one run into its project's registry while it trains: a TrainingObserver that writes every hook (start,
// step, eval, checkpoint, samples) into the registry, one transaction each, and then forwards the hook to another
// observer (the CLI's progress printer, the bridge's worker), so the two compose without a tee. It holds the run's
// RunLock from creation until the end is recorded, which is what tells other processes the run is alive.
//
// Use: createRun() or openRun(), build the Trainer on the recorder's runDirectory(), then train(trainer, stop),
// which records completed / stopped / failed from the TrainResult, or failed with the message of an exception (and
// rethrows it). If the Trainer cannot be built, discard() a new run (nothing was trained, nothing is kept) or
// recordFailure() the message.
//
// A registry write that fails (disk full, database locked past the busy timeout) throws out of the hook, so the run
// ends as failed with that message rather than training on unrecorded.
//
// Threads: create, use and destroy it on the training thread; it opens its own registry connection there.
#pragma once

#include "core/store/run_lock.h"
#include "core/store/run_registry.h"
#include "core/train/trainer.h"
#include "core/train/training_observer.h"

#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>

namespace tb::core {

class RegistryObserver : public TrainingObserver {
public:
    /// Registers a new run in the project (status running) with its lock held. `id` empty: a fresh one.
    /// Throws InputError for a bad project database or id.
    static std::unique_ptr<RegistryObserver> createRun(const std::filesystem::path& projectDir, const RunConfig& config,
                                                       const std::string& name = {},
                                                       TrainingObserver* next = nullptr,
                                                       const std::string& id = {});
    /// An existing run of the project, to resume it. Throws InputError for an unknown id and Error if another
    /// process is training it. Its status changes only when the run starts (onStart).
    static std::unique_ptr<RegistryObserver> openRun(const std::filesystem::path& projectDir, const std::string& id,
                                                     TrainingObserver* next = nullptr);

    /// Records a failure if the run started (or was created) and no end was recorded, then releases the lock.
    ~RegistryObserver() override;
    RegistryObserver(const RegistryObserver&) = delete;
    RegistryObserver& operator=(const RegistryObserver&) = delete;

    const std::string& runId() const { return m_id; }
    const std::filesystem::path& runDirectory() const { return m_runDir; }
    RunRegistry& registry() { return *m_registry; }
    /// Hooks are forwarded here after they are recorded (nullptr: none).
    void setNext(TrainingObserver* next) { m_next = next; }

    /// trainer.run(*this, stop), then records its outcome; an exception is recorded as failed with its message
    /// and rethrown. Releases the lock once the end is committed.
    TrainResult train(Trainer& trainer, std::stop_token stop = {});
    /// Records the end of a run that this observer watched.
    void recordResult(const TrainResult& result);
    /// Records `message` as the run's failure. For an opened run that never started, nothing changes: the run
    /// keeps the status it had (interrupted, stopped, ...).
    void recordFailure(const std::string& message);
    /// For a new run whose Trainer could not be built: removes its rows and folder.
    void discard();

    void onStart(const RunInfo& info) override;
    void onStep(const StepMetrics& metrics) override;
    void onEval(const EvalMetrics& metrics) override;
    void onCheckpoint(const CheckpointInfo& checkpoint) override;
    void onSamples(const SampleSet& samples) override;
    void onLog(LogLevel level, const std::string& message) override;

private:
    RegistryObserver(std::unique_ptr<RunRegistry> registry, std::string id, RunLock lock, bool created,
                     TrainingObserver* next);
    void end();
    void recordFailureQuietly(const std::string& message) noexcept;

    std::unique_ptr<RunRegistry> m_registry;
    std::string m_id;
    std::filesystem::path m_runDir;
    RunLock m_lock;
    TrainingObserver* m_next = nullptr;
    bool m_created = false; // createRun(): the row is ours from the start
    bool m_started = false; // onStart() was recorded
    bool m_ended = false;   // an end, a failure or a discard was recorded
};

} // namespace tb::core
