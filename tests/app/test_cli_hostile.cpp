// SPDX-License-Identifier: MIT
// tunebench-cli against hostile input (issue 15): every crafted file is small and made here; each run must end with
// exit code 2 and a plain message naming the file, quickly, and no child may pass 1 GB of memory on the way.
#include "tests/app/cli_support.h"

#include "core/data/formats/gzip_reader.h"
#include "core/store/vote_store.h"

#include <QTemporaryDir>

#include <sys/resource.h>
#include <sys/stat.h>

using tb::test::corpusText;
using tb::test::runCli;
using tb::test::writeFile;
using Result = tb::test::CliResult;

namespace {

constexpr int kTimeoutMs = 60000; // a refusal takes well under a second; a hang or a 7 GB climb would not fit

QByteArray config(const QString& corpus, const QString& model = "{n_layer: 2, n_head: 2, n_embd: 32, block_size: 16}")
{
    return QString("model: %1\ntrain: {batch_size: 4, max_steps: 5, eval_interval: 5, eval_iters: 1, threads: 1}\n"
                   "data: {corpus: \"%2\", cache_dir: cache}\ntokenizer: {kind: char}\n")
        .arg(model, corpus)
        .toUtf8();
}

void expectRefused(const Result& r, const QString& part)
{
    QVERIFY2(r.exitCode == 2, qPrintable(QString("exit %1: %2").arg(r.exitCode).arg(r.err)));
    QVERIFY2(r.err.contains(part), qPrintable(r.err));
    QVERIFY2(!r.err.contains("bad_alloc") && !r.err.contains("Exception raised from"), qPrintable(r.err));
}

} // namespace

class TestCliHostile : public QObject {
    Q_OBJECT
private slots:
    void fifoCorpusIsRefusedNotAwaited()
    {
        QTemporaryDir dir;
        const QString fifo = dir.filePath("corpus.txt");
        QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
        writeFile(dir.filePath("c.yaml"), config(fifo));
        expectRefused(runCli({"pretrain", "--config", dir.filePath("c.yaml"), "--out", dir.filePath("run")}, dir.path(),
                             kTimeoutMs),
                      "corpus.txt: is not a regular file (a named pipe)");
        expectRefused(runCli({"data", "check", fifo}, dir.path(), kTimeoutMs), "is not a regular file");
        expectRefused(runCli({"pretrain", "--config", fifo}, dir.path(), kTimeoutMs), "is not a regular file");
    }

    void hugeModelsAreRefusedBeforeAllocation_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QStringList>("sets");
        QTest::addColumn<QString>("source");
        const QString small = "{n_layer: 2, n_head: 2, n_embd: 32, block_size: 16}";
        QTest::newRow("n_layer 100000") << "{n_layer: 100000, n_head: 2, n_embd: 32, block_size: 16}" << QStringList{}
                                        << "c.yaml: train.batch_size: training needs about";
        QTest::newRow("n_embd 65536") << "{n_layer: 2, n_head: 2, n_embd: 65536, block_size: 16}" << QStringList{}
                                      << "c.yaml: train.batch_size: training needs about";
        QTest::newRow("block_size 1e9") << "{n_layer: 2, n_head: 2, n_embd: 32, block_size: 1000000000}"
                                        << QStringList{} << "c.yaml: train.batch_size: training needs about";
        QTest::newRow("--set n_embd 1e9") << small
                                          << QStringList{"--set", "model.n_embd=1000000000", "--set", "model.n_head=1"}
                                          << "c.yaml and --set model.n_embd=1000000000 and --set model.n_head=1: "
                                             "train.batch_size: training needs about";
    }
    void hugeModelsAreRefusedBeforeAllocation()
    {
        QFETCH(QString, model);
        QFETCH(QStringList, sets);
        QFETCH(QString, source);
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(2000));
        writeFile(dir.filePath("c.yaml"), config(dir.filePath("corpus.txt"), model));
        const Result r = runCli(QStringList{"pretrain", "--config", "c.yaml", "--out", dir.filePath("run")} + sets,
                                dir.path(), kTimeoutMs);
        expectRefused(r, source);
        QVERIFY(!QFile::exists(dir.filePath("run/summary.json")));
    }

    void gzipBombIsRefused()
    {
        QTemporaryDir dir;
        const std::string packed =
            tb::core::gzipCompress("{\"text\": \"" + std::string(size_t(64) << 20, 'a') + "\"}\n"); // 64 MiB
        QVERIFY(packed.size() < 1 << 20);
        writeFile(dir.filePath("bomb.jsonl.gz"), QByteArray::fromStdString(packed));
        expectRefused(runCli({"data", "check", dir.filePath("bomb.jsonl.gz")}, dir.path(), kTimeoutMs),
                      "bomb.jsonl.gz: expands more than 200 times when decompressed");
    }

    void yamlAliasBombIsRefused()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(2000));
        // The anchor first (an alias may only name an earlier anchor), then 1000 aliases of its 10 KB string.
        QByteArray yaml = "x: &s \"" + QByteArray(10000, 'p') + "\"\n" + config(dir.filePath("corpus.txt"));
        yaml.replace("threads: 1}", "threads: 1, probe_prompts: [" + QByteArray("*s, ").repeated(1000) + "*s]}");
        QVERIFY(yaml.size() < 20000);
        writeFile(dir.filePath("c.yaml"), yaml);
        expectRefused(runCli({"pretrain", "--config", "c.yaml", "--out", dir.filePath("run")}, dir.path(), kTimeoutMs),
                      "c.yaml:3: expands to more than 4 MiB once its aliases (*name) are filled in");
        QVERIFY(!QFile::exists(dir.filePath("run")));
    }

    void strayCommaIsASyntaxError()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("c.json"), R"({"model": {"n_layer": 2,,}})");
        const Result r = runCli({"pretrain", "--config", "c.json"}, dir.path(), kTimeoutMs);
        expectRefused(r, "c.json");
        QVERIFY2(!r.err.contains("model.null"), qPrintable(r.err));
    }

    void badVoteLineIsReportedNotFatal()
    {
        QTemporaryDir dir;
        const tb::core::VoteStore store(dir.filePath("votes.jsonl").toStdString());
        tb::core::Vote v;
        v.prompt = "Hi?";
        v.a = {"r1", "r1", "/p/runs/r1", "/p/runs/r1/ckpt_best.safetensors", 120, "Hi?", "yes"};
        v.b = {"r2", "r2", "/p/runs/r2", "/p/runs/r2/ckpt_best.safetensors", 120, "Hi?", "no"};
        v.verdict = tb::core::Verdict::Left;
        store.append(v);
        QFile f(dir.filePath("votes.jsonl"));
        QVERIFY(f.open(QIODevice::Append));
        f.write("{\"type\": \"vote\", \"time_to_vote_ms\": 1e999999}\n");
        f.close();
        const Result r = runCli({"votes", "summary", dir.path()}, dir.path(), kTimeoutMs);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("votes.jsonl: line 2: field \"time_to_vote_ms\"") && r.err.contains("out of range"),
                 qPrintable(r.err));
    }

    // Runs last (slots run in declaration order): the largest resident set any child above reached.
    void noChildPassedOneGigabyte()
    {
        rusage usage{};
        QCOMPARE(::getrusage(RUSAGE_CHILDREN, &usage), 0);
        const long peakMb = usage.ru_maxrss / 1024; // ru_maxrss is in KiB on Linux
        qInfo("peak resident set of the children: %ld MB", peakMb);
        QVERIFY2(peakMb < 1024, qPrintable(QString("a child reached %1 MB").arg(peakMb)));
    }
};

QTEST_GUILESS_MAIN(TestCliHostile)
#include "test_cli_hostile.moc"
