// SPDX-License-Identifier: MIT
// TrainingSession end to end on tiny CPU runs: signal order and thread, stop, pause/step/continue, the destructor
// joining a running or paused run, failures as failed(), resume, and the 20 Hz step throttle.
#include "core/store/run_dir.h"
#include "tests/bridge/session_fixtures.h"
#include "ui/bridge/training_session.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <memory>
#include <random>

using namespace tb::core;
using tb::test::tinyConfig;
using tb::test::writeCorpus;
using tb::ui::TrainingSession;

namespace {

constexpr int kTimeoutMs = 60000;

StepMetrics stepAt(const QSignalSpy& spy, qsizetype i)
{
    return spy.at(i).at(0).value<StepMetrics>();
}

RunSummary finishedSummary(const QSignalSpy& finishedSpy)
{
    return finishedSpy.last().at(1).value<RunSummary>();
}

TrainOutcome finishedOutcome(const QSignalSpy& finishedSpy)
{
    return finishedSpy.last().at(0).value<TrainOutcome>();
}

/// Every session signal in arrival order ("started", "step 3", "eval 10", ...), and how many of them arrived on a
/// thread other than the test's.
struct SignalLog {
    QStringList events;
    int offThread = 0;

    void attach(TrainingSession& session, QObject* context)
    {
        QThread* const expected = QThread::currentThread();
        auto note = [this, expected](const QString& event) {
            events << event;
            if (QThread::currentThread() != expected)
                ++offThread;
        };
        QObject::connect(&session, &TrainingSession::started, context, [note](const RunInfo&) { note("started"); });
        QObject::connect(&session, &TrainingSession::stepFinished, context,
                         [note](const StepMetrics& m) { note(QStringLiteral("step %1").arg(m.step)); });
        QObject::connect(&session, &TrainingSession::evalFinished, context,
                         [note](const EvalMetrics& m) { note(QStringLiteral("eval %1").arg(m.step)); });
        QObject::connect(&session, &TrainingSession::samplesReady, context, [note](const SampleSet& s) {
            note(QStringLiteral("samples %1 x%2").arg(s.step).arg(s.samples.size()));
        });
        QObject::connect(&session, &TrainingSession::checkpointSaved, context,
                         [note](const CheckpointInfo&) { note("checkpoint"); });
        QObject::connect(&session, &TrainingSession::logMessage, context,
                         [note](int, const QString&) { note("log"); });
        QObject::connect(&session, &TrainingSession::trainingPaused, context,
                         [note](qint64 step) { note(QStringLiteral("paused %1").arg(step)); });
        QObject::connect(&session, &TrainingSession::finished, context,
                         [note](TrainOutcome, const RunSummary&) { note("finished"); });
        QObject::connect(&session, &TrainingSession::failed, context, [note](const QString&) { note("failed"); });
    }
};

} // namespace

class TestTrainingSession : public QObject {
    Q_OBJECT
private slots:
    void signalsArriveInOrderOnTheGuiThread()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SignalLog log;
        TrainingSession session;
        log.attach(session, this);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        QSignalSpy checkpointSpy(&session, &TrainingSession::checkpointSaved);

        QVERIFY(!session.isRunning());
        QVERIFY(session.start(tinyConfig(dir, writeCorpus(dir)), dir.filePath("run")));
        QVERIFY(session.isRunning());
        QVERIFY(!session.start(tinyConfig(dir, dir.filePath("corpus.txt")), dir.filePath("run2"))); // one at a time
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QVERIFY(!session.isRunning());
        QVERIFY(finishedOutcome(finishedSpy) == TrainOutcome::Completed);
        QCOMPARE(finishedSummary(finishedSpy).steps, int64_t(40));
        QVERIFY(checkpointSpy.count() >= 1);

        QCOMPARE(log.offThread, 0);
        const QStringList& ev = log.events;
        QCOMPARE(ev.first(), QString("started"));
        QCOMPARE(ev.last(), QString("finished"));
        QCOMPARE(ev.count("finished"), qsizetype(1));
        QVERIFY(!ev.contains("failed"));
        QList<int64_t> evals;
        int64_t lastStep = 0;
        for (const QString& e : ev) {
            if (e.startsWith("step ")) {
                const int64_t step = e.mid(5).toLongLong();
                QVERIFY2(step > lastStep, qPrintable(ev.join(", ")));
                lastStep = step;
            } else if (e.startsWith("eval ")) {
                const int64_t step = e.mid(5).toLongLong();
                // The step an eval follows is always delivered, right before it.
                QVERIFY2(step == lastStep, qPrintable(ev.join(", ")));
                evals << step;
            }
        }
        QCOMPARE(lastStep, int64_t(40));
        QCOMPARE(evals, (QList<int64_t>{0, 10, 20, 30, 40}));
        // The first step comes after the first eval (step 0) and the last eval comes after the last step.
        QVERIFY(ev.indexOf("eval 0") < ev.indexOf(QRegularExpression("step \\d+")));
        QVERIFY(ev.indexOf("eval 40") > ev.indexOf("step 40"));
        // Every eval is followed at once by the default probe prompt's sample at the same step.
        for (const int64_t step : evals)
            QCOMPARE(ev.value(ev.indexOf(QStringLiteral("eval %1").arg(step)) + 1),
                     QStringLiteral("samples %1 x1").arg(step));
    }

    void stopIsHonoured()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        RunConfig config = tinyConfig(dir, writeCorpus(dir));
        config.train.maxSteps = 5000;
        config.train.evalInterval = 5000;
        TrainingSession session;
        QSignalSpy stepSpy(&session, &TrainingSession::stepFinished);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        QVERIFY(session.start(config, dir.filePath("run")));
        QVERIFY(stepSpy.wait(kTimeoutMs));
        session.requestStop();
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QVERIFY(finishedOutcome(finishedSpy) == TrainOutcome::Stopped);
        const RunSummary summary = finishedSummary(finishedSpy);
        QVERIFY(summary.steps >= 1 && summary.steps < config.train.maxSteps);
        QVERIFY(summary.status == RunStatus::Stopped);
        // The step the run stopped at reaches the GUI even if the throttle held it back.
        QCOMPARE(stepAt(stepSpy, stepSpy.count() - 1).step, summary.steps);
        QVERIFY(RunDirectory(dir.filePath("run").toStdString()).readSummary().status == RunStatus::Stopped);
        QVERIFY(!session.isRunning());
    }

    void pauseBlocksAndStepOnceAdvancesOneStep()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        RunConfig config = tinyConfig(dir, writeCorpus(dir));
        config.train.maxSteps = 300;
        config.train.evalInterval = 300;
        SignalLog log;
        TrainingSession session;
        log.attach(session, this);
        QSignalSpy stepSpy(&session, &TrainingSession::stepFinished);
        QSignalSpy pausedSpy(&session, &TrainingSession::trainingPaused);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        QVERIFY(session.start(config, dir.filePath("run")));
        QVERIFY(stepSpy.wait(kTimeoutMs));

        session.pause();
        QVERIFY(session.isPaused());
        QVERIFY(pausedSpy.wait(kTimeoutMs));
        const int64_t pausedAt = pausedSpy.last().at(0).toLongLong();
        QVERIFY(pausedAt >= 1);
        QVERIFY2(pausedAt < config.train.maxSteps - 1, "the run went too far before the pause took effect");
        QCOMPARE(stepAt(stepSpy, stepSpy.count() - 1).step, pausedAt);
        const qsizetype stepsWhenPaused = stepSpy.count();
        QVERIFY(!stepSpy.wait(300)); // no progress while paused
        QCOMPARE(stepSpy.count(), stepsWhenPaused);

        session.stepOnce();
        QVERIFY(pausedSpy.wait(kTimeoutMs));
        QCOMPARE(int64_t(pausedSpy.last().at(0).toLongLong()), pausedAt + 1);
        QCOMPARE(stepSpy.count(), stepsWhenPaused + 1);
        QCOMPARE(stepAt(stepSpy, stepSpy.count() - 1).step, pausedAt + 1);
        QVERIFY(!stepSpy.wait(300));
        QCOMPARE(stepSpy.count(), stepsWhenPaused + 1);
        QVERIFY(session.isPaused());

        session.continueTraining();
        QVERIFY(!session.isPaused());
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QVERIFY(finishedOutcome(finishedSpy) == TrainOutcome::Completed);
        QCOMPARE(finishedSummary(finishedSpy).steps, config.train.maxSteps);
        QCOMPARE(log.offThread, 0);
    }

    void destructorJoinsRunningThread_data()
    {
        QTest::addColumn<bool>("paused");
        QTest::newRow("running") << false;
        QTest::newRow("paused") << true; // the destructor's stop must also wake a worker blocked in pause
    }
    void destructorJoinsRunningThread()
    {
        QFETCH(bool, paused);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        RunConfig config = tinyConfig(dir, writeCorpus(dir));
        config.train.maxSteps = 100000;
        config.train.evalInterval = 100000;
        auto session = std::make_unique<TrainingSession>();
        QSignalSpy stepSpy(session.get(), &TrainingSession::stepFinished);
        QSignalSpy pausedSpy(session.get(), &TrainingSession::trainingPaused);
        QVERIFY(session->start(config, dir.filePath("run")));
        if (paused) {
            session->pause();
            QVERIFY(pausedSpy.wait(kTimeoutMs));
        } else {
            QVERIFY(stepSpy.wait(kTimeoutMs));
        }
        QElapsedTimer timer;
        timer.start();
        session.reset();
        QVERIFY2(timer.elapsed() < 10000, qPrintable(QString("took %1 ms").arg(timer.elapsed())));
        // The thread has been joined: the run has already written its final summary.
        QVERIFY(RunDirectory(dir.filePath("run").toStdString()).readSummary().status == RunStatus::Stopped);
    }

    void missingCorpusFails()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString missing = dir.filePath("no-such-corpus.txt");
        SignalLog log;
        TrainingSession session;
        log.attach(session, this);
        QSignalSpy failedSpy(&session, &TrainingSession::failed);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        QVERIFY(session.start(tinyConfig(dir, missing), dir.filePath("run")));
        QVERIFY(failedSpy.wait(kTimeoutMs));
        const QString message = failedSpy.last().at(0).toString();
        QVERIFY2(message.contains(missing), qPrintable(message));
        QCOMPARE(finishedSpy.count(), qsizetype(0));
        QCOMPARE(log.events, QStringList{"failed"});
        QCOMPARE(log.offThread, 0);
        QVERIFY(!session.isRunning());

        // The session takes the next run after a failure.
        RunConfig bad = tinyConfig(dir, writeCorpus(dir));
        bad.model.nHead = 3; // does not divide n_embd
        QVERIFY(session.start(bad, dir.filePath("run")));
        QVERIFY(failedSpy.wait(kTimeoutMs));
        const QString badMessage = failedSpy.last().at(0).toString();
        QVERIFY2(badMessage.contains("n_head"), qPrintable(badMessage));
        QCOMPARE(finishedSpy.count(), qsizetype(0));
    }

    void resumeContinuesAStoppedRun()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const RunConfig config = tinyConfig(dir, writeCorpus(dir));
        const QString runDir = dir.filePath("run");
        TrainingSession session;
        QSignalSpy startedSpy(&session, &TrainingSession::started);
        QSignalSpy stepSpy(&session, &TrainingSession::stepFinished);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        QVERIFY(session.start(config, runDir));
        QVERIFY(stepSpy.wait(kTimeoutMs));
        session.requestStop();
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        const int64_t stoppedAt = finishedSummary(finishedSpy).steps;
        QVERIFY(finishedOutcome(finishedSpy) == TrainOutcome::Stopped);
        QVERIFY(stoppedAt < config.train.maxSteps);

        QVERIFY(session.resume(runDir));
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QCOMPARE(startedSpy.count(), qsizetype(2));
        QCOMPARE(startedSpy.last().at(0).value<RunInfo>().startStep, stoppedAt);
        QVERIFY(finishedOutcome(finishedSpy) == TrainOutcome::Completed);
        QCOMPARE(finishedSummary(finishedSpy).steps, config.train.maxSteps);

        QSignalSpy failedSpy(&session, &TrainingSession::failed);
        QVERIFY(session.resume(dir.filePath("nothing-here")));
        QVERIFY(failedSpy.wait(kTimeoutMs));
        QVERIFY(failedSpy.last().at(0).toString().contains("nothing-here"));
    }

    void stepsAreThrottled()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        RunConfig config = tinyConfig(dir, writeCorpus(dir));
        config.model.nLayer = 1;
        config.model.nHead = 1;
        config.model.nEmbd = 16;
        config.model.blockSize = 8;
        config.train.batchSize = 2;
        config.train.evalIters = 1;
        config.train.maxSteps = 400;
        config.train.evalInterval = 400; // evals only at 0 and 400: no forced deliveries in between
        TrainingSession session;
        QSignalSpy stepSpy(&session, &TrainingSession::stepFinished);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        QElapsedTimer timer;
        timer.start();
        QVERIFY(session.start(config, dir.filePath("run")));
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        const qint64 elapsedMs = timer.elapsed();
        QVERIFY(finishedOutcome(finishedSpy) == TrainOutcome::Completed);

        const qsizetype delivered = stepSpy.count();
        qInfo("%lld of %lld steps delivered in %lld ms", qlonglong(delivered), qlonglong(config.train.maxSteps),
              qlonglong(elapsedMs));
        QCOMPARE(stepAt(stepSpy, delivered - 1).step, config.train.maxSteps); // the final step always arrives
        QCOMPARE(int64_t(delivered) + session.droppedStepCount(), config.train.maxSteps);
        // At most one step per 50 ms, plus the first and the forced last one.
        QVERIFY2(delivered <= elapsedMs / 50 + 2,
                 qPrintable(QString("%1 steps delivered in %2 ms").arg(delivered).arg(elapsedMs)));
        QVERIFY2(delivered < config.train.maxSteps / 2,
                 qPrintable(QString("%1 of %2 steps delivered in %3 ms")
                                .arg(delivered)
                                .arg(config.train.maxSteps)
                                .arg(elapsedMs)));
        for (qsizetype i = 1; i < delivered; ++i)
            QVERIFY(stepAt(stepSpy, i).step > stepAt(stepSpy, i - 1).step);
    }
};

QTEST_GUILESS_MAIN(TestTrainingSession)
#include "test_training_session.moc"
