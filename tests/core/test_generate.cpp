// SPDX-License-Identifier: MIT
// Sampling: reproducible seeds, greedy = argmax, exact top-k / top-p masks, temperature, context cropping, early
// stop, and a global RNG left untouched.
#include "core/common/error.h"
#include "core/eval/generate.h"
#include "core/model/gpt.h"
#include "tests/core/model_fixtures.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <cmath>

using namespace tb::core;
using tb::test::tinyConfig;

namespace {

Gpt makeModel()
{
    torch::manual_seed(11);
    Gpt model(tinyConfig());
    // Larger weights than the 0.02 init, so the next-token distribution is far from uniform.
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters())
        p.normal_(0.0, 0.5);
    return model;
}

/// Indices of the non-zero entries of a 1-D tensor.
std::vector<int64_t> kept(const torch::Tensor& probs)
{
    std::vector<int64_t> out;
    for (int64_t i = 0; i < probs.size(0); ++i)
        if (probs[i].item<float>() != 0.0f)
            out.push_back(i);
    return out;
}

SampleOptions sampling(double temperature = 1.0)
{
    SampleOptions o;
    o.temperature = temperature;
    return o;
}

} // namespace

class TestGenerate : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void fixedSeedReproduces()
    {
        Gpt model = makeModel();
        SampleOptions o = sampling();
        o.maxNewTokens = 20;
        o.seed = 5;
        const auto a = generate(model, {1, 2}, o);
        const auto b = generate(model, {1, 2}, o);
        QCOMPARE(a.size(), size_t(20));
        QCOMPARE(a, b);
        o.seed = 6;
        QVERIFY(generate(model, {1, 2}, o) != a);
    }

    void greedyIsArgmax()
    {
        Gpt model = makeModel();
        SampleOptions o;
        o.greedy = true;
        o.maxNewTokens = 12; // past blockSize: the context gets cropped
        const std::vector<TokenId> prompt = {3, 1};
        const auto tokens = generate(model, prompt, o);
        QCOMPARE(tokens.size(), size_t(12));

        model->eval();
        torch::NoGradGuard noGrad;
        std::vector<int64_t> context(prompt.begin(), prompt.end());
        for (const TokenId token : tokens) {
            const int64_t n = std::min<int64_t>(int64_t(context.size()), 8);
            const auto idx = torch::tensor(std::vector<int64_t>(context.end() - n, context.end())).view({1, n});
            QCOMPARE(int64_t(token), model(idx)[0][-1].argmax().item<int64_t>());
            context.push_back(token);
        }
    }

    void topKMask()
    {
        SampleOptions o = sampling();
        o.topK = 2;
        const auto probs = filteredProbabilities(torch::tensor({1.0f, 5.0f, 3.0f, 5.0f, 2.0f}), o);
        QCOMPARE(kept(probs), (std::vector<int64_t>{1, 3}));
        QCOMPARE(probs[1].item<float>(), 0.5f);
        QCOMPARE(probs[3].item<float>(), 0.5f);
        // Ties at the k-th place: exactly k survive, lower ids first.
        o.topK = 2;
        QCOMPARE(kept(filteredProbabilities(torch::tensor({4.0f, 5.0f, 5.0f, 5.0f}), o)), (std::vector<int64_t>{1, 2}));
        o.topK = 0;
        QCOMPARE(kept(filteredProbabilities(torch::tensor({4.0f, 5.0f, 5.0f, 5.0f}), o)).size(), size_t(4));
    }

    void topPMask_data()
    {
        QTest::addColumn<std::vector<float>>("probs");
        QTest::addColumn<double>("p");
        QTest::addColumn<std::vector<int64_t>>("expected");
        const std::vector<float> sorted = {0.5f, 0.3f, 0.15f, 0.05f};
        const std::vector<float> shuffled = {0.15f, 0.5f, 0.05f, 0.3f};
        QTest::newRow("p=0.8 keeps two") << sorted << 0.8 << std::vector<int64_t>{0, 1};
        QTest::newRow("p=0.81 keeps three") << sorted << 0.81 << std::vector<int64_t>{0, 1, 2};
        QTest::newRow("p=0.5 keeps one") << sorted << 0.5 << std::vector<int64_t>{0};
        QTest::newRow("p=0.01 keeps the first") << sorted << 0.01 << std::vector<int64_t>{0};
        QTest::newRow("p=0.99 keeps all") << sorted << 0.99 << std::vector<int64_t>{0, 1, 2, 3};
        QTest::newRow("shuffled p=0.8") << shuffled << 0.8 << std::vector<int64_t>{1, 3};
    }
    void topPMask()
    {
        QFETCH(std::vector<float>, probs);
        QFETCH(double, p);
        QFETCH(std::vector<int64_t>, expected);
        SampleOptions o = sampling();
        o.topP = p;
        const auto out = filteredProbabilities(torch::tensor(probs).log(), o);
        QCOMPARE(kept(out), expected);
        double mass = 0.0;
        for (const int64_t i : expected)
            mass += probs[size_t(i)];
        for (const int64_t i : expected)
            QVERIFY(std::abs(out[i].item<double>() - probs[size_t(i)] / mass) < 1e-6);
    }

    void topKThenTopP()
    {
        SampleOptions o = sampling();
        o.topK = 3;
        o.topP = 0.5; // of the renormalised top-3 [0.5, 0.3, 0.15] / 0.95 the first one already has > 0.5
        const auto out = filteredProbabilities(torch::tensor({0.5f, 0.3f, 0.15f, 0.05f}).log(), o);
        QCOMPARE(kept(out), (std::vector<int64_t>{0}));
        QCOMPARE(out[0].item<float>(), 1.0f);
    }

    void temperatureScaling()
    {
        torch::manual_seed(3);
        const auto logits = torch::randn({11});
        for (const double t : {0.5, 1.0, 1.7}) {
            const auto out = filteredProbabilities(logits, sampling(t));
            QVERIFY(torch::allclose(out, torch::softmax(logits / t, 0), 1e-6, 1e-7));
        }
        SampleOptions greedy = sampling(0.0); // temperature 0 means greedy: one-hot on the argmax
        const auto oneHot = filteredProbabilities(logits, greedy);
        QCOMPARE(kept(oneHot), (std::vector<int64_t>{logits.argmax().item<int64_t>()}));
    }

    void longPromptIsCropped()
    {
        Gpt model = makeModel();
        SampleOptions o = sampling();
        o.maxNewTokens = 15;
        const std::vector<TokenId> prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1}; // longer than blockSize 8
        const auto tokens = generate(model, prompt, o);
        QCOMPARE(tokens.size(), size_t(15));
        for (const TokenId t : tokens)
            QVERIFY(t >= 0 && t < 11);
    }

    void callbackStops()
    {
        Gpt model = makeModel();
        SampleOptions o = sampling();
        o.maxNewTokens = 10;
        std::vector<TokenId> seen;
        const auto tokens = generate(model, {4}, o, [&](TokenId t) {
            seen.push_back(t);
            return seen.size() < 3;
        });
        QCOMPARE(tokens.size(), size_t(3));
        QCOMPARE(tokens, seen);
    }

    void globalRngUntouched()
    {
        Gpt model = makeModel();
        torch::manual_seed(99);
        const auto expected = torch::rand({8});
        torch::manual_seed(99);
        SampleOptions o = sampling();
        o.maxNewTokens = 10;
        generate(model, {1}, o);
        QVERIFY(torch::equal(torch::rand({8}), expected));
    }

    void modeRestoredAndErrors()
    {
        Gpt model = makeModel();
        SampleOptions o = sampling();
        o.maxNewTokens = 2;
        model->train();
        generate(model, {1}, o);
        QVERIFY(model->is_training());
        model->eval();
        generate(model, {1}, o);
        QVERIFY(!model->is_training());
        QVERIFY_THROWS_EXCEPTION(Error, generate(model, {}, o));
        QVERIFY_THROWS_EXCEPTION(Error, generate(model, {11}, o));
        o.maxNewTokens = 0;
        QVERIFY(generate(model, {1}, o).empty());
    }
};

QTEST_GUILESS_MAIN(TestGenerate)
#include "test_generate.moc"
