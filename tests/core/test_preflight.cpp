// SPDX-License-Identifier: MIT
#include "core/io/run_config.h"
#include "core/tokenizer/char_tokenizer.h"
#include "core/train/preflight.h"
#include "tests/core/test_support.h"

#include <limits>

using namespace tb::core;

namespace {

constexpr int64_t kGiB = int64_t(1) << 30;

/// A config that passes every check on an 8 GiB, 4-core machine with a 100k-token corpus.
RunConfig goodConfig()
{
    RunConfig c;
    c.data.corpus = "corpus.txt";
    return c;
}

MachineInfo machine() { return {8 * kGiB, 4}; }

TokenSplit corpus(int64_t tokens, double valFraction = 0.1)
{
    CorpusStats s;
    s.characters = tokens;
    s.textBytes = tokens;
    s.distinctCharacters = 64;
    return splitTokens(s, TokenizerConfig{}, valFraction);
}

bool hasFinding(const std::vector<Finding>& findings, Severity severity, const std::string& key)
{
    for (const auto& f : findings)
        if (f.severity == severity && f.key == key && !f.message.empty())
            return true;
    return false;
}

QString describe(const std::vector<Finding>& findings)
{
    QStringList lines;
    for (const auto& f : findings)
        lines << QString::fromStdString(toString(f.severity) + " " + f.key + ": " + f.message);
    return lines.join("\n");
}

} // namespace

class TestPreflight : public QObject {
    Q_OBJECT
private slots:
    void goodConfigHasNoErrorsOrWarnings()
    {
        const auto findings = preflight(goodConfig(), machine(), corpus(100000));
        QVERIFY2(!hasErrors(findings), qPrintable(describe(findings)));
        for (const auto& f : findings)
            QVERIFY2(f.severity == Severity::Info, qPrintable(describe(findings)));
        QVERIFY(hasFinding(findings, Severity::Info, "train.max_steps")); // how many epochs
        QVERIFY(preflight(goodConfig(), machine()).empty());              // no corpus: nothing to say
    }

    void eachCheckFires_data()
    {
        QTest::addColumn<QString>("assignments"); // ';'-separated --set overrides of goodConfig()
        QTest::addColumn<qint64>("corpusTokens"); // 0: no corpus stats
        QTest::addColumn<int>("severity");
        QTest::addColumn<QString>("key");
        const int err = int(Severity::Error), warn = int(Severity::Warning);
        QTest::newRow("block larger than the val split") << "model.block_size=2000" << qint64(10000) << err
                                                         << "model.block_size";
        QTest::newRow("block larger than the corpus") << "model.block_size=2000" << qint64(1500) << err
                                                      << "model.block_size";
        QTest::newRow("batch larger than the train split") << "train.batch_size=200" << qint64(10000) << warn
                                                           << "train.batch_size";
        QTest::newRow("memory above the machine's") << "model.n_embd=4096;model.n_head=32;model.n_layer=12"
                                                    << qint64(0) << err << "train.batch_size";
        QTest::newRow("memory above half the machine's") << "train.batch_size=1000" << qint64(0) << warn
                                                         << "train.batch_size";
        QTest::newRow("warmup as long as the run") << "train.max_steps=100;train.warmup_steps=100" << qint64(0)
                                                   << warn << "train.warmup_steps";
        QTest::newRow("eval interval past the end") << "train.max_steps=100;train.eval_interval=250" << qint64(0)
                                                    << warn << "train.eval_interval";
        QTest::newRow("threads above cores") << "train.threads=16" << qint64(0) << warn << "train.threads";
        QTest::newRow("learning rate high") << "train.learning_rate=0.1" << qint64(0) << warn
                                            << "train.learning_rate";
        QTest::newRow("learning rate low") << "train.learning_rate=1e-6;train.min_lr=0" << qint64(0) << warn
                                           << "train.learning_rate";
        QTest::newRow("n_embd not divisible by n_head") << "model.n_embd=130" << qint64(0) << err << "model.n_embd";
        QTest::newRow("no corpus") << "data.corpus=" << qint64(0) << err << "data.corpus";
        QTest::newRow("min_lr above learning rate") << "train.min_lr=0.01" << qint64(0) << err << "train.min_lr";
    }
    void eachCheckFires()
    {
        QFETCH(QString, assignments);
        QFETCH(qint64, corpusTokens);
        QFETCH(int, severity);
        QFETCH(QString, key);
        RunConfig c = goodConfig();
        for (const QString& a : assignments.split(';'))
            applyOverride(c, a.toStdString());
        const auto stats = corpusTokens > 0 ? std::optional<TokenSplit>(corpus(corpusTokens)) : std::nullopt;
        const auto findings = preflight(c, machine(), stats);
        QVERIFY2(hasFinding(findings, Severity(severity), key.toStdString()), qPrintable(describe(findings)));
        QCOMPARE(hasErrors(findings), severity == int(Severity::Error));
        // Errors come first.
        for (size_t i = 1; i < findings.size(); ++i)
            QVERIFY(int(findings[i - 1].severity) <= int(findings[i].severity));
    }

    void estimatedSplitsWarnInsteadOfRefusing()
    {
        const RunConfig c = goodConfig();
        TokenSplit split = corpus(c.model.blockSize * 5); // the val split (10%) is shorter than one block
        const auto exact = preflight(c, machine(), split);
        QVERIFY2(hasFinding(exact, Severity::Error, "model.block_size"), qPrintable(describe(exact)));
        split.estimated = true; // a bpe/unigram count before the tokenizer exists
        const auto estimated = preflight(c, machine(), split);
        QVERIFY2(!hasErrors(estimated), qPrintable(describe(estimated)));
        QVERIFY2(hasFinding(estimated, Severity::Warning, "model.block_size"), qPrintable(describe(estimated)));
        QVERIFY2(describe(estimated).contains("about"), qPrintable(describe(estimated)));
    }

    void memoryUsesTheCorpusVocabulary()
    {
        RunConfig c = goodConfig();
        c.model.vocabSize = 2;
        const int64_t bytes = [&] {
            GptConfig m = c.model;
            m.vocabSize = 64 + 1;
            return m.estimateTrainingBytes(c.train.batchSize);
        }();
        // Just enough memory for the estimate with the corpus's 65 ids: no finding about memory.
        const auto ok = preflight(c, {bytes * 2 + 1, 4}, corpus(100000));
        QVERIFY2(!hasFinding(ok, Severity::Warning, "train.batch_size"), qPrintable(describe(ok)));
        const auto tight = preflight(c, {bytes * 2 - 1, 4}, corpus(100000));
        QVERIFY2(hasFinding(tight, Severity::Warning, "train.batch_size"), qPrintable(describe(tight)));
    }

    void unknownMachineSkipsMachineChecks()
    {
        RunConfig c = goodConfig();
        c.train.threads = 64;
        c.train.batchSize = 100000;
        QVERIFY(preflight(c, MachineInfo{}).empty());
        const MachineInfo here = probeMachine();
        QVERIFY(here.cores >= 1);
        QVERIFY(here.availableMemoryBytes > 0);
    }

    // Fine-tuning data (issue 12): the four warnings, each alone, in plain words naming its key.
    void dataWarnings_data()
    {
        QTest::addColumn<int>("records");
        QTest::addColumn<int>("skipped");
        QTest::addColumn<int>("cut");
        QTest::addColumn<int>("val");
        QTest::addColumn<bool>("pairs");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("words");
        QTest::newRow("most records skipped") << 91 << 78 << 0 << 10 << false << "data.train" << "cannot spell";
        QTest::newRow("examples cut") << 100 << 0 << 13 << 10 << false << "data.train" << "longer than the model's context";
        QTest::newRow("small val split") << 100 << 0 << 0 << 2 << false << "data.val_fraction" << "only 2 records";
        QTest::newRow("few DPO pairs") << 30 << 15 << 0 << 10 << true << "data.train" << "only 15 preference pairs";
    }

    void dataWarnings()
    {
        QFETCH(int, records);
        QFETCH(int, skipped);
        QFETCH(int, cut);
        QFETCH(int, val);
        QFETCH(bool, pairs);
        QFETCH(QString, key);
        QFETCH(QString, words);
        FineTuneDataCounts d;
        d.records = records;
        d.skipped = skipped;
        d.cut = cut;
        d.valRecords = val;
        d.pairs = pairs;
        const auto findings = preflight(goodConfig(), machine(), std::nullopt, d);
        int warnings = 0;
        for (const auto& f : findings)
            if (f.severity == Severity::Warning) {
                ++warnings;
                QCOMPARE(QString::fromStdString(f.key), key);
                QVERIFY2(QString::fromStdString(f.message).contains(words), f.message.c_str());
            }
        QVERIFY2(warnings == 1, qPrintable(describe(findings)));
    }

    void healthyDataSaysNothing()
    {
        FineTuneDataCounts d;
        d.records = 107;
        d.valRecords = 11;
        QVERIFY(preflight(goodConfig(), machine(), std::nullopt, d).empty());
        d.skipped = 3; // a few skipped is worth knowing, not a warning
        const auto few = preflight(goodConfig(), machine(), std::nullopt, d);
        QVERIFY2(hasFinding(few, Severity::Info, "data.train") && !hasFinding(few, Severity::Warning, "data.train"),
                 qPrintable(describe(few)));
        d = {};
        d.problem = "data.json: no such file";
        QVERIFY(hasFinding(preflight(goodConfig(), machine(), std::nullopt, d), Severity::Error, "data.train"));
    }

    // The counts come from loading data.train as the run does: spellability, the context and the split.
    void countsTheDataAsTheRunLoadsIt()
    {
        tb::test::TempDir dir;
        const auto file = dir.path() / "qa.jsonl";
        std::string lines;
        for (int i = 0; i < 12; ++i) // 12 short records, 4 of them too long for a 40-token row, 3 unspellable
            lines += "{\"instruction\": \"q" + std::to_string(i) + "\", \"output\": \"" +
                     std::string(i < 4 ? 60 : 5, 'a') + (i >= 9 ? "%" : "") + "\"}\n";
        tb::test::writeBytes(file, lines);
        RunConfig c;
        c.method = "sft";
        c.initFrom = "parent";
        c.data.train = file.string();
        c.data.valFraction = 0.25;
        c.model.blockSize = 40;
        const CharTokenizer tokenizer =
            CharTokenizer::fromText("UAabcdefghijklmnopqrstuvwxyz0123456789 :\n", CharTokenizer::Unknown::Unk);
        const FineTuneDataCounts d = fineTuneDataCounts(c, tokenizer, fineTuneRowLength(c));
        QVERIFY2(d.problem.empty(), d.problem.c_str());
        QCOMPARE(d.records, int64_t(12));
        QCOMPARE(d.skipped, int64_t(3));
        QCOMPARE(d.cut, int64_t(4));
        QCOMPARE(d.valRecords, int64_t(2)); // round(9 * 0.25)
        QVERIFY(!d.pairs);
        const auto findings = preflight(c, MachineInfo{}, std::nullopt, d);
        QVERIFY2(hasFinding(findings, Severity::Warning, "data.val_fraction"), qPrintable(describe(findings)));

        c.method = "prompt_tuning";
        QCOMPARE(fineTuneRowLength(c), int64_t(40 - 8));
        c.data.train = (dir.path() / "missing.jsonl").string();
        const FineTuneDataCounts missing = fineTuneDataCounts(c, tokenizer, 32);
        QVERIFY2(missing.problem.find("missing.jsonl") != std::string::npos, missing.problem.c_str());
    }

    void formatsBytes()
    {
        QCOMPARE(formatBytes(512), std::string("512 bytes"));
        QCOMPARE(formatBytes(1500), std::string("1.5 KB"));
        QCOMPARE(formatBytes(76471296), std::string("76 MB"));
        QCOMPARE(formatBytes(int64_t(12) * 1000 * 1000 * 1000), std::string("12 GB"));
        QCOMPARE(formatBytes(int64_t(3) * 1000 * 1000 * 1000 * 1000 * 1000), std::string("3.0 PB"));
        QCOMPARE(formatBytes(std::numeric_limits<int64_t>::max()), std::string("9.2 EB")); // a saturated estimate
    }
};

QTEST_GUILESS_MAIN(TestPreflight)
#include "test_preflight.moc"
