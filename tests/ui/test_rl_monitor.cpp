// SPDX-License-Identifier: MIT
// The Monitor for RL runs, offscreen on a synthetic run (no training: registry rows with TRL's metric names and a
// rollouts.jsonl written here, in the format rl-core's RunDirectory::appendRollouts writes): the plain-language
// alerts (shown with the step they started, none for a healthy run), RolloutReader (reads off the GUI thread, again
// only when the file grew, a missing file as no samples), and in the window the samples table filling and a click
// on a point of the reward curve selecting that step's samples, without widening the window. Screenshot at
// 1366 x 768.
#include "core/store/run_registry.h"
#include "tests/bridge/session_fixtures.h"
#include "tests/qt_test_support.h"
#include "tests/ui/laptop_screen_main.h"
#include "ui/bridge/rollout_reader.h"
#include "ui/bridge/training_session.h"
#include "ui/main_window.h"
#include "ui/panels/metric_chart.h"
#include "ui/panels/monitor_panel.h"
#include "ui/panels/rl_alerts_view.h"
#include "ui/panels/rollouts_view.h"
#include "ui/panels/run_setup_panel.h"

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>

#include <qcustomplot.h>

#include <unistd.h>

#include <cmath>

using namespace tb;
using tb::test::outputDir;
using tb::ui::MainWindow;
using tb::ui::MonitorPanel;
using tb::ui::RolloutReader;
using tb::ui::RolloutsView;

namespace {

constexpr int kSteps = 24;

/// A PPO run that hacks its reward: the KL stays near 0.3 for eight iterations then climbs a nat per iteration,
/// the proxy score keeps rising, the gold score falls, the ratio jumps once at step 5.
std::vector<core::NamedMetric> hackingMetrics(int step)
{
    const int i = step - 1;
    const double kl = i < 8 ? 0.3 : 0.3 + (i - 7);
    return {{"objective/kl", kl},
            {"objective/entropy", 20.0 - 0.3 * i},
            {"objective/scores", 0.05 * i},
            {"objective/gold", 0.6 - 0.03 * i},
            {"val/ratio", step == 5 ? 1.5 : 1.0 + 0.01 * std::sin(i)}};
}

/// A healthy run: KL under 2 nats, reward and gold rising together, ratio near 1.
std::vector<core::NamedMetric> healthyMetrics(int step)
{
    const int i = step - 1;
    return {{"objective/kl", 0.08 * i},
            {"objective/entropy", 20.0 - 0.2 * i},
            {"objective/scores", 0.03 * i},
            {"objective/gold", 0.2 + 0.01 * i},
            {"val/ratio", 1.0 + 0.02 * std::cos(i)}};
}

void feed(MonitorPanel& panel, std::vector<core::NamedMetric> (*metrics)(int))
{
    core::RunInfo info;
    info.maxSteps = kSteps;
    info.tokensPerStep = 64;
    panel.setRunKind(QStringLiteral("ppo"), 0);
    panel.onStarted(info);
    for (int s = 1; s <= kSteps; ++s) {
        core::StepMetrics m;
        m.step = s;
        m.maxSteps = kSteps;
        m.loss = 0.1;
        m.learningRate = 1e-5;
        m.gradNorm = 1.0;
        m.tokensPerSecond = 1000;
        m.tokensSeen = s * 64;
        m.metrics = metrics(s);
        panel.onStep(m);
    }
    panel.flushReplot();
}

/// One rollouts.jsonl line: two answers of step `step` (the second without a gold score and not ended).
std::string rolloutLine(int step)
{
    nlohmann::json samples = nlohmann::json::array();
    samples.push_back({{"prompt", "Tell me about the lighthouse."},
                       {"response", "The keeper lit the lamp at step " + std::to_string(step) + ".\nThe fog came."},
                       {"reward", 0.05 * step},
                       {"kl", 0.5 * step},
                       {"gold", 0.6 - 0.03 * step},
                       {"ended", true}});
    samples.push_back({{"prompt", "What is in the soup?"},
                       {"response", std::string(step, 'a') + " lamp lamp lamp"},
                       {"reward", 0.1 * step},
                       {"kl", 0.7 * step},
                       {"ended", false}});
    return nlohmann::json{{"step", step}, {"samples", samples}}.dump() + "\n";
}

void appendText(const QString& file, const std::string& text)
{
    QFile f(file);
    QVERIFY(f.open(QIODevice::Append));
    QCOMPARE(f.write(text.data(), qint64(text.size())), qint64(text.size()));
}

} // namespace

class TestRlMonitor : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void alertsInPlainLanguage()
    {
        MonitorPanel panel;
        panel.resize(1000, 700);
        panel.show();
        feed(panel, healthyMetrics);
        QVERIFY(!panel.alertsView()->isVisible());
        QCOMPARE(panel.alertsView()->alertCount(), 0);

        feed(panel, hackingMetrics);
        QVERIFY(panel.alertsView()->isVisible());
        const QStringList texts = panel.alertsView()->texts();
        QCOMPARE(texts.size(), 2);
        QVERIFY2(texts[0].startsWith(QStringLiteral("From step 5: val/ratio left [0.8, 1.25] in 1 iteration")),
                 qPrintable(texts[0]));
        // KL trailing means: (3.3 + 4.3 + 5.3 + 6.3 + 7.3) / 5 = 5.3 > 5 nats at step 15; 4.3 at step 14.
        QVERIFY2(texts[1].startsWith(QStringLiteral("From step 15: The reward is rising")), qPrintable(texts[1]));
        QVERIFY(texts[1].contains(QStringLiteral("possible reward hacking; look at the samples")));
        QVERIFY(texts[1].contains(QStringLiteral("The gold score is falling")));
        // A new run clears them.
        panel.clear();
        panel.flushReplot();
        QVERIFY(!panel.alertsView()->isVisible());
    }

    void readerReadsOffTheGuiThreadWhenTheFileGrows()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("rollouts.jsonl"));
        RolloutReader reader;
        QSignalSpy read(&reader, &RolloutReader::rolloutsRead);
        reader.setRunFolder(dir.path()); // no file yet: no samples
        QVERIFY(read.wait(10000));
        QVERIFY(read.takeFirst().at(0).value<std::vector<core::RolloutSampleSet>>().empty());

        appendText(file, rolloutLine(1) + rolloutLine(2));
        reader.refresh();
        QVERIFY(read.wait(10000));
        auto sets = read.takeFirst().at(0).value<std::vector<core::RolloutSampleSet>>();
        QCOMPARE(sets.size(), size_t(2));
        QCOMPARE(sets[1].step, int64_t(2));
        QCOMPARE(sets[1].samples.size(), size_t(2));
        QCOMPARE(sets[1].samples[0].prompt, std::string("Tell me about the lighthouse."));
        QVERIFY(sets[1].samples[0].gold && std::abs(*sets[1].samples[0].gold - 0.54) < 1e-12);
        QVERIFY(!sets[1].samples[1].gold);
        QVERIFY(!sets[1].samples[1].ended);

        // Unchanged: no read. Grown: read again.
        const int reads = reader.readsStarted();
        reader.refresh();
        QCOMPARE(reader.readsStarted(), reads);
        appendText(file, rolloutLine(3));
        reader.refresh();
        QCOMPARE(reader.readsStarted(), reads + 1);
        QVERIFY(read.wait(10000));
        QCOMPARE(read.takeFirst().at(0).value<std::vector<core::RolloutSampleSet>>().size(), size_t(3));
    }

    void ppoRunStartedFromRunSetupShowsRewardsAndSamples()
    {
        // A real PPO run, started as a user does: the project's pretrained run as parent, Run setup set to ppo with
        // the gold rule as reward, Start. The Monitor then plots the reward and fills the rollout samples table.
        QTemporaryDir dir;
        QTemporaryDir project;
        const QString corpus = tb::test::writeCorpus(dir);
        std::string prompts;
        for (const char* p : {"the cat ", "a dog ", "the mat. ", "on a ", "dog ran ", "the ", "a cat sat ", "ran far "})
            prompts += nlohmann::json{{"prompt", p}}.dump() + "\n";
        const QString promptsFile = tb::test::writeFile(dir, QStringLiteral("prompts.jsonl"), QByteArray::fromStdString(prompts));

        MainWindow window;
        window.resize(1366, 768);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project.path(), true));
        core::RunConfig base = tb::test::tinyConfig(dir, corpus);
        const QString baseId = window.startRun(base, QStringLiteral("base"));
        QVERIFY(!baseId.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!window.session()->isRunning(), 120000);

        core::RunConfig ppo;
        ppo.method = "ppo";
        ppo.initFrom = QDir(project.path()).filePath(QStringLiteral("runs/") + baseId).toStdString();
        ppo.model.dropout = 0.0;
        ppo.train.batchSize = 1;
        ppo.train.maxSteps = 4;
        ppo.train.warmupSteps = 0;
        ppo.train.evalInterval = 2;
        ppo.train.evalIters = 1;
        ppo.train.threads = 1;
        ppo.train.probePrompts = {};
        ppo.data.train = promptsFile.toStdString();
        ppo.data.valFraction = 0.25;
        ppo.data.cacheDir = dir.filePath(QStringLiteral("cache")).toStdString();
        ppo.reward.goldWeight = 1.0;
        ppo.ppo.rolloutPrompts = 2;
        ppo.ppo.maxNewTokens = 8;
        ppo.ppo.epochs = 1;
        ppo.ppo.minibatches = 1;
        window.runSetupPanel()->setConfig(ppo);
        QCOMPARE(window.runSetupPanel()->config().method, std::string("ppo"));
        QTRY_VERIFY_WITH_TIMEOUT(window.runSetupPanel()->canStart(), 20000);
        QSignalSpy ended(window.session(), &tb::ui::TrainingSession::finished);
        window.startTraining(); // what Start (F5) does
        QVERIFY(window.session()->isRunning());
        QVERIFY(ended.wait(120000) || !ended.isEmpty());
        QCOMPARE(ended.at(0).at(0).value<core::TrainOutcome>(), core::TrainOutcome::Completed);

        MonitorPanel* monitor = window.monitorPanel();
        monitor->flushReplot();
        QCOMPARE(monitor->metricChart()->leftName(), QStringLiteral("objective/scores"));
        QTRY_VERIFY_WITH_TIMEOUT(monitor->rolloutsView()->rowCount() > 0, 10000);
        // One rollout a step (1 epoch x 1 minibatch); the reader catches up with the file after the run ends.
        QTRY_COMPARE_WITH_TIMEOUT(monitor->rolloutsView()->stepCount(), 4, 10000);
        QVERIFY(monitor->rolloutsView()->isVisible());
        QVERIFY(window.grab().save(outputDir() + "/ppo_run_1366x768.png"));
    }

    void tableFillsAndACurvePointSelectsItsStep()
    {
        QTemporaryDir dir;
        std::string id;
        {
            core::RunRegistry registry(dir.path().toStdString());
            core::RunConfig config;
            config.method = "ppo";
            const core::RunRecord run = registry.createRun(config, "ppo lab");
            id = run.id;
            std::filesystem::create_directories(run.runDir);
            core::RunInfo info;
            info.maxSteps = kSteps;
            registry.recordStart(id, info);
            std::string lines;
            for (int s = 1; s <= kSteps; ++s) {
                core::StepMetrics m;
                m.step = s;
                m.maxSteps = kSteps;
                m.loss = 0.1;
                m.tokensSeen = s * 64;
                m.metrics = hackingMetrics(s);
                registry.recordStep(id, m);
                lines += rolloutLine(s);
            }
            core::RunSummary summary;
            summary.status = core::RunStatus::Completed;
            summary.method = "ppo";
            summary.steps = kSteps;
            registry.recordEnd(id, summary);
            appendText(QString::fromStdString((run.runDir / "rollouts.jsonl").string()), lines);
        }

        MainWindow window;
        window.resize(1366, 768);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const int minimumWidth = window.minimumSizeHint().width();
        QVERIFY(window.openProject(dir.path(), true));
        window.openRun(QString::fromStdString(id));
        MonitorPanel* monitor = window.monitorPanel();
        RolloutsView* table = monitor->rolloutsView();
        QTRY_COMPARE_WITH_TIMEOUT(table->rowCount(), 2 * kSteps, 10000);
        QVERIFY(table->isVisible());
        QCOMPARE(table->stepCount(), kSteps);
        QCOMPARE(table->cellText(2, RolloutsView::StepColumn), QStringLiteral("2"));
        QCOMPARE(table->cellText(2, RolloutsView::ResponseColumn),
                 QStringLiteral("The keeper lit the lamp at step 2.↵ The fog came."));
        QCOMPARE(table->cellText(2, RolloutsView::RewardColumn), QStringLiteral("0.100"));
        QCOMPARE(table->cellText(2, RolloutsView::KlColumn), QStringLiteral("1.000"));
        QCOMPARE(table->cellText(2, RolloutsView::GoldColumn), QStringLiteral("0.540"));
        QCOMPARE(table->cellText(3, RolloutsView::GoldColumn), QStringLiteral("–"));
        QVERIFY(table->cellText(3, RolloutsView::ResponseColumn).endsWith(QStringLiteral(" …")));

        // The reward curve on the left, the gold score on the right; the alerts above the charts.
        monitor->flushReplot(); // the alerts are computed at each redraw
        tb::ui::MetricChart* chart = monitor->metricChart();
        QCOMPARE(chart->leftName(), QStringLiteral("objective/scores"));
        QCOMPARE(chart->rightName(), QStringLiteral("objective/gold"));
        QCOMPARE(monitor->alertsView()->alertCount(), 2);

        // Click the reward curve's point of step 7.
        chart->plot()->replot(QCustomPlot::rpImmediateRefresh);
        const QPointF p = chart->point(0, 6);
        QCOMPARE(p.x(), 7.0);
        const QPoint pixel(int(std::lround(chart->plot()->xAxis->coordToPixel(p.x()))),
                           int(std::lround(chart->plot()->yAxis->coordToPixel(p.y()))));
        QSignalSpy clicked(chart, &tb::ui::MetricChart::pointClicked);
        QTest::mouseClick(chart->plot(), Qt::LeftButton, {}, pixel);
        QCOMPARE(clicked.size(), 1);
        QCOMPARE(clicked.at(0).at(0).toString(), QStringLiteral("objective/scores"));
        QCOMPARE(clicked.at(0).at(1).toLongLong(), 7LL);
        QCOMPARE(table->selectedStep(), std::optional<int64_t>(7));
        QCOMPARE(table->table()->selectionModel()->selectedRows().size(), 2);
        QVERIFY(!table->selectStep(99));
        QCOMPARE(table->selectedStep(), std::optional<int64_t>(7));

        QVERIFY(window.minimumSizeHint().width() <= minimumWidth);
        QVERIFY(window.grab().save(outputDir() + "/rl_monitor_1366x768.png"));
    }
};

int main(int argc, char* argv[]) { return tb::test::runOnLaptopScreen<TestRlMonitor>(argc, argv); }

#include "test_rl_monitor.moc"
