// SPDX-License-Identifier: MIT
// The Compare panel offscreen, on two tiny models trained here: it generates in both side by side, each column
// equal to core::generate with that column's seed, highlights memorized spans, maps a click to its token, stops,
// saves the comparison, reopens it in a new panel and exports it. Writes a screenshot into the test's output folder.
#include "core/eval/generate.h"
#include "core/store/model_loader.h"
#include "core/store/run_registry.h"
#include "core/train/trainer.h"
#include "tests/bridge/session_fixtures.h"
#include "ui/bridge/inference_session.h"
#include "ui/bridge/project.h"
#include "ui/main_window.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/runs_panel.h"

#include <QtTest/QtTest>

#include <QAction>
#include <QDir>
#include <QMenuBar>
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

namespace {

QString outputDir()
{
    const QString dir = qEnvironmentVariable("TB_TEST_OUTPUT_DIR", QDir::tempPath());
    QDir().mkpath(dir);
    return dir;
}

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
        const QString corpus = test::writeCorpus(m_dir);
        for (int i = 0; i < 2; ++i) {
            core::RunConfig config = test::tinyConfig(m_dir, corpus);
            config.train.seed = 21 + uint64_t(i);
            config.train.maxSteps = i == 0 ? 60 : 20;
            const QString runDir = m_dir.filePath(QStringLiteral("run%1").arg(i));
            core::TrainingObserver quiet;
            core::Trainer::create(config, runDir.toStdString())->run(quiet);
            core::RunRecord record;
            record.id = "r" + std::to_string(i);
            record.name = i == 0 ? "base (60 steps)" : "early (20 steps)";
            record.runDir = runDir.toStdString();
            record.steps = config.train.maxSteps;
            record.status = core::RunStatus::Completed;
            m_runs.push_back(record);
        }
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

private:
    QTemporaryDir m_dir;
    std::vector<core::RunRecord> m_runs;
};

QTEST_MAIN(TestComparePanel)
#include "test_compare_panel.moc"
