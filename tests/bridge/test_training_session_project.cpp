// SPDX-License-Identifier: MIT
// TrainingSession with a project folder: a run started in a project lands in the registry with its status and
// curve (written from the training thread), a diverging run reads failed with its message, bad input leaves no run
// behind, and a stopped project run resumes by id to completed.
#include "core/store/run_lock.h"
#include "core/store/run_registry.h"
#include "tests/bridge/session_fixtures.h"
#include "ui/bridge/training_session.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <random>

using namespace tb::core;
using tb::test::tinyConfig;
using tb::test::writeCorpus;
using tb::ui::TrainingSession;

namespace {

constexpr int kTimeoutMs = 60000;

TrainOutcome outcomeOf(const QSignalSpy& finishedSpy)
{
    return finishedSpy.last().at(0).value<TrainOutcome>();
}

} // namespace

class TestTrainingSessionProject : public QObject {
    Q_OBJECT
private slots:
    void projectRunLandsInTheRegistry()
    {
        QTemporaryDir dir;
        const QString project = dir.filePath("project");
        TrainingSession session;
        QSignalSpy startedSpy(&session, &TrainingSession::started);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        const QString id = session.startInProject(tinyConfig(dir, writeCorpus(dir)), project, "first");
        QVERIFY(!id.isEmpty());
        QVERIFY(session.startInProject(tinyConfig(dir, dir.filePath("corpus.txt")), project).isEmpty()); // busy

        // While it trains, another connection sees it running with its lock held, and the curve growing.
        QVERIFY(startedSpy.wait(kTimeoutMs));
        {
            RunRegistry registry(project.toStdString());
            const auto run = registry.findRun(id.toStdString());
            QVERIFY(run);
            QCOMPARE(run->name, std::string("first"));
            QVERIFY(run->status == RunStatus::Running || run->status == RunStatus::Completed);
            QVERIFY(registry.markInterruptedRuns().empty());
        }
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QVERIFY(outcomeOf(finishedSpy) == TrainOutcome::Completed);

        RunRegistry registry(project.toStdString());
        const RunRecord run = *registry.findRun(id.toStdString());
        QCOMPARE(toString(run.status), toString(RunStatus::Completed));
        QCOMPARE(run.steps, int64_t(40));
        QCOMPARE(run.runDir, std::filesystem::path(project.toStdString()) / "runs" / id.toStdString());
        QVERIFY(std::filesystem::exists(run.runDir / "summary.json"));
        QVERIFY(!RunLock::isLocked(run.runDir));
        QVERIFY(run.bestValLoss);
        const std::vector<MetricPoint> points = registry.metrics(run.id);
        QCOMPARE(points.size(), size_t(41)); // the eval at step 0, then steps 1..40
        QCOMPARE(points.back().step, int64_t(40));
        int evals = 0;
        for (const MetricPoint& p : points)
            evals += p.evalLoss ? 1 : 0;
        QCOMPARE(evals, 5); // 0, 10, 20, 30, 40
        QVERIFY(!registry.checkpoints(run.id).empty());
    }

    void failingRunsReadFailed()
    {
        QTemporaryDir dir;
        const QString project = dir.filePath("project");
        TrainingSession session;
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        QSignalSpy failedSpy(&session, &TrainingSession::failed);

        // Diverges: the run ends Failed, and the registry says failed with the trainer's message, never completed.
        RunConfig hot = tinyConfig(dir, writeCorpus(dir));
        hot.train.learningRate = 1e30;
        hot.train.gradClip = 0;
        const QString id = session.startInProject(hot, project, "hot");
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QVERIFY(outcomeOf(finishedSpy) == TrainOutcome::Failed);
        const RunSummary summary = finishedSpy.last().at(1).value<RunSummary>();
        {
            RunRegistry registry(project.toStdString());
            const RunRecord run = *registry.findRun(id.toStdString());
            QCOMPARE(toString(run.status), toString(RunStatus::Failed));
            QVERIFY(!run.error.empty());
            QCOMPARE(run.error, summary.error);
        }

        // Bad input: failed() with the message naming the file; the registry keeps no trace of the attempt.
        RunConfig missing = tinyConfig(dir, dir.filePath("missing.txt"));
        const QString badId = session.startInProject(missing, project, "missing");
        QVERIFY(failedSpy.wait(kTimeoutMs));
        QVERIFY(failedSpy.last().at(0).toString().contains("missing.txt"));
        RunRegistry registry(project.toStdString());
        QVERIFY(!registry.findRun(badId.toStdString()));
        QCOMPARE(registry.listRuns().size(), size_t(1));

        // Resuming an unknown id fails with the id in the message.
        QVERIFY(session.resumeInProject(project, "no-such-run"));
        QVERIFY(failedSpy.wait(kTimeoutMs));
        QVERIFY(failedSpy.last().at(0).toString().contains("no-such-run"));
    }

    void stoppedProjectRunResumesById()
    {
        QTemporaryDir dir;
        const QString project = dir.filePath("project");
        TrainingSession session;
        QSignalSpy stepSpy(&session, &TrainingSession::stepFinished);
        QSignalSpy finishedSpy(&session, &TrainingSession::finished);
        RunConfig config = tinyConfig(dir, writeCorpus(dir));
        config.train.maxSteps = 200;
        const QString id = session.startInProject(config, project);
        QVERIFY(stepSpy.wait(kTimeoutMs));
        session.requestStop();
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QVERIFY(outcomeOf(finishedSpy) == TrainOutcome::Stopped);
        int64_t stoppedAt = 0;
        {
            RunRegistry registry(project.toStdString());
            const RunRecord run = *registry.findRun(id.toStdString());
            QCOMPARE(toString(run.status), toString(RunStatus::Stopped));
            stoppedAt = run.steps;
            QVERIFY(stoppedAt < 200);
        }

        QVERIFY(session.resumeInProject(project, id));
        QVERIFY(finishedSpy.wait(kTimeoutMs));
        QVERIFY(outcomeOf(finishedSpy) == TrainOutcome::Completed);
        RunRegistry registry(project.toStdString());
        const RunRecord run = *registry.findRun(id.toStdString());
        QCOMPARE(toString(run.status), toString(RunStatus::Completed));
        QCOMPARE(run.steps, int64_t(200));
        int64_t expected = 1;
        for (const MetricPoint& p : registry.metrics(run.id))
            if (p.loss)
                QCOMPARE(p.step, expected++);
        QCOMPARE(expected, int64_t(201));
    }
};

QTEST_GUILESS_MAIN(TestTrainingSessionProject)
#include "test_training_session_project.moc"
