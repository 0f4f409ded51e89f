// SPDX-License-Identifier: MIT
// The Compare panel offscreen, on two tiny models trained here: it generates in both side by side, each column
// equal to core::generate with that column's seed, highlights memorized spans, maps a click to its token, stops,
// saves the comparison, reopens it in a new panel and exports it. Writes a screenshot into the test's output folder.
// In the window, the inspection tabs: a clicked token's next-token distributions of both models (top-1 = the argmax
// of core::nextTokenLogits), a branch from there, per-token KL (0 for a model against itself), a greedy seed fan (one
// text for every seed) and a phrasing battery (log-probs = core::continuationLogProb); a screenshot of each tab.
#include "core/eval/generate.h"
#include "core/eval/next_token.h"
#include "core/store/model_loader.h"
#include "core/store/run_registry.h"
#include "core/train/trainer.h"
#include "tests/bridge/session_fixtures.h"
#include "tests/ui/two_runs_fixture.h"
#include "ui/bridge/inference_session.h"
#include "ui/bridge/project.h"
#include "ui/main_window.h"
#include "ui/panels/chat_template_choice.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/kl_text_view.h"
#include "ui/panels/next_token_view.h"
#include "ui/panels/phrasing_view.h"
#include "ui/panels/runs_panel.h"
#include "ui/panels/seed_fan_view.h"
#include "tests/qt_test_support.h"

#include <QtTest/QtTest>

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextEdit>

#include <set>

using namespace tb;
using tb::ui::ComparePanel;
using tb::ui::InferenceSession;
using tb::ui::MainWindow;

using tb::test::outputDir;

namespace {

/// Clicks at `point` of `root` on the child widget that is there.
void clickAt(QWidget* root, QPoint point)
{
    QWidget* target = root->childAt(point);
    QVERIFY(target);
    QTest::mouseClick(target, Qt::LeftButton, {}, target->mapFrom(root, point));
}

/// Clicks the token at `position` (after the prompt, char tokenizer: one character per token) of a column.
void clickToken(ComparePanel& panel, int column, int position)
{
    QTextEdit* view = panel.columnView(column);
    QTextCursor cursor(view->document());
    cursor.setPosition(int(panel.promptTokens(column).size()) + position);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->cursorRect(cursor).center() + QPoint(2, 0));
}

int topToken(const torch::Tensor& logits) { return int(logits.argmax().item<int64_t>()); }

QString readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

} // namespace

class TestComparePanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_runs = test::trainTwoTinyRuns(m_dir);
    }

    void chatTemplateOnForFineTunedModels()
    {
        // Two pretrained runs: nothing to template, the box is off and says both get the raw prompt.
        ComparePanel panel;
        panel.setRuns(m_runs);
        panel.setModel(0, QString::fromStdString(m_runs[0].runDir.string()));
        panel.setModel(1, QString::fromStdString(m_runs[1].runDir.string()));
        tb::ui::ChatTemplateChoice* choice = panel.chatTemplateChoice();
        QVERIFY(!choice->checkBox()->isEnabled());
        QVERIFY(!panel.settings().chatTemplate);
        QCOMPARE(choice->summary(), QStringLiteral("(base (60 steps): raw prompt · early (20 steps): raw prompt)"));
        // One of them fine-tuned: on by default, and the line says which model gets what.
        std::vector<core::RunRecord> runs = m_runs;
        runs[1].method = "sft";
        runs[1].name = "sft 1";
        panel.setRuns(runs);
        panel.setModel(1, QString::fromStdString(runs[1].runDir.string()));
        QVERIFY(choice->checkBox()->isEnabled() && choice->checkBox()->isChecked());
        QVERIFY(panel.settings().chatTemplate);
        QCOMPARE(choice->summary(), QStringLiteral("(base (60 steps): raw prompt · sft 1: on)"));
        choice->checkBox()->setChecked(false);
        QVERIFY(!panel.settings().chatTemplate);
        QCOMPARE(choice->summary(), QStringLiteral("(base (60 steps): raw prompt · sft 1: raw prompt)"));
    }

    void generatesSavesAndReopens()
    {
        InferenceSession session;
        ComparePanel panel;
        panel.resize(1300, 720);
        panel.setSession(&session);
        panel.setRuns(m_runs);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QCOMPARE(panel.columnCount(), 2);
        panel.setModel(0, QString::fromStdString(m_runs[0].runDir.string()));
        panel.setModel(1, QString::fromStdString(m_runs[1].runDir.string()));
        panel.setPrompt(QStringLiteral("the cat "));
        core::CompareSettings settings;
        settings.temperature = 1.0;
        settings.maxNewTokens = 120;
        settings.seed = 9;
        settings.seedMode = core::SeedMode::Independent;
        panel.setSettings(settings);
        QCOMPARE(panel.settings(), settings);
        panel.setMemorizationCheck(true, 4);

        QSignalSpy ended(&panel, &ComparePanel::generationEnded);
        QSignalSpy checked(&panel, &ComparePanel::memorizationChecked);
        panel.generate();
        QVERIFY(panel.isGenerating());
        QVERIFY(ended.wait(60000));
        QVERIFY(!panel.isGenerating());

        // Each column equals core's generate with that column's seed.
        for (int i = 0; i < 2; ++i) {
            core::LoadedModel model = core::loadModel(m_runs[size_t(i)].runDir, true);
            core::SampleOptions o;
            o.maxNewTokens = 120;
            o.temperature = 1.0;
            o.seed = core::compareSeed(settings, size_t(i));
            const auto expected = core::generate(model.model, model.tokenizer->encode("the cat "), o);
            QCOMPARE(panel.generatedTokens(i), expected);
            QCOMPARE(panel.columnText(i), QString::fromStdString(model.tokenizer->decode(expected)));
            QCOMPARE(panel.promptTokens(i), model.tokenizer->encode("the cat "));
        }
        QVERIFY(panel.columnText(0) != panel.columnText(1));

        QVERIFY(checked.wait(60000));
        QVERIFY(panel.memorizedSpanCount(0) + panel.memorizedSpanCount(1) > 0);

        // The column shows the prompt, then the output. A click on the 6th character after the prompt is the 6th
        // token (char tokenizer: one character per token); a click in the prompt is no token.
        QSignalSpy activated(&panel, &ComparePanel::tokenActivated);
        QTextEdit* view = panel.columnView(0);
        QCOMPARE(view->toPlainText(), QStringLiteral("the cat ") + panel.columnText(0));
        QTextCursor cursor(view->document());
        cursor.setPosition(2);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->cursorRect(cursor).center());
        QCOMPARE(activated.size(), 0);
        cursor.setPosition(8 + 5);
        const QPoint at = view->cursorRect(cursor).center() + QPoint(2, 0);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(activated.size(), 1);
        QCOMPARE(activated.first().at(0).toInt(), 0);
        QCOMPARE(activated.first().at(1).toInt(), 5);

        QTest::qWait(100);
        QVERIFY(panel.grab().save(outputDir() + "/compare_panel.png"));

        // Save, reopen in a fresh panel, export.
        const QString file = m_dir.filePath(QStringLiteral("comparison.json"));
        QString error;
        QVERIFY2(panel.saveSession(file, &error), qPrintable(error));
        ComparePanel reopened;
        reopened.setRuns(m_runs);
        QVERIFY2(reopened.openSession(file, &error), qPrintable(error));
        QVERIFY(reopened.comparison() == panel.comparison());
        QCOMPARE(reopened.comparison().prompts.size(), size_t(1));
        QCOMPARE(reopened.prompt(), QStringLiteral("the cat "));
        QCOMPARE(reopened.settings(), settings);
        for (int i = 0; i < 2; ++i)
            QCOMPARE(reopened.columnText(i), panel.columnText(i));
        QVERIFY(reopened.exportSession(m_dir.filePath(QStringLiteral("c.md")), &error));
        QVERIFY(reopened.exportSession(m_dir.filePath(QStringLiteral("c.html")), &error));
        const QString markdown = readAll(m_dir.filePath(QStringLiteral("c.md")));
        QVERIFY(markdown.startsWith(QStringLiteral("# Comparison")));
        QVERIFY(markdown.contains(panel.columnText(1)));
        QVERIFY(readAll(m_dir.filePath(QStringLiteral("c.html"))).contains(QStringLiteral("<h2>Prompt 1</h2>")));

        // A bad file changes nothing and says why.
        QFile bad(m_dir.filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"format\": \"tunebench-compare\", \"version\": 1, \"models\": 3}");
        bad.close();
        QVERIFY(!reopened.openSession(bad.fileName(), &error));
        QVERIFY(error.contains(QStringLiteral("models")));
        QCOMPARE(reopened.columnText(0), panel.columnText(0));

        // Another prompt with the same models and settings joins the comparison; other settings start a new one.
        panel.setPrompt(QStringLiteral("a dog "));
        panel.setMemorizationCheck(false, 4);
        panel.generate();
        QVERIFY(ended.wait(60000));
        QCOMPARE(panel.comparison().prompts.size(), size_t(2));
        QCOMPARE(panel.comparison().prompts[1].prompt, std::string("a dog "));
        panel.setSettings([&] {
            core::CompareSettings other = settings;
            other.seed = 10;
            return other;
        }());
        panel.generate();
        QVERIFY(ended.wait(60000));
        QCOMPARE(panel.comparison().prompts.size(), size_t(1));
        QCOMPARE(panel.comparison().settings.seed, uint64_t(10));
    }

    void stopsAtOnce()
    {
        InferenceSession session;
        ComparePanel panel;
        panel.setSession(&session);
        panel.setRuns(m_runs);
        panel.setModel(0, QString::fromStdString(m_runs[0].runDir.string()));
        panel.setModel(1, QString::fromStdString(m_runs[1].runDir.string()));
        panel.setPrompt(QStringLiteral("a dog "));
        core::CompareSettings settings;
        settings.maxNewTokens = 100000;
        panel.setSettings(settings);
        QSignalSpy tokens(&session, &InferenceSession::tokensGenerated);
        QSignalSpy ended(&panel, &ComparePanel::generationEnded);
        panel.generate();
        QVERIFY(tokens.wait(60000));
        panel.stop();
        QVERIFY(ended.wait(60000));
        QCOMPARE(panel.statusText(), QStringLiteral("Stopped."));
        QVERIFY(panel.generatedTokens(0).size() < size_t(100000));
        QVERIFY(!panel.columnText(0).isEmpty());
    }

    void mainWindowHasACompareTab()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QTemporaryDir project;
        std::vector<core::RunRecord> runs;
        {
            core::RunRegistry registry(project.path().toStdString());
            const core::RunConfig config = test::tinyConfig(m_dir, m_dir.filePath(QStringLiteral("corpus.txt")));
            runs.push_back(registry.createRun(config, "first"));
            runs.push_back(registry.createRun(config, "second"));
        }
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project.path()));
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("CentreTabs"));
        QVERIFY(tabs);
        QCOMPARE(tabs->currentIndex(), 0); // Monitor first
        QAction* compare = nullptr;
        for (QAction* action : window.menuBar()->findChildren<QAction*>())
            if (action->shortcut() == QKeySequence(QStringLiteral("Ctrl+Shift+C")))
                compare = action;
        QVERIFY(compare);
        compare->trigger();
        QCOMPARE(tabs->currentWidget(), window.comparePanel());
        tabs->setCurrentIndex(0);

        // Compare ▸ Compare selected runs: the Runs panel's selection becomes the columns.
        window.runsPanel()->selectRuns({QString::fromStdString(runs[1].id), QString::fromStdString(runs[0].id)});
        QCOMPARE(window.runsPanel()->selectedRunIds().size(), 2);
        QAction* selected = nullptr;
        for (QAction* action : window.menuBar()->findChildren<QAction*>())
            if (action->text() == QStringLiteral("Compare se&lected runs"))
                selected = action;
        QVERIFY(selected);
        selected->trigger();
        QCOMPARE(tabs->currentWidget(), window.comparePanel());
        const auto models = window.comparePanel()->models();
        QCOMPARE(models.size(), size_t(2));
        std::set<std::string> paths{models[0].path, models[1].path};
        QCOMPARE(paths, (std::set<std::string>{runs[0].runDir.string(), runs[1].runDir.string()}));
        window.comparePanel()->setPrompt(QStringLiteral("ROMEO:"));
        QTest::qWait(100);
        QVERIFY(window.grab().save(outputDir() + "/workbench_compare.png"));
    }

    void inspectsAGenerationInTheWindow()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        MainWindow window;
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showCompare();
        ComparePanel& panel = *window.comparePanel();
        panel.setRuns(m_runs);
        const QString run0 = QString::fromStdString(m_runs[0].runDir.string());
        const QString run1 = QString::fromStdString(m_runs[1].runDir.string());
        panel.setModel(0, run0);
        panel.setModel(1, run1);
        panel.setPrompt(QStringLiteral("the cat "));
        core::CompareSettings settings;
        settings.temperature = 0.9;
        settings.topK = 20;
        settings.maxNewTokens = 40;
        settings.seed = 5;
        panel.setSettings(settings);
        QSignalSpy ended(&panel, &ComparePanel::generationEnded);
        QSignalSpy klShown(&panel, &ComparePanel::klShown);
        QSignalSpy nextShown(&panel, &ComparePanel::nextTokenShown);
        panel.generate();
        QVERIFY(ended.wait(60000));
        core::LoadedModel models[2] = {core::loadModel(m_runs[0].runDir, true),
                                       core::loadModel(m_runs[1].runDir, true)};
        QTest::qWait(50);
        QVERIFY(panel.grab().save(outputDir() + "/compare_outputs.png"));

        // A click on token 5 of the second column: both models' distributions at that prefix, the clicked column's
        // model first; the view's knobs start at the generation's settings.
        clickToken(panel, 1, 5);
        QVERIFY(nextShown.wait(60000));
        QCOMPARE(panel.tabs()->currentIndex(), int(ComparePanel::NextTokenTab));
        QCOMPARE(panel.inspectedColumn(), 1);
        QCOMPARE(panel.inspectedPosition(), 5);
        ui::NextTokenView* next = panel.nextTokenView();
        QCOMPARE(next->modelCount(), 2);
        std::vector<core::TokenId> context = panel.promptTokens(1);
        const auto generated1 = panel.generatedTokens(1);
        context.insert(context.end(), generated1.begin(), generated1.begin() + 5);
        QCOMPARE(next->chosenId(), generated1[5]);
        for (int shown = 0; shown < 2; ++shown) {
            core::LoadedModel& m = models[shown == 0 ? 1 : 0];
            const torch::Tensor logits = core::nextTokenLogits(m.model, context).select(0, int64_t(context.size()) - 1);
            QCOMPARE(next->shownIds(shown).front(), topToken(logits));
        }
        QCOMPARE(next->sampling().temperature, 0.9);
        QCOMPARE(next->sampling().topK, int64_t(20));
        QVERIFY(!next->summaryText(0).isEmpty());
        QTest::qWait(50);
        QVERIFY(panel.grab().save(outputDir() + "/compare_next_token.png"));
        QVERIFY(window.grab().save(outputDir() + "/workbench_compare_inspect.png"));

        // Clicking another token's bar branches the column: the kept tokens, that token, then new ones, exactly as
        // core::generate continues that prefix with the column's seed.
        int row = 0;
        while (next->shownIds(0)[size_t(row)] == generated1[5])
            ++row;
        const int other = next->shownIds(0)[size_t(row)];
        clickAt(next, next->barRect(0, row).center());
        QCOMPARE(panel.tabs()->currentIndex(), int(ComparePanel::OutputsTab));
        QVERIFY(panel.isGenerating());
        QVERIFY(ended.wait(60000));
        std::vector<core::TokenId> prefix(generated1.begin(), generated1.begin() + 5);
        prefix.push_back(other);
        std::vector<core::TokenId> start = panel.promptTokens(1);
        start.insert(start.end(), prefix.begin(), prefix.end());
        core::SampleOptions o;
        o.maxNewTokens = 40;
        o.temperature = 0.9;
        o.topK = 20;
        o.seed = core::compareSeed(settings, 1);
        std::vector<core::TokenId> expected = prefix;
        const auto more = core::generate(models[1].model, start, o);
        expected.insert(expected.end(), more.begin(), more.end());
        QCOMPARE(panel.generatedTokens(1), expected);
        const QString branchText = QString::fromStdString(models[1].tokenizer->decode(prefix));
        QVERIFY(panel.columnText(1).startsWith(branchText));
        QCOMPARE(panel.columnText(1), QString::fromStdString(models[1].tokenizer->decode(expected)));
        QCOMPARE(panel.comparison().prompts.size(), size_t(1));
        QCOMPARE(panel.comparison().prompts[0].outputs[1].tokens, expected);
        // The branch's tokens map back from clicks like the original ones.
        clickToken(panel, 1, 5);
        QVERIFY(nextShown.wait(60000));
        QCOMPARE(next->chosenId(), other);

        // KL: the first column's text coloured by KL(first || second), as core::tokenKl computes it.
        QVERIFY(klShown.size() >= 1 || klShown.wait(60000));
        std::vector<core::TokenId> text0 = panel.promptTokens(0);
        const auto generated0 = panel.generatedTokens(0);
        text0.insert(text0.end(), generated0.begin(), generated0.end());
        ui::KlTextView* kl = panel.klView();
        QCOMPARE(kl->tokenCount(), int(text0.size()));
        const auto klValues = core::tokenKl(models[0].model, models[1].model, text0);
        // The last entry predicts the token after the text, which the view has no place for.
        QCOMPARE(klValues.size(), text0.size());
        const double largest = *std::max_element(klValues.begin(), klValues.end() - 1);
        QVERIFY(largest > 0.0);
        QCOMPARE(kl->scaleMax(), std::max(ui::KlTextView::kMinScale, largest));
        panel.tabs()->setCurrentIndex(ComparePanel::KlTab);
        QTest::qWait(50);
        QVERIFY(panel.grab().save(outputDir() + "/compare_kl.png"));
        // Clicking a token of it opens the next-token view there.
        const int klToken = int(panel.promptTokens(0).size()) + 3;
        QTest::mouseClick(kl->textViewport(), Qt::LeftButton, {}, kl->tokenRect(klToken).center());
        QVERIFY(nextShown.wait(60000));
        QCOMPARE(panel.inspectedColumn(), 0);
        QCOMPARE(panel.inspectedPosition(), 3);
        QCOMPARE(next->chosenId(), generated0[3]);

        // A model against itself: KL 0 at every token, nothing tinted.
        QSignalSpy klReady(window.findChild<InferenceSession*>(), &InferenceSession::klReady);
        panel.setModel(1, run0);
        klShown.clear();
        panel.generate();
        QVERIFY(ended.wait(60000));
        QVERIFY(klShown.wait(60000));
        QCOMPARE(klReady.size(), 1);
        const auto self = qvariant_cast<ui::KlResult>(klReady.first().at(1));
        QCOMPARE(int(self.kl.size()), kl->tokenCount());
        for (const double v : self.kl)
            QCOMPARE(v, 0.0);
        for (int i = 0; i < kl->tokenCount(); ++i)
            QCOMPARE(kl->tokenColour(i), kl->colourFor(0.0));
        panel.setModel(1, run1);

        // Seed fan: greedy gives one text for every seed; sampling gives several.
        QSignalSpy fanEnded(&panel, &ComparePanel::seedFanEnded);
        QSignalSpy fanReady(window.findChild<InferenceSession*>(), &InferenceSession::seedFanReady);
        core::CompareSettings greedy = settings;
        greedy.greedy = true;
        panel.setSettings(greedy);
        panel.setSeedFanColumn(0);
        panel.setSeedFanCount(5);
        panel.runSeedFan();
        QCOMPARE(panel.tabs()->currentIndex(), int(ComparePanel::SeedFanTab));
        QVERIFY(fanEnded.wait(60000));
        ui::SeedFanView* fan = panel.seedFanView();
        QCOMPARE(fan->sampleCount(), 5);
        QCOMPARE(fan->differentTexts(), 1);
        QVERIFY(fan->isBannerVisible());
        core::SampleOptions g;
        g.maxNewTokens = 40;
        g.greedy = true;
        const auto greedyText = core::generate(models[0].model, models[0].tokenizer->encode("the cat "), g);
        QCOMPARE(fan->caption(0), QStringLiteral("seed 5"));
        QCOMPARE(fanReady.size(), 1);
        const auto greedyFan = qvariant_cast<ui::SeedFanResult>(fanReady.first().at(1));
        for (const auto& tokens : greedyFan.tokens)
            QCOMPARE(tokens, greedyText); // the base model's greedy continuation, whatever the seed
        QTest::qWait(50);
        QVERIFY(panel.grab().save(outputDir() + "/compare_seed_fan_greedy.png"));
        panel.setSettings(settings);
        panel.setSeedFanColumn(1);
        panel.runSeedFan();
        QVERIFY(fanEnded.wait(60000));
        QCOMPARE(fan->sampleCount(), 5);
        QVERIFY(fan->differentTexts() > 1);
        QTest::qWait(50);
        QVERIFY(panel.grab().save(outputDir() + "/compare_seed_fan.png"));

        // Phrasing battery: every phrasing on both models; the table's log-probs are core::continuationLogProb's.
        QSignalSpy batteryReady(window.findChild<InferenceSession*>(), &InferenceSession::batteryReady);
        QSignalSpy batteryEnded(&panel, &ComparePanel::batteryEnded);
        ui::PhrasingView* phrasings = panel.phrasingView();
        // (The editor trims its lines.)
        const QStringList asked{QStringLiteral("the cat"), QStringLiteral("a dog"), QStringLiteral("the bird")};
        phrasings->setPhrasings(asked);
        phrasings->setReference(QStringLiteral("sat on the mat"));
        QPushButton* run = nullptr;
        for (QPushButton* b : phrasings->findChildren<QPushButton*>())
            if (b->text() == QStringLiteral("&Run battery"))
                run = b;
        QVERIFY(run);
        panel.tabs()->setCurrentIndex(ComparePanel::PhrasingsTab);
        QTest::mouseClick(run, Qt::LeftButton);
        QVERIFY(batteryEnded.wait(120000));
        QCOMPARE(batteryReady.size(), 1);
        const auto result = qvariant_cast<ui::BatteryResult>(batteryReady.first().at(1));
        QCOMPARE(phrasings->rowCount(), 3);
        QCOMPARE(phrasings->modelCount(), 2);
        for (int p = 0; p < 3; ++p) {
            for (int m = 0; m < 2; ++m) {
                core::LoadedModel& model = models[m];
                const double expectedLogProb =
                    core::continuationLogProb(model.model, model.tokenizer->encode(asked[p].toStdString()),
                                              model.tokenizer->encode("sat on the mat"));
                QVERIFY2(std::abs(result.logProbs[size_t(p)][size_t(m)] - expectedLogProb) < 1e-6,
                         qPrintable(QStringLiteral("%1 %2: %3 vs %4")
                                        .arg(p)
                                        .arg(m)
                                        .arg(result.logProbs[size_t(p)][size_t(m)], 0, 'g', 12)
                                        .arg(expectedLogProb, 0, 'g', 12)));
                QVERIFY2(phrasings->cellText(p, m).contains(QString::number(expectedLogProb, 'f', 2)),
                         qPrintable(phrasings->cellText(p, m)));
            }
        }
        QTest::qWait(50);
        QVERIFY(panel.grab().save(outputDir() + "/compare_phrasings.png"));
    }

private:
    QTemporaryDir m_dir;
    std::vector<core::RunRecord> m_runs;
};

QTEST_MAIN(TestComparePanel)
#include "test_compare_panel.moc"
