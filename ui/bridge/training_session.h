// SPDX-License-Identifier: MIT
// The GUI's handle on training: owns a worker QThread and the TrainingWorker on it, starts or resumes one run at a
// time there, and re-emits the worker's signals on the session's own thread. Create and use it from one thread, the
// GUI thread; it is not thread-safe itself. The control calls (requestStop, pause, continueTraining, stepOnce) are
// direct and never block, because the worker's event loop is busy while a run trains. Destroying the session stops
// the run and joins the thread (within one training step, or after a data load or an evaluation in progress).
#pragma once

#include "core/io/run_config.h"
#include "ui/bridge/metatypes.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <cstdint>
#include <stop_token>

namespace tb::ui {

class TrainingWorker;

class TrainingSession : public QObject {
    Q_OBJECT
public:
    explicit TrainingSession(QObject* parent = nullptr);
    /// Requests a stop, wakes a paused run, quits the worker thread and waits for it.
    ~TrainingSession() override;

    TrainingSession(const TrainingSession&) = delete;
    TrainingSession& operator=(const TrainingSession&) = delete;

    /// Starts a new run in `runDir` (which must not hold a run yet). Returns false, doing nothing, while a run is
    /// in progress. Bad input arrives as failed().
    bool start(const core::RunConfig& config, const QString& runDir);
    /// Continues the run in `runDir` from its latest checkpoint. Returns false while a run is in progress.
    bool resume(const QString& runDir);
    /// Starts a new run in the project folder `projectDir` (created with its registry, tunebench.db, if needed).
    /// The run gets a fresh id, lives in <project>/runs/<id>, and the registry records its status, curves,
    /// checkpoints and samples from the training thread. Returns the id, or an empty string, doing nothing,
    /// while a run is in progress. Bad input arrives as failed() and leaves no run in the registry.
    QString startInProject(const core::RunConfig& config, const QString& projectDir, const QString& name = {});
    /// Continues the project run `runId` from its latest checkpoint, with the registry following it (running,
    /// then completed, stopped or failed). Returns false while a run is in progress.
    bool resumeInProject(const QString& projectDir, const QString& runId);
    /// Asks the run to stop after the step in progress (it saves a checkpoint and ends with finished(Stopped)).
    /// Also wakes a paused run.
    void requestStop();
    /// The run blocks after the step in progress; trainingPaused() says when it did.
    void pause();
    /// A paused run goes on.
    void continueTraining();
    /// While paused: exactly one more step, then paused again. While running: like pause().
    void stepOnce();

    /// From start()/resume() until finished() or failed() has been delivered.
    bool isRunning() const;
    /// A pause is requested for the current run.
    bool isPaused() const;
    /// Steps of the current run that the 20 Hz throttle did not deliver as stepFinished().
    int64_t droppedStepCount() const;

signals:
    // Emitted by the worker on the training thread and re-emitted here through queued connections: every signal
    // below is emitted on the session's thread (the GUI thread), in the order the worker emitted it.
    void started(const tb::core::RunInfo& info);
    /// Throttled to at most 20 Hz; the step before each evaluation and the last step are always delivered.
    void stepFinished(const tb::core::StepMetrics& metrics);
    /// Never throttled.
    void evalFinished(const tb::core::EvalMetrics& metrics);
    /// The probe prompts' continuations, right after the evalFinished() of the same step. Never throttled.
    void samplesReady(const tb::core::SampleSet& samples);
    void checkpointSaved(const tb::core::CheckpointInfo& checkpoint);
    /// `level` is a core::LogLevel value.
    void logMessage(int level, const QString& message);
    /// The run is blocked after `step` (pause() or stepOnce() took effect).
    void trainingPaused(qint64 step);
    /// The run ended: Completed, Stopped, or Failed when the loss diverged (summary.error has the message).
    /// isRunning() is already false here.
    void finished(tb::core::TrainOutcome outcome, const tb::core::RunSummary& summary);
    /// The run could not start or threw (bad input, I/O error); for bad input the message is InputError's, naming
    /// the file and key. No finished() follows. isRunning() is already false here.
    void failed(const QString& message);

private:
    void beginRun();
    void handleFinished(tb::core::TrainOutcome outcome, const tb::core::RunSummary& summary);
    void handleFailed(const QString& message);

    QThread m_thread;
    TrainingWorker* m_worker = nullptr; // lives on m_thread; no parent, deleted on QThread::finished
    std::stop_source m_stop;            // one per run; its token goes to the worker with the run
    bool m_running = false;
};

} // namespace tb::ui
