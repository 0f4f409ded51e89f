// SPDX-License-Identifier: MIT
// Torch-free sampling math (the next-token view's re-shaping) against filteredProbabilities() and tokenDistribution():
// crafted logits with ties and top-p boundaries, random logits over many knob settings, entropy, rank and KL.
#include "core/common/error.h"
#include "core/eval/generate.h"
#include "core/eval/next_token.h"
#include "core/eval/sampling_math.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace tb::core;

namespace {

SampleOptions options(double temperature, int64_t topK, double topP, bool greedy = false)
{
    SampleOptions o;
    o.temperature = temperature;
    o.topK = topK;
    o.topP = topP;
    o.greedy = greedy;
    return o;
}

std::vector<double> toVector(const torch::Tensor& t)
{
    const auto d = t.to(torch::kDouble).contiguous();
    return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

/// Checks every stage of shapeDistribution() against torch; returns a description of the first mismatch.
QString compareWithTorch(const std::vector<float>& logits, const SampleOptions& o)
{
    const auto tensor = torch::tensor(logits);
    const ShapedDistribution shaped = shapeDistribution(logits, samplingParams(o));
    const auto expected = toVector(filteredProbabilities(tensor, o));
    if (shaped.final.size() != expected.size())
        return "size";
    double truncated = 0.0;
    int64_t keptCount = 0;
    const bool greedy = o.greedy || o.temperature <= 0.0;
    const auto tempered = toVector(torch::softmax(greedy ? tensor : tensor / o.temperature, 0));
    for (size_t i = 0; i < expected.size(); ++i) {
        if (shaped.kept[i] != (expected[i] > 0.0))
            return QStringLiteral("kept[%1]: %2 vs torch %3").arg(i).arg(shaped.kept[i]).arg(expected[i]);
        if (std::abs(shaped.final[i] - expected[i]) > 1e-6)
            return QStringLiteral("final[%1]: %2 vs torch %3").arg(i).arg(shaped.final[i]).arg(expected[i]);
        if (std::abs(shaped.tempered[i] - tempered[i]) > 1e-6)
            return QStringLiteral("tempered[%1]: %2 vs %3").arg(i).arg(shaped.tempered[i]).arg(tempered[i]);
        if (expected[i] > 0.0)
            ++keptCount;
        else
            truncated += tempered[i];
    }
    if (shaped.keptCount != keptCount)
        return QStringLiteral("keptCount %1 vs %2").arg(shaped.keptCount).arg(keptCount);
    if (std::abs(shaped.truncatedMass - truncated) > 1e-6)
        return QStringLiteral("truncated mass %1 vs %2").arg(shaped.truncatedMass).arg(truncated);
    if (!greedy) {
        SampleOptions onlyK = o;
        onlyK.topP = 1.0;
        const auto afterTopK = toVector(filteredProbabilities(tensor, onlyK));
        for (size_t i = 0; i < afterTopK.size(); ++i)
            if (std::abs(shaped.afterTopK[i] - afterTopK[i]) > 1e-6)
                return QStringLiteral("afterTopK[%1]: %2 vs %3").arg(i).arg(shaped.afterTopK[i]).arg(afterTopK[i]);
    }
    return {};
}

} // namespace

class TestSamplingMath : public QObject {
    Q_OBJECT

private slots:
    void matchesTorchOnCraftedLogits_data()
    {
        QTest::addColumn<std::vector<float>>("logits");
        QTest::addColumn<double>("temperature");
        QTest::addColumn<qlonglong>("topK");
        QTest::addColumn<double>("topP");
        QTest::addColumn<bool>("greedy");
        QTest::addColumn<int>("keptCount");

        const auto logOf = [](std::vector<float> probs) {
            for (float& p : probs)
                p = std::log(p);
            return probs;
        };
        const std::vector<float> sorted = logOf({0.5f, 0.3f, 0.15f, 0.05f});
        const std::vector<float> shuffled = logOf({0.15f, 0.5f, 0.05f, 0.3f});
        const std::vector<float> ties = {4.0f, 5.0f, 5.0f, 5.0f};
        const std::vector<float> flat = {1.0f, 1.0f, 1.0f, 1.0f};
        const float inf = std::numeric_limits<float>::infinity();
        const std::vector<float> withInf = {2.0f, -inf, 1.0f, -inf, 0.5f};

        QTest::newRow("plain softmax") << sorted << 1.0 << 0LL << 1.0 << false << 4;
        QTest::newRow("top-p 0.8 boundary keeps two") << sorted << 1.0 << 0LL << 0.8 << false << 2;
        QTest::newRow("top-p 0.81 keeps three") << sorted << 1.0 << 0LL << 0.81 << false << 3;
        QTest::newRow("top-p 0.5 boundary keeps one") << sorted << 1.0 << 0LL << 0.5 << false << 1;
        QTest::newRow("top-p 0.01 keeps the first") << sorted << 1.0 << 0LL << 0.01 << false << 1;
        QTest::newRow("top-p shuffled") << shuffled << 1.0 << 0LL << 0.8 << false << 2;
        QTest::newRow("top-k 3 then top-p 0.5") << sorted << 1.0 << 3LL << 0.5 << false << 1;
        QTest::newRow("top-k 2 with ties") << ties << 1.0 << 2LL << 1.0 << false << 2;
        QTest::newRow("top-k 1 with ties") << ties << 1.0 << 1LL << 1.0 << false << 1;
        QTest::newRow("flat top-p 0.5 keeps two") << flat << 1.0 << 0LL << 0.5 << false << 2;
        QTest::newRow("flat top-p 0.75 keeps three") << flat << 1.0 << 0LL << 0.75 << false << 3;
        QTest::newRow("flat top-k 3 top-p 0.6") << flat << 1.0 << 3LL << 0.6 << false << 2;
        QTest::newRow("temperature 0.5") << shuffled << 0.5 << 0LL << 1.0 << false << 4;
        QTest::newRow("temperature 2 top-k 2") << shuffled << 2.0 << 2LL << 1.0 << false << 2;
        QTest::newRow("top-k larger than vocab") << sorted << 0.7 << 10LL << 1.0 << false << 4;
        QTest::newRow("greedy") << shuffled << 0.8 << 0LL << 1.0 << true << 1;
        QTest::newRow("greedy ties take the first") << ties << 1.0 << 0LL << 1.0 << true << 1;
        QTest::newRow("temperature 0 is greedy") << sorted << 0.0 << 2LL << 0.9 << false << 1;
        QTest::newRow("-inf logits") << withInf << 1.0 << 0LL << 1.0 << false << 3;
        QTest::newRow("-inf logits top-k 4") << withInf << 0.9 << 4LL << 0.95 << false << 3;
    }
    void matchesTorchOnCraftedLogits()
    {
        QFETCH(std::vector<float>, logits);
        QFETCH(double, temperature);
        QFETCH(qlonglong, topK);
        QFETCH(double, topP);
        QFETCH(bool, greedy);
        QFETCH(int, keptCount);
        const SampleOptions o = options(temperature, topK, topP, greedy);
        const QString mismatch = compareWithTorch(logits, o);
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        QCOMPARE(shapeDistribution(logits, samplingParams(o)).keptCount, int64_t(keptCount));
    }

    void tiesKeepLowerIds()
    {
        const auto shaped = shapeDistribution({4.0f, 5.0f, 5.0f, 5.0f}, {1.0, 2, 1.0, false});
        QCOMPARE(shaped.kept, (std::vector<bool>{false, true, true, false}));
        QCOMPARE(shaped.final[1], 0.5);
        const auto greedy = shapeDistribution({4.0f, 5.0f, 5.0f, 5.0f}, {1.0, 0, 1.0, true});
        QCOMPARE(greedy.kept, (std::vector<bool>{false, true, false, false}));
        QVERIFY(std::abs(greedy.truncatedMass - (1.0 - greedy.raw[1])) < 1e-12);
    }

    void matchesTorchOnRandomLogits()
    {
        torch::manual_seed(11);
        const std::vector<double> temperatures = {0.3, 0.8, 1.0, 1.5};
        const std::vector<int64_t> topKs = {0, 1, 5, 40};
        const std::vector<double> topPs = {1.0, 0.95, 0.6, 0.2};
        int cases = 0;
        for (const int64_t vocab : {7, 65, 300}) {
            for (int trial = 0; trial < 3; ++trial) {
                const auto t = torch::randn({vocab}) * (1.0 + 2.0 * trial);
                const std::vector<float> logits(t.data_ptr<float>(), t.data_ptr<float>() + vocab);
                for (const double temperature : temperatures)
                    for (const int64_t k : topKs)
                        for (const double p : topPs) {
                            const SampleOptions o = options(temperature, k, p);
                            const QString mismatch = compareWithTorch(logits, o);
                            QVERIFY2(mismatch.isEmpty(), qPrintable(QStringLiteral("V=%1 T=%2 k=%3 p=%4: %5")
                                                                        .arg(vocab)
                                                                        .arg(temperature)
                                                                        .arg(k)
                                                                        .arg(p)
                                                                        .arg(mismatch)));
                            ++cases;
                        }
            }
        }
        QCOMPARE(cases, 3 * 3 * 64);
    }

    void entropyAndRankMatchTokenDistribution()
    {
        torch::manual_seed(5);
        const auto t = torch::randn({50}) * 2.0;
        const std::vector<float> logits(t.data_ptr<float>(), t.data_ptr<float>() + 50);
        const auto probs = softmaxOf(logits);
        const TokenDistribution reference = tokenDistribution(torch::softmax(t, 0), 10, 17);
        QVERIFY(std::abs(entropyOf(probs) - reference.entropy) < 1e-6);
        QCOMPARE(rankOf(probs, 17), reference.chosenRank);
        const auto top = rankedIds(probs, 10);
        QCOMPARE(top, reference.ids);
        QCOMPARE(rankedIds(probs).size(), size_t(50));
        QCOMPARE(rankOf(probs, top[0]), int64_t(1));
        QCOMPARE(rankOf(probs, top[9]), int64_t(10));
        QCOMPARE(rankOf(probs, 50), int64_t(0));
        QCOMPARE(rankOf(probs, -1), int64_t(0));

        // Ties rank the lower id first; a uniform distribution has entropy log V.
        const std::vector<double> uniform(4, 0.25);
        QCOMPARE(rankOf(uniform, 0), int64_t(1));
        QCOMPARE(rankOf(uniform, 3), int64_t(4));
        QCOMPARE(rankedIds(uniform, 2), (std::vector<TokenId>{0, 1}));
        QVERIFY(std::abs(entropyOf(uniform) - std::log(4.0)) < 1e-12);
        QCOMPARE(entropyOf({0.0, 1.0, 0.0}), 0.0);
    }

    void klDivergenceValues()
    {
        const std::vector<double> p = {0.5, 0.5, 0.0};
        const std::vector<double> q = {0.25, 0.25, 0.5};
        QVERIFY(std::abs(klDivergence(p, q) - std::log(2.0)) < 1e-12);
        QCOMPARE(klDivergence(p, p), 0.0);
        QVERIFY(std::isinf(klDivergence(q, p)));
        QVERIFY_THROWS_EXCEPTION(Error, klDivergence(p, {1.0}));
    }

    void degenerateRows()
    {
        const auto empty = shapeDistribution({}, {});
        QVERIFY(empty.final.empty() && empty.kept.empty());
        const float inf = std::numeric_limits<float>::infinity();
        const auto none = shapeDistribution({-inf, std::nanf(""), -inf}, {0.8, 2, 0.9, false});
        QCOMPARE(none.keptCount, int64_t(0));
        QCOMPARE(none.final, (std::vector<double>{0.0, 0.0, 0.0}));
        const auto noneGreedy = shapeDistribution({-inf, -inf}, {1.0, 0, 1.0, true});
        QCOMPARE(noneGreedy.keptCount, int64_t(0));
        // A NaN logit is never kept, the rest is a normal softmax.
        const auto nan = shapeDistribution({0.0f, std::nanf(""), 0.0f}, {});
        QCOMPARE(nan.kept, (std::vector<bool>{true, false, true}));
        QCOMPARE(nan.final[0], 0.5);
    }
};

QTEST_GUILESS_MAIN(TestSamplingMath)
#include "test_sampling_math.moc"
