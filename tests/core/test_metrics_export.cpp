// SPDX-License-Identifier: MIT
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/io/metrics_export.h"
#include "tests/core/test_support.h"

using namespace tb::core;

namespace {

MetricPoint step(int64_t s, double loss, double lr, double elapsed, int64_t tokens)
{
    MetricPoint p;
    p.step = s;
    p.loss = loss;
    p.learningRate = lr;
    p.gradNorm = 0.5;
    p.tokensPerSecond = 1000;
    p.elapsedSeconds = elapsed;
    p.tokensSeen = tokens;
    return p;
}

MetricPoint eval(int64_t s, double valLoss, double elapsed, int64_t tokens)
{
    MetricPoint p;
    p.step = s;
    p.evalLoss = valLoss;
    p.evalTrainLoss = valLoss - 0.1; // not exported
    p.elapsedSeconds = elapsed;
    p.tokensSeen = tokens;
    return p;
}

} // namespace

class TestMetricsExport : public QObject {
    Q_OBJECT
private slots:
    void oneRunExactText()
    {
        const std::vector<MetricPoint> points{step(1, 4.25, 6e-4, 0.5, 512), eval(1, 4.1, 0.75, 512),
                                              step(2, 3.9, 0.0003, 1.0, 1024)};
        const std::string expected =
            "step,loss,eval_loss,learning_rate,grad_norm,tokens_per_second,elapsed_s,tokens_seen,"
            "forgetting_perplexity,eval_rewards/accuracies,eval_rewards/margins\n"
            "1,4.25,,0.0006,0.5,1000,0.5,512,,,\n"
            "1,,4.1,,,,0.75,512,,,\n"
            "2,3.9,,0.0003,0.5,1000,1,1024,,,\n";
        QCOMPARE(QString::fromStdString(metricsCsv(points)), QString::fromStdString(expected));
    }

    void severalRunsQuoteNames()
    {
        const std::vector<RunMetrics> runs{
            {"plain", {step(1, 2.5, 1e-3, 0.25, 64)}, {}},
            {"lr 3e-4, \"warm\"", {step(1, 2.0, 3e-4, 0.5, 64), eval(1, 2.125, 0.5, 64)}, {}},
            {"two\nlines", {}, {}},
        };
        const std::string expected =
            "run,step,loss,eval_loss,learning_rate,grad_norm,tokens_per_second,elapsed_s,tokens_seen,"
            "forgetting_perplexity,eval_rewards/accuracies,eval_rewards/margins\n"
            "plain,1,2.5,,0.001,0.5,1000,0.25,64,,,\n"
            "\"lr 3e-4, \"\"warm\"\"\",1,2,,0.0003,0.5,1000,0.5,64,,,\n"
            "\"lr 3e-4, \"\"warm\"\"\",1,,2.125,,,,0.5,64,,,\n";
        QCOMPARE(QString::fromStdString(metricsCsv(runs)), QString::fromStdString(expected));
        QCOMPARE(QString::fromStdString(csvField("two\nlines")), QString("\"two\nlines\""));
        QCOMPARE(QString::fromStdString(csvField("a\rb")), QString("\"a\rb\""));
    }

    void writesAtomicallyAndReadsBack()
    {
        tb::test::TempDir dir;
        const double awkward = 1.0 / 3.0; // needs all 17 digits to read back exactly
        const std::vector<RunMetrics> runs{
            {"a,b", {step(10, awkward, 6e-4, 2.5, 4096), eval(10, 1.75, 3.0, 4096)}, {}},
            {"c\"d", {step(20, 0.1, 1e-5, 9.0, 8192)}, {}}};
        const auto file = dir / "curves.csv";
        writeFileAtomically(file, std::string("old content"));
        writeMetricsCsv(file, runs);
        const auto rows = parseCsv(readFile(file), file.string());
        QCOMPARE(rows.size(), size_t(4));
        for (const auto& r : rows)
            QCOMPARE(r.size(), size_t(12));
        QCOMPARE(QString::fromStdString(rows[0][0]), QString("run"));
        QCOMPARE(QString::fromStdString(rows[0][3]), QString("eval_loss"));
        QCOMPARE(QString::fromStdString(rows[1][0]), QString("a,b"));
        QCOMPARE(std::stod(rows[1][2]), awkward);
        QVERIFY(rows[1][3].empty());
        QCOMPARE(std::stod(rows[2][3]), 1.75);
        QVERIFY(rows[2][2].empty() && rows[2][4].empty());
        QCOMPARE(QString::fromStdString(rows[3][0]), QString("c\"d"));
        QCOMPARE(std::stoll(rows[3][8]), int64_t(8192));
        // Only the CSV is left in the folder (no temporary files).
        int files = 0;
        for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
            ++files;
        QCOMPARE(files, 1);

        writeMetricsCsv(file, std::vector<MetricPoint>{step(1, 2.0, 1e-3, 0.1, 8)});
        const auto single = parseCsv(readFile(file));
        QCOMPARE(single.size(), size_t(2));
        QCOMPARE(single[0].size(), size_t(11));
        QCOMPARE(QString::fromStdString(single[0][0]), QString("step"));
    }

    void parseCsvHandlesCrlfAndEmbeddedBreaks()
    {
        const auto rows = parseCsv("a,\"b\r\nc\",\r\n\"x\"\"y\",,z");
        QCOMPARE(rows.size(), size_t(2));
        QVERIFY((rows[0] == std::vector<std::string>{"a", "b\r\nc", ""}));
        QVERIFY((rows[1] == std::vector<std::string>{"x\"y", "", "z"}));
    }

    void unterminatedQuoteIsAnInputError()
    {
        try {
            parseCsv("run,step\n\"open,1\n2,3\n", "curves.csv");
            QFAIL("expected InputError");
        } catch (const InputError& e) {
            const QString what = e.what();
            QVERIFY2(what.contains("curves.csv") && what.contains("2"), e.what());
        }
    }

    void writeOverAFolderThrows()
    {
        tb::test::TempDir dir;
        std::filesystem::create_directory(dir / "taken.csv");
        QVERIFY_THROWS_EXCEPTION(Error, writeMetricsCsv(dir / "taken.csv", std::vector<MetricPoint>{}));
        QVERIFY(std::filesystem::is_directory(dir / "taken.csv"));
    }

    void smallAndLargeNumbers()
    {
        MetricPoint p;
        p.step = 3;
        p.learningRate = 1e-5;
        p.tokensPerSecond = 1.5e6;
        p.gradNorm = 12345678.0;
        const std::string csv = metricsCsv(std::vector<MetricPoint>{p});
        QCOMPARE(QString::fromStdString(csv.substr(csv.find('\n') + 1)),
                 QString("3,,,1e-05,12345678,1500000,0,0,,,\n"));
    }
    void forgettingAndRewardColumns()
    {
        // A fine-tuning eval row carries the forgetting meter; a DPO eval row the rewards, read from metrics.jsonl
        // (the registry's curves do not hold them), matched by step and only on eval rows.
        tb::test::TempDir run;
        tb::test::writeBytes(run / "metrics.jsonl",
                             "{\"step\":1,\"loss\":0.7}\n"
                             "{\"step\":2,\"eval_loss\":0.69,\"eval_rewards/accuracies\":0.75,"
                             "\"eval_rewards/margins\":0.125}\n"
                             "{\"step\":4,\"eval_loss\":0.6,\"eval_rewards/accuracies\":1}\n"
                             "{\"step\":5,\"eval_rew"); // a torn last line is skipped
        std::vector<MetricPoint> points{step(1, 0.7, 1e-3, 0.1, 8), eval(2, 0.69, 0.2, 16),
                                        step(2, 0.68, 1e-3, 0.2, 16), eval(4, 0.6, 0.4, 32)};
        points[1].forgettingPerplexity = 8.5;
        const RewardsByStep rewards = readJournalRewards(run.path());
        QCOMPARE(rewards.size(), size_t(2));
        QCOMPARE(*rewards.at(2).accuracy, 0.75);
        QCOMPARE(*rewards.at(2).margin, 0.125);
        QCOMPARE(*rewards.at(4).accuracy, 1.0);
        QVERIFY(!rewards.at(4).margin);
        const auto rows = parseCsv(metricsCsv(points, rewards));
        QCOMPARE(rows.size(), size_t(5));
        QCOMPARE(QString::fromStdString(rows[0][8]), QString("forgetting_perplexity"));
        QCOMPARE(QString::fromStdString(rows[0][9]), QString("eval_rewards/accuracies"));
        QCOMPARE(QString::fromStdString(rows[0][10]), QString("eval_rewards/margins"));
        QCOMPARE(std::stod(rows[2][8]), 8.5);
        QCOMPARE(std::stod(rows[2][9]), 0.75);
        QCOMPARE(std::stod(rows[2][10]), 0.125);
        QVERIFY(rows[1][8].empty() && rows[1][9].empty() && rows[1][10].empty());
        QVERIFY(rows[3][9].empty()); // the train row at step 2 gets no rewards
        QCOMPARE(std::stod(rows[4][9]), 1.0);
        QVERIFY(rows[4][10].empty());

        // No journal: no rewards.
        tb::test::TempDir empty;
        QVERIFY(readJournalRewards(empty.path()).empty());
    }
};

QTEST_GUILESS_MAIN(TestMetricsExport)
#include "test_metrics_export.moc"
