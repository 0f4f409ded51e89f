// SPDX-License-Identifier: MIT
#include "ui/bridge/training_session.h"

#include "ui/bridge/training_worker.h"

#include "core/store/run_registry.h"

namespace tb::ui {

TrainingSession::TrainingSession(QObject* parent) : QObject(parent)
{
    registerMetaTypes();
    m_thread.setObjectName(QStringLiteral("TrainingSession worker"));
    m_worker = new TrainingWorker;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);

    // Queued: the worker emits on the training thread; these re-emit on this object's thread. All of them target
    // this object, so they are delivered in the order they were emitted.
    connect(m_worker, &TrainingWorker::started, this, &TrainingSession::started, Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::stepFinished, this, &TrainingSession::stepFinished, Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::evalFinished, this, &TrainingSession::evalFinished, Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::samplesReady, this, &TrainingSession::samplesReady, Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::checkpointSaved, this, &TrainingSession::checkpointSaved,
            Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::logMessage, this, &TrainingSession::logMessage, Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::trainingPaused, this, &TrainingSession::trainingPaused,
            Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::finished, this, &TrainingSession::handleFinished, Qt::QueuedConnection);
    connect(m_worker, &TrainingWorker::failed, this, &TrainingSession::handleFailed, Qt::QueuedConnection);

    m_thread.start();
}

TrainingSession::~TrainingSession()
{
    // The stop token also wakes a worker blocked in a pause. quit() takes effect once run() has returned.
    m_stop.request_stop();
    m_thread.quit();
    m_thread.wait();
}

bool TrainingSession::start(const core::RunConfig& config, const QString& runDir)
{
    if (m_running)
        return false;
    beginRun();
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, config, runDir, stop = m_stop.get_token()] { worker->run(config, runDir, stop); },
        Qt::QueuedConnection);
    return true;
}

bool TrainingSession::resume(const QString& runDir)
{
    if (m_running)
        return false;
    beginRun();
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, runDir, stop = m_stop.get_token()] { worker->runResumed(runDir, stop); },
        Qt::QueuedConnection);
    return true;
}

QString TrainingSession::startInProject(const core::RunConfig& config, const QString& projectDir, const QString& name)
{
    if (m_running)
        return {};
    beginRun();
    // The id is made here so the caller has it at once; the registry itself is only opened on the worker thread.
    const QString id = QString::fromStdString(core::RunRegistry::newRunId());
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, config, projectDir, name, id, stop = m_stop.get_token()] {
            worker->runInProject(config, projectDir, name, id, stop);
        },
        Qt::QueuedConnection);
    return id;
}

bool TrainingSession::resumeInProject(const QString& projectDir, const QString& runId)
{
    if (m_running)
        return false;
    beginRun();
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, projectDir, runId, stop = m_stop.get_token()] {
            worker->runResumedInProject(projectDir, runId, stop);
        },
        Qt::QueuedConnection);
    return true;
}

void TrainingSession::beginRun()
{
    // No run is in progress here: the previous one has emitted its last signal, so the worker no longer reads
    // its controls, and its stop token belongs to the old stop source.
    m_stop = std::stop_source();
    m_worker->resetControls();
    m_running = true;
}

void TrainingSession::requestStop()
{
    m_stop.request_stop();
}

void TrainingSession::pause()
{
    if (m_running)
        m_worker->pause();
}

void TrainingSession::continueTraining()
{
    m_worker->continueTraining();
}

void TrainingSession::stepOnce()
{
    if (m_running)
        m_worker->stepOnce();
}

bool TrainingSession::isRunning() const
{
    return m_running;
}

bool TrainingSession::isPaused() const
{
    return m_running && m_worker->isPaused();
}

int64_t TrainingSession::droppedStepCount() const
{
    return m_worker->droppedStepCount();
}

void TrainingSession::handleFinished(tb::core::TrainOutcome outcome, const tb::core::RunSummary& summary)
{
    m_running = false;
    emit finished(outcome, summary);
}

void TrainingSession::handleFailed(const QString& message)
{
    m_running = false;
    emit failed(message);
}

} // namespace tb::ui
