// SPDX-License-Identifier: MIT
#include "ui/bridge/training_worker.h"

#include "core/common/error.h"
#include "core/store/registry_observer.h"

#include <exception>
#include <filesystem>

namespace tb::ui {
namespace {

std::filesystem::path toPath(const QString& path)
{
    return std::filesystem::path(path.toStdString());
}

} // namespace

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) {}

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::run(const core::RunConfig& config, const QString& runDir, std::stop_token stop)
{
    execute([&](core::RegistryObserver*) { return core::Trainer::create(config, toPath(runDir)); }, std::move(stop));
}

void TrainingWorker::runResumed(const QString& runDir, std::stop_token stop)
{
    execute([&](core::RegistryObserver*) { return core::Trainer::resume(toPath(runDir)); }, std::move(stop));
}

void TrainingWorker::runInProject(const core::RunConfig& config, const QString& projectDir, const QString& name,
                                  const QString& runId, std::stop_token stop)
{
    execute([&](core::RegistryObserver* recorder) { return core::Trainer::create(config, recorder->runDirectory()); },
            std::move(stop), [&] {
                return core::RegistryObserver::createRun(toPath(projectDir), config, name.toStdString(), this,
                                                         runId.toStdString());
            });
}

void TrainingWorker::runResumedInProject(const QString& projectDir, const QString& runId, std::stop_token stop)
{
    execute([&](core::RegistryObserver* recorder) { return core::Trainer::resume(recorder->runDirectory()); },
            std::move(stop),
            [&] { return core::RegistryObserver::openRun(toPath(projectDir), runId.toStdString(), this); });
}

void TrainingWorker::execute(const TrainerFactory& makeTrainer, std::stop_token stop,
                             const RecorderFactory& makeRecorder)
{
    m_stop = stop;
    m_evalInterval = 0;
    m_throttle.invalidate();
    m_pendingStep.reset();
    try {
        if (stop.stop_requested()) {
            // Stopped (e.g. the session was destroyed) before the run began: leave nothing behind on disk.
            core::RunSummary summary;
            summary.status = core::RunStatus::Stopped;
            emit finished(core::TrainOutcome::Stopped, summary);
        } else {
            // The registry connection belongs to this (the training) thread; the recorder forwards every hook
            // to this worker after recording it.
            std::unique_ptr<core::RegistryObserver> recorder = makeRecorder ? makeRecorder() : nullptr;
            std::unique_ptr<core::Trainer> trainer;
            try {
                trainer = makeTrainer(recorder.get());
            } catch (...) {
                if (recorder) {
                    try {
                        recorder->discard(); // a new run that never trained leaves nothing behind
                    } catch (...) {
                    }
                }
                throw;
            }
            m_evalInterval = trainer->config().train.evalInterval;
            const core::TrainResult result = recorder ? recorder->train(*trainer, m_stop) : trainer->run(*this, m_stop);
            trainer.reset(); // free the model before anyone hears that the run is over
            recorder.reset();
            flushPendingStep();
            emit finished(result.outcome, result.summary);
        }
    } catch (const core::InputError& e) {
        flushPendingStep();
        emit failed(QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        flushPendingStep();
        emit failed(QStringLiteral("Training failed: %1").arg(QString::fromStdString(e.what())));
    } catch (...) {
        flushPendingStep();
        emit failed(QStringLiteral("Training failed with an unknown error."));
    }
    m_stop = {};
}

void TrainingWorker::resetControls()
{
    const std::lock_guard lock(m_mutex);
    m_paused = false;
    m_stepsToRun = 0;
    m_droppedSteps = 0;
}

void TrainingWorker::pause()
{
    const std::lock_guard lock(m_mutex);
    m_paused = true;
}

void TrainingWorker::continueTraining()
{
    {
        const std::lock_guard lock(m_mutex);
        m_paused = false;
        m_stepsToRun = 0;
    }
    m_wake.notify_all();
}

void TrainingWorker::stepOnce()
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_paused)
            ++m_stepsToRun;
        else
            m_paused = true;
    }
    m_wake.notify_all();
}

bool TrainingWorker::isPaused() const
{
    return m_paused.load();
}

int64_t TrainingWorker::droppedStepCount() const
{
    return m_droppedSteps.load();
}

void TrainingWorker::onStart(const core::RunInfo& info)
{
    emit started(info);
}

void TrainingWorker::onStep(const core::StepMetrics& metrics)
{
    // The trainer evaluates at the top of the next step when this one is a multiple of eval_interval, and once
    // more after the last step: deliver those steps so the chart's last point matches the eval's step.
    const bool evalFollows =
        metrics.step == metrics.maxSteps || (m_evalInterval > 0 && metrics.step % m_evalInterval == 0);
    if (evalFollows || m_paused.load() || !m_throttle.isValid() || m_throttle.elapsed() >= kMinStepIntervalMs) {
        deliverStep(metrics);
    } else {
        // Keep only the newest held-back step; it goes out with the next delivery opportunity (the next step
        // after the interval, any other hook, a pause or the end of the run), so the GUI lags by one step at most.
        if (m_pendingStep)
            ++m_droppedSteps;
        m_pendingStep = metrics;
    }
    waitWhilePaused(metrics.step);
}

void TrainingWorker::onEval(const core::EvalMetrics& metrics)
{
    flushPendingStep();
    emit evalFinished(metrics);
}

void TrainingWorker::onSamples(const core::SampleSet& samples)
{
    flushPendingStep();
    emit samplesReady(samples);
}

void TrainingWorker::onCheckpoint(const core::CheckpointInfo& checkpoint)
{
    flushPendingStep();
    emit checkpointSaved(checkpoint);
}

void TrainingWorker::onLog(core::LogLevel level, const std::string& message)
{
    flushPendingStep();
    emit logMessage(static_cast<int>(level), QString::fromStdString(message));
}

void TrainingWorker::deliverStep(const core::StepMetrics& metrics)
{
    if (m_pendingStep) {
        ++m_droppedSteps; // older than `metrics`, so superseded
        m_pendingStep.reset();
    }
    m_throttle.start();
    emit stepFinished(metrics);
}

void TrainingWorker::flushPendingStep()
{
    if (!m_pendingStep)
        return;
    const core::StepMetrics metrics = *m_pendingStep;
    m_pendingStep.reset();
    m_throttle.start();
    emit stepFinished(metrics);
}

void TrainingWorker::waitWhilePaused(int64_t step)
{
    std::unique_lock lock(m_mutex);
    auto released = [this] { return !m_paused.load() || m_stepsToRun > 0; };
    if (!released() && !m_stop.stop_requested()) {
        lock.unlock();
        flushPendingStep(); // the GUI shows the step the run stands at
        emit trainingPaused(step);
        lock.lock();
        // Blocks the training thread between two steps; a stop request on m_stop wakes it too.
        m_wake.wait(lock, m_stop, released);
    }
    if (m_paused.load() && m_stepsToRun > 0 && !m_stop.stop_requested())
        --m_stepsToRun; // this step is the one stepOnce() asked for; pause again after it
}

} // namespace tb::ui
