// SPDX-License-Identifier: MIT
// The project run registry: rows round-tripped through SQLite, a second connection reading while one writes, the
// interrupted rule (status running + free lock), the metrics.jsonl catch-up, bad database files, and the
// RegistryObserver on real tiny runs (completed, diverged, thrown).
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/store/registry_observer.h"
#include "core/store/run_dir.h"
#include "core/store/run_lock.h"
#include "core/store/run_registry.h"
#include "core/train/trainer.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <csignal>
#include <fcntl.h>
#include <random>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace tb::core;
namespace fs = std::filesystem;

namespace {

RunConfig tinyConfig(const fs::path& dir, int64_t maxSteps = 30)
{
    std::mt19937 rng(11);
    const char* const words[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran ", "far ", "away.\n"};
    std::string text;
    while (text.size() < 6000)
        text += words[rng() % 10];
    tb::test::writeBytes(dir / "corpus.txt", text);
    RunConfig c;
    c.model.nLayer = 2;
    c.model.nHead = 2;
    c.model.nEmbd = 32;
    c.model.blockSize = 16;
    c.train.batchSize = 4;
    c.train.maxSteps = maxSteps;
    c.train.warmupSteps = 2;
    c.train.evalInterval = 10;
    c.train.evalIters = 2;
    c.train.threads = 1;
    c.data.corpus = (dir / "corpus.txt").string();
    c.data.cacheDir = (dir / "cache").string();
    return c;
}

StepMetrics stepMetrics(int64_t step)
{
    StepMetrics m;
    m.step = step;
    m.maxSteps = 100;
    m.loss = 4.0 - 0.01 * double(step);
    m.learningRate = 1e-3;
    m.gradNorm = 0.5;
    m.tokensPerSecond = 1000;
    m.elapsedSeconds = 0.1 * double(step);
    m.tokensSeen = 64 * step;
    return m;
}

/// Holds the lock of `runDir` in a child process until killed; returns its pid once the lock is taken.
pid_t lockInChild(const fs::path& runDir)
{
    int ready[2];
    if (pipe(ready) != 0)
        qFatal("pipe failed");
    const std::string file = RunLock::lockFile(runDir).string();
    const pid_t pid = fork();
    if (pid == 0) {
        // Only async-signal-safe calls after fork().
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT, 0644);
        if (fd < 0 || ::flock(fd, LOCK_EX) != 0)
            _exit(1);
        char c = 'x';
        if (::write(ready[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            ::pause();
    }
    char c = 0;
    ::close(ready[1]);
    if (::read(ready[0], &c, 1) != 1)
        qFatal("the child could not take the lock");
    ::close(ready[0]);
    return pid;
}

void killChild(pid_t pid)
{
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

/// Throws from onStep at `step`, like an observer whose GUI went away or a disk that filled up.
class ThrowingObserver : public TrainingObserver {
public:
    explicit ThrowingObserver(int64_t step) : m_step(step) {}
    void onStep(const StepMetrics& m) override
    {
        if (m.step == m_step)
            throw Error("disk full while writing the chart cache");
    }

private:
    int64_t m_step;
};

/// Counts what it is forwarded.
class CountingObserver : public TrainingObserver {
public:
    int starts = 0, steps = 0, evals = 0, checkpoints = 0, samples = 0;
    void onStart(const RunInfo&) override { ++starts; }
    void onStep(const StepMetrics&) override { ++steps; }
    void onEval(const EvalMetrics&) override { ++evals; }
    void onCheckpoint(const CheckpointInfo&) override { ++checkpoints; }
    void onSamples(const SampleSet&) override { ++samples; }
};

} // namespace

class TestRunRegistry : public QObject {
    Q_OBJECT
private slots:
    void createListFindRenameRemove()
    {
        tb::test::TempDir dir;
        const fs::path project = dir / "project";
        RunRegistry registry(project);
        QVERIFY(RunRegistry::isProject(project));
        QVERIFY(fs::is_directory(project / "runs"));

        RunConfig config = tinyConfig(dir.path());
        const RunRecord a = registry.createRun(config, "first");
        const RunRecord b = registry.createRun(config, "", a.id, "runs/" + a.id + "/checkpoints/best.safetensors");
        QVERIFY(a.id != b.id);
        QVERIFY(RunRegistry::isValidRunId(a.id));
        QCOMPARE(a.runDir, project / "runs" / a.id);
        QCOMPARE(a.name, std::string("first"));
        QCOMPARE(b.name, std::string("pretrain of pretrain 1")); // no name: method, parent and a counter
        QCOMPARE(toString(a.status), toString(RunStatus::Running));
        QCOMPARE(a.method, std::string("pretrain"));
        QCOMPARE(a.maxSteps, int64_t(30));
        QCOMPARE(a.configYaml, toYaml(config));
        QCOMPARE(parseRunConfig(a.configYaml, "registry").train.maxSteps, int64_t(30));
        QCOMPARE(b.parentRunId, a.id);
        QVERIFY(!a.createdAt.empty());

        const std::vector<RunRecord> runs = registry.listRuns();
        QCOMPARE(runs.size(), size_t(2));
        QCOMPARE(runs[0].id, b.id); // newest first
        QCOMPARE(runs[1].id, a.id);
        QVERIFY(!registry.findRun("nope"));

        registry.rename(a.id, "renamed");
        QCOMPARE(registry.findRun(a.id)->name, std::string("renamed"));
        QVERIFY_THROWS_EXCEPTION(InputError, registry.rename("nope", "x"));
        QVERIFY_THROWS_EXCEPTION(InputError, registry.createRun(config, "dup", {}, {}, a.id));
        QVERIFY_THROWS_EXCEPTION(InputError, registry.createRun(config, "bad", {}, {}, "../escape"));
        QVERIFY_THROWS_EXCEPTION(InputError, registry.createRun(config, "orphan", "no-such-parent"));

        // remove(): rows and folder; a child's parent link is cleared, not dangling.
        fs::create_directories(a.runDir / "checkpoints");
        tb::test::writeBytes(a.runDir / "config.yaml", "x");
        registry.recordStep(a.id, stepMetrics(1));
        registry.remove(a.id);
        QVERIFY(!registry.findRun(a.id));
        QVERIFY(!fs::exists(a.runDir));
        QVERIFY(registry.metrics(a.id).empty());
        QCOMPARE(registry.findRun(b.id)->parentRunId, std::string());
        QVERIFY_THROWS_EXCEPTION(InputError, registry.remove(a.id));

        // A run being trained cannot be deleted.
        RunLock lock(b.runDir);
        QVERIFY_THROWS_EXCEPTION(Error, registry.remove(b.id));
        QVERIFY(registry.findRun(b.id));
    }

    // Issue 12: readable default names, method + parent + a counter, unique, still renamable.
    void defaultNamesSayMethodParentAndCounter()
    {
        tb::test::TempDir dir;
        RunRegistry registry(dir / "project");
        RunConfig pretrain = tinyConfig(dir.path());
        RunConfig sft = pretrain;
        sft.method = "sft";
        RunConfig dpo = pretrain;
        dpo.method = "dpo";
        const RunRecord p1 = registry.createRun(pretrain);
        QCOMPARE(p1.name, std::string("pretrain 1"));
        const RunRecord s1 = registry.createRun(sft, "", p1.id);
        QCOMPARE(s1.name, std::string("sft of pretrain 1"));
        const RunRecord d1 = registry.createRun(dpo, "", s1.id);
        QCOMPARE(d1.name, std::string("dpo of sft 1"));
        const RunRecord p2 = registry.createRun(pretrain);
        QCOMPARE(p2.name, std::string("pretrain 2"));
        const RunRecord s2 = registry.createRun(sft, "", p2.id);
        QCOMPARE(s2.name, std::string("sft of pretrain 2"));
        // A second tuning of the same parent gets a number of its own; its children count it as sft 3.
        const RunRecord s3 = registry.createRun(sft, "", p1.id);
        QCOMPARE(s3.name, std::string("sft of pretrain 1 (2)"));
        QCOMPARE(registry.createRun(dpo, "", s3.id).name, std::string("dpo of sft 3"));
        // A run's counter does not depend on its name, and a name given stays as given.
        registry.rename(p1.id, "my base");
        QCOMPARE(registry.createRun(sft, "", p1.id).name, std::string("sft of pretrain 1 (3)"));
        QCOMPARE(registry.createRun(pretrain, "custom").name, std::string("custom"));
        QCOMPARE(registry.defaultRunName("pretrain"), std::string("pretrain 4"));
        // A name already taken (here by a rename) is not given twice.
        registry.rename(p2.id, "pretrain 4");
        QCOMPARE(registry.defaultRunName("pretrain"), std::string("pretrain 4 (2)"));
    }

    void metricsCheckpointsSamplesAndReopen()
    {
        tb::test::TempDir dir;
        const fs::path project = dir / "project";
        std::string id;
        {
            RunRegistry registry(project);
            id = registry.createRun(tinyConfig(dir.path())).id;
            RunInfo info;
            info.maxSteps = 100;
            info.parameterCount = 12345;
            registry.recordStart(id, info);
            for (int64_t s = 1; s <= 20; ++s)
                registry.recordStep(id, stepMetrics(s));
            EvalMetrics e;
            e.step = 10;
            e.trainLoss = 3.5;
            e.valLoss = 3.75;
            e.bestValLoss = 3.75;
            registry.recordEval(id, e);
            registry.recordCheckpoint(id, {10, (project / "runs" / id / "checkpoints/latest.safetensors").string(), false});
            registry.recordCheckpoint(id, {10, (project / "runs" / id / "checkpoints/best.safetensors").string(), true});
            registry.recordCheckpoint(id, {20, (project / "runs" / id / "checkpoints/latest.safetensors").string(), false});
            registry.recordSamples(id, {10, {{"The ", "cat sat"}, {"A ", "dog ran"}}});
            registry.recordSamples(id, {20, {{"The ", "cat sat on"}, {"A ", "dog ran far"}}});
            RunSummary summary;
            summary.status = RunStatus::Stopped;
            summary.steps = 20;
            summary.bestValLoss = 3.75;
            summary.wallSeconds = 2.0;
            summary.tokensPerSecond = 640;
            registry.recordEnd(id, summary);
        }
        // Everything is on disk: a new connection reads it back.
        RunRegistry registry(project);
        const RunRecord r = *registry.findRun(id);
        QCOMPARE(toString(r.status), toString(RunStatus::Stopped));
        QCOMPARE(r.steps, int64_t(20));
        QCOMPARE(r.maxSteps, int64_t(100));
        QCOMPARE(r.parameterCount, int64_t(12345));
        QCOMPARE(*r.bestValLoss, 3.75);
        QVERIFY(!r.finalValLoss);
        QCOMPARE(r.wallSeconds, 2.0);

        const std::vector<MetricPoint> points = registry.metrics(id);
        QCOMPARE(points.size(), size_t(20));
        QCOMPARE(points[0].step, int64_t(1));
        QCOMPARE(*points[0].loss, 4.0 - 0.01);
        QCOMPARE(points[19].tokensSeen, int64_t(64 * 20));
        QVERIFY(!points[0].evalLoss);
        QCOMPARE(*points[9].evalLoss, 3.75); // the eval merged into step 10's row
        QCOMPARE(*points[9].evalTrainLoss, 3.5);
        QCOMPARE(*points[9].loss, 4.0 - 0.1);

        const std::vector<CheckpointRecord> cps = registry.checkpoints(id);
        QCOMPARE(cps.size(), size_t(2)); // one row per file: latest moved on to step 20
        QCOMPARE(cps[0].step, int64_t(10));
        QVERIFY(cps[0].best);
        QCOMPARE(cps[0].path, project / "runs" / id / "checkpoints/best.safetensors");
        QCOMPARE(cps[1].step, int64_t(20));
        QVERIFY(!cps[1].best);

        const std::vector<SampleRecord> samples = registry.samples(id);
        QCOMPARE(samples.size(), size_t(4));
        QCOMPARE(samples[0].prompt, std::string("The "));
        QCOMPARE(samples[1].text, std::string("dog ran"));
        QCOMPARE(samples[3].step, int64_t(20));
        QCOMPARE(samples[3].text, std::string("dog ran far"));

        // A resume from the checkpoint at step 10 drops what came after it, as metrics.jsonl does.
        RunInfo resumed;
        resumed.startStep = 10;
        resumed.maxSteps = 100;
        registry.recordStart(id, resumed);
        QCOMPARE(toString(registry.findRun(id)->status), toString(RunStatus::Running));
        QCOMPARE(registry.findRun(id)->steps, int64_t(10));
        QCOMPARE(registry.metrics(id).size(), size_t(10));
        QCOMPARE(registry.samples(id).size(), size_t(2));
        QCOMPARE(registry.checkpoints(id).size(), size_t(1));
        QVERIFY_THROWS_EXCEPTION(InputError, registry.recordStep("nope", stepMetrics(1)));
    }

    // WAL: a reader is never blocked by a writer's open transaction and sees only committed rows.
    void secondConnectionReadsWhileOneWrites()
    {
        tb::test::TempDir dir;
        const fs::path project = dir / "project";
        RunRegistry writer(project);
        RunRegistry reader(project);
        const std::string id = writer.createRun(tinyConfig(dir.path())).id;
        QVERIFY(reader.findRun(id)); // committed rows are visible to the other connection at once
        writer.recordStep(id, stepMetrics(1));
        QCOMPARE(reader.metrics(id).size(), size_t(1));

        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open((project / "tunebench.db").c_str(), &raw), SQLITE_OK);
        const std::string insert = "BEGIN IMMEDIATE; INSERT INTO metrics (run_id, step, loss) VALUES ('" + id + "', 2, 1.0);";
        QCOMPARE(sqlite3_exec(raw, insert.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        QCOMPARE(reader.metrics(id).size(), size_t(1)); // not blocked, and the uncommitted row is not seen
        QCOMPARE(reader.listRuns().size(), size_t(1));
        QCOMPARE(sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        QCOMPARE(reader.metrics(id).size(), size_t(2));
        sqlite3_close(raw);

        char* mode = nullptr;
        sqlite3* check = nullptr;
        sqlite3_open((project / "tunebench.db").c_str(), &check);
        sqlite3_exec(
            check, "PRAGMA journal_mode",
            [](void* out, int, char** values, char**) {
                *static_cast<char**>(out) = sqlite3_mprintf("%s", values[0]);
                return 0;
            },
            &mode, nullptr);
        QCOMPARE(QByteArray(mode), QByteArray("wal"));
        sqlite3_free(mode);
        sqlite3_close(check);
    }

    void interruptedOnlyWhenTheLockIsFree()
    {
        tb::test::TempDir dir;
        const fs::path project = dir / "project";
        RunRegistry registry(project);
        const RunConfig config = tinyConfig(dir.path());
        const RunRecord alive = registry.createRun(config, "alive");
        const RunRecord dead = registry.createRun(config, "dead");
        const RunRecord done = registry.createRun(config, "done");
        RunSummary completed;
        completed.status = RunStatus::Completed;
        registry.recordEnd(done.id, completed);

        fs::create_directories(alive.runDir);
        const pid_t owner = lockInChild(alive.runDir);
        QVERIFY(RunLock::isLocked(alive.runDir));
        QVERIFY_THROWS_EXCEPTION(Error, RunLock{alive.runDir}); // held by another process
        QVERIFY(!RunLock::isLocked(dead.runDir));

        const std::vector<std::string> changed = registry.markInterruptedRuns();
        QCOMPARE(changed, std::vector<std::string>{dead.id});
        QCOMPARE(toString(registry.findRun(dead.id)->status), toString(RunStatus::Interrupted));
        QCOMPARE(toString(registry.findRun(alive.id)->status), toString(RunStatus::Running));
        QCOMPARE(toString(registry.findRun(done.id)->status), toString(RunStatus::Completed));

        // The owner dies without a word: its run reads as interrupted from then on.
        killChild(owner);
        QVERIFY(!RunLock::isLocked(alive.runDir));
        QCOMPARE(registry.markInterruptedRuns(), std::vector<std::string>{alive.id});
        QCOMPARE(toString(registry.findRun(alive.id)->status), toString(RunStatus::Interrupted));
        QVERIFY(registry.markInterruptedRuns().empty());

        // Within one process, two locks on one run conflict too (flock is per open file).
        {
            RunLock lock(dead.runDir);
            QVERIFY(RunLock::isLocked(dead.runDir));
            QVERIFY_THROWS_EXCEPTION(Error, RunLock{dead.runDir});
        }
        QVERIFY(!RunLock::isLocked(dead.runDir));
    }

    // Steps that reached metrics.jsonl but not the registry (a kill between the two writes) are caught up.
    void interruptedRunCatchesUpFromTheJournal()
    {
        tb::test::TempDir dir;
        const fs::path project = dir / "project";
        RunRegistry registry(project);
        const RunRecord run = registry.createRun(tinyConfig(dir.path()));
        for (int64_t s = 1; s <= 4; ++s)
            registry.recordStep(run.id, stepMetrics(s));
        const RunDirectory rd(run.runDir);
        for (int64_t s = 1; s <= 6; ++s)
            rd.appendMetrics({{"step", s}, {"loss", 9.0}, {"learning_rate", 1e-3}, {"elapsed_s", 0.5}});
        rd.appendMetrics({{"step", 6}, {"eval_loss", 2.5}, {"eval_train_loss", 2.25}, {"best_val_loss", 2.5}});
        appendLine(rd.metricsFile(), "{\"step\": 7, \"lo"); // torn by the kill

        QCOMPARE(registry.markInterruptedRuns(), std::vector<std::string>{run.id});
        const std::vector<MetricPoint> points = registry.metrics(run.id);
        QCOMPARE(points.size(), size_t(6));
        QCOMPARE(*points[3].loss, stepMetrics(4).loss); // the registry's own value is kept
        QCOMPARE(*points[5].loss, 9.0);
        QCOMPARE(*points[5].evalLoss, 2.5);
        const RunRecord r = *registry.findRun(run.id);
        QCOMPARE(r.steps, int64_t(6));
        QCOMPARE(*r.bestValLoss, 2.5);
    }

    void badDatabaseFiles_data()
    {
        QTest::addColumn<QByteArray>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("garbage") << QByteArray("garbage") << "is not a readable TuneBench run registry";
        QTest::newRow("foreign") << QByteArray("foreign") << "not a TuneBench run registry";
        QTest::newRow("newer") << QByteArray("newer") << "newer TuneBench";
    }
    void badDatabaseFiles()
    {
        QFETCH(QByteArray, kind);
        QFETCH(QString, expected);
        tb::test::TempDir dir;
        const fs::path db = dir / "tunebench.db";
        if (kind == "garbage") {
            std::string bytes(8192, '\0');
            std::mt19937 rng(3);
            for (char& c : bytes)
                c = static_cast<char>(rng());
            tb::test::writeBytes(db, "SQLite format 3" + bytes); // looks like SQLite at a glance, is not
        } else {
            sqlite3* raw = nullptr;
            QCOMPARE(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
            const char* sql = kind == "foreign" ? "CREATE TABLE photos (id INTEGER)"
                                                : "CREATE TABLE runs (id TEXT); PRAGMA user_version = 99";
            QCOMPARE(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK);
            sqlite3_close(raw);
        }
        const auto sizeBefore = fs::file_size(db);
        try {
            RunRegistry registry(dir.path());
            QFAIL("opened a bad database");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), db.string());
            QVERIFY2(QString(e.what()).contains(expected), e.what());
            QVERIFY2(QString(e.what()).contains(QString::fromStdString(db.string())), e.what());
        }
        QCOMPARE(fs::file_size(db), sizeBefore); // never overwritten
    }

    // The observer on real runs: a completed run with its curve, a diverged run and a thrown run as failed.
    void observerRecordsRealRuns()
    {
        tb::test::TempDir dir;
        const fs::path project = dir / "project";
        RunConfig config = tinyConfig(dir.path(), 25);
        CountingObserver counter;
        auto recorder = RegistryObserver::createRun(project, config, "tiny", &counter);
        QVERIFY(RunLock::isLocked(recorder->runDirectory()));
        {
            RunRegistry other(project); // another process's view while it trains: alive, not interrupted
            QVERIFY(other.markInterruptedRuns().empty());
        }
        auto trainer = Trainer::create(config, recorder->runDirectory());
        const TrainResult result = recorder->train(*trainer);
        QCOMPARE(result.outcome, TrainOutcome::Completed);
        QVERIFY(!RunLock::isLocked(recorder->runDirectory()));
        const std::string id = recorder->runId();
        recorder.reset();

        RunRegistry registry(project);
        const RunRecord r = *registry.findRun(id);
        QCOMPARE(toString(r.status), toString(RunStatus::Completed));
        QCOMPARE(r.name, std::string("tiny"));
        QCOMPARE(r.steps, int64_t(25));
        QVERIFY(r.parameterCount > 0);
        QCOMPARE(*r.bestValLoss, *result.summary.bestValLoss);
        QCOMPARE(*r.finalValLoss, *result.summary.finalValLoss);
        const std::vector<MetricPoint> points = registry.metrics(id);
        // Steps 1..25 plus the eval at step 0 (before the first update).
        QCOMPARE(points.size(), size_t(26));
        QCOMPARE(points.back().step, int64_t(25));
        int evals = 0;
        for (const MetricPoint& p : points)
            evals += p.evalLoss ? 1 : 0;
        QCOMPARE(evals, 4); // steps 0, 10, 20 and the final one at 25
        // The registry's curve equals the run's journal.
        for (const nlohmann::json& line : RunDirectory(r.runDir).readMetrics())
            if (line.contains("loss"))
                QCOMPARE(*points[line["step"].get<size_t>()].loss, line["loss"].get<double>());
        QCOMPARE(counter.starts, 1);
        QCOMPARE(counter.steps, 25);
        QCOMPARE(counter.evals, 4);
        QVERIFY(counter.checkpoints >= 4);
        bool latestAt25 = false;
        for (const CheckpointRecord& c : registry.checkpoints(id))
            latestAt25 = latestAt25 || (!c.best && c.step == 25 && fs::exists(c.path));
        QVERIFY(latestAt25);

        // Diverged: the trainer returns Failed; the registry says failed with the trainer's message.
        RunConfig hot = config;
        hot.train.learningRate = 1e30;
        hot.train.gradClip = 0;
        auto diverging = RegistryObserver::createRun(project, hot, "hot");
        auto hotTrainer = Trainer::create(hot, diverging->runDirectory());
        QCOMPARE(diverging->train(*hotTrainer).outcome, TrainOutcome::Failed);
        const RunRecord h = *registry.findRun(diverging->runId());
        QCOMPARE(toString(h.status), toString(RunStatus::Failed));
        QVERIFY2(QString::fromStdString(h.error).contains("became"), h.error.c_str());

        // Thrown mid-run: failed with the exception's message, never completed; the exception reaches the caller.
        ThrowingObserver thrower(5);
        auto throwing = RegistryObserver::createRun(project, config, "throws", &thrower);
        auto throwingTrainer = Trainer::create(config, throwing->runDirectory());
        QVERIFY_THROWS_EXCEPTION(Error, throwing->train(*throwingTrainer));
        const RunRecord t = *registry.findRun(throwing->runId());
        QCOMPARE(toString(t.status), toString(RunStatus::Failed));
        QCOMPARE(t.error, std::string("disk full while writing the chart cache"));
        QCOMPARE(t.steps, int64_t(5));

        // A new run whose trainer cannot be built is discarded: nothing listed, no folder.
        RunConfig bad = config;
        bad.data.corpus = (dir / "missing.txt").string();
        auto discarded = RegistryObserver::createRun(project, bad, "bad");
        const fs::path badDir = discarded->runDirectory();
        QVERIFY_THROWS_EXCEPTION(InputError, Trainer::create(bad, badDir));
        discarded->discard();
        QVERIFY(!registry.findRun(discarded->runId()));
        QVERIFY(!fs::exists(badDir));
        QCOMPARE(registry.listRuns().size(), size_t(3));
    }
};

QTEST_GUILESS_MAIN(TestRunRegistry)
#include "test_run_registry.moc"
