// SPDX-License-Identifier: MIT
#include "tests/app/cli_support.h"
#include <QtTest/QtTest>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <csignal>

using tb::test::corpusText;
using tb::test::runCli;
using tb::test::readJson;
using tb::test::writeFile;
using Result = tb::test::CliResult;

namespace {

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
        QTest::newRow("compare") << QStringList{"compare", "--help"} << "--repetition-penalty";
        // Every method is listed, and the demo's options show their defaults (issue 12).
        for (const char* method : {"pretrain", "sft", "lora", "prompt_tuning", "dpo"}) {
            QTest::newRow(qPrintable(QString("main lists %1").arg(method))) << QStringList{"--help"} << method;
            QTest::newRow(qPrintable(QString("train lists %1").arg(method))) << QStringList{"train", "--help"} << method;
        }
        QTest::newRow("demo out default") << QStringList{"demo", "--help"} << "(default: runs/demo-";
        QTest::newRow("demo steps default") << QStringList{"demo", "--help"} << "(default: 800,";
        QTest::newRow("demo threads default") << QStringList{"demo", "--help"} << "(default: 0, every core)";
        QTest::newRow("demo step 2") << QStringList{"demo", "--help"} << "finetune_demo.yaml";
    }

    // One version number, CMake's project(VERSION): --version prints it, and every run's summary records it.
    void versionIsTheProjectVersion()
    {
        const Result r = runCli({"--version"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QString("tunebench-cli " TB_VERSION "\n"));
        QVERIFY(QRegularExpression(R"(^\d+\.\d+\.\d+$)").match(QString(TB_VERSION)).hasMatch());
    }

    // demo --help's default step count is demo.yaml's.
    void demoHelpMatchesTheDemoConfig()
    {
        QFile f(QStringLiteral(TB_SOURCE_DIR) + "/resources/demo/demo.yaml");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString yaml = QString::fromUtf8(f.readAll());
        const QRegularExpression steps("max_steps:\\s*(\\d+)");
        const auto m = steps.match(yaml);
        QVERIFY(m.hasMatch());
        QVERIFY2(runCli({"demo", "--help"}).out.contains("(default: " + m.captured(1) + ","), qPrintable(yaml));
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
        QCOMPARE(summary["tunebench_version"].toString(), QString(TB_VERSION));
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

    // compare: two tiny runs, JSON Lines with the documented fields, the same greedy text with and without the
    // KV cache (past the block size of 16), --probs, the side-by-side text and bad options.
    void compareTwoRuns()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(4000));
        writeFile(dir.filePath("run.yaml"), tinyConfig("corpus.txt", 8));
        for (const QString seed : {"1", "2"}) {
            const Result r = runCli({"pretrain", "--config", dir.filePath("run.yaml"), "--out", dir.filePath("run" + seed),
                                     "--set", "train.seed=" + seed},
                                    dir.path());
            QCOMPARE(r.exitCode, 0);
        }
        const QStringList runs{dir.filePath("run1"), dir.filePath("run2")};
        auto jsonLines = [](const QString& out) {
            QList<QJsonObject> objects;
            for (const QString& line : out.split('\n', Qt::SkipEmptyParts))
                objects.push_back(QJsonDocument::fromJson(line.toUtf8()).object());
            return objects;
        };
        const QStringList greedy{"--prompt", "the cat ", "--greedy", "--max-new-tokens", "40", "--json"};
        const Result cached = runCli(QStringList{"compare"} + runs + greedy);
        QCOMPARE(cached.exitCode, 0);
        const auto withCache = jsonLines(cached.out);
        QCOMPARE(withCache.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const QJsonObject& o = withCache[i];
            QCOMPARE(o["run"].toString(), runs[i]);
            QCOMPARE(o["tokens"].toArray().size(), 40);
            QCOMPARE(o["new_tokens"].toInt(), 40);
            QVERIFY(o["text"].isString() && !o["text"].toString().isEmpty());
            QVERIFY(o["tokens_per_second"].toDouble() > 0);
            QCOMPARE(o["prompt_tokens"].toArray().size(), 8); // char tokenizer
            QVERIFY(!o.contains("probs"));
        }
        QVERIFY(withCache[0]["tokens"] != withCache[1]["tokens"]); // two different models

        const Result plain = runCli(QStringList{"compare"} + runs + greedy + QStringList{"--no-cache"});
        QCOMPARE(plain.exitCode, 0);
        const auto withoutCache = jsonLines(plain.out);
        QCOMPARE(withoutCache.size(), 2);
        for (int i = 0; i < 2; ++i) {
            QCOMPARE(withoutCache[i]["text"].toString(), withCache[i]["text"].toString());
            QCOMPARE(withoutCache[i]["tokens"], withCache[i]["tokens"]);
            QCOMPARE(withoutCache[i]["cache"].toBool(), false);
        }

        // sample and compare check sampling options alike: temperature 0 is fine with --greedy (sample gives
        // compare's greedy text), rejected without it, and the other options fail with the same message.
        const Result zero = runCli({"sample", runs[0], "--prompt", "the cat ", "--greedy", "--temperature", "0",
                                    "--max-new-tokens", "40"});
        QCOMPARE(zero.exitCode, 0);
        QCOMPARE(zero.out, "the cat " + withCache[0]["text"].toString() + "\n");
        const QStringList badOptions[] = {{"--temperature", "0"}, {"--temperature", "-1", "--greedy"},
                                          {"--top-p", "1.5"}, {"--top-k", "-2"}, {"--max-new-tokens", "-1"}};
        for (const QStringList& options : badOptions) {
            const Result s = runCli(QStringList{"sample", runs[0], "--prompt", "x"} + options);
            const Result c = runCli(QStringList{"compare", runs[0], "--prompt", "x"} + options);
            QCOMPARE(s.exitCode, 2);
            QCOMPARE(c.exitCode, 2);
            // "tunebench-cli sample: <message>" and "tunebench-cli compare: <message>", then each command's usage.
            const QString sMessage = s.err.section('\n', 0, 0).section(": ", 1);
            const QString cMessage = c.err.section('\n', 0, 0).section(": ", 1);
            QVERIFY2(!sMessage.isEmpty() && sMessage == cMessage, qPrintable(sMessage + " | " + cMessage));
            QVERIFY2(s.err.startsWith("tunebench-cli sample: "), qPrintable(s.err));
        }
        const Result zeroCompare = runCli({"compare", runs[0], "--prompt", "x", "--greedy", "--temperature", "0",
                                           "--max-new-tokens", "3"});
        QCOMPARE(zeroCompare.exitCode, 0);

        const Result probs = runCli({"compare", runs[0], "--prompt", "the ", "--max-new-tokens", "5", "--seed", "3",
                                     "--json", "--probs", "3"});
        QCOMPARE(probs.exitCode, 0);
        const QJsonObject p = jsonLines(probs.out).value(0);
        const QJsonArray positions = p["probs"].toArray();
        QCOMPARE(positions.size(), 5);
        for (int i = 0; i < 5; ++i) {
            const QJsonObject at = positions[i].toObject();
            QCOMPARE(at["token"].toInt(), p["tokens"].toArray()[i].toInt());
            QCOMPARE(at["top"].toArray().size(), 3);
            QVERIFY(at["rank"].toInt() >= 1 && at["entropy"].toDouble() > 0);
            const double first = at["top"].toArray()[0].toObject()["p"].toDouble();
            QVERIFY(first >= at["p"].toDouble() && first <= 1.0);
        }

        const Result text = runCli(QStringList{"compare"} + runs + QStringList{"--prompt", "the ", "--max-new-tokens", "30", "--width", "100"});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("run1 (step ") && text.out.contains("run2 (step ") && text.out.contains(" | "),
                 qPrintable(text.out));
        const Result narrow = runCli(QStringList{"compare"} + runs + QStringList{"--prompt", "the ", "--max-new-tokens", "5", "--width", "30"});
        QCOMPARE(narrow.exitCode, 0);
        QVERIFY2(narrow.out.contains("=== run1 (step ") && narrow.out.contains("=== run2 (step ") && !narrow.out.contains(" | "),
                 qPrintable(narrow.out));

        const Result bad = runCli({"compare", runs[0], "--prompt", "x", "--checkpoint", "newest"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("--checkpoint"));
        const Result none = runCli({"compare", runs[0], dir.filePath("nothing"), "--prompt", "x"});
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
        // The killed run left summary.json "running" and a journal behind, so wait for the resumed process's own
        // progress output: its SIGINT handler is installed by then (before it, SIGINT would just kill it).
        QByteArray progress;
        QTRY_VERIFY_WITH_TIMEOUT((progress += resume.readAllStandardError()).contains("step"), 60000);
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
