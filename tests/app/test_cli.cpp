// SPDX-License-Identifier: MIT
#include <QtTest/QtTest>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <csignal>

namespace {

struct Result {
    int exitCode = -1;
    QString out;
    QString err;
};

Result runCli(const QStringList& args, const QString& workDir = {}, int timeoutMs = 120000)
{
    QProcess p;
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start(TB_CLI_PATH, args);
    p.waitForFinished(timeoutMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray corpusText(int words)
{
    const char* vocabulary[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran ", "far ", "away.\n"};
    QByteArray out;
    quint32 state = 12345;
    for (int i = 0; i < words; ++i) {
        state = state * 1664525u + 1013904223u;
        out += vocabulary[(state >> 16) % 10];
    }
    return out;
}

QByteArray tinyConfig(const QString& corpus, int steps)
{
    return QString(R"(model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, dropout: 0.0}
train: {batch_size: 4, max_steps: %1, learning_rate: 0.003, min_lr: 0.0003, warmup_steps: 2, eval_interval: 10,
        eval_iters: 2, threads: 1}
data: {corpus: "%2", cache_dir: cache}
tokenizer: {kind: char}
)")
        .arg(steps)
        .arg(corpus)
        .toUtf8();
}

QJsonObject readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void helpForEveryCommand_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("main") << QStringList{"--help"} << "commands:";
        QTest::newRow("pretrain") << QStringList{"pretrain", "--help"} << "--config FILE";
        QTest::newRow("train") << QStringList{"train", "--help"} << "--set KEY=VALUE";
        QTest::newRow("resume") << QStringList{"resume", "--help"} << "latest checkpoint";
        QTest::newRow("sample") << QStringList{"sample", "--help"} << "--temperature";
        QTest::newRow("demo") << QStringList{"demo", "--help"} << "built-in demo corpus";
    }
    void helpForEveryCommand()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const Result r = runCli(args);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(expected), qPrintable(r.out));
    }

    // Each bad input: exit code 2 and a message that names the file and, where there is one, the key.
    void badInput_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<QByteArray>("corpus");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QStringList>("expected");
        const QByteArray good = corpusText(3000);
        QTest::newRow("missing corpus") << tinyConfig("nowhere.txt", 5) << QByteArray() << QStringList{}
                                        << QStringList{"nowhere.txt", "does not exist"};
        QTest::newRow("empty corpus") << tinyConfig("corpus.txt", 5) << QByteArray("") << QStringList{}
                                      << QStringList{"corpus.txt", "is empty"};
        QTest::newRow("binary corpus") << tinyConfig("corpus.txt", 5) << QByteArray("abc\0\x01\x02" "def", 9)
                                       << QStringList{} << QStringList{"corpus.txt", "binary file", "byte offset 3"};
        QTest::newRow("invalid utf-8") << tinyConfig("corpus.txt", 5) << QByteArray("line one\nbad \xff" " here\n")
                                       << QStringList{} << QStringList{"corpus.txt:2", "byte 13", "not valid UTF-8"};
        QTest::newRow("bad value") << tinyConfig("corpus.txt", 5).replace("max_steps: 5", "max_steps: many") << good
                                   << QStringList{} << QStringList{"run.yaml", "train.max_steps", "whole number"};
        QTest::newRow("unknown key") << tinyConfig("corpus.txt", 5).replace("dropout: 0.0", "dropout: 0.0, n_layers: 3")
                                     << good << QStringList{} << QStringList{"run.yaml", "model.n_layers", "unknown key"};
        QTest::newRow("invalid combination") << tinyConfig("corpus.txt", 5).replace("n_head: 2", "n_head: 3") << good
                                             << QStringList{} << QStringList{"model.n_embd (32)", "model.n_head (3)"};
        QTest::newRow("bad override") << tinyConfig("corpus.txt", 5) << good
                                      << QStringList{"--set", "train.warmup=3"} << QStringList{"train.warmup", "unknown key"};
        QTest::newRow("unknown option") << tinyConfig("corpus.txt", 5) << good << QStringList{"--fast"}
                                        << QStringList{"unknown option --fast"};
        QTest::newRow("block larger than corpus") << tinyConfig("corpus.txt", 5).replace("block_size: 16", "block_size: 512")
                                                  << QByteArray("a short corpus of a few words\n") << QStringList{}
                                                  << QStringList{"corpus.txt", "model.block_size"};
        QTest::newRow("pre-flight: memory") << tinyConfig("corpus.txt", 5) << good
                                            << QStringList{"--set", "model.n_embd=8192", "--set", "model.n_head=32",
                                                           "--set", "model.n_layer=48"}
                                            << QStringList{"run.yaml", "train.batch_size", "of memory"};
    }
    void badInput()
    {
        QFETCH(QByteArray, config);
        QFETCH(QByteArray, corpus);
        QFETCH(QStringList, extra);
        QFETCH(QStringList, expected);
        QTemporaryDir dir;
        writeFile(dir.filePath("run.yaml"), config);
        if (!config.contains("nowhere.txt"))
            writeFile(dir.filePath("corpus.txt"), corpus);
        const Result r = runCli(QStringList{"pretrain", "--config", dir.filePath("run.yaml"), "--out", dir.filePath("out")} + extra);
        QCOMPARE(r.exitCode, 2);
        for (const QString& e : expected)
            QVERIFY2(r.err.contains(e), qPrintable(QString("missing '%1' in: %2").arg(e, r.err)));
        QVERIFY(!QFile::exists(dir.filePath("out/checkpoints/latest.safetensors")));
    }

    void missingConfigFile()
    {
        const Result r = runCli({"pretrain", "--config", "/nonexistent/run.yaml"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("/nonexistent/run.yaml: does not exist"));
    }

    void trainSampleAndResume()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(4000));
        writeFile(dir.filePath("run.yaml"), tinyConfig("corpus.txt", 30));
        const Result r = runCli({"pretrain", "--config", dir.filePath("run.yaml"), "--out", dir.filePath("run")}, dir.path());
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("status: completed"), qPrintable(r.out));
        const QJsonObject summary = readJson(dir.filePath("run/summary.json"));
        QCOMPARE(summary["status"].toString(), QString("completed"));
        QCOMPARE(summary["steps"].toInt(), 30);
        for (const char* key : {"best_val_loss", "final_val_loss", "wall_seconds", "tokens_per_second"})
            QVERIFY2(summary[key].isDouble(), key);

        const QStringList sampleArgs{"sample", dir.filePath("run"), "--prompt", "the ", "--max-new-tokens", "40", "--seed", "5"};
        const Result s1 = runCli(sampleArgs);
        const Result s2 = runCli(sampleArgs);
        QCOMPARE(s1.exitCode, 0);
        QVERIFY(s1.out.startsWith("the "));
        QCOMPARE(s1.out, s2.out); // same seed, same text
        QVERIFY(s1.out.size() > 20);
        const Result bad = runCli({"sample", dir.filePath("run"), "--prompt", "x", "--temperature", "0"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("--temperature"));
        const Result none = runCli({"sample", dir.filePath("nothing"), "--prompt", "x"});
        QCOMPARE(none.exitCode, 2);
        QVERIFY(none.err.contains("does not exist"));
    }

    // kill -9 in the middle of a run: the latest checkpoint still loads and `resume` finishes the run.
    void killedRunResumes()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(20000));
        QByteArray config = tinyConfig("corpus.txt", 100000);
        config.replace("eval_interval: 10", "eval_interval: 5");
        writeFile(dir.filePath("run.yaml"), config);
        QProcess p;
        p.setWorkingDirectory(dir.path());
        p.start(TB_CLI_PATH, {"pretrain", "--config", dir.filePath("run.yaml"), "--out", dir.filePath("run")});
        QVERIFY(p.waitForStarted());
        // Wait until a few checkpoints exist, then kill without warning.
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir.filePath("run/checkpoints/latest.safetensors")) &&
                                     readJson(dir.filePath("run/summary.json"))["steps"].toInt() >= 10,
                                 60000);
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished());
        QCOMPARE(readJson(dir.filePath("run/summary.json"))["status"].toString(), QString("running"));

        const Result sample = runCli({"sample", dir.filePath("run"), "--prompt", "the ", "--latest", "--max-new-tokens", "5"});
        QCOMPARE(sample.exitCode, 0);

        // The config is stored in the checkpoint; resume continues to its max_steps. Stop it with SIGINT instead
        // of waiting for 100000 steps, and check that it saved and reported a clean stop.
        QProcess resume;
        resume.start(TB_CLI_PATH, {"resume", dir.filePath("run")});
        QVERIFY(resume.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(readJson(dir.filePath("run/summary.json"))["status"].toString() == "running" &&
                                     QFile(dir.filePath("run/metrics.jsonl")).size() > 0,
                                 30000);
        QTest::qWait(1500);
        ::kill(static_cast<pid_t>(resume.processId()), SIGINT);
        QVERIFY(resume.waitForFinished(60000));
        QCOMPARE(resume.exitCode(), 130);
        const QString out = QString::fromUtf8(resume.readAllStandardOutput());
        QVERIFY2(out.contains("status: stopped"), qPrintable(out));
        QVERIFY(out.contains("resume with: tunebench-cli resume"));
        QCOMPARE(readJson(dir.filePath("run/summary.json"))["status"].toString(), QString("stopped"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
