// SPDX-License-Identifier: MIT
// Sampling: reproducible seeds, lock-step random streams, greedy = argmax, exact top-k / top-p masks, temperature,
// repetition penalty, context cropping, early stop, a global RNG left untouched; and the inspection helpers: top-k
// distribution, per-token KL, continuation log-probability, distinct-n and memorization spans.
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/eval/diversity.h"
#include "core/eval/generate.h"
#include "core/eval/memorization.h"
#include "core/eval/next_token.h"
#include "core/model/gpt.h"
#include "tests/core/model_fixtures.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <cmath>

using namespace tb::core;
using tb::test::tinyConfig;

namespace {

Gpt makeModel(uint64_t seed = 11)
{
    torch::manual_seed(seed);
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

    void fixedSeedExactSample()
    {
        // The draws are the seed's SplitMix64 stream: the first token is the inverse CDF of the model's
        // probabilities at the first uniform number, computed here by hand.
        Gpt model = makeModel();
        SampleOptions o = sampling();
        o.maxNewTokens = 1;
        o.seed = 77;
        const auto token = generate(model, {1, 2}, o);
        torch::NoGradGuard noGrad;
        model->eval();
        const auto probs = torch::softmax(model(torch::tensor({int64_t(1), int64_t(2)}).view({1, 2}))[0][-1].to(torch::kDouble), 0);
        const double u = SplitMix64(77).uniform();
        double cumulative = 0.0;
        int64_t expected = -1;
        for (int64_t i = 0; i < 11 && expected < 0; ++i) {
            cumulative += probs[i].item<double>();
            if (cumulative > u)
                expected = i;
        }
        QCOMPARE(int64_t(token.at(0)), expected);
    }

    // Two different models on one seed use the same uniform number at every step.
    void lockStepSeeds()
    {
        Gpt a = makeModel(11);
        Gpt b = makeModel(12);
        SampleOptions o = sampling();
        o.maxNewTokens = 25;
        o.seed = 8;
        o.topK = 6;
        for (Gpt* model : {&a, &b}) {
            std::vector<torch::Tensor> logits;
            const auto tokens = generateTokens(*model, {5}, o, [&](const GeneratedToken& t) {
                logits.push_back(t.logits.clone());
                return true;
            });
            QCOMPARE(tokens.size(), size_t(25));
            SplitMix64 stream(8);
            for (size_t i = 0; i < tokens.size(); ++i)
                QCOMPARE(tokens[i], sampleFromProbabilities(filteredProbabilities(logits[i], o), stream.uniform()));
        }
        // Greedy steps draw too, so the stream does not depend on the mode either (nothing to observe but
        // determinism here): greedy is the same for every seed.
        o.greedy = true;
        o.seed = 1;
        const auto g1 = generate(a, {5}, o);
        o.seed = 2;
        QCOMPARE(generate(a, {5}, o), g1);
    }

    void inverseCdfSampling()
    {
        const auto probs = torch::tensor({0.0, 0.25, 0.0, 0.5, 0.25});
        QCOMPARE(sampleFromProbabilities(probs, 0.0), TokenId(1));
        QCOMPARE(sampleFromProbabilities(probs, 0.2499), TokenId(1));
        QCOMPARE(sampleFromProbabilities(probs, 0.25), TokenId(3));
        QCOMPARE(sampleFromProbabilities(probs, 0.74), TokenId(3));
        QCOMPARE(sampleFromProbabilities(probs, 0.75), TokenId(4));
        QCOMPARE(sampleFromProbabilities(probs, 0.999999), TokenId(4));
        // Unnormalised weights are fine; zeros are never picked.
        QCOMPARE(sampleFromProbabilities(torch::tensor({2.0f, 0.0f, 0.0f}), 0.9999), TokenId(0));
        QVERIFY_THROWS_EXCEPTION(Error, sampleFromProbabilities(torch::zeros({3}), 0.5));
    }

    void repetitionPenalty()
    {
        const auto logits = torch::tensor({2.0f, -2.0f, 1.0f, 0.5f, -1.0f});
        // Ids 0 and 1 occur (1 twice: penalised once); 2..4 do not.
        const auto out = applyRepetitionPenalty(logits, {0, 1, 1}, 2.0);
        QVERIFY(torch::equal(out, torch::tensor({1.0f, -4.0f, 1.0f, 0.5f, -1.0f})));
        QVERIFY(torch::equal(logits, torch::tensor({2.0f, -2.0f, 1.0f, 0.5f, -1.0f}))); // input untouched
        QVERIFY(torch::equal(applyRepetitionPenalty(logits, {4, 2}, 1.0), logits));
        // A penalty below 1 encourages repeats.
        QVERIFY(torch::equal(applyRepetitionPenalty(logits, {4, 2}, 0.5), torch::tensor({2.0f, -2.0f, 2.0f, 0.5f, -0.5f})));
        // In generation: every greedy token is the argmax of the penalised logits, the text so far counted.
        Gpt model = makeModel();
        SampleOptions o;
        o.greedy = true;
        o.repetitionPenalty = 3.0;
        o.maxNewTokens = 20;
        std::vector<TokenId> context{0, 1};
        const auto tokens = generateTokens(model, context, o, [&](const GeneratedToken& t) {
            const auto expected = applyRepetitionPenalty(t.logits, context, 3.0).argmax().item<int64_t>();
            [&] { QCOMPARE(int64_t(t.id), expected); }();
            context.push_back(t.id);
            return true;
        });
        QCOMPARE(tokens.size(), size_t(20));
        o.repetitionPenalty = 1.0;
        QVERIFY(generate(model, {0, 1}, o) != tokens); // the penalty changes this text
        o.repetitionPenalty = 0.0;
        QVERIFY_THROWS_EXCEPTION(Error, generate(model, {0}, o));
    }

    void topTokenDistribution()
    {
        const auto probs = torch::tensor({0.1, 0.4, 0.1, 0.3, 0.1}, torch::kDouble);
        const auto d = tokenDistribution(probs, 3, 2);
        QCOMPARE(d.ids, (std::vector<TokenId>{1, 3, 0}));
        QCOMPARE(d.probs.size(), size_t(3));
        QVERIFY(std::abs(d.probs[0] - 0.4) < 1e-12 && std::abs(d.probs[2] - 0.1) < 1e-12);
        const double entropy = -(0.4 * std::log(0.4) + 0.3 * std::log(0.3) + 3 * 0.1 * std::log(0.1));
        QVERIFY(std::abs(d.entropy - entropy) < 1e-12);
        QCOMPARE(d.chosenRank, int64_t(4)); // ties: 0 before 2 before 4
        QVERIFY(std::abs(d.chosenProb - 0.1) < 1e-12);
        const auto all = tokenDistribution(torch::tensor({0.0, 1.0}, torch::kDouble), 0);
        QCOMPARE(all.ids, (std::vector<TokenId>{1, 0}));
        QCOMPARE(all.entropy, 0.0);
        QCOMPARE(all.chosenRank, int64_t(0));
    }

    void nextTokenLogitsFollowTheWindow()
    {
        Gpt model = makeModel();
        const std::vector<TokenId> text{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2}; // 13 tokens, block 8
        const auto logits = nextTokenLogits(model, text);
        QCOMPARE(logits.sizes().vec(), (std::vector<int64_t>{13, 11}));
        torch::NoGradGuard noGrad;
        model->eval();
        for (int64_t i = 0; i < 13; ++i) {
            const int64_t first = std::max<int64_t>(0, i - 7);
            const auto idx = torch::tensor(std::vector<int64_t>(text.begin() + first, text.begin() + i + 1)).view({1, -1});
            QVERIFY2((model(idx)[0][-1] - logits[i]).abs().max().item<double>() < 1e-5, qPrintable(QString::number(i)));
        }
    }

    void klAgainstItselfIsZero()
    {
        Gpt a = makeModel(11);
        Gpt b = makeModel(12);
        const std::vector<TokenId> text{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2};
        for (const double kl : tokenKl(a, a, text))
            QCOMPARE(kl, 0.0);
        const auto kl = tokenKl(a, b, text);
        QCOMPARE(kl.size(), text.size());
        // Position 3 by hand.
        const auto lp = torch::log_softmax(nextTokenLogits(a, text)[3].to(torch::kDouble), 0);
        const auto lq = torch::log_softmax(nextTokenLogits(b, text)[3].to(torch::kDouble), 0);
        const double expected = (lp.exp() * (lp - lq)).sum().item<double>();
        QVERIFY(expected > 0.01);
        QVERIFY(std::abs(kl[3] - expected) < 1e-12);
        for (const double v : kl)
            QVERIFY(v > 0.0);
        tb::core::GptConfig other = tinyConfig();
        other.vocabSize = 12;
        Gpt c(other);
        QVERIFY_THROWS_EXCEPTION(Error, tokenKl(a, c, text));
    }

    void continuationLogProbability()
    {
        Gpt model = makeModel();
        const std::vector<TokenId> prompt{4, 2};
        const std::vector<TokenId> answer{7, 1, 3};
        const auto logits = nextTokenLogits(model, {4, 2, 7, 1});
        double expected = 0.0;
        for (int64_t j = 0; j < 3; ++j)
            expected += torch::log_softmax(logits[1 + j].to(torch::kDouble), 0)[answer[size_t(j)]].item<double>();
        QVERIFY(std::abs(continuationLogProb(model, prompt, answer) - expected) < 1e-12);
        QCOMPARE(continuationLogProb(model, prompt, {}), 0.0);
        QVERIFY_THROWS_EXCEPTION(Error, continuationLogProb(model, {}, answer));
        QVERIFY_THROWS_EXCEPTION(Error, continuationLogProb(model, prompt, {11}));
    }

    void distinctNgrams()
    {
        // Bigrams: (1,2) (2,3) (3,1) (1,2) | (1,2) (2,4) | none -> 4 distinct of 6.
        const std::vector<std::vector<TokenId>> samples{{1, 2, 3, 1, 2}, {1, 2, 4}, {5}};
        QCOMPARE(distinctN(samples, 2), 4.0 / 6.0);
        QCOMPARE(distinctN(samples, 1), 5.0 / 9.0); // unigrams 1,2,3,4,5 of 9 tokens
        QCOMPARE(distinctN(samples, 6), 0.0);
        QCOMPARE(distinctN({{1, 2}, {2, 1}}, 2), 1.0);
        QVERIFY_THROWS_EXCEPTION(Error, distinctN(samples, 0));
    }

    void memorizationSpans_data()
    {
        QTest::addColumn<int64_t>("maxEntries");
        QTest::newRow("every position") << (int64_t(1) << 24);
        QTest::newRow("every 4th position") << int64_t(6);
    }
    void memorizationSpans()
    {
        QFETCH(int64_t, maxEntries);
        //                                0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23
        const std::vector<TokenId> train{9, 9, 1, 2, 3, 4, 5, 6, 9, 9, 7, 7, 7, 8, 9, 1, 2, 3, 0, 0, 4, 3, 2, 1};
        const MemorizationIndex index(train, 4, maxEntries);
        if (maxEntries < 24)
            QVERIFY(index.stride() > 1 && index.entries() <= 8);
        // Generated 1..5 (1 2 3 4 5) is train 2..6; generated 8..11 (4 3 2 1) is train 20..23.
        const std::vector<TokenId> generated{0, 1, 2, 3, 4, 5, 8, 8, 4, 3, 2, 1, 7, 7, 7};
        const auto spans = index.find(generated);
        const std::vector<MemorizedSpan> expected{{1, 5, 2}, {8, 4, 20}};
        QCOMPARE(spans.size(), expected.size());
        for (size_t i = 0; i < spans.size(); ++i) {
            QCOMPARE(spans[i].start, expected[i].start);
            QCOMPARE(spans[i].length, expected[i].length);
            QCOMPARE(spans[i].trainOffset, expected[i].trainOffset);
        }
        // "7 7 7" is only 3 tokens; "1 2 3" occurs twice in train but is shorter than 4.
        QVERIFY(index.find({1, 2, 3}).empty());
        QVERIFY(index.find({}).empty());
        // A whole copy of the training text is one span.
        const auto whole = index.find(train);
        QCOMPARE(whole.size(), size_t(1));
        QCOMPARE(whole[0], (MemorizedSpan{0, 24, 0}));
        QVERIFY_THROWS_EXCEPTION(Error, MemorizationIndex(train, 0));
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
