// SPDX-License-Identifier: MIT
// The Monitor's chart of a method's named metrics (MetricChart): DPO's eval_rewards/* and a reward model's
// eval_accuracy/eval_margin become curves, picked by name on a left and a right axis; a run without named metrics
// keeps the chart hidden; history (the registry's MetricPoint::values), resume and x-axis units; the reward model's
// score-length correlation as a number; a screenshot.
#include "ui/panels/metric_chart.h"
#include "ui/panels/monitor_panel.h"
#include "tests/ui/ui_test_support.h"

#include <qcustomplot.h>

#include <QtTest/QtTest>

#include <QComboBox>

using namespace tb::core;
using tb::ui::MetricChart;
using tb::ui::MonitorPanel;

using tb::test::outputDir;

namespace {

constexpr int64_t kTokensPerStep = 512;

/// A reward-model run of `steps` steps, an eval every `every`: accuracy 0.5 -> 1, margin 0 -> 2.
void feedRewardRun(MonitorPanel& panel, int64_t steps, int64_t every, int64_t from = 0)
{
    RunInfo info;
    info.maxSteps = steps;
    info.tokensPerStep = kTokensPerStep;
    info.trainTokens = 20000;
    info.startStep = from;
    panel.onStarted(info);
    for (int64_t s = from; s <= steps; ++s) {
        if (s % every == 0 && !(s == from && from > 0)) {
            EvalMetrics e;
            e.step = s;
            e.valLoss = 0.69 - 0.5 * double(s) / double(steps);
            e.trainLoss = e.valLoss - 0.02;
            const double accuracy = 0.5 + 0.5 * double(s) / double(steps);
            const double margin = 2.0 * double(s) / double(steps);
            e.rewardAccuracy = accuracy;
            e.rewardMargin = margin;
            e.metrics = {{"eval_accuracy", accuracy},
                         {"eval_margin", margin},
                         {"eval_mean_score", 0.1},
                         {"eval_length_correlation", 0.25}};
            panel.onEval(e);
        }
        if (s == steps)
            break;
        StepMetrics m;
        m.step = s + 1;
        m.maxSteps = steps;
        m.loss = 0.7 - 0.5 * double(s) / double(steps);
        m.learningRate = 1e-3;
        m.gradNorm = 1.0;
        m.tokensPerSecond = 4000;
        m.tokensSeen = (s + 1) * kTokensPerStep;
        panel.onStep(m);
    }
}

} // namespace

class TestMonitorMetrics : public QObject {
    Q_OBJECT

private slots:
    void hiddenWithoutNamedMetrics()
    {
        MonitorPanel panel;
        panel.show();
        RunInfo info;
        info.maxSteps = 10;
        info.tokensPerStep = kTokensPerStep;
        panel.onStarted(info);
        EvalMetrics e;
        e.valLoss = 2.0;
        panel.onEval(e);
        panel.flushReplot();
        QVERIFY(!panel.metricChart()->isVisible());
        QVERIFY(panel.metricChart()->names().isEmpty());
    }

    void rewardModelCurvesByName()
    {
        MonitorPanel panel;
        panel.resize(1100, 900);
        panel.show();
        feedRewardRun(panel, 40, 10);
        panel.flushReplot();
        MetricChart* chart = panel.metricChart();
        QVERIFY(chart->isVisible());
        QCOMPARE(chart->names(), QStringList({"eval_accuracy", "eval_margin", "eval_mean_score",
                                              "eval_length_correlation"}));
        // Accuracy on the left, margin on the right: the two curves a reward model is judged by.
        QCOMPARE(chart->leftName(), QString("eval_accuracy"));
        QCOMPARE(chart->rightName(), QString("eval_margin"));
        QCOMPARE(chart->pointCount(0), 5); // steps 0, 10, 20, 30, 40
        QCOMPARE(chart->point(0, 0), QPointF(0, 0.5));
        QCOMPARE(chart->point(0, 4), QPointF(40, 1.0));
        QCOMPARE(chart->point(1, 4), QPointF(40, 2.0));
        QVERIFY(chart->plot()->yAxis->range().contains(0.5) && chart->plot()->yAxis->range().contains(1.0));
        QVERIFY(chart->plot()->yAxis2->range().contains(2.0));
        // The x range follows the loss chart.
        QCOMPARE(chart->plot()->xAxis->range(), panel.lossPlot()->xAxis->range());
        QVERIFY2(panel.numbersText().contains("reward accuracy 100.0%, margin 2.0000"), qPrintable(panel.numbersText()));
        QVERIFY2(panel.numbersText().contains("score-length correlation 0.25"), qPrintable(panel.numbersText()));

        // Any metric can be picked; none on the right.
        chart->setLeftName("eval_length_correlation");
        chart->setRightName({});
        QCOMPARE(chart->pointCount(0), 5);
        QCOMPARE(chart->point(0, 2).y(), 0.25);
        QCOMPARE(chart->pointCount(1), 0);
        chart->setLeftName("eval_accuracy");
        chart->setRightName("eval_margin");

        // Tokens on the x axis: the named points move with the others.
        panel.setXAxis(MonitorPanel::XAxis::Tokens);
        QCOMPARE(chart->point(0, 4).x(), double(40 * kTokensPerStep));
        panel.setXAxis(MonitorPanel::XAxis::Steps);

        panel.flushReplot();
        QVERIFY(panel.grab().save(outputDir() + "/monitor_reward_model_metrics.png"));
    }

    void dpoRewardsAreCurves()
    {
        MonitorPanel panel;
        panel.show();
        RunInfo info;
        info.maxSteps = 20;
        info.tokensPerStep = kTokensPerStep;
        panel.onStarted(info);
        for (int64_t s : {0, 10, 20}) {
            EvalMetrics e;
            e.step = s;
            e.valLoss = 0.6;
            e.metrics = {{"eval_rewards/accuracies", 0.05 * double(s)},
                         {"eval_rewards/margins", 0.1 * double(s)},
                         {"eval_rewards/chosen", 0.01},
                         {"eval_rewards/rejected", -0.01}};
            panel.onEval(e);
        }
        panel.flushReplot();
        MetricChart* chart = panel.metricChart();
        QCOMPARE(chart->leftName(), QString("eval_rewards/accuracies"));
        QCOMPARE(chart->rightName(), QString("eval_rewards/margins"));
        QCOMPARE(chart->point(0, 2), QPointF(20, 1.0));
        QCOMPARE(chart->point(1, 2), QPointF(20, 2.0));
    }

    void historyAndResume()
    {
        // A stored run: the registry's points carry the named values.
        std::vector<MetricPoint> points;
        for (int64_t s : {0, 10, 20}) {
            MetricPoint p;
            p.step = s;
            p.evalLoss = 0.5;
            p.tokensSeen = s * kTokensPerStep;
            p.values = {{"eval_accuracy", 0.5 + 0.02 * double(s)}, {"eval_margin", 0.1 * double(s)},
                        {"eval_length_correlation", -0.4}};
            points.push_back(p);
        }
        MonitorPanel panel;
        panel.show();
        panel.showHistory(points);
        panel.flushReplot();
        MetricChart* chart = panel.metricChart();
        QVERIFY(chart->isVisible());
        QCOMPARE(chart->pointCount(0), 3);
        QCOMPARE(chart->point(0, 2), QPointF(20, 0.9));
        QVERIFY2(panel.numbersText().contains("reward accuracy 90.0%, margin 2.0000"), qPrintable(panel.numbersText()));
        QVERIFY2(panel.numbersText().contains("score-length correlation -0.40"), qPrintable(panel.numbersText()));

        // Resumed from step 10: the points after it are dropped, the new ones appended.
        feedRewardRun(panel, 40, 10, 10);
        panel.flushReplot();
        QCOMPARE(chart->pointCount(0), 5); // 0 and 10 from history, then 20, 30, 40
        QCOMPARE(chart->point(0, 1), QPointF(10, 0.7));
        QCOMPARE(chart->point(0, 2), QPointF(20, 0.75));

        // A new run clears the chart.
        panel.clear();
        QVERIFY(chart->names().isEmpty());
        QVERIFY(!chart->isVisible());
    }
};

QTEST_MAIN(TestMonitorMetrics)
#include "test_monitor_metrics.moc"
