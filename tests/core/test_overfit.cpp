// SPDX-License-Identifier: MIT
#include "core/eval/overfit.h"
#include "tests/core/test_support.h"

#include <limits>

using namespace tb::core;

Q_DECLARE_METATYPE(std::vector<double>)

class TestOverfit : public QObject {
    Q_OBJECT
private slots:
    void onset_data()
    {
        QTest::addColumn<std::vector<double>>("losses");
        QTest::addColumn<int>("expected"); // -1: no onset
        const double nan = std::numeric_limits<double>::quiet_NaN();
        QTest::newRow("empty") << std::vector<double>{} << -1;
        QTest::newRow("falling") << std::vector<double>{3.0, 2.5, 2.2, 2.0, 1.9} << -1;
        QTest::newRow("U shape") << std::vector<double>{3.0, 2.0, 1.5, 1.6, 1.7, 1.8} << 2;
        QTest::newRow("rise too short") << std::vector<double>{3.0, 2.0, 1.5, 1.6, 1.7} << -1;
        QTest::newRow("long rise") << std::vector<double>{3.0, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0} << 1;
        // After the rise it falls to a new best: the old mark goes away.
        QTest::newRow("recovers") << std::vector<double>{3.0, 1.5, 1.6, 1.7, 1.8, 1.4} << -1;
        // ... and a later rise marks the new best.
        QTest::newRow("second rise") << std::vector<double>{3.0, 1.5, 1.6, 1.7, 1.8, 1.4, 1.5, 1.6, 1.7} << 5;
        // A plateau with noise inside 1% of the best is not a rise.
        QTest::newRow("noisy plateau") << std::vector<double>{2.0, 1.500, 1.51, 1.52, 1.505, 1.53} << -1;
        QTest::newRow("just above margin") << std::vector<double>{2.0, 1.0, 1.0101, 1.0101, 1.0101} << 1;
        QTest::newRow("just inside margin") << std::vector<double>{2.0, 1.0, 1.0101, 1.0099, 1.0101} << -1;
        // Near zero the absolute margin (1e-3) decides.
        QTest::newRow("near zero") << std::vector<double>{0.5, 0.01, 0.0105, 0.0105, 0.0105} << -1;
        QTest::newRow("near zero rise") << std::vector<double>{0.5, 0.01, 0.012, 0.013, 0.014} << 1;
        // Ties: the first occurrence of the best is the onset.
        QTest::newRow("tie") << std::vector<double>{2.0, 1.0, 1.0, 1.2, 1.3, 1.4} << -1;
        QTest::newRow("tie then rise") << std::vector<double>{2.0, 1.0, 1.2, 1.3, 1.4} << 1;
        QTest::newRow("nan ignored") << std::vector<double>{3.0, 1.5, nan, 1.6, 1.7, 1.8} << 1;
        QTest::newRow("only nan") << std::vector<double>{nan, nan} << -1;
        QTest::newRow("nan not counted") << std::vector<double>{3.0, 1.5, 1.6, nan, 1.7} << -1;
    }
    void onset()
    {
        QFETCH(std::vector<double>, losses);
        QFETCH(int, expected);
        const auto onset = overfitOnset(losses);
        QCOMPARE(onset ? int(*onset) : -1, expected);
    }

    void ruleParametersApply()
    {
        const std::vector<double> losses{3.0, 1.5, 1.6, 1.7};
        QVERIFY(!overfitOnset(losses).has_value()); // default patience 3
        OverfitRule rule;
        rule.patience = 2;
        QCOMPARE(overfitOnset(losses, rule).value_or(99), size_t(1));
        rule.relativeMargin = 0.1; // 1.6 is within 10% of 1.5
        QVERIFY(!overfitOnset(losses, rule).has_value());
    }
};

QTEST_GUILESS_MAIN(TestOverfit)
#include "test_overfit.moc"
