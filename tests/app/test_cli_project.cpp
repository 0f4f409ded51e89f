// SPDX-License-Identifier: MIT
// tunebench-cli with a project folder: runs land in the registry, `runs` lists them, and a run killed with kill -9
// reads as interrupted with its curve up to the last logged step, keeps a loadable checkpoint, and `resume`
// finishes it as completed.
#include "core/common/error.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "core/store/run_dir.h"
#include "core/store/run_registry.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <csignal>

#include "tests/app/cli_support.h"

using namespace tb::core;
namespace fs = std::filesystem;

using tb::test::corpusText;
using tb::test::runCli;
using tb::test::writeFile;
using Result = tb::test::CliResult;

namespace {

QByteArray tinyConfig(int steps, int evalInterval)
{
    return QString(R"(model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, dropout: 0.0}
train: {batch_size: 4, max_steps: %1, learning_rate: 0.003, min_lr: 0.0003, warmup_steps: 2, eval_interval: %2,
        eval_iters: 2, threads: 1}
data: {corpus: corpus.txt, cache_dir: cache}
tokenizer: {kind: char}
)")
        .arg(steps)
        .arg(evalInterval)
        .toUtf8();
}

int summarySteps(const fs::path& runDir)
{
    QFile f(QString::fromStdString((runDir / "summary.json").string()));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return QJsonDocument::fromJson(f.readAll()).object()["steps"].toInt();
}

QJsonArray runsJson(const QString& project)
{
    const Result r = runCli({"runs", "--project", project, "--json"});
    if (r.exitCode != 0)
        qWarning("runs failed: %s", qPrintable(r.err));
    return QJsonDocument::fromJson(r.out.toUtf8()).array();
}

/// The only run folder under <project>/runs, once there is one.
QString onlyRunId(const QString& project)
{
    const QStringList ids = QDir(project + "/runs").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    return ids.size() == 1 ? ids.front() : QString();
}

} // namespace

class TestCliProject : public QObject {
    Q_OBJECT
private slots:
    void usageErrors()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(3000));
        writeFile(dir.filePath("run.yaml"), tinyConfig(5, 5));
        const Result noProject = runCli({"runs", "--project", dir.filePath("nothing")});
        QCOMPARE(noProject.exitCode, 2);
        QVERIFY2(noProject.err.contains("nothing") && noProject.err.contains("not a TuneBench project"),
                 qPrintable(noProject.err));
        const Result nameAlone = runCli({"pretrain", "--config", dir.filePath("run.yaml"), "--name", "x"});
        QCOMPARE(nameAlone.exitCode, 2);
        QVERIFY(nameAlone.err.contains("--name needs --project"));
        const Result both = runCli({"pretrain", "--config", dir.filePath("run.yaml"), "--out", dir.filePath("o"),
                                    "--project", dir.filePath("p")});
        QCOMPARE(both.exitCode, 2);
        QVERIFY(both.err.contains("exclude each other"));

        // Bad input in a project run: exit 2, the message names the file, and no run is left behind.
        writeFile(dir.filePath("bad.yaml"), QByteArray(tinyConfig(5, 5)).replace("corpus.txt", "missing.txt"));
        const Result bad = runCli({"pretrain", "--config", dir.filePath("bad.yaml"), "--project", dir.filePath("p")});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("missing.txt"), qPrintable(bad.err));
        QCOMPARE(runsJson(dir.filePath("p")).size(), 0);
        QVERIFY(QDir(dir.filePath("p/runs")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());

        // A corrupt registry is bad input naming the database file.
        writeFile(dir.filePath("p/tunebench.db"), QByteArray(4096, 'x'));
        const Result corrupt = runCli({"runs", "--project", dir.filePath("p")});
        QCOMPARE(corrupt.exitCode, 2);
        QVERIFY2(corrupt.err.contains("tunebench.db"), qPrintable(corrupt.err));
    }

    void projectRunIsListed()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(4000));
        writeFile(dir.filePath("run.yaml"), tinyConfig(20, 10));
        const Result r = runCli({"pretrain", "--config", "run.yaml", "--project", "proj", "--name", "first try"},
                                dir.path());
        QCOMPARE(r.exitCode, 0);
        const QString id = onlyRunId(dir.filePath("proj"));
        QVERIFY(!id.isEmpty());
        QVERIFY2(r.out.contains("run " + id + " in project"), qPrintable(r.out));
        QVERIFY(QFile::exists(dir.filePath("proj/runs/" + id + "/checkpoints/latest.safetensors")));

        const QJsonArray runs = runsJson(dir.filePath("proj"));
        QCOMPARE(runs.size(), 1);
        const QJsonObject run = runs[0].toObject();
        QCOMPARE(run["id"].toString(), id);
        QCOMPARE(run["name"].toString(), QString("first try"));
        QCOMPARE(run["status"].toString(), QString("completed"));
        QCOMPARE(run["method"].toString(), QString("pretrain"));
        QCOMPARE(run["steps"].toInt(), 20);
        QVERIFY(run["best_val_loss"].isDouble());
        QVERIFY(run["final_val_loss"].isDouble());

        const Result table = runCli({"runs", "--project", dir.filePath("proj")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY2(table.out.contains(id) && table.out.contains("first try") && table.out.contains("completed") &&
                     table.out.contains("20/20"),
                 qPrintable(table.out));
    }

    // The issue's crash test: kill -9 mid-run, then the registry, the checkpoint and resume.
    void killedProjectRunIsInterruptedAndResumes()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(20000));
        constexpr int kMaxSteps = 400;
        writeFile(dir.filePath("run.yaml"), tinyConfig(kMaxSteps, 10));
        const QString project = dir.filePath("proj");
        QProcess p;
        p.setWorkingDirectory(dir.path());
        p.start(TB_CLI_PATH, {"pretrain", "--config", "run.yaml", "--project", project, "--name", "killed"});
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(!onlyRunId(project).isEmpty(), 60000);
        const std::string id = onlyRunId(project).toStdString();
        const fs::path runDir = fs::path(project.toStdString()) / "runs" / id;
        // A checkpoint (step 10) and a few steps past it, then kill without warning.
        auto lastJournalStep = [&runDir] {
            const auto lines = RunDirectory(runDir).readMetrics();
            return lines.empty() ? int64_t(0) : lines.back().value("step", int64_t(0));
        };
        QTRY_VERIFY_WITH_TIMEOUT(fs::exists(runDir / "checkpoints/latest.safetensors") && summarySteps(runDir) >= 10 &&
                                     lastJournalStep() >= 13,
                                 60000);
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);

        int64_t lastLogged = 0;
        {
            RunRegistry registry(project.toStdString());
            QCOMPARE(toString(registry.findRun(id)->status), toString(RunStatus::Running)); // nobody has looked yet
            QCOMPARE(registry.markInterruptedRuns(), std::vector<std::string>{id});
            const RunRecord run = *registry.findRun(id);
            QCOMPARE(toString(run.status), toString(RunStatus::Interrupted));
            QCOMPARE(run.name, std::string("killed"));
            QVERIFY2(run.steps < kMaxSteps, "the run finished before it was killed; the test proves nothing");

            // The curve reaches the last step logged in metrics.jsonl, with the same values.
            std::map<int64_t, double> journal;
            for (const nlohmann::json& line : RunDirectory(runDir).readMetrics())
                if (line.contains("loss"))
                    journal[line["step"].get<int64_t>()] = line["loss"].get<double>();
            QVERIFY(!journal.empty());
            lastLogged = journal.rbegin()->first;
            const std::vector<MetricPoint> points = registry.metrics(id);
            int64_t lastRecorded = 0;
            for (const MetricPoint& m : points) {
                if (!m.loss)
                    continue;
                lastRecorded = m.step;
                QCOMPARE(*m.loss, journal.at(m.step));
            }
            QCOMPARE(lastRecorded, lastLogged);
            QCOMPARE(run.steps, lastLogged);

            // The last checkpoint the registry lists is on disk and loads.
            const std::vector<CheckpointRecord> checkpoints = registry.checkpoints(id);
            QVERIFY(!checkpoints.empty());
            const CheckpointRecord latest =
                *std::find_if(checkpoints.begin(), checkpoints.end(), [](const auto& c) { return !c.best; });
            QVERIFY(latest.step >= 10);
            qInfo("killed at step %lld of %d, last checkpoint at step %lld", static_cast<long long>(run.steps),
                  kMaxSteps, static_cast<long long>(latest.step));
            QCOMPARE(loadCheckpoint(latest.path).step, latest.step);
            const LoadedModel model = loadModel(runDir, /*preferBest=*/false);
            QCOMPARE(model.step, latest.step);
        }
        // `runs` shows the same.
        QCOMPARE(runsJson(project)[0].toObject()["status"].toString(), QString("interrupted"));

        // Resume by folder: the CLI finds the project and the registry follows the run to completed.
        const Result resumed = runCli({"resume", QString::fromStdString(runDir.string())}, dir.path());
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
        QVERIFY2(resumed.out.contains("status: completed"), qPrintable(resumed.out));
        RunRegistry registry(project.toStdString());
        const RunRecord run = *registry.findRun(id);
        QCOMPARE(toString(run.status), toString(RunStatus::Completed));
        QCOMPARE(run.steps, int64_t(kMaxSteps));
        QVERIFY(run.error.empty());
        QVERIFY(run.finalValLoss);
        // Every step once, 1..max_steps, with no gap where the kill was.
        int64_t expected = 1;
        for (const MetricPoint& m : registry.metrics(id))
            if (m.loss)
                QCOMPARE(m.step, expected++);
        QCOMPARE(expected, int64_t(kMaxSteps + 1));
        QCOMPARE(runsJson(project)[0].toObject()["status"].toString(), QString("completed"));
    }

    // Resume by id refuses a run another process is training, and names an unknown id.
    void resumeByIdErrors()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(3000));
        writeFile(dir.filePath("run.yaml"), tinyConfig(5, 5));
        QCOMPARE(runCli({"pretrain", "--config", "run.yaml", "--project", "proj"}, dir.path()).exitCode, 0);
        const Result unknown = runCli({"resume", "--project", dir.filePath("proj"), "no-such-run"});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains("no-such-run"), qPrintable(unknown.err));
    }
};

QTEST_GUILESS_MAIN(TestCliProject)
#include "test_cli_project.moc"
