// SPDX-License-Identifier: MIT
// The memory-efficient attention must equal the explicit softmax(QK^T + mask)V, values and gradients.
#include "core/model/causal_attention.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

using namespace tb::core;

namespace {

torch::Tensor reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v)
{
    const int64_t t = q.size(2);
    auto att = torch::matmul(q.to(torch::kFloat), k.to(torch::kFloat).transpose(-2, -1));
    att = att.masked_fill(torch::ones({t, t}, torch::kBool).triu(1), -INFINITY);
    return torch::matmul(torch::softmax(att, -1), v.to(torch::kFloat));
}

} // namespace

class TestCausalAttention : public QObject {
    Q_OBJECT
private slots:
    void matchesExplicitAttention_data()
    {
        QTest::addColumn<int>("b");
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("t");
        QTest::addColumn<int>("d");
        QTest::newRow("tiny") << 1 << 1 << 1 << 4;
        QTest::newRow("odd sizes") << 3 << 5 << 37 << 8;
        QTest::newRow("many chunks") << 2 << 6 << 300 << 16; // rows per chunk = 2, 12 rows -> 6 chunks
        QTest::newRow("short blocks") << 4 << 4 << 64 << 32;
    }
    void matchesExplicitAttention()
    {
        QFETCH(int, b);
        QFETCH(int, h);
        QFETCH(int, t);
        QFETCH(int, d);
        torch::manual_seed(42);
        const auto q0 = torch::randn({b, h, t, d}) * 0.5, k0 = torch::randn({b, h, t, d}), v0 = torch::randn({b, h, t, d});
        const auto dy = torch::randn({b, h, t, d});
        auto q1 = q0.clone().requires_grad_(true), k1 = k0.clone().requires_grad_(true), v1 = v0.clone().requires_grad_(true);
        auto q2 = q0.clone().requires_grad_(true), k2 = k0.clone().requires_grad_(true), v2 = v0.clone().requires_grad_(true);
        const auto y1 = causalAttention(q1, k1, v1);
        const auto y2 = reference(q2, k2, v2);
        // Tolerance relative to the magnitude: fp32 sums over up to 300 terms.
        auto close = [](const torch::Tensor& a, const torch::Tensor& b) {
            const double err = (a - b).abs().max().item<double>();
            return err <= 1e-5 * std::max(1.0, b.abs().max().item<double>());
        };
        QVERIFY2(close(y1, y2), "forward differs");
        (y1 * dy).sum().backward();
        (y2 * dy).sum().backward();
        QVERIFY2(close(q1.grad(), q2.grad()), "dq differs");
        QVERIFY2(close(k1.grad(), k2.grad()), "dk differs");
        QVERIFY2(close(v1.grad(), v2.grad()), "dv differs");
    }

    void bf16StaysClose()
    {
        torch::manual_seed(7);
        const auto q0 = torch::randn({2, 3, 50, 16}) * 0.3, k0 = torch::randn({2, 3, 50, 16}), v0 = torch::randn({2, 3, 50, 16});
        auto q = q0.to(torch::kBFloat16).requires_grad_(true);
        auto k = k0.to(torch::kBFloat16).requires_grad_(true);
        auto v = v0.to(torch::kBFloat16).requires_grad_(true);
        const auto y = causalAttention(q, k, v);
        QCOMPARE(y.scalar_type(), torch::kBFloat16);
        const double err = (y.to(torch::kFloat) - reference(q0, k0, v0)).abs().max().item<double>();
        QVERIFY2(err < 3e-2, qPrintable(QString("bf16 forward error %1").arg(err)));
        y.to(torch::kFloat).sum().backward();
        QCOMPARE(q.grad().scalar_type(), torch::kBFloat16);
        QVERIFY(torch::isfinite(q.grad().to(torch::kFloat)).all().item<bool>());
    }

    void firstRowAttendsOnlyToItself()
    {
        // Row 0 sees only key 0, so its output is exactly v[0] whatever the scores.
        const auto q = torch::randn({1, 1, 5, 4}), k = torch::randn({1, 1, 5, 4}), v = torch::randn({1, 1, 5, 4});
        const auto y = causalAttention(q, k, v);
        QVERIFY(torch::allclose(y[0][0][0], v[0][0][0]));
    }
};

QTEST_GUILESS_MAIN(TestCausalAttention)
#include "test_causal_attention.moc"
