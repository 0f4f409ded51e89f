// SPDX-License-Identifier: MIT
#include "ui/bridge/tokenizer_training.h"

#include "core/data/corpus.h"

#include <QSignalSpy>
#include <QtTest/QtTest>

#include <memory>

using tb::ui::TokenizerTraining;

namespace {

std::shared_ptr<const std::string> shakespeare()
{
    static const auto text = std::make_shared<const std::string>(
        tb::core::loadCorpus(TB_SHARED_DATA_DIR "/corpus/tinyshakespeare.txt").text);
    return text;
}

tb::core::TokenizerConfig config(const char* kind, int64_t vocab)
{
    tb::core::TokenizerConfig c;
    c.kind = kind;
    c.vocabSize = vocab;
    return c;
}

} // namespace

class TestTokenizerTraining : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        if (!QFile::exists(TB_SHARED_DATA_DIR "/corpus/tinyshakespeare.txt"))
            QSKIP("shared tinyshakespeare.txt not available");
    }

    void trainsOnAWorkerThread()
    {
        TokenizerTraining training;
        QSignalSpy finished(&training, &TokenizerTraining::finished);
        const quint64 id = training.start(config("bpe", 500), shakespeare());
        QVERIFY(id > 0);
        QCOMPARE(training.pending(), 1); // start() returned before the tokenizer exists
        QCOMPARE(finished.count(), 0);
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.at(0).at(0).value<quint64>(), id);
        const auto tokenizer = finished.at(0).at(1).value<std::shared_ptr<const tb::core::Tokenizer>>();
        QVERIFY(tokenizer);
        QCOMPARE(tokenizer->kind(), std::string("bpe"));
        QCOMPARE(tokenizer->vocabSize(), int64_t(500));
        const std::string text = "First Citizen:\nBefore we proceed any further, hear me speak.";
        QCOMPARE(tokenizer->decode(tokenizer->encode(text)), text);
        QCOMPARE(training.pending(), 0);
    }

    void badSettingsFailWithTheReason()
    {
        TokenizerTraining training;
        QSignalSpy failed(&training, &TokenizerTraining::failed);
        const quint64 id = training.start(config("bpe", 300), shakespeare());
        QVERIFY(failed.wait(60000));
        QCOMPARE(failed.at(0).at(0).value<quint64>(), id);
        const QString message = failed.at(0).at(1).toString();
        QVERIFY2(message.contains("vocab_size") && message.contains("too small"), qPrintable(message));
    }

    void cancelledJobsNeverReport()
    {
        auto training = std::make_unique<TokenizerTraining>();
        QSignalSpy finished(training.get(), &TokenizerTraining::finished);
        QSignalSpy failed(training.get(), &TokenizerTraining::failed);
        const quint64 first = training->start(config("unigram", 500), shakespeare());
        const quint64 second = training->start(config("char", 0), shakespeare());
        training->cancel(first);
        QCOMPARE(training->pending(), 1);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.at(0).at(0).value<quint64>(), second);
        QTRY_COMPARE_WITH_TIMEOUT(training->threadsRunning(), 0, 120000); // the unigram trainer runs to its end
        QTest::qWait(50); // its delivery, had it not been dropped, is queued by now
        QCOMPARE(finished.count(), 1);
        QCOMPARE(failed.count(), 0);
        training->start(config("bpe", 500), shakespeare());
        training.reset(); // the destructor waits for the running job
    }
};

QTEST_GUILESS_MAIN(TestTokenizerTraining)
#include "test_tokenizer_training.moc"
