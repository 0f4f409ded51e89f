// SPDX-License-Identifier: MIT
// MonitorPanel with synthetic metrics: graph data per series, val markers, the overfit marker, log scale, x-axis
// units, control states and their signals, replot coalescing, history and resume, and screenshots (light, dark).
#include "core/eval/overfit.h"
#include "ui/panels/monitor_panel.h"
#include "tests/ui/ui_test_support.h"

#include <qcustomplot.h>

#include <QtTest/QtTest>

#include <QDir>
#include <QToolButton>
#include <QToolTip>

#include <cmath>
#include <numbers>
#include <random>

using namespace tb::core;
using tb::ui::MonitorPanel;
using Series = MonitorPanel::Series;
using State = MonitorPanel::State;

using tb::test::outputDir;
using tb::test::darkPalette;

namespace {

constexpr int64_t kTokensPerStep = 768;
constexpr int64_t kTrainTokens = 90000;

struct SyntheticRun {
    RunInfo info;
    std::vector<StepMetrics> steps;
    std::vector<EvalMetrics> evals;
};

/// A plausible small pretraining run: loss falls fast then slowly; val loss bottoms out at step 225 and rises.
SyntheticRun makeRun(int64_t maxSteps = 400, int64_t evalEvery = 25)
{
    SyntheticRun run;
    run.info.maxSteps = maxSteps;
    run.info.tokensPerStep = kTokensPerStep;
    run.info.trainTokens = kTrainTokens;
    run.info.parameterCount = 420000;
    std::mt19937 rng(5);
    std::normal_distribution<double> noise(0.0, 1.0);
    auto val = [](int64_t s) {
        const double over = std::max<double>(0.0, double(s) - 180.0);
        return 1.45 + 2.9 * std::exp(-double(s) / 55.0) + 1.5e-5 * over * over;
    };
    auto trainMean = [](int64_t s) { return 1.15 + 3.1 * std::exp(-double(s) / 55.0) - 0.0002 * double(s); };
    double best = 1e9;
    for (int64_t s = 0; s <= maxSteps; ++s) {
        if (s % evalEvery == 0 || s == maxSteps) {
            EvalMetrics e;
            e.step = s;
            e.valLoss = val(s);
            e.trainLoss = trainMean(s);
            e.improved = e.valLoss < best;
            best = std::min(best, e.valLoss);
            e.bestValLoss = best;
            e.elapsedSeconds = double(s) * 0.05;
            run.evals.push_back(e);
        }
        if (s == maxSteps)
            break;
        StepMetrics m;
        m.step = s + 1;
        m.maxSteps = maxSteps;
        m.loss = trainMean(m.step) + 0.07 * noise(rng);
        const double warm = 20;
        m.learningRate = m.step < warm ? 1e-3 * double(m.step) / warm
                                       : 1e-4 + 0.5 * (1e-3 - 1e-4) *
                                                    (1 + std::cos(std::numbers::pi * (double(m.step) - warm) / (double(maxSteps) - warm)));
        m.gradNorm = 0.35 + 2.2 * std::exp(-double(m.step) / 25.0) + 0.05 * std::abs(noise(rng));
        m.tokensPerSecond = 15300 + 700 * noise(rng);
        m.elapsedSeconds = double(m.step) * 0.05;
        m.etaSeconds = double(maxSteps - m.step) * 0.05;
        m.tokensSeen = m.step * kTokensPerStep;
        run.steps.push_back(m);
    }
    return run;
}

/// Feeds a run in the order TrainingSession delivers it: eval at a step comes before the next step.
void feed(MonitorPanel& panel, const SyntheticRun& run)
{
    panel.onStarted(run.info);
    size_t e = 0;
    for (const StepMetrics& m : run.steps) {
        while (e < run.evals.size() && run.evals[e].step < m.step)
            panel.onEval(run.evals[e++]);
        panel.onStep(m);
    }
    while (e < run.evals.size())
        panel.onEval(run.evals[e++]);
}

std::vector<double> valLosses(const SyntheticRun& run)
{
    std::vector<double> v;
    for (const auto& e : run.evals)
        v.push_back(e.valLoss);
    return v;
}

} // namespace

class TestMonitorPanel : public QObject {
    Q_OBJECT
private slots:
    void controlsFollowState_data()
    {
        QTest::addColumn<State>("state");
        QTest::addColumn<QString>("enabled"); // S start, P pause, R resume, T step, X stop
        QTest::newRow("idle") << State::Idle << "S";
        QTest::newRow("starting") << State::Starting << "X";
        QTest::newRow("running") << State::Running << "PX";
        QTest::newRow("pausing") << State::Pausing << "X";
        QTest::newRow("paused") << State::Paused << "RTX";
        QTest::newRow("stopping") << State::Stopping << "";
    }
    void controlsFollowState()
    {
        QFETCH(State, state);
        QFETCH(QString, enabled);
        MonitorPanel panel;
        panel.setState(state);
        QCOMPARE(panel.state(), state);
        QCOMPARE(panel.startButton()->isEnabled(), enabled.contains('S'));
        QCOMPARE(panel.pauseButton()->isEnabled(), enabled.contains('P'));
        QCOMPARE(panel.resumeButton()->isEnabled(), enabled.contains('R'));
        QCOMPARE(panel.stepButton()->isEnabled(), enabled.contains('T'));
        QCOMPARE(panel.stopButton()->isEnabled(), enabled.contains('X'));
    }

    void eachButtonEmitsItsSignal()
    {
        MonitorPanel panel;
        QSignalSpy start(&panel, &MonitorPanel::startRequested);
        QSignalSpy pause(&panel, &MonitorPanel::pauseRequested);
        QSignalSpy resume(&panel, &MonitorPanel::resumeRequested);
        QSignalSpy step(&panel, &MonitorPanel::stepRequested);
        QSignalSpy stop(&panel, &MonitorPanel::stopRequested);
        auto counts = [&] {
            return QList<qsizetype>{start.count(), pause.count(), resume.count(), step.count(), stop.count()};
        };

        QTest::mouseClick(panel.startButton(), Qt::LeftButton);
        QCOMPARE(counts(), (QList<qsizetype>{1, 0, 0, 0, 0}));
        QCOMPARE(panel.state(), State::Starting);
        QTest::mouseClick(panel.startButton(), Qt::LeftButton); // disabled now: a double click starts one run
        QCOMPARE(start.count(), 1);

        panel.onStarted(RunInfo{});
        QCOMPARE(panel.state(), State::Running);
        QTest::mouseClick(panel.pauseButton(), Qt::LeftButton);
        QCOMPARE(counts(), (QList<qsizetype>{1, 1, 0, 0, 0}));
        QCOMPARE(panel.state(), State::Pausing);

        panel.onPaused(12);
        QCOMPARE(panel.state(), State::Paused);
        QVERIFY(panel.statusText().contains("Paused after step 12"));
        QTest::mouseClick(panel.stepButton(), Qt::LeftButton);
        QCOMPARE(counts(), (QList<qsizetype>{1, 1, 0, 1, 0}));
        QCOMPARE(panel.state(), State::Pausing);
        panel.onPaused(13);

        QTest::mouseClick(panel.resumeButton(), Qt::LeftButton);
        QCOMPARE(counts(), (QList<qsizetype>{1, 1, 1, 1, 0}));
        QCOMPARE(panel.state(), State::Running);

        QTest::mouseClick(panel.stopButton(), Qt::LeftButton);
        QCOMPARE(counts(), (QList<qsizetype>{1, 1, 1, 1, 1}));
        QCOMPARE(panel.state(), State::Stopping);
        RunSummary summary;
        summary.steps = 13;
        panel.onFinished(TrainOutcome::Stopped, summary);
        QCOMPARE(panel.state(), State::Idle);
        QVERIFY2(panel.statusText().contains("Stopped at step 13"), qPrintable(panel.statusText()));
    }

    void liveMetricsFillEveryGraph()
    {
        const SyntheticRun run = makeRun();
        MonitorPanel panel;
        feed(panel, run);
        const int steps = int(run.steps.size());
        QCOMPARE(panel.pointCount(Series::TrainLoss), steps);
        QCOMPARE(panel.pointCount(Series::TrainLossSmoothed), steps);
        QCOMPARE(panel.pointCount(Series::LearningRate), steps);
        QCOMPARE(panel.pointCount(Series::GradNorm), steps);
        QCOMPARE(panel.pointCount(Series::TokensPerSecond), steps);
        QCOMPARE(panel.pointCount(Series::ValLoss), int(run.evals.size())); // 17 val markers: steps 0, 25, ..., 400
        QCOMPARE(panel.pointCount(Series::EvalTrainLoss), int(run.evals.size()));
        QCOMPARE(panel.point(Series::TrainLoss, 9), QPointF(10, run.steps[9].loss));
        QCOMPARE(panel.point(Series::LearningRate, 99), QPointF(100, run.steps[99].learningRate));
        QCOMPARE(panel.point(Series::ValLoss, 4), QPointF(100, run.evals[4].valLoss));
        QCOMPARE(panel.point(Series::EvalTrainLoss, 4).y(), run.evals[4].trainLoss);
        // The smoothed loss is a debiased EMA: it starts at the first loss and is less noisy than the raw one.
        QCOMPARE(panel.point(Series::TrainLossSmoothed, 0).y(), run.steps[0].loss);
        double rawJitter = 0, smoothJitter = 0;
        for (int i = 200; i < steps - 1; ++i) {
            rawJitter += std::abs(panel.point(Series::TrainLoss, i + 1).y() - panel.point(Series::TrainLoss, i).y());
            smoothJitter += std::abs(panel.point(Series::TrainLossSmoothed, i + 1).y() -
                                     panel.point(Series::TrainLossSmoothed, i).y());
        }
        QVERIFY2(smoothJitter < rawJitter / 3, qPrintable(QString("%1 vs %2").arg(smoothJitter).arg(rawJitter)));
        // Progress and status.
        QCOMPARE(panel.progressMaximum(), 400);
        panel.flushReplot();
        QCOMPARE(panel.progressValue(), 400);
        QVERIFY2(panel.statusText().contains("ETA"), qPrintable(panel.statusText()));
    }

    void overfitMarkerAtTheBestValPoint()
    {
        const SyntheticRun run = makeRun();
        const auto onset = overfitOnset(valLosses(run));
        QVERIFY(onset.has_value());
        const int64_t expected = run.evals[*onset].step;
        QCOMPARE(expected, int64_t(225)); // where the synthetic val curve bottoms out

        MonitorPanel panel;
        panel.onStarted(run.info);
        for (const EvalMetrics& e : run.evals) {
            panel.onEval(e);
            // The marker appears only once the rise has lasted three evaluations past the best one.
            const bool risenLongEnough = e.step >= expected + 3 * 25;
            QCOMPARE(panel.overfitStep().has_value(), risenLongEnough);
        }
        QCOMPARE(panel.overfitStep().value_or(-1), expected);
        QCOMPARE(panel.overfitMarkerX().value_or(-1), double(expected));

        // A new best below the old one takes the marker away again.
        EvalMetrics better = run.evals.back();
        better.step += 25;
        better.valLoss = 1.0;
        panel.onEval(better);
        QVERIFY(!panel.overfitStep().has_value());
        QVERIFY(!panel.overfitMarkerX().has_value());

        // A falling curve never gets one.
        MonitorPanel falling;
        for (int i = 0; i < 10; ++i) {
            EvalMetrics e;
            e.step = i * 10;
            e.valLoss = 3.0 - 0.1 * i;
            falling.onEval(e);
        }
        QVERIFY(!falling.overfitStep().has_value());
    }

    void xAxisUnits()
    {
        const SyntheticRun run = makeRun();
        MonitorPanel panel;
        QSignalSpy changed(&panel, &MonitorPanel::xAxisChanged);
        feed(panel, run);
        const int64_t overfit = panel.overfitStep().value_or(-1);
        QVERIFY(overfit > 0);
        QCOMPARE(panel.xAxis(), MonitorPanel::XAxis::Steps);
        QVERIFY(panel.canShowEpochs());

        panel.setXAxis(MonitorPanel::XAxis::Tokens);
        QCOMPARE(panel.xAxis(), MonitorPanel::XAxis::Tokens);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(panel.point(Series::TrainLoss, 9).x(), double(10 * kTokensPerStep));
        QCOMPARE(panel.point(Series::ValLoss, 4).x(), double(100 * kTokensPerStep));
        QCOMPARE(panel.pointCount(Series::TrainLoss), int(run.steps.size())); // same data, new unit
        QCOMPARE(panel.overfitMarkerX().value_or(-1), double(overfit * kTokensPerStep));

        panel.setXAxis(MonitorPanel::XAxis::Epochs);
        QCOMPARE(panel.point(Series::TrainLoss, 9).x(), double(10 * kTokensPerStep) / double(kTrainTokens));
        QCOMPARE(panel.point(Series::GradNorm, 399).x(), double(400 * kTokensPerStep) / double(kTrainTokens));
        QCOMPARE(panel.overfitMarkerX().value_or(-1), double(overfit * kTokensPerStep) / double(kTrainTokens));
        panel.flushReplot();
        QVERIFY(panel.lossPlot()->xAxis->range().upper <= 400.0 * kTokensPerStep / kTrainTokens + 1e-9);

        panel.setXAxis(MonitorPanel::XAxis::Steps);
        QCOMPARE(panel.point(Series::TrainLoss, 9).x(), 10.0);
        QCOMPARE(changed.count(), 3);

        // Without the train split's size (a history without RunInfo) epochs are not offered.
        std::vector<MetricPoint> history(3);
        for (int i = 0; i < 3; ++i) {
            history[size_t(i)].step = i + 1;
            history[size_t(i)].loss = 2.0 - 0.1 * i;
            history[size_t(i)].tokensSeen = (i + 1) * kTokensPerStep;
        }
        panel.showHistory(history);
        QVERIFY(!panel.canShowEpochs());
        panel.setXAxis(MonitorPanel::XAxis::Epochs);
        QCOMPARE(panel.xAxis(), MonitorPanel::XAxis::Steps);
    }

    void logScale()
    {
        MonitorPanel panel;
        feed(panel, makeRun());
        QSignalSpy changed(&panel, &MonitorPanel::logScaleChanged);
        QVERIFY(!panel.isLogScale());
        QCOMPARE(panel.lossPlot()->yAxis->scaleType(), QCPAxis::stLinear);
        panel.setLogScale(true);
        QVERIFY(panel.isLogScale());
        QCOMPARE(panel.lossPlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
        QCOMPARE(changed.count(), 1);
        panel.flushReplot();
        const QCPRange y = panel.lossPlot()->yAxis->range();
        QVERIFY(y.lower > 0);
        QVERIFY(y.lower < 1.2 && y.upper > 4.0); // fits the data (about 1.1 to 4.3)
        panel.setLogScale(false);
        QCOMPARE(panel.lossPlot()->yAxis->scaleType(), QCPAxis::stLinear);
        QCOMPARE(changed.count(), 2);
    }

    void replotsAreCoalesced()
    {
        MonitorPanel panel;
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QTRY_VERIFY(panel.replotCount() >= 1); // the first paint
        const int before = panel.replotCount();
        // 400 steps and 17 evals arrive without the event loop running in between, as in a burst of queued
        // signals: they end up in one redraw.
        feed(panel, makeRun());
        QCOMPARE(panel.replotCount(), before);
        QTRY_COMPARE(panel.replotCount(), before + 1);
        QTest::qWait(3 * MonitorPanel::kReplotIntervalMs);
        QCOMPARE(panel.replotCount(), before + 1); // nothing new, nothing redrawn
    }

    void hoverShowsValues()
    {
        const SyntheticRun run = makeRun();
        MonitorPanel panel;
        panel.resize(1000, 700);
        feed(panel, run);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.flushReplot();
        QCustomPlot* plot = panel.lossPlot();
        const QPoint at(int(std::lround(plot->xAxis->coordToPixel(100.0))), plot->axisRect()->rect().center().y());
        QTest::mouseMove(plot, at);
        QTRY_VERIFY(QToolTip::text().contains("step 100"));
        const QString tip = QToolTip::text();
        QVERIFY2(tip.contains("val loss: " + QString::number(run.evals[4].valLoss, 'g', 5)), qPrintable(tip));
        QVERIFY2(tip.contains("learning rate") == false, qPrintable(tip)); // only this chart's graphs
    }

    void historyThenResume()
    {
        const SyntheticRun run = makeRun(100, 25);
        std::vector<MetricPoint> history;
        for (const StepMetrics& m : run.steps) {
            MetricPoint p;
            p.step = m.step;
            p.loss = m.loss;
            p.learningRate = m.learningRate;
            p.gradNorm = m.gradNorm;
            p.tokensPerSecond = m.tokensPerSecond;
            p.tokensSeen = m.tokensSeen;
            history.push_back(p);
        }
        for (const EvalMetrics& e : run.evals) {
            MetricPoint p;
            p.step = e.step;
            p.evalLoss = e.valLoss;
            p.evalTrainLoss = e.trainLoss;
            history.push_back(p);
        }
        std::stable_sort(history.begin(), history.end(), [](const auto& a, const auto& b) { return a.step < b.step; });

        MonitorPanel panel;
        panel.showHistory(history, kTrainTokens);
        QCOMPARE(panel.pointCount(Series::TrainLoss), 100);
        QCOMPARE(panel.pointCount(Series::ValLoss), 5);
        QVERIFY(panel.canShowEpochs());
        QCOMPARE(panel.state(), State::Idle);
        // Eval points have no token count of their own: they get step x tokens per step.
        panel.setXAxis(MonitorPanel::XAxis::Tokens);
        QCOMPARE(panel.point(Series::ValLoss, 2).x(), double(50 * kTokensPerStep));
        panel.setXAxis(MonitorPanel::XAxis::Steps);

        // Resuming from the checkpoint at step 50 drops what came after it, then appends.
        RunInfo info = run.info;
        info.startStep = 50;
        panel.onStarted(info);
        QCOMPARE(panel.state(), State::Running);
        QCOMPARE(panel.pointCount(Series::TrainLoss), 50);
        QCOMPARE(panel.pointCount(Series::ValLoss), 3); // 0, 25, 50
        QCOMPARE(panel.pointCount(Series::TrainLossSmoothed), 50);
        panel.onStep(run.steps[50]);
        QCOMPARE(panel.pointCount(Series::TrainLoss), 51);
        QCOMPARE(panel.point(Series::TrainLoss, 50), QPointF(51, run.steps[50].loss));

        // A new run clears everything.
        panel.onStarted(run.info);
        QCOMPARE(panel.pointCount(Series::TrainLoss), 0);
        QCOMPARE(panel.pointCount(Series::ValLoss), 0);
        panel.clear();
        QCOMPARE(panel.state(), State::Idle);
    }

    void finishedAndFailedStatus()
    {
        MonitorPanel panel;
        panel.onStarted(RunInfo{});
        RunSummary summary;
        summary.steps = 400;
        summary.wallSeconds = 192;
        summary.finalValLoss = 1.5123;
        panel.onFinished(TrainOutcome::Completed, summary);
        QCOMPARE(panel.state(), State::Idle);
        QVERIFY2(panel.statusText().contains("Completed 400 steps in 3 min 12 s"), qPrintable(panel.statusText()));
        QVERIFY(panel.statusText().contains("1.5123"));
        summary.error = "the loss became NaN at step 7";
        panel.onFinished(TrainOutcome::Failed, summary);
        QVERIFY(panel.statusText().startsWith("Failed: the loss became NaN"));
        panel.setState(State::Starting);
        panel.onFailed("corpus.txt: data.corpus: does not exist");
        QCOMPARE(panel.state(), State::Idle);
        QCOMPARE(panel.statusText(), QString("Failed: corpus.txt: data.corpus: does not exist"));
        QVERIFY(panel.startButton()->isEnabled());
    }

    void dpoShowsRewardAccuracyAndMargin()
    {
        // A DPO run's evals carry TRL's reward metrics; the numbers line shows the latest.
        SyntheticRun run = makeRun(40, 20);
        for (size_t i = 0; i < run.evals.size(); ++i) {
            run.evals[i].rewardAccuracy = 0.375 * double(i);
            run.evals[i].rewardMargin = 0.125 * double(i);
        }
        MonitorPanel panel;
        QVERIFY(!panel.numbersText().contains("reward"));
        feed(panel, run);
        panel.flushReplot();
        QVERIFY2(panel.numbersText().contains("reward accuracy 75.0%, margin 0.2500"), qPrintable(panel.numbersText()));
    }

    void namesWhatEachLossIs()
    {
        // The loss axis says what it measures per method; the two val losses of a finished run say what they are
        // on; every line of the loss chart, the faint per-step train loss included, is in the legend.
        MonitorPanel panel;
        QCOMPARE(panel.lossPlot()->yAxis->label(), QString("loss (nats/token)"));
        panel.setRunKind("dpo", 8);
        QCOMPARE(panel.lossPlot()->yAxis->label(), QString("DPO loss (nats)"));
        panel.setRunKind("ppo", 8);
        QCOMPARE(panel.lossPlot()->yAxis->label(), QString("RL loss; val = -reward"));
        panel.setRunKind("sft", 8);
        QCOMPARE(panel.lossPlot()->yAxis->label(), QString("loss (nats/token)"));

        feed(panel, makeRun(50, 25));
        panel.flushReplot();
        QVERIFY2(panel.numbersText().contains("(last eval, 8 batches; best "), qPrintable(panel.numbersText()));
        RunSummary summary;
        summary.method = "dpo";
        summary.steps = 50;
        summary.wallSeconds = 12;
        summary.finalValLoss = 1.25;
        panel.onFinished(TrainOutcome::Completed, summary);
        QCOMPARE(panel.statusText(), QString("Completed 50 steps in 12 s · whole val split 1.2500"));
        QVERIFY2(panel.statusDetails().contains("whole val split, after the last step: 1.2500") &&
                     panel.statusDetails().contains("on 8 batches"),
                 qPrintable(panel.statusDetails()));
        QVERIFY(panel.lossPlot()->yAxis->label().startsWith("DPO loss")); // from the summary's method

        QStringList legend;
        for (int i = 0; i < panel.lossPlot()->legend->itemCount(); ++i)
            if (auto* item = qobject_cast<QCPPlottableLegendItem*>(panel.lossPlot()->legend->item(i)))
                legend << item->plottable()->name();
        QVERIFY2(legend.contains("train loss (each step)") && legend.contains("train loss (smoothed)") &&
                     legend.contains("val loss"),
                 qPrintable(legend.join(", ")));
    }

    void fineTuningPlotsForgetting()
    {
        // A fine-tuning run: the forgetting meter rises from 8 to 9.5 over the evals.
        SyntheticRun run = makeRun(200, 25);
        for (size_t i = 0; i < run.evals.size(); ++i)
            run.evals[i].forgettingPerplexity = 8.0 + 1.5 * double(i) / double(run.evals.size() - 1);
        MonitorPanel panel;
        panel.resize(1100, 720);
        feed(panel, run);
        panel.flushReplot();
        QCOMPARE(panel.pointCount(Series::ForgettingPerplexity), int(run.evals.size()));
        for (int i = 0; i < panel.pointCount(Series::ForgettingPerplexity); ++i) {
            QCOMPARE(panel.point(Series::ForgettingPerplexity, i).x(), double(run.evals[size_t(i)].step));
            QCOMPARE(panel.point(Series::ForgettingPerplexity, i).y(), *run.evals[size_t(i)].forgettingPerplexity);
        }
        QVERIFY(panel.showsForgetting());
        QCPAxis* right = panel.lossPlot()->yAxis2;
        QVERIFY(right->visible());
        QCOMPARE(right->label(), QString("forgetting (ppl)")); // short enough for a low chart; the legend says more
        QVERIFY(right->range().contains(8.0) && right->range().contains(9.5));
        QVERIFY(!panel.lossPlot()->yAxis->range().contains(9.0)); // the loss axis still fits the losses alone
        QVERIFY2(panel.numbersText().contains("forgetting 8.00 → 9.50 ppl"), qPrintable(panel.numbersText()));
        // The task loss is there too, on the same chart.
        QVERIFY(panel.pointCount(Series::ValLoss) == int(run.evals.size()));
        QVERIFY(panel.pointCount(Series::TrainLossSmoothed) > 0);

        // The end of the run: the summary's before/after.
        RunSummary summary;
        summary.steps = 200;
        summary.wallSeconds = 10;
        summary.forgettingBefore = 8.0;
        summary.forgettingAfter = 9.61;
        panel.onFinished(TrainOutcome::Completed, summary);
        QVERIFY2(panel.statusText().contains("8.00 → 9.61"), qPrintable(panel.statusText()));
        panel.flushReplot();
        QVERIFY2(panel.numbersText().contains("forgetting 8.00 → 9.61 ppl"), qPrintable(panel.numbersText()));

        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.flushReplot();
        QVERIFY(panel.grab().save(outputDir() + "/monitor_panel_forgetting.png"));

        // The same points from the registry's history.
        std::vector<MetricPoint> points;
        for (const auto& e : run.evals) {
            MetricPoint p;
            p.step = e.step;
            p.evalLoss = e.valLoss;
            p.forgettingPerplexity = e.forgettingPerplexity;
            p.tokensSeen = e.step * kTokensPerStep;
            points.push_back(p);
        }
        MonitorPanel history;
        history.showHistory(points);
        history.flushReplot();
        QCOMPARE(history.pointCount(Series::ForgettingPerplexity), int(points.size()));
        QCOMPARE(history.point(Series::ForgettingPerplexity, 2).y(), *points[2].forgettingPerplexity);
        QVERIFY(history.lossPlot()->yAxis2->visible());

        // A pretraining run has no forgetting axis, and a new run clears the old curve.
        feed(history, makeRun(100, 25));
        history.flushReplot();
        QCOMPARE(history.pointCount(Series::ForgettingPerplexity), 0);
        QVERIFY(!history.showsForgetting());
        QVERIFY(!history.lossPlot()->yAxis2->visible());
        QVERIFY(!history.numbersText().contains("forgetting"));
    }

    void screenshots()
    {
        const SyntheticRun run = makeRun();
        for (const bool dark : {false, true}) {
            MonitorPanel panel;
            if (dark)
                panel.setPalette(darkPalette());
            panel.resize(1100, 720);
            feed(panel, run);
            // Mid-run look: paused near the end, with the overfit marker up.
            panel.onPaused(run.steps.back().step);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            panel.flushReplot();
            const QImage shot = panel.grab().toImage();
            QVERIFY(shot.save(outputDir() + (dark ? "/monitor_panel_dark.png" : "/monitor_panel.png")));
            // The plot area follows the palette's Base colour (no hard-coded white in dark mode): it is the most
            // common colour on a grid of pixels inside the loss chart's axis rect.
            const QRect area = panel.lossPlot()->axisRect()->rect();
            QHash<QRgb, int> histogram;
            for (int i = 1; i < 20; ++i)
                for (int j = 1; j < 20; ++j) {
                    const QPoint p = panel.lossPlot()->mapTo(
                        &panel, area.topLeft() + QPoint(area.width() * i / 20, area.height() * j / 20));
                    ++histogram[shot.pixel(p * shot.devicePixelRatio())];
                }
            QRgb mode = 0;
            for (auto it = histogram.cbegin(); it != histogram.cend(); ++it)
                if (it.value() > histogram.value(mode))
                    mode = it.key();
            QCOMPARE(QColor(mode).name(), panel.palette().color(QPalette::Base).name());
        }
    }
};

QTEST_MAIN(TestMonitorPanel)
#include "test_monitor_panel.moc"
