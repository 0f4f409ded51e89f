// SPDX-License-Identifier: MIT
#include "ui/panels/data_panel.h"

#include <QtTest/QtTest>

#include <QDir>
#include <QDropEvent>
#include <QLabel>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>

using tb::ui::DataPanel;

namespace {

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes)
{
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(bytes);
    return f.fileName();
}

QString stat(const DataPanel& panel, const char* name)
{
    const auto* label = panel.findChild<QLabel*>(QStringLiteral("stat.") + name);
    return label ? label->text() : QStringLiteral("<no label %1>").arg(name);
}

QString n(qlonglong v) { return QLocale().toString(v); }

void saveShot(QWidget& w, const QString& name)
{
    const QString outDir = qEnvironmentVariable("TB_TEST_OUTPUT_DIR", QDir::tempPath());
    QDir().mkpath(outDir);
    QVERIFY(w.grab().save(outDir + "/" + name));
}

} // namespace

class TestDataPanel : public QObject {
    Q_OBJECT
private slots:
    void loadsACorpusAndCountsIt()
    {
        QTemporaryDir dir;
        // 3 lines, tabs and a trailing space kept in the preview; "é" is one character of two bytes.
        const QString file = writeFile(dir, "c.txt", "to be\tor\nnot \r\nto b\xC3\xA9\n");
        DataPanel panel;
        QSignalSpy changed(&panel, &DataPanel::corpusChanged);
        QSignalSpy statsSpy(&panel, &DataPanel::statsChanged);
        panel.openCorpus(file);
        QVERIFY(changed.wait(10000));
        QCOMPARE(changed.at(0).at(0).toString(), QFileInfo(file).absoluteFilePath());
        QCOMPARE(statsSpy.count(), 1);
        QCOMPARE(panel.corpusPath(), QFileInfo(file).absoluteFilePath());
        QCOMPARE(panel.previewText(), QString::fromUtf8("to be\tor\nnot \nto b\xC3\xA9\n"));
        QCOMPARE(stat(panel, "file"), QString("c.txt"));
        QCOMPARE(stat(panel, "characters"), n(20));
        QCOMPARE(stat(panel, "lines"), n(3));
        QCOMPARE(stat(panel, "distinct"), n(10)); // t o ' ' b e \t r \n n é
        QVERIFY2(stat(panel, "size").contains(n(22) + " bytes"), qPrintable(stat(panel, "size")));
        QCOMPARE(stat(panel, "tokenizer"), QString("char"));
        QCOMPARE(stat(panel, "tokens"), n(20));
        // nanoGPT's split: train = floor(20 * 0.9) = 18, val = 2.
        QVERIFY(stat(panel, "train").startsWith(n(18) + " "));
        QVERIFY(stat(panel, "val").startsWith(n(2) + " "));
        QCOMPARE(stat(panel, "vocab"), n(11)); // 10 characters + <unk>

        tb::core::TokenizerConfig byte;
        byte.kind = "byte";
        panel.setTokenization(byte, 0.5);
        QCOMPARE(stat(panel, "tokens"), n(21)); // bytes after CRLF -> LF
        QVERIFY(stat(panel, "train").startsWith(n(10) + " "));
        QCOMPARE(stat(panel, "vocab"), n(256));
        QVERIFY(panel.errorText().isEmpty());
    }

    void badUtf8KeepsThePreviousCorpus()
    {
        QTemporaryDir dir;
        const QString good = writeFile(dir, "good.txt", "hello world\n");
        const QString bad = writeFile(dir, "bad.txt", "fine\nbroken \xC3\x28 here\n");
        DataPanel panel;
        panel.resize(900, 500);
        QSignalSpy changed(&panel, &DataPanel::corpusChanged);
        QSignalSpy failed(&panel, &DataPanel::corpusFailed);
        panel.openCorpus(good);
        QVERIFY(changed.wait(10000));
        panel.openCorpus(bad);
        QVERIFY(failed.wait(10000));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(panel.corpusPath(), QFileInfo(good).absoluteFilePath());
        QCOMPARE(panel.previewText(), QString("hello world\n"));
        QCOMPARE(stat(panel, "characters"), n(12));
        const QString error = panel.errorText();
        QVERIFY2(error.contains("bad.txt:2 (byte 12)") && error.contains("UTF-8") && error.contains("good.txt"),
                 qPrintable(error));
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        saveShot(panel, "data_panel_error.png");

        // The next good load clears the message.
        panel.openCorpus(good);
        QVERIFY(changed.wait(10000));
        QVERIFY(panel.errorText().isEmpty());
    }

    void opensADroppedFile()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, "dropped.jsonl", "{\"text\": \"a\"}\n{\"text\": \"bc\"}\n");
        DataPanel panel;
        QSignalSpy changed(&panel, &DataPanel::corpusChanged);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(file)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&panel, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&panel, &drop);
        QVERIFY(changed.wait(10000));
        QCOMPARE(panel.corpusPath(), QFileInfo(file).absoluteFilePath());
        QCOMPARE(stat(panel, "format"), QString("JSONL"));
        QCOMPARE(stat(panel, "documents"), n(2));
        QCOMPARE(panel.previewText(), QString("a\nbc"));
    }

    void screenshotWithARealCorpus()
    {
        const QString file = QStringLiteral(TB_SHARED_DATA_DIR) + "/corpus/tinyshakespeare.txt";
        if (!QFileInfo::exists(file))
            QSKIP("shared data not present");
        DataPanel panel;
        panel.resize(1000, 560);
        QSignalSpy changed(&panel, &DataPanel::corpusChanged);
        panel.openCorpus(file);
        QVERIFY(changed.wait(20000));
        QCOMPARE(stat(panel, "characters"), n(1115394)); // nanoGPT's prepare.py: "length of dataset in characters"
        QCOMPARE(stat(panel, "distinct"), n(65));        // nanoGPT: vocab size 65
        QVERIFY(panel.previewText().startsWith("First Citizen:\nBefore we proceed"));
        QCOMPARE(panel.previewText().toUtf8().size(), 64 * 1024);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        saveShot(panel, "data_panel.png");
    }
};

QTEST_MAIN(TestDataPanel)
#include "test_data_panel.moc"
