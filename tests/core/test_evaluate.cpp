// SPDX-License-Identifier: MIT
// fullSplitLoss against a brute-force per-token loss, and fixedBatchStarts' determinism and range.
#include "core/common/error.h"
#include "core/eval/evaluate.h"
#include "core/model/gpt.h"
#include "tests/core/model_fixtures.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>

using namespace tb::core;

namespace {

Gpt makeModel()
{
    GptConfig c = tb::test::tinyConfig();
    torch::manual_seed(21);
    Gpt model(c);
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters())
        p.normal_(0.0, 0.5);
    return model;
}

/// Target j (1 <= j < n) lies in window floor((j-1)/L); its context is the window's start up to j. One forward per
/// target, so this does not share any batching or slicing logic with fullSplitLoss.
double bruteForceLoss(Gpt& model, const torch::Tensor& tokens, int64_t blockSize)
{
    model->eval();
    torch::NoGradGuard noGrad;
    const int64_t n = tokens.numel();
    double sum = 0.0;
    for (int64_t j = 1; j < n; ++j) {
        const int64_t start = ((j - 1) / blockSize) * blockSize;
        const auto context = tokens.slice(0, start, j).unsqueeze(0);
        const auto logProbs = torch::log_softmax(model(context)[0][-1].to(torch::kDouble), 0);
        sum -= logProbs[tokens[j].item<int64_t>()].item<double>();
    }
    return sum / double(n - 1);
}

} // namespace

class TestEvaluate : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void fullSplitLossMatchesBruteForce_data()
    {
        QTest::addColumn<int64_t>("n");
        QTest::addColumn<int64_t>("blockSize");
        QTest::addColumn<int64_t>("batchSize");
        QTest::newRow("3 full windows + tail of 5, batches of 2") << int64_t(30) << int64_t(8) << int64_t(2);
        QTest::newRow("exact windows") << int64_t(25) << int64_t(8) << int64_t(2);
        QTest::newRow("only a tail") << int64_t(6) << int64_t(8) << int64_t(4);
        QTest::newRow("smaller block, one batch") << int64_t(23) << int64_t(5) << int64_t(100);
        QTest::newRow("two tokens") << int64_t(2) << int64_t(8) << int64_t(1);
    }
    void fullSplitLossMatchesBruteForce()
    {
        QFETCH(int64_t, n);
        QFETCH(int64_t, blockSize);
        QFETCH(int64_t, batchSize);
        Gpt model = makeModel();
        torch::manual_seed(4);
        const auto tokens = torch::randint(0, 11, {n}, torch::kLong);
        const double expected = bruteForceLoss(model, tokens, blockSize);
        model->train();
        const double loss = fullSplitLoss(model, tokens, blockSize, batchSize);
        QVERIFY2(std::abs(loss - expected) < 1e-5, qPrintable(QString("%1 vs %2").arg(loss).arg(expected)));
        QVERIFY(model->is_training()); // mode restored
    }

    void batchSizeDoesNotMatter()
    {
        Gpt model = makeModel();
        torch::manual_seed(5);
        const auto tokens = torch::randint(0, 11, {61}, torch::kInt32); // any integer dtype
        const double a = fullSplitLoss(model, tokens, 8, 1);
        const double b = fullSplitLoss(model, tokens, 8, 3);
        const double c = fullSplitLoss(model, tokens, 8, 64);
        QVERIFY(std::abs(a - b) < 1e-6);
        QVERIFY(std::abs(a - c) < 1e-6);
    }

    void fullSplitLossRejectsBadInput()
    {
        Gpt model = makeModel();
        QVERIFY_THROWS_EXCEPTION(Error, fullSplitLoss(model, torch::zeros({1}, torch::kLong), 8, 1));
        QVERIFY_THROWS_EXCEPTION(Error, fullSplitLoss(model, torch::zeros({20}, torch::kLong), 9, 1));
        QVERIFY_THROWS_EXCEPTION(Error, fullSplitLoss(model, torch::zeros({20}, torch::kLong), 8, 0));
    }

    void fixedBatchStartsDeterministicAndInRange()
    {
        const auto a = fixedBatchStarts(20, 8, 1000, 42);
        QCOMPARE(a, fixedBatchStarts(20, 8, 1000, 42));
        QVERIFY(a != fixedBatchStarts(20, 8, 1000, 43));
        QCOMPARE(a.size(), size_t(1000));
        QCOMPARE(*std::min_element(a.begin(), a.end()), int64_t(0));
        QCOMPARE(*std::max_element(a.begin(), a.end()), int64_t(20 - 8 - 1));
        // The smallest valid split has exactly one start.
        for (const int64_t s : fixedBatchStarts(9, 8, 10, 1))
            QCOMPARE(s, int64_t(0));
        QVERIFY(fixedBatchStarts(100, 8, 0, 1).empty());
        QVERIFY_THROWS_EXCEPTION(Error, fixedBatchStarts(8, 8, 1, 1));
        QVERIFY_THROWS_EXCEPTION(Error, fixedBatchStarts(100, 8, -1, 1));
    }
};

QTEST_GUILESS_MAIN(TestEvaluate)
#include "test_evaluate.moc"
