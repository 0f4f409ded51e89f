// SPDX-License-Identifier: MIT
// Bias in the Rate tab, offscreen. The Bias view on a vote file with a planted left-side bias, two annotators who
// rated the same outputs and a repeated pair: each statistic with its interval and verdict in words (the left-side
// bias flagged with a warning), a de-biased export with balanced sides; screenshots of the view in the light and the
// dark palette. The Rate panel on two tiny models: a vote records the annotator, the time to vote and the output
// token counts; with "Re-show a pair every 2 items" the second item is the first pair again with the sides swapped,
// without generating, its vote names the first in repeat_of, the typed prompt comes back, and the Bias view (opened
// from the panel) counts the flip.
#include "tests/ui/two_runs_fixture.h" // torch first
#include "core/common/atomic_file.h"
#include "core/store/vote_store.h"
#include "tests/ui/ui_test_support.h"
#include "ui/bridge/inference_session.h"
#include "ui/panels/rate_panel.h"
#include "ui/panels/vote_bias_view.h"

#include <QtTest/QtTest>

#include <QApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextEdit>

using namespace tb;
using tb::core::Verdict;
using tb::test::outputDir;

namespace {

core::Vote vote(bool aLeft, Verdict verdict, const std::string& prompt, const std::string& annotator,
                const std::string& outA, const std::string& outB)
{
    core::Vote v;
    v.prompt = prompt;
    v.a = {"r1", "base", "/p/runs/r1", "/p/runs/r1/ckpt_best.safetensors", 60, prompt, outA};
    v.b = {"r2", "tuned", "/p/runs/r2", "/p/runs/r2/ckpt_best.safetensors", 20, prompt, outB};
    v.aLeft = aLeft;
    v.verdict = verdict;
    v.annotator = annotator;
    v.timeToVoteMs = 3000;
    return v;
}

/// 40 votes, the left side winning 30 (Ada and Ben each rate the same 20 pairs, sides drawn alternately), and
/// Ada's first pair shown again and flipped.
void writePlantedVotes(const QString& file)
{
    const core::VoteStore store(file.toStdString());
    std::string first;
    for (int i = 0; i < 20; ++i)
        for (const std::string who : {"Ada", "Ben"}) {
            const bool aLeft = (i + (who == "Ben")) % 2 == 0;
            const bool leftWins = i % 4 != 3;
            const std::string p = "prompt " + std::to_string(i);
            const core::Vote v = store.append(vote(aLeft, leftWins ? Verdict::Left : Verdict::Right, p, who,
                                                   "the answer of base to " + p, "tuned says " + p));
            if (first.empty())
                first = v.id;
        }
    core::Vote again = vote(false, Verdict::Left, "prompt 0", "Ada", "the answer of base to prompt 0",
                            "tuned says prompt 0");
    again.repeatOf = first;
    store.append(again);
}

int rowWithKey(const QTableWidget* table, const QString& key)
{
    for (int row = 0; row < table->rowCount(); ++row)
        if (table->item(row, 0)->data(Qt::UserRole).toString() == key)
            return row;
    return -1;
}

} // namespace

class TestVoteBiasView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void biasViewShowsEachStatisticWithItsVerdict()
    {
        QTemporaryDir project;
        const QString votes = project.filePath(QStringLiteral("votes.jsonl"));
        writePlantedVotes(votes);
        ui::VoteBiasView view;
        view.setVotesFile(votes);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY2(view.headerText().startsWith(QStringLiteral("41 vote(s), 41 decisive")),
                 qPrintable(view.headerText()));

        const QTableWidget* table = view.table();
        const int position = rowWithKey(table, QStringLiteral("position"));
        QCOMPARE(position, 0);
        // 31 of 41 (the repeat's left win included): Wilson 95% interval 60.7-86.2%.
        QCOMPARE(table->item(position, 1)->text(),
                 QStringLiteral("Left side wins 76% of 41 decisive votes (95% CI 61-86%)"));
        QCOMPARE(table->item(position, 2)->text(), QStringLiteral("the raters favour the left side"));
        QVERIFY(!table->item(position, 2)->icon().isNull()); // flagged
        const int length = rowWithKey(table, QStringLiteral("length"));
        // Base's output is the longer one; it won 3 of Ada's 4 and 1 of Ben's 4 in each cycle, and lost the repeat.
        QCOMPARE(table->item(length, 1)->text(),
                 QStringLiteral("The longer output wins 49% of 41 decisive votes of unequal length (95% CI 34-64%)"));
        QVERIFY(table->item(length, 2)->text().startsWith(QStringLiteral("no clear length bias")));
        QVERIFY(table->item(length, 2)->icon().isNull());
        const int consistency = rowWithKey(table, QStringLiteral("consistency"));
        QVERIFY2(table->item(consistency, 1)->text().startsWith(QStringLiteral("Same verdict on 0 of 1 pairs")),
                 qPrintable(table->item(consistency, 1)->text()));
        // Ada and Ben rated the same 20 pairs: 20 shared outputs, kappa and alpha both computed.
        const int kappa = rowWithKey(table, QStringLiteral("kappa"));
        QVERIFY2(table->item(kappa, 1)->text().contains(QStringLiteral("over 20 outputs rated by both")),
                 qPrintable(table->item(kappa, 1)->text()));
        const int alpha = rowWithKey(table, QStringLiteral("alpha"));
        QVERIFY(table->item(alpha, 1)->text().startsWith(QStringLiteral("alpha (nominal)")));
        QVERIFY(view.rowTexts().join('\n').contains(QStringLiteral("Annotator Ada | 21 vote(s)")));
        QVERIFY(view.rowTexts().join('\n').contains(QStringLiteral("Median 3.0 s")));
        QTest::qWait(50);
        QVERIFY(view.grab().save(outputDir() + "/vote_bias_view.png"));

        // The de-biased export: the left won 31, the right 10, so 21 left wins are dropped.
        core::PreferenceExportOptions options;
        options.balanceSides = true;
        view.setExportOptions(options);
        QCOMPARE(view.exportOptions().balanceSides, true);
        QCOMPARE(view.exportOptions().maxLengthRatio, 0.0);
        const QString out = project.filePath(QStringLiteral("debiased.jsonl"));
        QString error;
        QVERIFY2(view.exportTo(out, &error), qPrintable(error));
        QVERIFY2(view.statusText().startsWith(QStringLiteral("Exported 20 preference pair(s)")),
                 qPrintable(view.statusText()));
        QVERIFY(view.statusText().contains(QStringLiteral("21 to balance sides")));
        QCOMPARE(core::readFile(out.toStdString()).size() > 0, true);

        // The same view in a dark palette.
        view.setPalette(test::darkPalette());
        view.refresh();
        QTest::qWait(50);
        QVERIFY(view.grab().save(outputDir() + "/vote_bias_view_dark.png"));
    }

    void rateRecordsBiasFieldsAndRepeatsASwappedPair()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::vector<core::RunRecord> runs = test::trainTwoTinyRuns(dir);
        QTemporaryDir project;
        const QString votes = project.filePath(QStringLiteral("votes.jsonl"));
        ui::InferenceSession session;
        ui::RatePanel panel;
        panel.resize(1100, 600);
        panel.setSession(&session);
        panel.setRuns(runs);
        panel.setProjectDirectory(project.path());
        panel.seedSides(5);
        panel.setModel(0, QString::fromStdString(runs[0].runDir.string()));
        panel.setModel(1, QString::fromStdString(runs[1].runDir.string()));
        core::CompareSettings settings;
        settings.maxNewTokens = 40;
        settings.seed = 3;
        panel.setSettings(settings);
        QCOMPARE(panel.repeatEvery(), 10); // the default
        panel.setAnnotator(QStringLiteral("Ada"));
        panel.setRepeatEvery(2);
        QCOMPARE(QSettings().value(QStringLiteral("rate/annotator")).toString(), QStringLiteral("Ada"));
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));

        // A fresh item: generated, then voted A better after a pause.
        panel.setPrompt(QStringLiteral("the cat "));
        QSignalSpy ended(&panel, &ui::RatePanel::generationEnded);
        panel.generate();
        QVERIFY(panel.isGenerating());
        QVERIFY(ended.wait(60000));
        QVERIFY(panel.repeatOf().isEmpty());
        const QString firstLeft = panel.sideText(0), firstRight = panel.sideText(1);
        QTest::qWait(150);
        QVERIFY(panel.vote(Verdict::Left));
        core::VoteLog log = core::VoteStore(votes.toStdString()).read();
        QCOMPARE(log.votes.size(), size_t(1));
        const core::Vote first = log.votes[0];
        QCOMPARE(first.annotator, std::string("Ada"));
        QVERIFY(first.timeToVoteMs && *first.timeToVoteMs >= 140 && *first.timeToVoteMs < 60000);
        QCOMPARE(first.a.outputTokens.value_or(-1), int64_t(40)); // a pretrained run uses all 40 new tokens
        QCOMPARE(first.b.outputTokens.value_or(-1), int64_t(40));
        QVERIFY(first.repeatOf.empty());

        // The second item repeats the first pair with the sides swapped, at once and without generating.
        panel.setPrompt(QStringLiteral("a dog "));
        panel.generate();
        QVERIFY(!panel.isGenerating());
        QCOMPARE(ended.size(), 2);
        QVERIFY(panel.canVote());
        QCOMPARE(panel.repeatOf(), QString::fromStdString(first.id));
        QCOMPARE(panel.sideText(0), firstRight);
        QCOMPARE(panel.sideText(1), firstLeft);
        QCOMPARE(panel.prompt(), QStringLiteral("the cat "));
        QCOMPARE(panel.sideCaption(0), QStringLiteral("<b>A</b>")); // still blind
        QVERIFY(panel.grab().save(outputDir() + "/rate_panel_repeat.png"));
        // A again: the same screen side, so the other output: a flip.
        QVERIFY(panel.vote(Verdict::Left));
        QCOMPARE(panel.prompt(), QStringLiteral("a dog "));
        QVERIFY2(panel.statusText().contains(QStringLiteral("shown before with the sides swapped")),
                 qPrintable(panel.statusText()));
        log = core::VoteStore(votes.toStdString()).read();
        QCOMPARE(log.votes.size(), size_t(2));
        QCOMPARE(log.votes[1].repeatOf, first.id);
        QCOMPARE(log.votes[1].aLeft, !first.aLeft);
        QCOMPARE(log.votes[1].a, first.a);

        // The next item is fresh again.
        panel.generate();
        QVERIFY(panel.isGenerating());
        QVERIFY(ended.wait(60000));
        QVERIFY(panel.repeatOf().isEmpty());

        // The Bias view from the panel: one repeat, one flip.
        panel.showBias();
        ui::VoteBiasView* view = panel.biasView();
        QVERIFY(view);
        QVERIFY(QTest::qWaitForWindowExposed(view));
        QCOMPARE(view->votesFile(), votes);
        const int consistency = rowWithKey(view->table(), QStringLiteral("consistency"));
        QVERIFY2(view->table()->item(consistency, 1)->text().startsWith(
                     QStringLiteral("Same verdict on 0 of 1 pairs shown again with sides swapped")),
                 qPrintable(view->table()->item(consistency, 1)->text()));
        QVERIFY(view->table()->item(consistency, 1)->text().endsWith(QStringLiteral("1 flip to the other output")));
        // A vote refreshes the open view.
        QVERIFY(panel.vote(Verdict::Tie));
        QVERIFY2(view->headerText().startsWith(QStringLiteral("3 vote(s), 2 decisive")),
                 qPrintable(view->headerText()));
        QTest::qWait(50);
        QVERIFY(view->grab().save(outputDir() + "/vote_bias_view_from_rate.png"));
    }
};

QTEST_MAIN(TestVoteBiasView)
#include "test_vote_bias_view.moc"
