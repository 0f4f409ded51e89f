// SPDX-License-Identifier: MIT
#include "ui/bridge/corpus_scan.h"

#include "core/data/corpus.h"
#include "core/data/corpus_stats.h"
#include "tests/qt_test_support.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <memory>

using tb::ui::CorpusScan;

using tb::test::writeFile;

class TestCorpusScan : public QObject {
    Q_OBJECT
private slots:
    void scansOnAWorkerThread()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, "c.txt", "hello\nworld\n");
        CorpusScan scan;
        QSignalSpy finished(&scan, &CorpusScan::finished);
        QSignalSpy failed(&scan, &CorpusScan::failed);
        scan.start(file);
        QVERIFY(scan.isRunning());
        QVERIFY(finished.wait(10000));
        QVERIFY(!scan.isRunning());
        QCOMPARE(failed.count(), 0);
        const auto stats = finished.at(0).at(0).value<tb::core::CorpusStats>();
        QCOMPARE(stats.characters, int64_t(12));
        QCOMPARE(stats.lines, int64_t(2));
        QCOMPARE(stats.distinctCharacters, int64_t(8)); // h e l o w r d \n
        QCOMPARE(finished.at(0).at(1).toString(), QString("hello\nworld\n"));
    }

    void badFileFailsWithItsPosition()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, "bad.txt", "ok\nbad \xFF here\n");
        CorpusScan scan;
        QSignalSpy failed(&scan, &CorpusScan::failed);
        scan.start(file);
        QVERIFY(failed.wait(10000));
        QCOMPARE(failed.at(0).at(0).toString(), file);
        const QString message = failed.at(0).at(1).toString();
        QVERIFY2(message.contains("bad.txt") && message.contains("bad.txt:2 (byte 7)") && message.contains("UTF-8"),
                 qPrintable(message));
    }

    void onlyTheLatestScanReports()
    {
        QTemporaryDir dir;
        const QString big = writeFile(dir, "big.txt", QByteArray(8 << 20, 'a'));
        const QString small = writeFile(dir, "small.txt", "xyz");
        CorpusScan scan;
        QSignalSpy finished(&scan, &CorpusScan::finished);
        scan.start(big);
        scan.start(small);
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.at(0).at(0).value<tb::core::CorpusStats>().characters, int64_t(3));
        QTest::qWait(200); // the cancelled scan must not report late
        QCOMPARE(finished.count(), 1);
    }

    void cancelDropsTheResultAndDestructorJoins()
    {
        QTemporaryDir dir;
        const QString big = writeFile(dir, "big.txt", QByteArray(8 << 20, 'a'));
        auto scan = std::make_unique<CorpusScan>();
        QSignalSpy finished(scan.get(), &CorpusScan::finished);
        scan->start(big);
        scan->cancel();
        QVERIFY(!scan->isRunning());
        QTest::qWait(200);
        QCOMPARE(finished.count(), 0);
        scan->start(big);
        scan.reset(); // must join the running scan without crashing
    }

    void streamsWithTheLoadersStats_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("demo") << QStringLiteral(TB_SOURCE_DIR "/resources/demo/corpus.txt");
        QTest::newRow("tinyshakespeare") << QStringLiteral(TB_SHARED_DATA_DIR "/corpus/tinyshakespeare.txt");
        QTest::newRow("crlf+bom+utf8") << QString(); // written below
    }

    void streamsWithTheLoadersStats()
    {
        // The streaming scan must count exactly what loading the whole file and counting it does.
        QFETCH(QString, file);
        QTemporaryDir dir;
        if (file.isEmpty())
            file = writeFile(dir, "mixed.txt", "\xEF\xBB\xBFna\xC3\xAFve\r\ncaf\xC3\xA9\rlast line \xF0\x9F\x98\x80");
        if (!QFileInfo::exists(file))
            QSKIP("data not present");
        const tb::core::Corpus corpus = tb::core::loadCorpus(file.toStdString());
        const auto expected = tb::core::scanCorpusStats(corpus);
        QVERIFY(expected.has_value());

        CorpusScan scan;
        QSignalSpy finished(&scan, &CorpusScan::finished);
        scan.start(file);
        QVERIFY(finished.wait(60000));
        const auto stats = finished.at(0).at(0).value<tb::core::CorpusStats>();
        QCOMPARE(stats.path, expected->path);
        QCOMPARE(stats.format, expected->format);
        QCOMPARE(stats.hash, expected->hash);
        QCOMPARE(stats.fileBytes, expected->fileBytes);
        QCOMPARE(stats.textBytes, expected->textBytes);
        QCOMPARE(stats.characters, expected->characters);
        QCOMPARE(stats.lines, expected->lines);
        QCOMPARE(stats.distinctCharacters, expected->distinctCharacters);
        QCOMPARE(stats.documents, expected->documents);
        QCOMPARE(finished.at(0).at(1).toString(),
                 QString::fromStdString(tb::core::textPreview(corpus.text, CorpusScan::kPreviewBytes)));
    }

    void reportsProgressByBytesRead()
    {
        // 24 MB of text is three 8 MB chunks: progress climbs and ends at 100.
        QTemporaryDir dir;
        QByteArray line(99, 'x');
        line.append('\n');
        const QString file = writeFile(dir, "lines.txt", line.repeated(240000));
        CorpusScan scan;
        QSignalSpy progressed(&scan, &CorpusScan::progressed);
        QSignalSpy finished(&scan, &CorpusScan::finished);
        scan.start(file);
        QVERIFY(finished.wait(60000));
        QVERIFY2(progressed.count() >= 3, qPrintable(QString::number(progressed.count())));
        int last = -1;
        for (const auto& args : progressed) {
            QVERIFY(args.at(0).toInt() > last);
            last = args.at(0).toInt();
        }
        QCOMPARE(last, 100);
        QCOMPARE(finished.at(0).at(0).value<tb::core::CorpusStats>().lines, int64_t(240000));
        QCOMPARE(finished.at(0).at(1).toString().size(), qsizetype(CorpusScan::kPreviewBytes));
    }

    void cancelAfterProgressStopsTheStream()
    {
        QTemporaryDir dir;
        QByteArray line(99, 'y');
        line.append('\n');
        const QString file = writeFile(dir, "lines.txt", line.repeated(480000)); // 48 MB, six chunks
        CorpusScan scan;
        QSignalSpy progressed(&scan, &CorpusScan::progressed);
        QSignalSpy finished(&scan, &CorpusScan::finished);
        QSignalSpy failed(&scan, &CorpusScan::failed);
        scan.start(file);
        QVERIFY(progressed.wait(60000));
        scan.cancel();
        QVERIFY(!scan.isRunning());
        const int seen = static_cast<int>(progressed.count());
        QTest::qWait(300);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(progressed.count(), seen); // nothing from the cancelled scan arrives after cancel()
    }
};

QTEST_GUILESS_MAIN(TestCorpusScan)
#include "test_corpus_scan.moc"
