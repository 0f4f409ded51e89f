// SPDX-License-Identifier: MIT
#include "core/data/corpus_stats.h"
#include "core/data/token_dataset.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/test_support.h"

using namespace tb::core;

class TestCorpusStats : public QObject {
    Q_OBJECT
private slots:
    void countsBytesCharactersLinesAndDistinct()
    {
        tb::test::TempDir dir;
        // CRLF is normalised to LF; "é" is 2 bytes, "€" 3; the last line has no newline.
        tb::test::writeBytes(dir / "c.txt", "ab\r\nc\xC3\xA9\n\xE2\x82\xAC" "a");
        const Corpus corpus = loadCorpus(dir / "c.txt");
        const auto stats = scanCorpusStats(corpus);
        QVERIFY(stats.has_value());
        QCOMPARE(stats->fileBytes, int64_t(12));
        QCOMPARE(stats->textBytes, int64_t(11));
        QCOMPARE(stats->characters, int64_t(8)); // a b \n c é \n € a
        QCOMPARE(stats->lines, int64_t(3));
        QCOMPARE(stats->distinctCharacters, int64_t(6)); // a b c é € \n
        QCOMPARE(stats->documents, int64_t(1));
        QCOMPARE(stats->format, std::string("text"));
        QCOMPARE(stats->hash, corpus.hash);
    }

    void splitMatchesTheTokenDataset_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<double>("valFraction");
        QTest::newRow("char 0.1") << "char" << 0.1;
        QTest::newRow("char 0.37") << "char" << 0.37;
        QTest::newRow("byte 0.1") << "byte" << 0.1;
        QTest::newRow("byte 0.25") << "byte" << 0.25;
    }
    void splitMatchesTheTokenDataset()
    {
        QFETCH(QString, kind);
        QFETCH(double, valFraction);
        const auto file = tb::test::sharedDataDir() / "corpus" / "tinyshakespeare.txt";
        if (!std::filesystem::exists(file))
            QSKIP("shared data not present");
        const Corpus corpus = loadCorpus(file);
        const auto stats = scanCorpusStats(corpus);
        QVERIFY(stats.has_value());
        TokenizerConfig tc;
        tc.kind = kind.toStdString();
        const TokenSplit split = splitTokens(*stats, tc, valFraction);
        const auto tokenizer = makeTokenizer(tc, corpus.text);
        const TokenDataset data = TokenDataset::build(corpus, *tokenizer, valFraction, {});
        QCOMPARE(split.trainTokens, data.size(Split::Train));
        QCOMPARE(split.valTokens, data.size(Split::Val));
        QCOMPARE(split.tokens, split.trainTokens + split.valTokens);
        QCOMPARE(split.vocabSize, tokenizer->vocabSize());
    }

    void badSettingsGiveZeros()
    {
        CorpusStats s;
        s.characters = 100;
        TokenizerConfig tc;
        QCOMPARE(splitTokens(s, tc, 1.0).tokens, int64_t(0));
        tc.kind = "sentencepiece";
        QCOMPARE(splitTokens(s, tc, 0.1).tokens, int64_t(0));
    }

    void subwordSplitIsAnEstimateCloseToTheCount_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<qlonglong>("vocab");
        QTest::addColumn<QString>("corpus");
        QTest::addColumn<double>("tolerance");
        const QString shakespeare = QString::fromStdString((tb::test::sharedDataDir() / "corpus" / "tinyshakespeare.txt").string());
        const QString demo = QStringLiteral(TB_SOURCE_DIR "/resources/demo/corpus.txt");
        // The rule's own corpus, at a measured point and between points; then a corpus it was not measured on.
        QTest::newRow("bpe 1000 shakespeare") << "bpe" << 1000LL << shakespeare << 0.03;
        QTest::newRow("bpe 3000 shakespeare") << "bpe" << 3000LL << shakespeare << 0.05;
        // A small corpus (130 KB) packs more text into each of 1000 pieces: the rule overestimates it by ~26%.
        QTest::newRow("bpe 1000 demo") << "bpe" << 1000LL << demo << 0.30;
    }
    void subwordSplitIsAnEstimateCloseToTheCount()
    {
        QFETCH(QString, kind);
        QFETCH(qlonglong, vocab);
        QFETCH(QString, corpus);
        QFETCH(double, tolerance);
        if (!std::filesystem::exists(corpus.toStdString()))
            QSKIP("data not present");
        const Corpus c = loadCorpus(corpus.toStdString());
        const auto stats = scanCorpusStats(c);
        TokenizerConfig tc;
        tc.kind = kind.toStdString();
        tc.vocabSize = vocab;
        const TokenSplit split = splitTokens(*stats, tc, 0.1);
        QVERIFY(split.estimated);
        QCOMPARE(split.vocabSize, int64_t(vocab));
        QCOMPARE(split.trainTokens + split.valTokens, split.tokens);
        const auto tokenizer = makeTokenizer(tc, c.text);
        const auto actual = static_cast<double>(tokenizer->encode(c.text).size());
        const double error = std::abs(double(split.tokens) - actual) / actual;
        QVERIFY2(error <= tolerance, qPrintable(QString("estimated %1, actual %2 tokens (%3%)")
                                                    .arg(split.tokens)
                                                    .arg(actual)
                                                    .arg(100 * error, 0, 'f', 1)));
    }

    void bytesPerTokenRule()
    {
        TokenizerConfig tc;
        QCOMPARE(subwordBytesPerToken(tc), 0.0); // char
        tc.kind = "bpe";
        tc.vocabSize = 1000;
        QCOMPARE(subwordBytesPerToken(tc), 2.35);
        tc.vocabSize = 0; // the default size, 1000
        QCOMPARE(subwordBytesPerToken(tc), 2.35);
        tc.vocabSize = 100;
        QCOMPARE(subwordBytesPerToken(tc), 1.0);
        tc.vocabSize = 16000;
        QCOMPARE(subwordBytesPerToken(tc), 3.71);
        double last = 1.0; // the bare alphabet's rate
        for (double v = 300; v <= 64000; v *= 1.1) { // grows with the vocabulary, no jumps at the table's points
            tc.vocabSize = static_cast<int64_t>(v);
            const double bpt = subwordBytesPerToken(tc);
            QVERIFY2(bpt >= last && bpt - last < 0.2, qPrintable(QString("%1: %2 after %3").arg(v).arg(bpt).arg(last)));
            last = bpt;
        }
        tc.kind = "unigram";
        tc.vocabSize = 1000;
        QVERIFY(std::abs(subwordBytesPerToken(tc) - 2.35 * 0.97) < 1e-12);
        CorpusStats s;
        s.textBytes = 4700;
        tc.kind = "bpe";
        QCOMPARE(splitTokens(s, tc, 0.1).tokens, int64_t(2000));
        QCOMPARE(splitTokens(s, tc, 0.1).trainTokens, int64_t(1800));
    }

    void progressCanCancel()
    {
        Corpus corpus;
        corpus.text = std::string(3 << 20, 'x');
        int calls = 0;
        QVERIFY(!scanCorpusStats(corpus, [&](double) { return ++calls < 2; }).has_value());
        QCOMPARE(calls, 2);
        double last = 0;
        bool increasing = true;
        QVERIFY(scanCorpusStats(corpus, [&](double f) {
                    increasing = increasing && f >= last;
                    last = f;
                    return true;
                }).has_value());
        QVERIFY(increasing);
        QCOMPARE(last, 1.0);
    }

    void previewCutsAtCharacterBoundary()
    {
        const std::string text = "ab\xC3\xA9" "cd"; // a b é c d
        QCOMPARE(textPreview(text, 100), text);
        QCOMPARE(textPreview(text, 3), std::string("ab"));
        QCOMPARE(textPreview(text, 4), std::string("ab\xC3\xA9"));
    }
};

QTEST_GUILESS_MAIN(TestCorpusStats)
#include "test_corpus_stats.moc"
