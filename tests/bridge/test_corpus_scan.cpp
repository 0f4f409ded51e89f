// SPDX-License-Identifier: MIT
#include "ui/bridge/corpus_scan.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <memory>

using tb::ui::CorpusScan;

namespace {

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes)
{
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(bytes);
    return f.fileName();
}

} // namespace

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
};

QTEST_GUILESS_MAIN(TestCorpusScan)
#include "test_corpus_scan.moc"
