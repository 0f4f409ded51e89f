// SPDX-License-Identifier: MIT
// The Rate panel offscreen, on two tiny models trained here: Generate streams both outputs blind as A and B (each
// equal to core::generate with the one shared seed, the side drawn at random), the verdict keys work only once both
// are done, a vote is in votes.jsonl as soon as it is cast (nothing to flush), the models are then revealed, Undo
// appends a retract line, and Export writes a file loadDataset reads as preference pairs. Screenshots before and
// after a vote go to the test's output folder. In the window: a Rate tab beside Compare, fed the project's folder.
#include "core/data/formats/dataset_reader.h"
#include "core/eval/generate.h"
#include "core/store/model_loader.h"
#include "core/store/run_registry.h"
#include "core/store/vote_store.h"
#include "core/train/trainer.h"
#include "tests/bridge/session_fixtures.h"
#include "tests/ui/two_runs_fixture.h"
#include "tests/qt_test_support.h"
#include "ui/bridge/inference_session.h"
#include "ui/main_window.h"
#include "ui/panels/chat_template_choice.h"
#include "ui/panels/rate_panel.h"
#include "ui/panels/run_setup_panel.h"

#include <QtTest/QtTest>

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextEdit>

using namespace tb;
using tb::core::Verdict;
using tb::ui::InferenceSession;
using tb::ui::RatePanel;

using tb::test::outputDir;

namespace {

int lineCount(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? int(file.readAll().count('\n')) : -1;
}

bool anyVerdictEnabled(const RatePanel& panel)
{
    for (Verdict v : {Verdict::Left, Verdict::Right, Verdict::Tie, Verdict::BothBad, Verdict::Skip})
        if (panel.verdictButton(v)->isEnabled())
            return true;
    return false;
}

} // namespace

class TestRatePanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_runs = test::trainTwoTinyRuns(m_dir);
    }

    void rateBlindVoteUndoExport()
    {
        QTemporaryDir project;
        const QString votes = project.filePath(QStringLiteral("votes.jsonl"));
        InferenceSession session;
        RatePanel panel;
        panel.resize(1100, 560);
        panel.setSession(&session);
        panel.setRuns(m_runs);
        panel.seedSides(3);
        panel.setModel(0, QString::fromStdString(m_runs[0].runDir.string()));
        panel.setModel(1, QString::fromStdString(m_runs[1].runDir.string()));
        panel.setPrompt(QStringLiteral("the cat "));
        core::CompareSettings settings;
        settings.temperature = 1.0;
        settings.maxNewTokens = 60;
        settings.seed = 9;
        panel.setSettings(settings);
        QCOMPARE(panel.settings(), settings);
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));

        // No project: nothing to keep votes in, so no Generate.
        panel.generate();
        QVERIFY(!panel.isGenerating());
        QVERIFY(panel.statusText().contains(QStringLiteral("Open a project")));
        panel.setProjectDirectory(project.path());
        QCOMPARE(panel.votesFile(), votes);
        QVERIFY(panel.tallyText().startsWith(QStringLiteral("0 vote(s)")));

        QSignalSpy ended(&panel, &RatePanel::generationEnded);
        panel.generate();
        QVERIFY(panel.isGenerating());
        QVERIFY(!anyVerdictEnabled(panel)); // not before both are done
        QVERIFY(ended.wait(60000));
        QVERIFY(panel.canVote());
        QVERIFY(anyVerdictEnabled(panel));

        // Blind: the captions are only A and B. Each side is core::generate with the one seed.
        const bool firstLeft = panel.firstModelLeft();
        const core::RunRecord& left = m_runs[firstLeft ? 0 : 1];
        const core::RunRecord& right = m_runs[firstLeft ? 1 : 0];
        QCOMPARE(panel.sideCaption(0), QStringLiteral("<b>A</b>"));
        QCOMPARE(panel.sideCaption(1), QStringLiteral("<b>B</b>"));
        for (int side = 0; side < 2; ++side) {
            core::LoadedModel model = core::loadModel((side == 0 ? left : right).runDir, true);
            core::SampleOptions o;
            o.maxNewTokens = 60;
            o.temperature = 1.0;
            o.seed = 9;
            const auto expected = core::generate(model.model, model.tokenizer->encode("the cat "), o);
            QCOMPARE(panel.sideText(side), QString::fromStdString(model.tokenizer->decode(expected)));
        }
        QVERIFY(panel.sideText(0) != panel.sideText(1));
        QTest::qWait(50);
        QVERIFY(panel.grab().save(outputDir() + "/rate_panel_blind.png"));

        // In the prompt box, "2" is text, not a vote.
        auto* promptBox = panel.findChild<QPlainTextEdit*>();
        promptBox->setFocus();
        promptBox->moveCursor(QTextCursor::End);
        QTest::keyClick(promptBox, Qt::Key_2);
        QCOMPARE(panel.prompt(), QStringLiteral("the cat 2"));
        QVERIFY(!QFile::exists(votes));
        panel.setPrompt(QStringLiteral("the cat "));

        // Key 2 (B better) elsewhere in the panel votes; the vote is on disk when the key press returns.
        QSignalSpy voted(&panel, &RatePanel::voted);
        auto* sideA = panel.findChild<QTextEdit*>(QStringLiteral("rateSideA"));
        sideA->setFocus();
        QTest::keyClick(sideA, Qt::Key_2);
        QCOMPARE(voted.size(), 1);
        QCOMPARE(lineCount(votes), 1);
        core::VoteLog log = core::VoteStore(votes.toStdString()).read();
        QVERIFY(log.problems.empty());
        QCOMPARE(log.votes.size(), size_t(1));
        const core::Vote& v = log.votes[0];
        QCOMPARE(QString::fromStdString(v.id), voted.first().at(0).toString());
        QCOMPARE(v.verdict, Verdict::Right);
        QCOMPARE(v.aLeft, firstLeft);
        QCOMPARE(v.a.run, std::string("r0"));
        QCOMPARE(v.b.run, std::string("r1"));
        QCOMPARE(v.left().run, left.id);
        QCOMPARE(QString::fromStdString(v.left().output), panel.sideText(0));
        QCOMPARE(QString::fromStdString(v.right().output), panel.sideText(1));
        QCOMPARE(v.winnerLoser()->first->run, right.id);
        QCOMPARE(v.prompt, std::string("the cat "));
        QCOMPARE(v.a.promptText, std::string("the cat ")); // pretrained: the raw prompt
        QCOMPARE(v.sampling.seed, uint64_t(9));
        QCOMPARE(v.sampling.maxNewTokens, int64_t(60));
        QVERIFY(QString::fromStdString(v.a.checkpoint).endsWith(QStringLiteral(".safetensors")));
        QCOMPARE(v.a.step, int64_t(60));

        // Revealed after the vote; voting again on this item does nothing; the seed moved on.
        QVERIFY(panel.sideCaption(0).contains(QString::fromStdString(left.name)));
        QVERIFY(panel.sideCaption(1).contains(QString::fromStdString(right.name)));
        QVERIFY(!panel.canVote());
        QVERIFY(!anyVerdictEnabled(panel));
        QTest::keyClick(sideA, Qt::Key_1);
        QCOMPARE(lineCount(votes), 1);
        QCOMPARE(panel.settings().seed, uint64_t(10));
        QVERIFY2(panel.tallyText().startsWith(QStringLiteral("1 vote(s) in this project (1 cast here)")),
                 qPrintable(panel.tallyText()));
        const QString r0Wins = firstLeft ? QStringLiteral("0 – 1") : QStringLiteral("1 – 0");
        QVERIFY2(panel.tallyText().contains(QStringLiteral("base (60 steps) ") + r0Wins), qPrintable(panel.tallyText()));
        QVERIFY(panel.grab().save(outputDir() + "/rate_panel_revealed.png"));

        // Undo appends a retract line; the item can be rated again (Tie, key 3).
        QVERIFY(panel.undoButton()->isEnabled());
        QTest::mouseClick(panel.undoButton(), Qt::LeftButton);
        QCOMPARE(lineCount(votes), 2);
        log = core::VoteStore(votes.toStdString()).read();
        QCOMPARE(log.retractions, int64_t(1));
        QVERIFY(log.votes[0].retracted);
        QVERIFY(panel.canVote());
        QVERIFY(panel.tallyText().startsWith(QStringLiteral("0 vote(s)")));
        QTest::keyClick(sideA, Qt::Key_3);
        QCOMPARE(lineCount(votes), 3);

        // A second prompt, A better (key 1): the export holds that one pair (the tie and the retracted vote are out).
        panel.setPrompt(QStringLiteral("a dog "));
        panel.generate();
        QVERIFY(ended.wait(60000));
        QVERIFY(panel.canVote());
        QVERIFY(panel.sideCaption(0) == QStringLiteral("<b>A</b>")); // blind again
        sideA->setFocus();
        QTest::keyClick(sideA, Qt::Key_1);
        QCOMPARE(lineCount(votes), 4);
        const QString prefs = project.filePath(QStringLiteral("prefs.jsonl"));
        QString error;
        QVERIFY2(panel.exportTo(prefs, &error), qPrintable(error));
        QVERIFY(panel.statusText().contains(QStringLiteral("Exported 1 preference pair(s)")));
        const core::Dataset data = core::loadDataset(prefs.toStdString());
        QCOMPARE(data.records.size(), size_t(1));
        QCOMPARE(data.records[0].kind, core::RecordKind::Preference);
        QCOMPARE(data.records[0].turns[0].content, std::string("a dog "));
        QCOMPARE(QString::fromStdString(data.records[0].chosen[0].content), panel.sideText(0));
        QCOMPARE(QString::fromStdString(data.records[0].rejected[0].content), panel.sideText(1));

        // "Tune on these votes": the same pair in a new file under <project>/preferences, handed on with model 1's run.
        QSignalSpy tune(&panel, &RatePanel::tuneRequested);
        QString tuneFile;
        QVERIFY2(panel.tuneOnVotes(&tuneFile, &error), qPrintable(error));
        QCOMPARE(tune.size(), 1);
        QCOMPARE(tune.first().at(0).toString(), tuneFile);
        QCOMPARE(tune.first().at(1).toString(), QString::fromStdString(m_runs[0].runDir.string()));
        QVERIFY(tuneFile.startsWith(project.filePath(QStringLiteral("preferences/votes-"))));
        QCOMPARE(core::loadDataset(tuneFile.toStdString()).records.size(), size_t(1));

        // A new panel on the same project (the app restarted) sees every vote and offers the prompts rated before.
        RatePanel again;
        again.setRuns(m_runs);
        again.setProjectDirectory(project.path());
        QVERIFY2(again.tallyText().startsWith(QStringLiteral("2 vote(s) in this project")), qPrintable(again.tallyText()));
        QVERIFY(!again.undoButton()->isEnabled()); // undo reaches only this panel's votes

        // With no decisive vote there is nothing to tune on: no file, no signal, the reason in the status line.
        QTemporaryDir empty;
        RatePanel none;
        none.setRuns(m_runs);
        none.setProjectDirectory(empty.path());
        QVERIFY(!none.tuneOnVotes(nullptr, &error)); // no model 1 picked yet
        QVERIFY2(error.contains(QStringLiteral("model 1")), qPrintable(error));
        none.setModel(0, QString::fromStdString(m_runs[0].runDir.string()));
        QSignalSpy noTune(&none, &RatePanel::tuneRequested);
        QVERIFY(!none.tuneOnVotes(nullptr, &error));
        QVERIFY2(error.contains(QStringLiteral("No decisive vote")), qPrintable(error));
        QCOMPARE(noTune.size(), 0);
        QVERIFY(QDir(empty.filePath(QStringLiteral("preferences"))).isEmpty());
    }

    void chatTemplateDefaultAndFocusAfterGenerate()
    {
        QTemporaryDir project;
        InferenceSession session;
        RatePanel panel;
        panel.resize(1000, 560);
        panel.setSession(&session);
        // Model 2 fine-tuned: the chat template is on by default, and the line says who gets what.
        std::vector<core::RunRecord> runs = m_runs;
        runs[1].method = "sft";
        runs[1].name = "sft 1";
        panel.setRuns(runs);
        panel.setModel(0, QString::fromStdString(runs[0].runDir.string()));
        panel.setModel(1, QString::fromStdString(runs[1].runDir.string()));
        tb::ui::ChatTemplateChoice* choice = panel.chatTemplateChoice();
        QVERIFY(choice->checkBox()->isEnabled() && choice->checkBox()->isChecked());
        QVERIFY(panel.settings().chatTemplate);
        QCOMPARE(choice->summary(), QStringLiteral("(base (60 steps): raw prompt · sft 1: on)"));

        // Generating from the prompt box moves the focus off it, so "1" votes instead of typing.
        panel.setProjectDirectory(project.path());
        panel.setPrompt(QStringLiteral("the cat "));
        core::CompareSettings settings = panel.settings();
        settings.maxNewTokens = 20;
        panel.setSettings(settings);
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        auto* promptBox = panel.findChild<QPlainTextEdit*>();
        promptBox->setFocus();
        QVERIFY(promptBox->hasFocus());
        QSignalSpy ended(&panel, &RatePanel::generationEnded);
        // Alt+G, the Generate button's mnemonic, typed with the focus in the prompt box.
        QTest::keyClick(promptBox, Qt::Key_G, Qt::AltModifier);
        QVERIFY2(!promptBox->toPlainText().contains('g'), qPrintable(promptBox->toPlainText()));
        // A mnemonic clicks the button the way animateClick() does: released about 100 ms later.
        QTRY_VERIFY(panel.isGenerating() || !ended.isEmpty());
        QVERIFY(!promptBox->hasFocus());
        QVERIFY(ended.wait(60000) || !ended.isEmpty());
        QVERIFY(panel.canVote());
        QSignalSpy voted(&panel, &RatePanel::voted);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_1);
        QCOMPARE(voted.size(), 1);
        QCOMPARE(panel.prompt(), QStringLiteral("the cat "));
    }

    void mainWindowHasARateTab()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QTemporaryDir project;
        {
            core::RunRegistry registry(project.path().toStdString());
            const core::RunConfig config = test::tinyConfig(m_dir, m_dir.filePath(QStringLiteral("corpus.txt")));
            registry.createRun(config, "first");
        }
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project.path()));
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("CentreTabs"));
        QVERIFY(tabs);
        const int rate = tabs->indexOf(window.ratePanel());
        QCOMPARE(tabs->tabText(rate), QStringLiteral("Rate"));
        QCOMPARE(tabs->tabText(rate - 1), QStringLiteral("Compare"));
        QCOMPARE(window.ratePanel()->votesFile(), QDir(project.path()).filePath(QStringLiteral("votes.jsonl")));
        // Rate has its own inference session, so a Compare generation does not stop the outputs being rated.
        QVERIFY(window.rateInferenceSession() && window.rateInferenceSession() != window.inferenceSession());
        tabs->setCurrentIndex(rate);
        QTest::qWait(50);
        QVERIFY(window.grab().save(outputDir() + "/workbench_rate.png"));

        // "Tune on these votes" reaches Run setup as a DPO run on the file, from the run named.
        emit window.ratePanel()->tuneRequested(QStringLiteral("/p/preferences/votes.jsonl"), QStringLiteral("/p/runs/a"));
        const core::RunConfig setup = window.runSetupPanel()->config();
        QCOMPARE(setup.method, std::string("dpo"));
        QCOMPARE(setup.data.train, std::string("/p/preferences/votes.jsonl"));
        QCOMPARE(setup.initFrom, std::string("/p/runs/a"));
    }

private:
    QTemporaryDir m_dir;
    std::vector<core::RunRecord> m_runs;
};

QTEST_MAIN(TestRatePanel)
#include "test_rate_panel.moc"
