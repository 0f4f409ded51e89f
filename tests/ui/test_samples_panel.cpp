// SPDX-License-Identifier: MIT
// SamplesPanel: the timeline's order and contents, val losses, visible whitespace, HTML escaping, the prompt
// filter, history, resume, and a screenshot.
#include "ui/panels/samples_panel.h"
#include "tests/qt_test_support.h"

#include <QtTest/QtTest>

#include <QDir>

using namespace tb::core;
using tb::ui::SamplesPanel;

using tb::test::outputDir;

namespace {

SampleSet makeSet(int64_t step, std::vector<std::pair<std::string, std::string>> samples)
{
    SampleSet set;
    set.step = step;
    for (auto& [prompt, text] : samples)
        set.samples.push_back({prompt, text});
    return set;
}

EvalMetrics evalAt(int64_t step, double valLoss)
{
    EvalMetrics e;
    e.step = step;
    e.valLoss = valLoss;
    return e;
}

} // namespace

class TestSamplesPanel : public QObject {
    Q_OBJECT
private slots:
    void timelineNewestFirstWithValLoss()
    {
        SamplesPanel panel;
        QCOMPARE(panel.entryCount(), 0);
        panel.onEval(evalAt(0, 4.1732));
        panel.addSamples(makeSet(0, {{"ROMEO:", "xq;Zt"}}));
        panel.onEval(evalAt(250, 2.0109));
        panel.addSamples(makeSet(250, {{"ROMEO:", "Thou art"}}));
        panel.addSamples(makeSet(500, {{"ROMEO:", "What say you"}})); // no eval seen for this step
        QCOMPARE(panel.entryCount(), 3);
        QCOMPARE(panel.visibleSampleCount(), 3);
        const QString text = panel.plainText();
        const auto at500 = text.indexOf("Step 500");
        const auto at250 = text.indexOf("Step 250");
        const auto at0 = text.indexOf("Step 0");
        QVERIFY2(at500 >= 0 && at500 < at250 && at250 < at0, qPrintable(text));
        QVERIFY(text.contains("val loss 2.0109"));
        QVERIFY(text.contains("val loss 4.1732"));
        QCOMPARE(text.count("val loss"), 2);
        QVERIFY(text.contains("ROMEO:What say you"));
        QVERIFY(!panel.isFilterVisible()); // one prompt: nothing to filter
    }

    void whitespaceIsVisible()
    {
        QCOMPARE(SamplesPanel::visibleWhitespace("a b\tc\r\nd"), QString("a·b→c␍↵\nd"));
        SamplesPanel panel;
        panel.addSamples(makeSet(10, {{"\n", "First line\n  second"}}));
        // Off by default: the text reads as text. The prompt "\n" (pretraining's probe) is a visible label.
        QVERIFY(!panel.showsWhitespace());
        QString text = panel.plainText();
        QVERIFY(!text.contains("↵") && !text.contains("·"));
        QVERIFY2(text.contains("⏎ (start of a line)\nFirst line\n  second"), qPrintable(text));
        panel.setShowWhitespace(true);
        text = panel.plainText();
        QVERIFY2(text.contains("⏎ (start of a line)\nFirst·line↵\n··second"), qPrintable(text));
        QCOMPARE(SamplesPanel::blankPromptLabel("\n"), QString("⏎ (start of a line)"));
        QCOMPARE(SamplesPanel::blankPromptLabel(""), QString("(empty prompt)"));
        QCOMPARE(SamplesPanel::blankPromptLabel("  "), QString("·· (whitespace)"));
        QVERIFY(SamplesPanel::blankPromptLabel("\nROMEO:").isEmpty());
    }

    void markupIsShownAsText()
    {
        SamplesPanel panel;
        panel.addSamples(makeSet(5, {{"<b>", "&amp; <i>not italic</i>"}}));
        QVERIFY2(panel.plainText().contains("<b>&amp; <i>not italic</i>"), qPrintable(panel.plainText()));
    }

    void promptFilter()
    {
        SamplesPanel panel;
        panel.addSamples(makeSet(0, {{"ROMEO:", "aaa"}, {"JULIET:", "bbb"}}));
        panel.addSamples(makeSet(10, {{"ROMEO:", "ccc"}, {"JULIET:", "ddd"}}));
        QCOMPARE(panel.prompts(), (QStringList{"ROMEO:", "JULIET:"}));
        QVERIFY(panel.isFilterVisible());
        QCOMPARE(panel.visibleSampleCount(), 4);
        panel.setPromptFilter("JULIET:");
        QCOMPARE(panel.promptFilter(), QString("JULIET:"));
        QCOMPARE(panel.visibleSampleCount(), 2);
        const QString text = panel.plainText();
        QVERIFY(text.contains("bbb") && text.contains("ddd"));
        QVERIFY(!text.contains("aaa") && !text.contains("ccc"));
        QVERIFY(text.contains("Step 10") && text.contains("Step 0"));
        panel.setPromptFilter("nobody"); // unknown: shows all
        QCOMPARE(panel.promptFilter(), QString());
        QCOMPARE(panel.visibleSampleCount(), 4);
    }

    void historyAndResume()
    {
        std::vector<SampleRecord> records = {
            {20, "A", "a20"}, {0, "A", "a0"}, {0, "B", "b0"}, {10, "A", "a10"}, {10, "B", "b10"}, {20, "B", "b20"}};
        std::vector<MetricPoint> metrics(2);
        metrics[0].step = 10;
        metrics[0].evalLoss = 2.5;
        metrics[1].step = 11;
        metrics[1].loss = 2.4; // a step point: no val loss
        SamplesPanel panel;
        panel.showHistory(records, metrics);
        QCOMPARE(panel.entryCount(), 3);
        QCOMPARE(panel.visibleSampleCount(), 6);
        QVERIFY(panel.plainText().contains("val loss 2.5000"));
        QCOMPARE(panel.plainText().count("val loss"), 1);
        QVERIFY(panel.plainText().indexOf("a20") < panel.plainText().indexOf("a0"));

        RunInfo resumed;
        resumed.startStep = 10;
        panel.onStarted(resumed); // the resumed run re-samples after its checkpoint
        QCOMPARE(panel.entryCount(), 2);
        QVERIFY(!panel.plainText().contains("a20"));
        panel.addSamples(makeSet(20, {{"A", "new20"}, {"B", "newb20"}}));
        QCOMPARE(panel.entryCount(), 3);
        QVERIFY(panel.plainText().contains("new20"));

        panel.onStarted(RunInfo{}); // a new run
        QCOMPARE(panel.entryCount(), 0);
        QVERIFY(panel.prompts().isEmpty());
        QVERIFY(panel.plainText().isEmpty());
    }

    void longTimelineShowsTheNewest()
    {
        SamplesPanel panel;
        std::vector<SampleRecord> records;
        for (int64_t step = 0; step < 249; ++step)
            records.push_back({step * 10, "A", "x"});
        panel.showHistory(records);
        panel.addSamples(makeSet(2490, {{"A", "x"}}));
        QCOMPARE(panel.entryCount(), 250);
        const QString text = panel.plainText();
        QVERIFY(text.contains("Step 2490"));
        QVERIFY(text.contains("Step 500\n"));
        QVERIFY(!text.contains("Step 490\n"));
        QVERIFY(text.contains("50 older evaluations are not shown."));
    }

    void screenshot()
    {
        SamplesPanel panel;
        panel.resize(760, 560);
        const std::vector<std::tuple<int64_t, double, std::string, std::string>> timeline = {
            {0, 4.1744, "q;VjxT,'Dm\nZkfy$ bLuS", "e:;EJ!pwtyR? Sd"},
            {250, 2.4811, "Thi ther the wou st,\nAnd me thal hes", "Whe sow thene m"},
            {500, 1.9034, "The king and sor my lord,\nAnd the sea", "What shall he not"},
            {750, 1.6920, "Thou art the king's son;\nI will not stay", "What, my lord? I"},
        };
        for (const auto& [step, val, romeo, what] : timeline) {
            panel.onEval(evalAt(step, val));
            panel.addSamples(makeSet(step, {{"ROMEO:", " " + romeo}, {"\n", what}}));
        }
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const QString dir = outputDir();
        QVERIFY(panel.grab().toImage().save(dir + "/samples_panel.png"));
    }
};

QTEST_MAIN(TestSamplesPanel)
#include "test_samples_panel.moc"
