// SPDX-License-Identifier: MIT
// Batched rollouts (core/rl/rollout.h) on a tiny random GPT: the left-padded KV cache gives every row the logits of
// its own unpadded forward; a batched rollout equals one-prompt-at-a-time generate() token for token (greedy, and
// sampled with the per-row seeds); rows stop at their own end token or string; the rollout's log-probabilities
// equal a re-scoring forward (which also takes gradients); long prompts keep their last tokens; bad input throws.
#include "core/common/error.h"
#include "core/eval/generate.h"
#include "core/model/gpt.h"
#include "core/model/kv_cache.h"
#include "core/rl/rollout.h"
#include "core/tokenizer/tokenizer.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

using namespace tb::core;
using namespace tb::core::rl;

namespace {

GptConfig rolloutConfig()
{
    GptConfig c;
    c.vocabSize = 11;
    c.blockSize = 24;
    c.nLayer = 2;
    c.nHead = 2;
    c.nEmbd = 16;
    c.dropout = 0.0;
    c.bias = true;
    return c;
}

Gpt makeModel(uint64_t seed = 5)
{
    torch::manual_seed(seed);
    Gpt model(rolloutConfig());
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters())
        p.normal_(0.0, 0.5); // far from uniform predictions, so greedy ties are unlikely
    return model;
}

std::vector<std::vector<TokenId>> prompts()
{
    return {{3}, {1, 4, 1, 5, 9, 2, 6}, {5, 3}, {5, 8, 9, 7}, {9, 3, 2, 3, 8, 4}};
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

std::vector<TokenId> generateOne(Gpt& model, const std::vector<TokenId>& prompt, const RolloutOptions& o,
                                 uint64_t seed)
{
    SampleOptions s;
    s.maxNewTokens = o.maxNewTokens;
    s.temperature = o.temperature;
    s.topK = o.topK;
    s.topP = o.topP;
    s.greedy = o.greedy;
    s.seed = seed;
    return generate(model, prompt, s);
}

} // namespace

class TestRollout : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void paddedCacheEqualsEachRowAlone()
    {
        Gpt model = makeModel();
        model->eval();
        const std::vector<std::vector<int64_t>> rows = {{2, 7}, {1, 4, 1, 5, 9}, {6, 6, 3}};
        const int64_t longest = 5;
        auto idx = torch::zeros({3, longest}, torch::kLong);
        std::vector<int64_t> starts;
        for (int64_t i = 0; i < 3; ++i) {
            const auto& r = rows[size_t(i)];
            starts.push_back(longest - int64_t(r.size()));
            idx[i].slice(0, starts.back()).copy_(torch::tensor(r, torch::kLong));
        }
        torch::NoGradGuard noGrad;
        KvCache cache(*model, 3);
        cache.setRowStarts(starts);
        const auto all = cache.forward(idx, true); // [3, 5, V]
        const auto next = torch::tensor({{3}, {8}, {0}}, torch::kLong);
        const auto last = cache.forward(next);     // [3, V]
        for (int64_t i = 0; i < 3; ++i) {
            const auto& r = rows[size_t(i)];
            const auto alone = model->forward(torch::tensor(r, torch::kLong).unsqueeze(0))[0];
            QVERIFY(maxDiff(all[i].slice(0, starts[size_t(i)]), alone) < 1e-5);
            auto longer = r;
            longer.push_back(next[i][0].item<int64_t>());
            const auto aloneNext = model->forward(torch::tensor(longer, torch::kLong).unsqueeze(0))[0][-1];
            QVERIFY(maxDiff(last[i], aloneNext) < 1e-5);
            QVERIFY(torch::isfinite(all[i]).all().item<bool>()); // padding rows stay finite too
        }
        // Turning the row starts off gives the plain cache back.
        KvCache plain(*model, 1);
        plain.setRowStarts({0});
        plain.setRowStarts({});
        QVERIFY(maxDiff(plain.forward(idx.slice(0, 1, 2), true)[0], model->forward(idx.slice(0, 1, 2))[0]) < 1e-5);
        QVERIFY_THROWS_EXCEPTION(Error, cache.setRowStarts({0, 1}));
        QVERIFY_THROWS_EXCEPTION(Error, cache.setRowStarts({0, 1, 99}));
    }

    void batchedGreedyEqualsOneAtATime()
    {
        Gpt model = makeModel();
        RolloutOptions o;
        o.maxNewTokens = 10;
        o.greedy = true;
        const auto rollout = generateRollout(model, prompts(), o);
        QCOMPARE(rollout.rows(), int64_t(5));
        QVERIFY(rollout.responses.sizes().vec() == (std::vector<int64_t>{5, 10}));
        QVERIFY(rollout.responseMask.all().item<bool>()); // no end token: every row runs to max new tokens
        QVERIFY(!rollout.ended.any().item<bool>());
        QVERIFY(model->is_training()); // the mode is restored
        int distinct = 0;
        for (int64_t i = 0; i < 5; ++i) {
            const auto alone = generateOne(model, prompts()[size_t(i)], o, 0);
            QCOMPARE(rollout.response(i), alone);
            distinct += alone != rollout.response(0);
        }
        QVERIFY(distinct >= 2); // the rows really differ, so the equality means something
    }

    void batchedSamplingEqualsGenerateWithRowSeeds()
    {
        Gpt model = makeModel();
        RolloutOptions o;
        o.maxNewTokens = 12;
        o.temperature = 0.9;
        o.topK = 6;
        o.seed = 77;
        const auto rollout = generateRollout(model, prompts(), o);
        for (int64_t i = 0; i < 5; ++i)
            QCOMPARE(rollout.response(i), generateOne(model, prompts()[size_t(i)], o, 77 + uint64_t(i)));
        // Temperature only (the batched softmax path).
        RolloutOptions plain = o;
        plain.topK = 0;
        plain.temperature = 1.3;
        const auto plainRollout = generateRollout(model, prompts(), plain);
        for (int64_t i = 0; i < 5; ++i)
            QCOMPARE(plainRollout.response(i), generateOne(model, prompts()[size_t(i)], plain, 77 + uint64_t(i)));
        // A row's sample does not depend on the others: row 3 alone, with seed 77 + 3.
        o.seed = 80;
        const auto single = generateRollout(model, {prompts()[3]}, o);
        QCOMPARE(single.response(0), rollout.response(3));
    }

    void rowsStopAtTheirOwnEndToken()
    {
        Gpt model = makeModel();
        RolloutOptions o;
        o.maxNewTokens = 10;
        o.temperature = 1.0;
        o.seed = 3;
        const auto free = generateRollout(model, prompts(), o);
        const TokenId stop = free.response(1).at(2);
        o.stopTokens = {stop};
        o.padToken = 10;
        const auto stopped = generateRollout(model, prompts(), o);
        int endedRows = 0;
        for (int64_t i = 0; i < 5; ++i) {
            const auto full = free.response(i);
            const auto it = std::find(full.begin(), full.end(), stop);
            const int64_t length = it == full.end() ? 10 : int64_t(it - full.begin()) + 1;
            QCOMPARE(stopped.responseLengths[size_t(i)], length);
            QCOMPARE(stopped.response(i), std::vector<TokenId>(full.begin(), full.begin() + length));
            QCOMPARE(stopped.ended[i].item<bool>(), it != full.end());
            QCOMPARE(stopped.responseMask[i].sum().item<int64_t>(), length);
            QVERIFY((stopped.responses[i].slice(0, length) == 10).all().item<bool>());
            QCOMPARE(stopped.logprobs[i].slice(0, length).abs().sum().item<double>(), 0.0);
            endedRows += it != full.end();
        }
        QVERIFY(endedRows >= 1);
        QVERIFY(stopped.responseLengths[1] <= 3); // row 1 met the end token at the latest at its third token
    }

    void rowsStopAtAnEndString()
    {
        Gpt model = makeModel();
        TokenizerConfig tc;
        const auto tokenizer = makeTokenizer(tc, "abcdefghij"); // 10 characters + <unk> = the model's 11 ids
        QCOMPARE(tokenizer->vocabSize(), int64_t(11));
        RolloutOptions o;
        o.maxNewTokens = 10;
        o.greedy = true;
        const auto free = generateRollout(model, prompts(), o);
        const auto row = free.response(2);
        const std::string end = tokenizer->decode({row[3], row[4]});
        o.stopString = end;
        o.tokenizer = tokenizer.get();
        const auto stopped = generateRollout(model, prompts(), o);
        for (int64_t i = 0; i < 5; ++i) {
            // The row ends after the shortest prefix of its free response whose text contains the end string.
            const auto full = free.response(i);
            int64_t length = 10;
            bool found = false;
            for (int64_t k = 1; k <= 10 && !found; ++k)
                if (tokenizer->decode(std::vector<TokenId>(full.begin(), full.begin() + k)).find(end) !=
                    std::string::npos) {
                    length = k;
                    found = true;
                }
            QCOMPARE(stopped.responseLengths[size_t(i)], length);
            QCOMPARE(stopped.ended[i].item<bool>(), found);
            QCOMPARE(stopped.response(i), std::vector<TokenId>(full.begin(), full.begin() + length));
        }
        QVERIFY(stopped.responseLengths[2] <= 5);
    }

    void logprobsEqualRescoringForward()
    {
        Gpt model = makeModel();
        RolloutOptions o;
        o.maxNewTokens = 8;
        o.temperature = 0.7;
        o.stopTokens = {4};
        const auto rollout = generateRollout(model, prompts(), o);
        const auto logits = responseLogits(model, rollout); // train mode, with gradient
        QVERIFY(logits.sizes().vec() == (std::vector<int64_t>{5, 8, 11}));
        const auto logprobs = tokenLogprobs(logits, rollout.responses, 0.7);
        const auto mask = rollout.responseMask;
        QVERIFY(maxDiff(logprobs.detach() * mask, rollout.logprobs) < 1e-5);
        // The losses can differentiate through it: the rollout's tensors (here the mask, saved for backward) are
        // not inference tensors.
        const auto loss = -(logprobs * mask).sum();
        loss.backward();
        double gradNorm = 0.0;
        for (const auto& p : model->parameters())
            gradNorm += p.grad().defined() ? p.grad().norm().item<double>() : 0.0;
        QVERIFY(gradNorm > 0.0);
        // Greedy log-probabilities are at temperature 1.
        o.greedy = true;
        const auto greedy = generateRollout(model, prompts(), o);
        torch::NoGradGuard noGrad;
        const auto lp = tokenLogprobs(responseLogits(model, greedy), greedy.responses) * greedy.responseMask;
        QVERIFY(maxDiff(lp, greedy.logprobs) < 1e-5);
    }

    void longPromptsKeepTheirLastTokens()
    {
        Gpt model = makeModel();
        RolloutOptions o;
        o.maxNewTokens = 10; // room for 24 - 10 = 14 prompt tokens
        o.greedy = true;
        std::vector<TokenId> longPrompt;
        for (int i = 0; i < 20; ++i)
            longPrompt.push_back(TokenId((i * 7) % 11));
        const std::vector<TokenId> tail(longPrompt.end() - 14, longPrompt.end());
        const auto cut = generateRollout(model, {longPrompt, {3}}, o);
        QCOMPARE(cut.promptLengths, (std::vector<int64_t>{14, 1}));
        QCOMPARE(cut.queryResponses.size(1), int64_t(24));
        QCOMPARE(cut.response(0), generateRollout(model, {tail}, o).response(0));
    }

    void onStepCanStopEarly()
    {
        Gpt model = makeModel();
        RolloutOptions o;
        o.maxNewTokens = 10;
        int64_t calls = 0;
        const auto rollout = generateRollout(model, prompts(), o, [&calls](int64_t step) {
            ++calls;
            return step < 3;
        });
        QCOMPARE(calls, int64_t(4));
        QCOMPARE(rollout.responseMask.sum(1).max().item<int64_t>(), int64_t(4));
    }

    void badInputThrows()
    {
        Gpt model = makeModel();
        RolloutOptions o;
        o.maxNewTokens = 4;
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {}, o));
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {{1}, {}}, o));
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {{1, 11}}, o));
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {{-1}}, o));
        RolloutOptions tooLong = o;
        tooLong.maxNewTokens = 24;
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {{1}}, tooLong));
        RolloutOptions noTokenizer = o;
        noTokenizer.stopString = "ab";
        QVERIFY(!validateRolloutOptions(noTokenizer).empty());
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {{1}}, noTokenizer));
        RolloutOptions badPad = o;
        badPad.padToken = 11;
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {{1}}, badPad));
        RolloutOptions badTopP = o;
        badTopP.topP = 0.0;
        QVERIFY_THROWS_EXCEPTION(Error, generateRollout(model, {{1}}, badTopP));
        QVERIFY_THROWS_EXCEPTION(Error, tokenLogprobs(torch::zeros({2, 3, 4}), torch::zeros({2, 2}, torch::kLong)));
    }
};

QTEST_GUILESS_MAIN(TestRollout)
#include "test_rollout.moc"
