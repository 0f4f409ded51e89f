// SPDX-License-Identifier: MIT
// The Tokenizer panel: text to pieces, ids and statistics on both sides, char vs byte on non-ASCII text, debounced
// typing, sampling from the corpus, the length cap, tokenizer files, tooltips, and screenshots (light and dark).
#include "core/data/corpus.h"
#include "core/tokenizer/byte_tokenizer.h"
#include "core/tokenizer/char_tokenizer.h"
#include "ui/panels/token_piece_view.h"
#include "ui/panels/tokenizer_panel.h"
#include "tests/ui/ui_test_support.h"

#include <QtTest/QtTest>

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTextCursor>
#include <QToolTip>

using tb::ui::TokenizerPanel;

using tb::test::writeFile;
using tb::test::outputDir;
using tb::test::darkPalette;

namespace {

QString shakespearePath() { return QStringLiteral(TB_SHARED_DATA_DIR "/corpus/tinyshakespeare.txt"); }

template <typename T> T* onSide(const TokenizerPanel& panel, int side, const char* name)
{
    auto* box = panel.findChild<QWidget*>(side == 0 ? "sideA" : "sideB");
    return box ? box->findChild<T*>(name) : nullptr;
}

/// setCorpus() reads in the background; the tests wait for it.
void setCorpusAndWait(TokenizerPanel& panel, const QString& path)
{
    panel.setCorpus(path);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isReadingCorpus(), 30000);
}

} // namespace

class TestTokenizerPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!QFile::exists(shakespearePath()))
            QSKIP("shared tinyshakespeare.txt not available");
    }

    void textBecomesPiecesIdsAndStats()
    {
        TokenizerPanel panel;
        setCorpusAndWait(panel, shakespearePath());
        const QString text = QStringLiteral("First Citizen:\nBefore we proceed any further, hear me speak.");
        panel.setText(text);

        const auto corpus = tb::core::loadCorpus(shakespearePath().toStdString());
        const auto reference = tb::core::CharTokenizer::fromText(corpus.text, tb::core::CharTokenizer::Unknown::Unk);
        const std::vector<tb::core::TokenId> expected = reference.encode(text.toStdString());

        const tb::core::TokenizerStats* a = panel.stats(0);
        QVERIFY(a);
        QCOMPARE(a->tokens, int64_t(text.size()));
        QCOMPARE(onSide<tb::ui::TokenPieceView>(panel, 0, "tokenView")->segmentCount(), int(text.size()));
        QStringList ids;
        for (const auto id : expected)
            ids << QString::number(id);
        QCOMPARE(onSide<QPlainTextEdit>(panel, 0, "tokenIds")->toPlainText(), ids.join(' '));
        const QString statsA = onSide<QLabel>(panel, 0, "statsLabel")->text();
        QVERIFY2(statsA.contains(QStringLiteral("<b>%1</b> tokens").arg(text.size())), qPrintable(statsA));
        QVERIFY2(statsA.contains("<b>1.00</b> tokens/char"), qPrintable(statsA));
        QVERIFY2(statsA.contains(QStringLiteral("of 66 ids used")), qPrintable(statsA));
        QVERIFY2(statsA.contains("<b>0</b> unknown"), qPrintable(statsA));

        // A character the corpus never showed is an <unk> on the char side, and counted.
        panel.setText(QStringLiteral("na\u00EFve"));
        QCOMPARE(panel.stats(0)->unknownTokens, int64_t(1));
        QVERIFY(onSide<QLabel>(panel, 0, "statsLabel")->text().contains("<b>1</b> unknown"));
    }

    void charAndByteDifferOnNonAsciiText()
    {
        QTemporaryDir dir;
        const QString corpus = writeFile(dir, "corpus.txt", QStringLiteral("caf\u00E9 au lait, \u4E2D\u6587\n").toUtf8());
        TokenizerPanel panel;
        setCorpusAndWait(panel, corpus);
        panel.setText(QStringLiteral("caf\u00E9 \u4E2D\u6587")); // 7 characters, 12 bytes
        const tb::core::TokenizerStats* a = panel.stats(0);
        const tb::core::TokenizerStats* b = panel.stats(1);
        QVERIFY(a && b);
        QCOMPARE(a->tokens, int64_t(7));
        QCOMPARE(b->tokens, int64_t(12));
        QCOMPARE(a->unknownTokens, int64_t(0));
        // The byte side shows each character once: é's and 中's bytes are one segment each.
        QCOMPARE(onSide<tb::ui::TokenPieceView>(panel, 1, "tokenView")->segmentCount(), 7);
        QCOMPARE(onSide<QPlainTextEdit>(panel, 1, "tokenIds")->toPlainText(),
                 QStringLiteral("99 97 102 195 169 32 228 184 173 230 150 135"));
        const QString comparison = panel.findChild<QLabel*>("comparison")->text();
        QVERIFY2(comparison.contains(QStringLiteral("1.71×")), qPrintable(comparison));
        QVERIFY2(onSide<QLabel>(panel, 1, "statsLabel")->text().contains("<b>1.71</b> tokens/char"),
                 qPrintable(onSide<QLabel>(panel, 1, "statsLabel")->text()));

        // Hovering é on the byte side names both of its pieces.
        const QString tip = onSide<tb::ui::TokenPieceView>(panel, 1, "tokenView")->toolTipAt(3);
        QVERIFY2(tip.contains("0xC3") && tip.contains("0xA9") && tip.contains("195"), qPrintable(tip));
        QVERIFY2(tip.contains("2 pieces share this character"), qPrintable(tip));
        const QString charTip = onSide<tb::ui::TokenPieceView>(panel, 0, "tokenView")->toolTipAt(0);
        QVERIFY2(charTip.contains(QStringLiteral("\u201Cc\u201D")), qPrintable(charTip));

        // The same through a real hover: a tooltip event on the right half of é.
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto* view = onSide<tb::ui::TokenPieceView>(panel, 1, "tokenView");
        QTextCursor at(view->document());
        at.setPosition(4);
        const QPoint point = view->cursorRect(at).center() - QPoint(2, 0);
        QHelpEvent hover(QEvent::ToolTip, point, view->viewport()->mapToGlobal(point));
        QApplication::sendEvent(view->viewport(), &hover);
        QVERIFY2(QToolTip::text().contains("0xA9"), qPrintable(QToolTip::text()));
    }

    void typingUpdatesAfterAPause()
    {
        TokenizerPanel panel;
        setCorpusAndWait(panel, shakespearePath());
        QSignalSpy updated(&panel, &TokenizerPanel::tokenizationUpdated);
        QTest::keyClicks(panel.findChild<QPlainTextEdit*>("textInput"), "to be");
        QVERIFY(updated.wait(5000));
        QCOMPARE(panel.stats(0)->tokens, int64_t(5));
        QCOMPARE(panel.stats(1)->tokens, int64_t(5));
    }

    void samplesComeFromTheCorpus()
    {
        TokenizerPanel panel;
        auto* button = panel.findChild<QPushButton*>("sampleButton");
        QVERIFY(!button->isEnabled()); // nothing to sample from yet
        setCorpusAndWait(panel, shakespearePath());
        QVERIFY(button->isEnabled());
        panel.findChild<QSpinBox*>("sampleLength")->setValue(300);
        const std::string corpus = tb::core::loadCorpus(shakespearePath().toStdString()).text;
        QTest::mouseClick(button, Qt::LeftButton);
        const QString first = panel.text();
        QCOMPARE(first.size(), 300);
        QVERIFY(corpus.find(first.toStdString()) != std::string::npos);
        QCOMPARE(panel.stats(0)->characters, int64_t(300));
        QTest::mouseClick(button, Qt::LeftButton);
        QVERIFY(panel.text() != first);
        QVERIFY(corpus.find(panel.text().toStdString()) != std::string::npos);
        QVERIFY(panel.findChild<QLabel*>("corpusLabel")->text().contains("tinyshakespeare.txt"));
    }

    void longTextIsCappedWithANotice()
    {
        TokenizerPanel panel;
        setCorpusAndWait(panel, shakespearePath());
        panel.setText(QString(TokenizerPanel::kMaxCharacters + 5000, QLatin1Char('a')));
        auto* notice = panel.findChild<QLabel*>("notice");
        QVERIFY(!notice->isHidden());
        QVERIFY2(notice->text().contains(QLocale().toString(TokenizerPanel::kMaxCharacters + 5000)),
                 qPrintable(notice->text()));
        QCOMPARE(panel.stats(1)->characters, int64_t(TokenizerPanel::kMaxCharacters));
        panel.setText("short");
        QVERIFY(notice->isHidden());
    }

    void tokenizerFilesAndHandedInTokenizers()
    {
        QTemporaryDir dir;
        QDir(dir.path()).mkdir("run-7");
        const auto tiny = tb::core::CharTokenizer::fromText("abc", tb::core::CharTokenizer::Unknown::Unk);
        const QString good = writeFile(dir, "run-7/tokenizer.json", QByteArray::fromStdString(tiny.serialize()));
        const QString bad = writeFile(dir, "broken.json", "{\"kind\": \"char\", \"unknown\": \"unk\"");

        TokenizerPanel panel;
        panel.setText("abcd");
        QVERIFY(panel.loadTokenizerFile(1, good));
        auto* choice = onSide<QComboBox>(panel, 1, "tokenizerChoice");
        QCOMPARE(choice->currentText(), QStringLiteral("run-7/tokenizer.json (char)"));
        QCOMPARE(panel.stats(1)->tokens, int64_t(4));
        QCOMPARE(panel.stats(1)->unknownTokens, int64_t(1)); // d
        QCOMPARE(panel.stats(1)->vocabSize, int64_t(4));

        QVERIFY(!panel.loadTokenizerFile(1, bad));
        const QString error = onSide<QLabel>(panel, 1, "statsLabel")->text();
        QVERIFY2(error.contains("broken.json") && error.contains("not valid JSON"), qPrintable(error));
        QCOMPARE(choice->currentText(), QStringLiteral("run-7/tokenizer.json (char)")); // the last good one stays

        panel.setTokenizer(0, std::make_shared<tb::core::ByteTokenizer>(), "run-3 (byte)");
        QCOMPARE(onSide<QComboBox>(panel, 0, "tokenizerChoice")->currentText(), QStringLiteral("run-3 (byte)"));
        QCOMPARE(panel.stats(0)->tokens, int64_t(4));

        // Without a corpus the char kind cannot be trained, and says so instead of showing tokens.
        panel.setTokenizerKind(0, "char");
        QVERIFY(panel.stats(0) == nullptr);
        QVERIFY(onSide<QLabel>(panel, 0, "statsLabel")->text().contains("corpus"));
    }

    void unreadableCorpusIsReported()
    {
        QTemporaryDir dir;
        const QString bad = writeFile(dir, "bad.txt", "fine\nbroken \xFF here\n");
        TokenizerPanel panel;
        QSignalSpy loaded(&panel, &TokenizerPanel::corpusLoaded);
        panel.setCorpus(bad);
        QVERIFY(panel.isReadingCorpus()); // read in the background
        QVERIFY(loaded.wait(10000));
        const QString label = panel.findChild<QLabel*>("corpusLabel")->text();
        QVERIFY2(label.contains("bad.txt:2") && label.contains("UTF-8"), qPrintable(label));
        QVERIFY(!panel.findChild<QPushButton*>("sampleButton")->isEnabled());
        panel.setText("abc");
        QVERIFY(panel.stats(0) == nullptr); // the char kind has nothing to train on
        QVERIFY(onSide<QLabel>(panel, 0, "statsLabel")->text().contains("corpus"));
    }

    void sentencepieceTrainsOffTheGuiThread()
    {
        TokenizerPanel panel;
        setCorpusAndWait(panel, shakespearePath());
        panel.setText(QStringLiteral("First Citizen:\nBefore we proceed any further, hear me speak."));
        QSignalSpy updated(&panel, &TokenizerPanel::tokenizationUpdated);
        panel.setTokenizerKind(1, "bpe");
        // setTokenizerKind returned with the training still to do: the side says so, and the GUI thread is free.
        QVERIFY(panel.isTraining(1));
        QVERIFY(panel.stats(1) == nullptr);
        QVERIFY2(onSide<QLabel>(panel, 1, "statsLabel")->text().startsWith("Training SentencePiece BPE"),
                 qPrintable(onSide<QLabel>(panel, 1, "statsLabel")->text()));
        QVERIFY(panel.stats(0) != nullptr); // the other side is untouched
        panel.setText(QStringLiteral("typing while it trains"));
        QCOMPARE(panel.stats(0)->tokens, int64_t(22));
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isTraining(1), 120000);
        QVERIFY(panel.stats(1) != nullptr);
        QCOMPARE(panel.stats(1)->vocabSize, int64_t(1000));
        QVERIFY(panel.stats(1)->tokens < 22); // subword pieces: fewer tokens than characters

        // Choosing another kind while a training runs drops its result.
        panel.setTokenizerKind(1, "unigram");
        QVERIFY(panel.isTraining(1));
        panel.setTokenizerKind(1, "byte");
        QVERIFY(!panel.isTraining(1));
        QCOMPARE(panel.stats(1)->vocabSize, int64_t(256));
        QTest::qWait(100);
        QCOMPARE(panel.stats(1)->vocabSize, int64_t(256));
    }

    void screenshots()
    {
        TokenizerPanel panel;
        panel.resize(1200, 760);
        setCorpusAndWait(panel, shakespearePath());
        panel.findChild<QSpinBox*>("sampleLength")->setValue(600);
        panel.sampleFromCorpus();
        panel.setText(panel.text() + QStringLiteral("\n\u2014 Caf\u00E9 na\u00EFve \u4E2D\u6587!"));
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const QImage light = panel.grab().toImage();
        QVERIFY(light.save(outputDir() + "/tokenizer_panel.png"));

        panel.setPalette(darkPalette());
        const QImage dark = panel.grab().toImage();
        QVERIFY(dark.save(outputDir() + "/tokenizer_panel_dark.png"));
        QVERIFY(light != dark);
    }
};

QTEST_MAIN(TestTokenizerPanel)
#include "test_tokenizer_panel.moc"
