// SPDX-License-Identifier: MIT
#include "ui/panels/data_panel.h"
#include "ui/panels/dataset_view.h"

#include "core/data/chat_template.h"
#include "core/data/formats/dataset_reader.h"
#include "core/data/sft_examples.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/qt_test_support.h"

#include <QtTest/QtTest>

#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QDropEvent>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTemporaryDir>

using tb::ui::DataPanel;
using tb::ui::DatasetView;

using tb::test::writeFile;
using tb::test::outputDir;

namespace {

QString stat(const DataPanel& panel, const char* name)
{
    const auto* label = panel.findChild<QLabel*>(QStringLiteral("stat.") + name);
    return label ? label->text() : QStringLiteral("<no label %1>").arg(name);
}

QString datasetRow(const DataPanel& panel, const char* name)
{
    const auto* label = panel.findChild<QLabel*>(QStringLiteral("dataset.") + name);
    return label ? label->text() : QStringLiteral("<no label %1>").arg(name);
}

QString n(qlonglong v) { return QLocale().toString(v); }

void saveShot(QWidget& w, const QString& name)
{
    const QString outDir = outputDir();
    QVERIFY(w.grab().save(outDir + "/" + name));
}

// Per UTF-16 unit of the text, '1' where the byte mask counts the character (its first byte), else '0'.
QString charMask(const tb::core::RenderedExample& example)
{
    QString mask;
    for (size_t i = 0; i < example.text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(example.text[i]);
        if ((byte & 0xC0) == 0x80)
            continue; // a continuation byte: part of the character already counted
        const QChar flag = example.lossMask[i] ? QLatin1Char('1') : QLatin1Char('0');
        mask += flag;
        if (byte >= 0xF0)
            mask += flag; // a surrogate pair in UTF-16
    }
    return mask;
}

void showModelTab(DataPanel& panel)
{
    if (auto* tabs = panel.findChild<QTabWidget*>("datasetTabs"))
        tabs->setCurrentIndex(1);
    if (auto* view = panel.findChild<QComboBox*>("recordView"))
        view->setCurrentIndex(1);
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
        const int idleWidth = panel.minimumSizeHint().width();
        panel.openCorpus(file);
        // Loading (progress bar and Cancel shown) needs no more width: a wider panel grew the window past 1366.
        QVERIFY(panel.findChild<QProgressBar*>()->isVisibleTo(&panel));
        QVERIFY2(panel.minimumSizeHint().width() <= idleWidth,
                 qPrintable(QString("%1 > %2").arg(panel.minimumSizeHint().width()).arg(idleWidth)));
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

        // SentencePiece: an estimate from the bytes (21 / 2.35 bytes per token at 1000 pieces), marked as one.
        tb::core::TokenizerConfig bpe;
        bpe.kind = "bpe";
        bpe.vocabSize = 1000;
        panel.setTokenization(bpe, 0.1);
        QCOMPARE(stat(panel, "tokens"), "about " + n(9));
        QVERIFY(stat(panel, "train").startsWith("about " + n(8) + " "));
        QCOMPARE(stat(panel, "vocab"), n(1000));
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

    void readsAnAlpacaFileAsADataset()
    {
        const QString file = QStringLiteral(TB_SHARED_DATA_DIR) + "/sft/identity.json";
        if (!QFileInfo::exists(file))
            QSKIP("shared data not present");
        DataPanel panel;
        QSignalSpy changed(&panel, &DataPanel::corpusChanged);
        QSignalSpy chosen(&panel, &DataPanel::datasetChosen);
        QSignalSpy failed(&panel, &DataPanel::corpusFailed);
        panel.openCorpus(file);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isLoading(), 20000);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(changed.count(), 0); // a dataset is not the pretraining corpus
        QCOMPARE(panel.datasetPath(), QFileInfo(file).absoluteFilePath());
        QVERIFY(panel.corpusPath().isEmpty());
        QVERIFY2(datasetRow(panel, "format").startsWith("Alpaca · json"), qPrintable(datasetRow(panel, "format")));
        QCOMPARE(datasetRow(panel, "records"), n(91) + " conversations");
        QCOMPARE(datasetRow(panel, "loaded"), n(91) + " read, " + n(91) + " kept");
        QCOMPARE(datasetRow(panel, "duplicates"), QString("none"));
        QCOMPARE(datasetRow(panel, "lengths"), n(33) + " / " + n(72) + " / " + n(133) + " characters");
        // The plotted bars hold every record, and the record browser shows the first record's turns.
        const DatasetView* view = panel.datasetView();
        double total = 0;
        for (const QPointF& bar : view->histogramBars())
            total += bar.y();
        QCOMPARE(total, 91.0);
        QCOMPARE(view->currentRecord(), 0);
        QVERIFY2(view->recordText().contains("user") && view->recordText().contains("assistant") &&
                     view->recordText().contains("hi"),
                 qPrintable(view->recordText()));
        QVERIFY(panel.previewText().startsWith("["));
        QVERIFY2(datasetRow(panel, "overlap").contains(" of " + n(9) + " val records"),
                 qPrintable(datasetRow(panel, "overlap")));
        // A new val fraction (from Run setup) splits the records anew for the overlap check.
        tb::core::TokenizerConfig chars;
        panel.setTokenization(chars, 0.5);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isLoading(), 20000);
        QVERIFY2(datasetRow(panel, "overlap").contains(" of " + n(46) + " val records"),
                 qPrintable(datasetRow(panel, "overlap")));

        auto* use = panel.findChild<QPushButton*>("useAsFineTuning");
        QVERIFY(use && use->isEnabled());
        use->click();
        QCOMPARE(chosen.count(), 1);
        QCOMPARE(chosen.at(0).at(0).toString(), QFileInfo(file).absoluteFilePath());
        QCOMPARE(chosen.at(0).at(1).toString(), QString("alpaca"));
    }

    void badRecordsAreListedAndSkippedOrStopTheLoad()
    {
        QTemporaryDir dir;
        // Line 2: output is a number; line 3: invalid JSON; line 4 repeats line 1; line 5: no instruction.
        const QString file = writeFile(dir, "bad.jsonl",
                                       "{\"instruction\": \"Say hi\", \"output\": \"hi there\"}\n"
                                       "{\"instruction\": \"Count\", \"output\": 3}\n"
                                       "{\"instruction\": \"Broken\", \"output\": \"x\"\n"
                                       "{\"instruction\": \"Say hi\", \"output\": \"hi there\"}\n"
                                       "{\"output\": \"no question\"}\n"
                                       "{\"instruction\": \"Name a colour\", \"input\": \"\", \"output\": \"blue\"}\n");
        DataPanel panel;
        panel.resize(1100, 700);
        QCOMPARE(panel.errorPolicy(), tb::core::ErrorPolicy::Skip);
        panel.openCorpus(file);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isLoading(), 20000);
        QVERIFY2(panel.errorText().isEmpty(), qPrintable(panel.errorText()));
        QCOMPARE(datasetRow(panel, "records"), n(3) + " conversations");
        QVERIFY2(datasetRow(panel, "loaded").startsWith(n(6) + " read, " + n(3) + " kept, " + n(3) + " skipped ("),
                 qPrintable(datasetRow(panel, "loaded")));
        QVERIFY2(datasetRow(panel, "duplicates").startsWith(n(1) + " (first: record 3 repeats record 0)"),
                 qPrintable(datasetRow(panel, "duplicates")));
        const QStringList problems = panel.datasetView()->problemLines();
        QCOMPARE(problems.size(), 4); // three skipped records and one duplicate
        QVERIFY2(problems[0].startsWith("bad.jsonl: line 2:") && problems[0].contains("\"output\""), qPrintable(problems[0]));
        QVERIFY2(problems[1].startsWith("bad.jsonl: line 3:") && problems[1].contains("JSON"), qPrintable(problems[1]));
        QVERIFY2(problems[2].startsWith("bad.jsonl: line 5:") && problems[2].contains("instruction"), qPrintable(problems[2]));
        QVERIFY2(problems[3].startsWith("bad.jsonl: line 4:") && problems[3].contains("repeats record 0"),
                 qPrintable(problems[3]));

        // Activating a skipped record's problem shows its line in the file; a duplicate opens the record.
        auto* list = panel.findChild<QListWidget*>("problems");
        QVERIFY(list);
        emit list->itemActivated(list->item(1));
        auto* preview = panel.findChild<QPlainTextEdit*>("preview");
        QCOMPARE(preview->textCursor().selectedText(), QString("{\"instruction\": \"Broken\", \"output\": \"x\""));
        emit list->itemActivated(list->item(3));
        QCOMPARE(panel.datasetView()->currentRecord(), 1); // kept records: lines 1, 4, 6
        QVERIFY(panel.datasetView()->recordText().contains("hi there"));
        panel.datasetView()->showRecord(2);
        QVERIFY(panel.datasetView()->recordText().contains("Name a colour"));

        panel.findChild<QTabWidget*>("dataTabs")->setCurrentIndex(1);
        panel.findChild<QTabWidget*>("datasetTabs")->setCurrentIndex(0); // the problems
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        saveShot(panel, "data_panel_dataset_problems.png");

        // Stop: the first bad record ends the load with its position, and what was on show stays.
        QSignalSpy failed(&panel, &DataPanel::corpusFailed);
        panel.setErrorPolicy(tb::core::ErrorPolicy::Stop);
        panel.reload();
        QVERIFY(failed.wait(20000));
        QVERIFY2(panel.errorText().contains("bad.jsonl:2") && panel.errorText().contains("output"),
                 qPrintable(panel.errorText()));
        QCOMPARE(datasetRow(panel, "records"), n(3) + " conversations");
    }

    void mapsCsvColumnsToFields()
    {
        QTemporaryDir dir;
        const QString file = writeFile(dir, "qa.csv",
                                       "question,answer\n\"What is 2+2?\",4\n\"Capital of France, please\",Paris\n");
        DataPanel panel;
        QSignalSpy failed(&panel, &DataPanel::corpusFailed);
        panel.openCorpus(file);
        QVERIFY(failed.wait(20000)); // the columns name no format's fields
        QVERIFY2(panel.errorText().contains("question"), qPrintable(panel.errorText()));
        auto* columns = panel.findChild<QLabel*>("csvColumns");
        QCOMPARE(columns->text(), QString("Columns: question, answer"));
        QVERIFY(columns->isVisibleTo(&panel));

        panel.setFieldMapping("prompt=question, completion=answer");
        panel.reload();
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isLoading(), 20000);
        QVERIFY2(panel.errorText().isEmpty(), qPrintable(panel.errorText()));
        QVERIFY2(datasetRow(panel, "format").startsWith("Prompt/completion"), qPrintable(datasetRow(panel, "format")));
        QCOMPARE(datasetRow(panel, "records"), n(2) + " conversations");
        QVERIFY(panel.datasetView()->recordText().contains("What is 2+2?"));
        panel.datasetView()->showRecord(1);
        QVERIFY(panel.datasetView()->recordText().contains("Capital of France, please"));
        QVERIFY(panel.datasetView()->recordText().contains("Paris"));

        // A forced format that the records do not fit reports each record.
        panel.setFieldMapping(QString());
        panel.setDatasetFormat(tb::core::DatasetFormat::Alpaca);
        panel.reload();
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isLoading(), 20000);
        QVERIFY2(datasetRow(panel, "loaded").startsWith(n(2) + " read, " + n(0) + " kept"),
                 qPrintable(datasetRow(panel, "loaded")));
        QCOMPARE(panel.datasetView()->problemLines().size(), 2);
    }

    void showsARecordAsTheModelSeesIt()
    {
        const QString file = QStringLiteral(TB_SHARED_DATA_DIR) + "/sft/identity.json";
        if (!QFileInfo::exists(file))
            QSKIP("shared data not present");
        DataPanel panel;
        panel.resize(760, 700);
        panel.openCorpus(file);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isLoading(), 20000);
        DatasetView* view = panel.datasetView();
        const QStringList replace{"{{name}}=TuneBench", "{{author}}=the TuneBench team"};
        panel.setReplacements(replace);
        view->showRecord(2);

        // The reference: the same record through the core, independently of the view.
        const tb::core::Dataset dataset = tb::core::loadDataset(file.toStdString());
        QCOMPARE(dataset.records.size(), size_t(91));
        tb::core::DatasetRecord record = dataset.records[2];
        tb::core::applyReplacements(record, tb::core::parseReplacements({replace[0].toStdString(),
                                                                         replace[1].toStdString()}));
        const auto builtin = tb::core::ChatTemplate::builtin();
        const tb::core::RenderedExample example =
            tb::core::renderRecord(record, builtin, tb::core::LossOn::Completion);
        QCOMPARE(view->modelMessage(), QString());
        QCOMPARE(view->modelText(), QString::fromStdString(example.text));
        QCOMPARE(view->modelText(),
                 QString("User: Who are you?\nAssistant: I am TuneBench, an AI assistant developed by the TuneBench "
                         "team. How can I assist you today?\n"));
        const QString mask = view->modelLossMask();
        QCOMPARE(mask, charMask(example));
        // What is coloured as counted is exactly the answer and the line break that ends it.
        const QString text = view->modelText();
        const qsizetype first = mask.indexOf(QLatin1Char('1'));
        QVERIFY(first > 0);
        QCOMPARE(mask.count(QLatin1Char('1')), text.size() - first);
        QCOMPARE(text.mid(first), QString("I am TuneBench, an AI assistant developed by the TuneBench team. How can "
                                          "I assist you today?\n"));

        // Tokens, with the parent run's tokenizer (tokenizer.json in its directory): flags as training has them.
        QTemporaryDir run;
        tb::core::TokenizerConfig chars;
        const std::shared_ptr<const tb::core::Tokenizer> tokenizer = tb::core::makeTokenizer(chars, example.text);
        QVERIFY(!writeFile(run, "tokenizer.json", QByteArray::fromStdString(tokenizer->serialize())).isEmpty());
        QCOMPARE(view->tokenLossFlags(), QString());
        panel.setParentRun(run.path());
        const tb::core::TokenizedExample tokens = tb::core::tokenizeExample(example, *tokenizer);
        QString flags;
        for (size_t i = 0; i < tokens.loss.size(); ++i)
            flags += i > 0 && tokens.loss[i] ? QLatin1Char('1') : QLatin1Char('0');
        QCOMPARE(view->tokenLossFlags(), flags);
        QVERIFY(flags.contains('1') && flags.contains('0'));
        const auto* tokensTitle = panel.findChild<QLabel*>("modelTokensTitle");
        QVERIFY(tokensTitle);
        QVERIFY2(tokensTitle->text().startsWith(n(static_cast<qlonglong>(tokens.ids.size())) + " tokens"),
                 qPrintable(tokensTitle->text()));

        showModelTab(panel);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        saveShot(panel, "data_panel_model_view.png");
        panel.resize(760, 400); // the Data dock's size in the workbench's default layout
        QTest::qWait(50);
        saveShot(panel, "data_panel_model_view_dock.png");
        panel.resize(760, 700);

        // loss_on: all counts every character.
        panel.setLossOn("all");
        QCOMPARE(view->modelLossMask(), QString(view->modelText().size(), QLatin1Char('1')));
        QVERIFY(!view->tokenLossFlags().mid(1).contains('0'));
        panel.setLossOn("completion");
        QCOMPARE(view->modelLossMask(), mask);

        // The run's own template: the text follows it.
        panel.setChatTemplate("[[user]]Q: {content}\\n[[assistant]]A: {content}\\n");
        QVERIFY2(view->modelText().startsWith("Q: Who are you?\nA: I am TuneBench"), qPrintable(view->modelText()));
        QVERIFY(view->modelLossMask().startsWith(QString(19, QLatin1Char('0')) + "1"));

        // A template without an [[assistant]] section is an error shown in place of the text.
        panel.setChatTemplate("[[user]]Q: {content}\\n");
        QCOMPARE(view->modelText(), QString());
        QVERIFY2(view->modelMessage().contains("sft.chat_template") && view->modelMessage().contains("assistant"),
                 qPrintable(view->modelMessage()));
        QCOMPARE(view->tokenLossFlags(), QString());
        saveShot(panel, "data_panel_model_view_error.png");
        panel.setChatTemplate(QString());
        QCOMPARE(view->modelText(), QString::fromStdString(example.text));
    }

    void screenshotWithAPreferenceDataset()
    {
        const QString file = QStringLiteral(TB_SHARED_DATA_DIR) + "/preference/dpo_en_demo.json";
        if (!QFileInfo::exists(file))
            QSKIP("shared data not present");
        DataPanel panel;
        panel.resize(1100, 700);
        panel.openCorpus(file);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isLoading(), 30000);
        QCOMPARE(datasetRow(panel, "records"), n(300) + " preference pairs");
        QVERIFY(datasetRow(panel, "duplicates").startsWith(n(5) + " "));
        QCOMPARE(panel.datasetView()->problemLines().size(), 5);
        const QString record = panel.datasetView()->recordText();
        QVERIFY2(record.contains("Prompt") && record.contains("Chosen") && record.contains("Rejected"),
                 qPrintable(record.left(300)));
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        saveShot(panel, "data_panel_dataset.png");
        panel.resize(760, 400); // the size of the Data dock in the workbench's default layout
        QTest::qWait(50);
        saveShot(panel, "data_panel_dataset_dock.png");
    }
};

QTEST_MAIN(TestDataPanel)
#include "test_data_panel.moc"
