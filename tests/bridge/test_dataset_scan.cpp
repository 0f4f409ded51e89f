// SPDX-License-Identifier: MIT
#include "ui/bridge/dataset_scan.h"

#include "core/data/formats/gzip_reader.h"
#include "tests/qt_test_support.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using tb::ui::DatasetReportPtr;
using tb::ui::DatasetScan;

using tb::test::writeFile;

namespace {

tb::core::DatasetLoadOptions skip()
{
    tb::core::DatasetLoadOptions options;
    options.policy = tb::core::ErrorPolicy::Skip;
    return options;
}

} // namespace

class TestDatasetScan : public QObject {
    Q_OBJECT
private slots:
    void countsTheSharedSamples_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<qlonglong>("conversations");
        QTest::addColumn<qlonglong>("pairs");
        QTest::addColumn<qlonglong>("duplicates");
        QTest::newRow("alpaca") << "sft/identity.json" << "alpaca" << 91LL << 0LL << 0LL;
        QTest::newRow("sharegpt") << "sft/sharegpt_dummy_conversation.json" << "sharegpt" << -1LL << 0LL << -1LL;
        QTest::newRow("llamafactory") << "preference/dpo_en_demo.json" << "llamafactory-preference" << 0LL << 300LL
                                      << 5LL;
    }

    void countsTheSharedSamples()
    {
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(qlonglong, conversations);
        QFETCH(qlonglong, pairs);
        QFETCH(qlonglong, duplicates);
        const QString path = QStringLiteral(TB_SHARED_DATA_DIR "/") + file;
        if (!QFileInfo::exists(path))
            QSKIP("shared data not present");
        const DatasetReportPtr r = tb::ui::scanDataset(path.toStdString(), skip(), 0.1);
        QCOMPARE(QString::fromUtf8(tb::core::datasetFormatName(r->dataset.format)), format);
        const auto kept = static_cast<int64_t>(r->dataset.records.size());
        if (conversations >= 0)
            QCOMPARE(r->conversations, conversations);
        QCOMPARE(r->pairs, pairs);
        QCOMPARE(r->documents + r->conversations + r->pairs + r->labelled, kept);
        if (duplicates >= 0)
            QCOMPARE(static_cast<qlonglong>(r->duplicates.size()), duplicates);
        int64_t histogram = 0;
        for (const int64_t c : r->lengths.counts)
            histogram += c;
        QCOMPARE(histogram, kept);
        QCOMPARE(r->overlap.valRecords, static_cast<int64_t>(std::llround(0.1 * double(kept))));
        QVERIFY(!r->corpusStats); // none of them is a {"text"} corpus
        QVERIFY(r->rawPreview.startsWith('['));
    }

    void textRecordsAreACorpusToo()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, "t.jsonl", "{\"text\": \"ab\"}\n{\"text\": \"ab\"}\n{\"text\": \"c\"}\n");
        const DatasetReportPtr r = tb::ui::scanDataset(file.toStdString(), skip(), 0.5);
        QCOMPARE(r->documents, int64_t(3));
        QCOMPARE(r->duplicates.size(), size_t(1));
        QVERIFY(r->corpusStats.has_value());
        QCOMPARE(r->corpusStats->documents, int64_t(3));
        QCOMPARE(r->corpusStats->format, std::string("jsonl"));
    }

    void gzipPreviewIsDecompressed()
    {
        QTemporaryDir dir;
        const std::string jsonl = "{\"prompt\": \"p\", \"completion\": \"c\"}\n";
        const std::string gz = tb::core::gzipCompress(jsonl);
        const QString file = writeFile(dir, "pc.jsonl.gz", QByteArray(gz.data(), qsizetype(gz.size())));
        const DatasetReportPtr r = tb::ui::scanDataset(file.toStdString(), skip(), 0.1);
        QCOMPARE(r->dataset.container, std::string("jsonl.gz"));
        QCOMPARE(r->rawPreview, QString::fromStdString(jsonl));
    }

    void csvColumnsComeBeforeTheLoadFails()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, "qa.csv", "question,\"the answer\"\n\"a, b\",c\n");
        DatasetScan scan;
        QSignalSpy columns(&scan, &DatasetScan::columnsFound);
        QSignalSpy failed(&scan, &DatasetScan::failed);
        scan.start(file, skip(), 0.1);
        QVERIFY(failed.wait(10000));
        QCOMPARE(columns.count(), 1);
        QCOMPARE(columns.at(0).at(1).toStringList(), QStringList({"question", "the answer"}));
        QVERIFY2(failed.at(0).at(1).toString().contains("cannot tell the dataset format"),
                 qPrintable(failed.at(0).at(1).toString()));
        QVERIFY(!scan.isRunning());
    }

    void stopPolicyFailsWithThePosition()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, "a.jsonl", "{\"instruction\": \"x\", \"output\": \"y\"}\n{\"instruction\": 1, \"output\": \"y\"}\n");
        DatasetScan scan;
        QSignalSpy failed(&scan, &DatasetScan::failed);
        QSignalSpy finished(&scan, &DatasetScan::finished);
        tb::core::DatasetLoadOptions options;
        options.policy = tb::core::ErrorPolicy::Stop;
        scan.start(file, options, 0.1);
        QVERIFY(failed.wait(10000));
        QCOMPARE(finished.count(), 0);
        const QString message = failed.at(0).at(1).toString();
        QVERIFY2(message.contains("a.jsonl") && message.contains("2") && message.contains("instruction"),
                 qPrintable(message));

        scan.start(file, skip(), 0.1);
        QVERIFY(finished.wait(10000));
        const auto report = finished.at(0).at(0).value<DatasetReportPtr>();
        QCOMPARE(report->dataset.summary.skipped, int64_t(1));
        QCOMPARE(report->conversations, int64_t(1));
    }

    void cancelDropsTheResult()
    {
        QTemporaryDir dir;
        QByteArray many;
        for (int i = 0; i < 20000; ++i)
            many += "{\"prompt\": \"question " + QByteArray::number(i) + "\", \"completion\": \"answer\"}\n";
        const QString file = writeFile(dir, "many.jsonl", many);
        auto scan = std::make_unique<DatasetScan>();
        QSignalSpy finished(scan.get(), &DatasetScan::finished);
        scan->start(file, skip(), 0.1);
        scan->cancel();
        QVERIFY(!scan->isRunning());
        QTest::qWait(300);
        QCOMPARE(finished.count(), 0);
        scan->start(file, skip(), 0.1);
        scan.reset(); // joins the running load
    }
};

QTEST_GUILESS_MAIN(TestDatasetScan)
#include "test_dataset_scan.moc"
