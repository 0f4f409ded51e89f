// SPDX-License-Identifier: MIT
// Compare's reward-model scores, offscreen, on runs trained here: a tiny policy, a reward model trained from it on
// cat-over-dog pairs, and a model with another tokenizer. "Score with:" offers only completed reward models; each
// output's score is the number core::scoreAnswer gives (what `tunebench-cli score` prints), computed on the scoring
// thread and cached per (reward run, prompt, answer); the other tokenizer's output says it cannot be scored; a run
// that is no reward model fails with the loader's message. Writes a screenshot into the test's output folder.
#include "core/train/reward_model.h"
#include "core/train/trainer.h"
#include "tests/bridge/session_fixtures.h"
#include "ui/bridge/inference_session.h"
#include "ui/bridge/reward_scoring.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/reward_scores.h"
#include "tests/qt_test_support.h"

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <QComboBox>
#include <QLabel>
#include <QTemporaryDir>

using namespace tb;
using tb::test::outputDir;
using tb::ui::ComparePanel;
using tb::ui::InferenceSession;
using tb::ui::RewardScores;
using tb::ui::RewardScoring;

namespace {

core::RunRecord record(const std::string& id, const std::string& name, const std::string& method,
                       const QString& dir, core::RunStatus status = core::RunStatus::Completed)
{
    core::RunRecord r;
    r.id = id;
    r.name = name;
    r.method = method;
    r.runDir = dir.toStdString();
    r.status = status;
    return r;
}

} // namespace

class TestRewardScores : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_policy;
    QString m_bytes;
    QString m_reward;
    std::vector<core::RunRecord> m_runs;

    void train(core::RunConfig config, const QString& dir)
    {
        core::TrainingObserver quiet;
        const core::TrainResult r = core::Trainer::create(config, dir.toStdString())->run(quiet);
        QVERIFY(r.outcome == core::TrainOutcome::Completed);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString corpus = test::writeCorpus(m_dir);
        core::RunConfig policy = test::tinyConfig(m_dir, corpus);
        policy.model.blockSize = 32;
        policy.train.maxSteps = 20;
        policy.train.probePrompts = {};
        m_policy = m_dir.filePath(QStringLiteral("policy"));
        train(policy, m_policy);
        core::RunConfig bytes = policy;
        bytes.tokenizer.kind = "byte";
        bytes.train.maxSteps = 4;
        m_bytes = m_dir.filePath(QStringLiteral("bytes"));
        train(bytes, m_bytes);

        // Answers about the cat beat answers about the dog.
        nlohmann::json pairs = nlohmann::json::array();
        const char* prompts[] = {"the cat ", "a dog ", "on a ", "far "};
        for (int i = 0; i < 16; ++i)
            pairs.push_back({{"prompt", prompts[i % 4]},
                             {"chosen", i % 2 ? "the cat sat." : "a cat ran."},
                             {"rejected", i % 3 ? "the dog sat." : "a dog ran away."}});
        const QString pairsFile = m_dir.filePath(QStringLiteral("pairs.json"));
        QFile file(pairsFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray::fromStdString(pairs.dump(1)));
        file.close();
        core::RunConfig rm;
        rm.method = "reward_model";
        rm.initFrom = m_policy.toStdString();
        rm.model.dropout = 0.0;
        rm.train.batchSize = 4;
        rm.train.maxSteps = 8;
        rm.train.learningRate = 3e-3;
        rm.train.warmupSteps = 2;
        rm.train.evalInterval = 8;
        rm.train.evalIters = 2;
        rm.train.threads = 1;
        rm.data.train = pairsFile.toStdString();
        rm.data.valFraction = 0.25;
        rm.data.cacheDir = m_dir.filePath(QStringLiteral("cache")).toStdString();
        m_reward = m_dir.filePath(QStringLiteral("rm"));
        train(rm, m_reward);

        m_runs = {record("p", "policy", "pretrain", m_policy), record("b", "bytes", "pretrain", m_bytes),
                  record("rm", "rm cat", "reward_model", m_reward),
                  record("rm2", "rm broken", "reward_model", m_reward, core::RunStatus::Failed)};
    }

    void offersCompletedRewardModelsOnly()
    {
        RewardScores scores;
        scores.setRuns(m_runs);
        QCOMPARE(scores.picker()->count(), 2);
        QCOMPARE(scores.picker()->itemText(0), QStringLiteral("(none)"));
        QCOMPARE(scores.picker()->itemText(1), QStringLiteral("rm cat"));
        QVERIFY(scores.rewardRun().isEmpty());
        QVERIFY(scores.setRewardRun(m_reward));
        QCOMPARE(scores.rewardRun(), m_reward);
        // A new list keeps the pick while it is offered, and drops it when it is gone.
        scores.setRuns(m_runs);
        QCOMPARE(scores.rewardRun(), m_reward);
        scores.setRuns({m_runs[0]});
        QVERIFY(scores.rewardRun().isEmpty());
        QVERIFY(!scores.setRewardRun(m_policy));
    }

    void scoresEveryOutputInCompare()
    {
        InferenceSession session;
        RewardScoring scoring;
        ComparePanel panel;
        panel.resize(1000, 600);
        panel.setSession(&session);
        panel.setScoring(&scoring);
        panel.setRuns(m_runs);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setColumnCount(2);
        panel.setModel(0, m_policy);
        panel.setModel(1, m_bytes);
        panel.setPrompt(QStringLiteral("the cat "));
        core::CompareSettings settings;
        settings.greedy = true;
        settings.maxNewTokens = 10;
        panel.setSettings(settings);
        QVERIFY(panel.rewardScores()->setRewardRun(m_reward));

        QSignalSpy ended(&panel, &ComparePanel::generationEnded);
        panel.generate();
        QVERIFY(ended.wait(60000));
        QTRY_VERIFY_WITH_TIMEOUT(panel.rewardScores()->pending() == 0, 60000);

        core::RewardScorer scorer = core::loadRewardScorer(m_reward.toStdString());
        const double expected = core::scoreAnswer(scorer, "the cat ", panel.columnText(0).toStdString());
        QCOMPARE(panel.scoreText(0), RewardScores::scoreText(expected));
        QVERIFY(panel.findChild<QLabel*>(QStringLiteral("compareScore0"))->isVisible());
        QCOMPARE(panel.scoreText(1), RewardScoring::differentTokenizerText());
        QVERIFY(panel.findChild<QLabel*>(QStringLiteral("compareScore1"))->toolTip().contains(m_bytes));
        QCOMPARE(scoring.scoresComputed(), 1);
        QCOMPARE(*scoring.cachedScore(m_reward, QStringLiteral("the cat "), panel.columnText(0)), expected);
        QVERIFY(panel.grab().save(outputDir() + "/compare_reward_scores.png"));

        // None: no score line. Picked again: the cached scores, without computing them again.
        panel.rewardScores()->picker()->setCurrentIndex(0);
        QVERIFY(panel.scoreText(0).isEmpty());
        QVERIFY(!panel.findChild<QLabel*>(QStringLiteral("compareScore0"))->isVisible());
        QSignalSpy shown(panel.rewardScores(), &RewardScores::scoresShown);
        QVERIFY(panel.rewardScores()->setRewardRun(m_reward));
        QVERIFY(shown.wait(10000));
        QCOMPARE(panel.scoreText(0), RewardScores::scoreText(expected));
        QCOMPARE(panel.scoreText(1), RewardScoring::differentTokenizerText());
        QCOMPARE(scoring.scoresComputed(), 1);
    }

    void refusesARunThatIsNoRewardModel()
    {
        RewardScoring scoring;
        QSignalSpy failed(&scoring, &RewardScoring::failed);
        const quint64 job = scoring.score(m_policy, m_policy, QStringLiteral("the cat "), QStringLiteral("sat."));
        QCOMPARE(scoring.pendingJobs(), 1);
        QVERIFY(failed.wait(30000));
        QCOMPARE(failed.at(0).at(0).toULongLong(), job);
        QVERIFY2(failed.at(0).at(1).toString().startsWith(QStringLiteral("cannot score: ")),
                 qPrintable(failed.at(0).at(1).toString()));
        QVERIFY(failed.at(0).at(2).toString().contains(QStringLiteral("not a reward model")));
        QCOMPARE(scoring.pendingJobs(), 0);
        QCOMPARE(scoring.scoresComputed(), 0);
    }
};

QTEST_MAIN(TestRewardScores)
#include "test_reward_scores.moc"
