// SPDX-License-Identifier: MIT
#include "core/io/run_config.h"
#include "core/train/preflight.h"
#include "tests/core/test_support.h"

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

    void formatsBytes()
    {
        QCOMPARE(formatBytes(512), std::string("512 bytes"));
        QCOMPARE(formatBytes(1500), std::string("1.5 KB"));
        QCOMPARE(formatBytes(76471296), std::string("76 MB"));
        QCOMPARE(formatBytes(int64_t(12) * 1000 * 1000 * 1000), std::string("12 GB"));
    }
};

QTEST_GUILESS_MAIN(TestPreflight)
#include "test_preflight.moc"
