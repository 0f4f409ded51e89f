// SPDX-License-Identifier: MIT
// The Monitor's plain-language RL alerts (core/rl/rl_alerts.h) on synthetic metric series: each alert fires on its
// pattern with the step where the pattern started, and none fires on a healthy run or just inside a threshold.
#include "core/rl/rl_alerts.h"

#include <QtTest/QtTest>

#include <cmath>
#include <functional>

using namespace tb::core::rl;

namespace {

/// Steps 1..n with value f(i) at index i.
MetricSeries series(int n, const std::function<double(int)>& f)
{
    MetricSeries s;
    for (int i = 0; i < n; ++i) {
        s.steps.push_back(i + 1);
        s.values.push_back(f(i));
    }
    return s;
}

/// A healthy PPO run: KL grows to 2 nats, scores rise, the ratio stays near 1, the entropy falls by a third.
MetricSeriesMap healthy(int n = 40)
{
    MetricSeriesMap m;
    m["objective/kl"] = series(n, [n](int i) { return 2.0 * i / (n - 1); });
    m["objective/scores"] = series(n, [n](int i) { return 0.5 * i / (n - 1); });
    m["objective/gold"] = series(n, [n](int i) { return 0.1 + 0.3 * i / (n - 1); });
    m["val/ratio"] = series(n, [](int i) { return 1.0 + 0.05 * std::sin(i); });
    m["objective/entropy"] = series(n, [n](int i) { return 30.0 - 10.0 * i / (n - 1); });
    m["policy/entropy_avg"] = series(n, [n](int i) { return 3.0 - 1.0 * i / (n - 1); });
    return m;
}

} // namespace

class TestRlAlerts : public QObject {
    Q_OBJECT

private slots:
    void healthyRunHasNoAlert()
    {
        QVERIFY(rlAlerts(healthy()).empty());
        QVERIFY(rlAlerts({}).empty());
        // One noisy negative KL point in the middle is no alert: the trailing mean stays above -0.01.
        MetricSeriesMap m = healthy();
        m["objective/kl"].values[20] = -0.2;
        QVERIFY(rlAlerts(m).empty());
    }

    void trailingMeanOverTheWindow()
    {
        const std::vector<double> v = {1, 2, 3, 4, 5, 6};
        QCOMPARE(trailingMean(v, 0, 5), 1.0);
        QCOMPARE(trailingMean(v, 2, 5), 2.0);
        QCOMPARE(trailingMean(v, 5, 5), 4.0);
        QCOMPARE(trailingMean(v, 5, 1), 6.0);
    }

    void negativeKl()
    {
        MetricSeriesMap m = healthy(16);
        // 0.02 for steps 1..10, then -0.05: the mean of the last five is 0.006 at step 11, -0.008 at 12, -0.022 at 13.
        m["objective/kl"] = series(16, [](int i) { return i < 10 ? 0.02 : -0.05; });
        const auto alert = negativeKlAlert(m);
        QVERIFY(alert);
        QCOMPARE(alert->kind, RlAlertKind::NegativeKl);
        QCOMPARE(alert->step, int64_t(13));
        QVERIFY(QString::fromStdString(alert->message).startsWith("KL is negative (-0.05 nats"));
        QVERIFY(alert->message.find("the answers sampled are ones the reference likes more than the policy") !=
                std::string::npos);
        QVERIFY(alert->message.find("(temperature, top-k)") != std::string::npos);
        const auto all = rlAlerts(m);
        QCOMPARE(all.size(), size_t(1));
        // Just above the threshold: no alert.
        m["objective/kl"] = series(16, [](int) { return -0.0099; });
        QVERIFY(!negativeKlAlert(m));
        // Recovered: the trailing mean is back above -0.01 at the last point.
        m["objective/kl"] = series(16, [](int i) { return i < 14 ? -0.05 : 0.2; });
        QVERIFY(!negativeKlAlert(m));
    }

    void ratioFarFromOne()
    {
        MetricSeriesMap m = healthy(20);
        m["val/ratio"] = series(20, [](int i) { return i == 6 ? 1.6 : i == 8 ? 0.7 : 1.0; });
        const auto alert = ratioAlert(m);
        QVERIFY(alert);
        QCOMPARE(alert->kind, RlAlertKind::RatioOutOfRange);
        QCOMPARE(alert->step, int64_t(7));
        QVERIFY2(alert->message.find("in 2 iterations (farthest: 1.6 at step 7)") != std::string::npos,
                 alert->message.c_str());
        QVERIFY(alert->message.find("lower the learning rate") != std::string::npos);
        // The bounds themselves are inside.
        m["val/ratio"] = series(20, [](int i) { return i % 2 ? 0.8 : 1.25; });
        QVERIFY(!ratioAlert(m));
    }

    void rewardRisingWhileKlExplodes()
    {
        MetricSeriesMap m = healthy(30);
        // KL 0.5 for ten iterations, then up by one nat each; the scores keep rising; the gold score falls.
        m["objective/kl"] = series(30, [](int i) { return i < 10 ? 0.5 : 0.5 + (i - 9); });
        m["objective/scores"] = series(30, [](int i) { return 0.1 * i; });
        m["objective/gold"] = series(30, [](int i) { return 0.5 - 0.02 * i; });
        const auto alert = rewardHackingAlert(m);
        QVERIFY(alert);
        QCOMPARE(alert->kind, RlAlertKind::RewardHacking);
        // Trailing means of the KL: at index 16 (step 17) (3.5 + 4.5 + 5.5 + 6.5 + 7.5) / 5 = 5.5 > 5 nats (and
        // > 3 x 0.5); at index 15, 4.5.
        QCOMPARE(alert->step, int64_t(17));
        QVERIFY2(alert->message.find("possible reward hacking; look at the samples") != std::string::npos,
                 alert->message.c_str());
        QVERIFY(alert->message.find("The gold score is falling") != std::string::npos);
        // Without a gold score: the same alert, no gold sentence.
        m.erase("objective/gold");
        const auto noGold = rewardHackingAlert(m);
        QVERIFY(noGold && noGold->message.find("gold") == std::string::npos);
        // KL high but the scores falling: not reward hacking (just a drifting policy).
        m["objective/scores"] = series(30, [](int i) { return -0.1 * i; });
        QVERIFY(!rewardHackingAlert(m));
        // KL high from the start and not several times its early value.
        m["objective/scores"] = series(30, [](int i) { return 0.1 * i; });
        m["objective/kl"] = series(30, [](int) { return 8.0; });
        QVERIFY(!rewardHackingAlert(m));
    }

    void collapsedEntropy()
    {
        MetricSeriesMap m = healthy(20);
        // 30 nats falling by 2 each iteration: below 3 (10 %) from index 14 (value 2) on.
        m["objective/entropy"] = series(20, [](int i) { return std::max(30.0 - 2.0 * i, 0.5); });
        const auto alert = entropyCollapseAlert(m);
        QVERIFY(alert);
        QCOMPARE(alert->kind, RlAlertKind::EntropyCollapse);
        QCOMPARE(alert->metric, std::string("objective/entropy"));
        QCOMPARE(alert->step, int64_t(15));
        QVERIFY(QString::fromStdString(alert->message).startsWith("Answers have become nearly deterministic"));
        // Only the training entropy is logged (GRPO-like): it is watched too.
        m.erase("objective/entropy");
        m["policy/entropy_avg"] = series(20, [](int i) { return i < 10 ? 2.0 : 0.1; });
        const auto avg = entropyCollapseAlert(m);
        QVERIFY(avg && avg->metric == "policy/entropy_avg" && avg->step == 11);
        // A third lower is no collapse.
        m["policy/entropy_avg"] = series(20, [](int i) { return i < 10 ? 2.0 : 1.4; });
        QVERIFY(!entropyCollapseAlert(m));
    }

    void everyAlertInOrder()
    {
        MetricSeriesMap m = healthy(30);
        m["val/ratio"] = series(30, [](int i) { return i == 3 ? 2.0 : 1.0; });
        m["objective/entropy"] = series(30, [](int i) { return i < 20 ? 30.0 : 1.0; });
        const auto all = rlAlerts(m);
        QCOMPARE(all.size(), size_t(2));
        QCOMPARE(all[0].kind, RlAlertKind::RatioOutOfRange);
        QCOMPARE(all[1].kind, RlAlertKind::EntropyCollapse);
    }
};

QTEST_GUILESS_MAIN(TestRlAlerts)
#include "test_rl_alerts.moc"
