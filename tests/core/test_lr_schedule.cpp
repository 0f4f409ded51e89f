// SPDX-License-Identifier: MIT
#include "core/train/lr_schedule.h"
#include "tests/core/test_support.h"

#include <cmath>

using namespace tb::core;

class TestLrSchedule : public QObject {
    Q_OBJECT
private slots:
    void matchesNanoGpt_data()
    {
        // Reference values from nanoGPT's get_lr with learning_rate 1e-3, min_lr 1e-4, warmup 100, decay 2000.
        QTest::addColumn<int>("step");
        QTest::addColumn<double>("expected");
        const double lr = 1e-3, minLr = 1e-4;
        auto cosine = [&](int it) {
            const double ratio = double(it - 100) / double(2000 - 100);
            return minLr + 0.5 * (1.0 + std::cos(M_PI * ratio)) * (lr - minLr);
        };
        QTest::newRow("first step") << 0 << lr * 1.0 / 101.0;
        QTest::newRow("mid warmup") << 49 << lr * 50.0 / 101.0;
        QTest::newRow("last warmup") << 99 << lr * 100.0 / 101.0;
        QTest::newRow("peak") << 100 << lr;
        QTest::newRow("quarter") << 575 << cosine(575);
        QTest::newRow("half") << 1050 << (lr + minLr) / 2.0;
        QTest::newRow("end") << 2000 << minLr;
        QTest::newRow("after end") << 2500 << minLr;
    }
    void matchesNanoGpt()
    {
        QFETCH(int, step);
        QFETCH(double, expected);
        TrainConfig c;
        c.learningRate = 1e-3;
        c.minLr = 1e-4;
        c.warmupSteps = 100;
        c.maxSteps = 2000;
        QVERIFY2(std::abs(learningRateAt(step, c) - expected) < 1e-15,
                 qPrintable(QString("%1 vs %2").arg(learningRateAt(step, c)).arg(expected)));
    }

    void decayStepsOverrideMaxSteps()
    {
        TrainConfig c;
        c.warmupSteps = 0;
        c.maxSteps = 1000;
        c.lrDecaySteps = 500;
        QCOMPARE(learningRateAt(500, c), c.minLr);
        QCOMPARE(learningRateAt(750, c), c.minLr);
        QVERIFY(learningRateAt(250, c) > c.minLr);
    }

    void monotoneAfterWarmup()
    {
        TrainConfig c;
        double previous = learningRateAt(c.warmupSteps, c);
        for (int64_t s = c.warmupSteps + 1; s <= c.maxSteps; ++s) {
            const double lr = learningRateAt(s, c);
            QVERIFY(lr <= previous);
            previous = lr;
        }
    }
};

QTEST_GUILESS_MAIN(TestLrSchedule)
#include "test_lr_schedule.moc"
