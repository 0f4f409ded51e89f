// SPDX-License-Identifier: MIT
// Runs one training run at a time and turns the core's observer hooks into Qt signals. It lives on
// TrainingSession's worker QThread: run() and runResumed() are invoked there with a queued invokeMethod and block
// that thread's event loop until the run ends, and every signal is emitted on the worker thread (TrainingSession
// forwards them to the GUI thread). pause(), continueTraining(), stepOnce(), resetControls(), isPaused() and
// droppedStepCount() are thread-safe direct calls, meant for the GUI thread; stop comes in through the
// std::stop_token handed to run(). Only TrainingSession creates one.
#pragma once

#include "core/io/run_config.h"
#include "core/store/run_dir.h"
#include "core/train/trainer.h"
#include "core/train/training_observer.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>

namespace tb::core {
class RegistryObserver;
}

namespace tb::ui {

class TrainingWorker : public QObject, private core::TrainingObserver {
    Q_OBJECT
public:
    /// Fewest milliseconds between two throttled stepFinished signals: at most 20 a second reach the GUI.
    static constexpr qint64 kMinStepIntervalMs = 50;

    explicit TrainingWorker(QObject* parent = nullptr);
    ~TrainingWorker() override;

    /// Worker thread. Creates a new run in `runDir` from `config` and trains it; returns when the run has ended
    /// with exactly one finished() or failed().
    void run(const core::RunConfig& config, const QString& runDir, std::stop_token stop);
    /// Worker thread. Continues the run in `runDir` from its latest checkpoint; otherwise as run().
    void runResumed(const QString& runDir, std::stop_token stop);
    /// Worker thread. As run(), for a new run `runId` of the project in `projectDir`: the project's registry is
    /// opened on this thread and records the run (status, curves, checkpoints, samples) while it trains. A run
    /// whose trainer cannot be built (bad input) is removed from the registry again; failed() says why.
    void runInProject(const core::RunConfig& config, const QString& projectDir, const QString& name,
                      const QString& runId, std::stop_token stop);
    /// Worker thread. Continues the project run `runId` from its latest checkpoint, recorded as runInProject().
    void runResumedInProject(const QString& projectDir, const QString& runId, std::stop_token stop);

    // Thread-safe controls (direct calls, never queued: run() keeps the worker's event loop busy).
    /// Clears pause and single-step requests and the dropped-step count. Call before queuing a run.
    void resetControls();
    /// The run blocks after the step in progress finishes (between steps, on the training thread).
    void pause();
    /// Lets a paused run go on.
    void continueTraining();
    /// While paused: runs exactly one more step, then pauses again (each call adds one step). While running:
    /// the same as pause(), so the run stops after the step in progress.
    void stepOnce();
    /// Whether a pause is requested (trainingPaused() says when the run actually blocked).
    bool isPaused() const;
    /// Steps of the current run whose stepFinished was dropped by the throttle.
    int64_t droppedStepCount() const;

signals:
    // All emitted on the worker (training) thread.
    void started(const tb::core::RunInfo& info);
    /// At most every kMinStepIntervalMs; the step before an evaluation, the last step, the step a pause stops at
    /// and the latest step before any other signal are always delivered.
    void stepFinished(const tb::core::StepMetrics& metrics);
    /// Never throttled.
    void evalFinished(const tb::core::EvalMetrics& metrics);
    /// The probe prompts' continuations, right after the evalFinished() of the same step. Never throttled.
    void samplesReady(const tb::core::SampleSet& samples);
    void checkpointSaved(const tb::core::CheckpointInfo& checkpoint);
    /// `level` is a core::LogLevel value.
    void logMessage(int level, const QString& message);
    /// The run is now blocked after `step` until continueTraining(), stepOnce() or a stop.
    void trainingPaused(qint64 step);
    /// The trainer returned: Completed, Stopped or Failed (a NaN/Inf loss; summary.error says why).
    void finished(tb::core::TrainOutcome outcome, const tb::core::RunSummary& summary);
    /// The trainer threw: bad input (InputError's message as is) or another error. No finished() follows.
    void failed(const QString& message);

private:
    using TrainerFactory = std::function<std::unique_ptr<core::Trainer>(core::RegistryObserver* recorder)>;
    using RecorderFactory = std::function<std::unique_ptr<core::RegistryObserver>()>;
    /// `makeRecorder` empty: a run outside any project.
    void execute(const TrainerFactory& makeTrainer, std::stop_token stop, const RecorderFactory& makeRecorder = {});

    // core::TrainingObserver, called on the training thread between steps.
    void onStart(const core::RunInfo& info) override;
    void onStep(const core::StepMetrics& metrics) override;
    void onEval(const core::EvalMetrics& metrics) override;
    void onSamples(const core::SampleSet& samples) override;
    void onCheckpoint(const core::CheckpointInfo& checkpoint) override;
    void onLog(core::LogLevel level, const std::string& message) override;

    void deliverStep(const core::StepMetrics& metrics);
    void flushPendingStep();
    void waitWhilePaused(int64_t step);

    // Shared between the training thread and the controlling thread; guarded by m_mutex (m_paused is also read
    // without it, as a hint).
    mutable std::mutex m_mutex;
    std::condition_variable_any m_wake;
    std::atomic<bool> m_paused{false};
    int64_t m_stepsToRun = 0;
    std::atomic<int64_t> m_droppedSteps{0};

    // Training thread only.
    std::stop_token m_stop;
    int64_t m_evalInterval = 0;
    QElapsedTimer m_throttle;
    std::optional<core::StepMetrics> m_pendingStep;
};

} // namespace tb::ui
