// SPDX-License-Identifier: MIT
// PPO and GRPO arithmetic (core/rl/ppo_math.h, grpo_math.h) against an independent PyTorch reference in float64
// (tests/data/make_rl_reference.py -> rl_reference.safetensors: KL estimators, rewards, GAE, whitening, clipped
// losses and their gradients, entropy, GRPO advantages and losses), plus hand values for what the reference does
// not cover (the KL controller, the missing-EOS penalty, bad inputs).
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "core/rl/grpo_math.h"
#include "core/rl/ppo_math.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <cmath>
#include <limits>
#include <set>

using namespace tb::core;
using namespace tb::core::rl;

namespace {

constexpr double kTol = 1e-10;

double maxDiff(const torch::Tensor& a, const torch::Tensor& b)
{
    if (a.sizes() != b.sizes())
        return std::numeric_limits<double>::infinity();
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

double value(const torch::Tensor& t) { return t.to(torch::kDouble).item<double>(); }

} // namespace

class TestRlMath : public QObject {
    Q_OBJECT

    std::map<std::string, torch::Tensor> m_ref;
    const torch::Tensor& ref(const std::string& name)
    {
        const auto it = m_ref.find(name);
        if (it == m_ref.end())
            qFatal("rl_reference.safetensors has no tensor %s", name.c_str());
        return it->second;
    }

private slots:
    void initTestCase()
    {
        torch::set_num_threads(1);
        m_ref = readSafetensors(tb::test::testDataDir() / "rl_reference.safetensors").tensors;
        QVERIFY(ref("in.logprobs").scalar_type() == torch::kDouble);
    }

    void klEstimatorsMatchReference()
    {
        const auto& mask = ref("in.mask");
        QVERIFY(maxDiff(klPerToken(ref("in.logprobs"), ref("in.ref_logprobs"), mask, KlEstimator::K1),
                        ref("out.kl_k1")) < kTol);
        QVERIFY(maxDiff(klPerToken(ref("in.logprobs"), ref("in.ref_logprobs"), mask, KlEstimator::K2),
                        ref("out.kl_k2")) < kTol);
        const auto k3 = klPerToken(ref("in.logprobs"), ref("in.ref_logprobs"), mask, KlEstimator::K3);
        QVERIFY(maxDiff(k3, ref("out.kl_k3")) < kTol);
        QVERIFY(k3.min().item<double>() >= 0.0); // k3 is never negative; k1 is, somewhere in this data
        QVERIFY(ref("out.kl_k1").min().item<double>() < 0.0);
        // Padding holding garbage (TRL puts 1.0 there) does not leak in.
        const auto garbage = ref("in.logprobs").masked_fill(mask == 0, 1.0);
        QVERIFY(maxDiff(klPerToken(garbage, ref("in.ref_logprobs"), mask, KlEstimator::K3), ref("out.kl_k3")) < kTol);
        QCOMPARE(int(klEstimatorFromName("k3")), int(KlEstimator::K3));
        QVERIFY_THROWS_EXCEPTION(Error, klEstimatorFromName("k4"));
    }

    void penalisedRewardsPutTheScoreOnTheLastToken()
    {
        const auto r = klPenalisedRewards(ref("in.scores"), ref("in.logprobs"), ref("in.ref_logprobs"), ref("in.mask"),
                                          0.1, KlEstimator::K1);
        QVERIFY(maxDiff(r.rewards, ref("out.rewards")) < kTol);
        QVERIFY(maxDiff(r.nonScoreReward, -0.1 * ref("out.kl_k1")) < kTol);
        // A row without tokens gets no score.
        const auto empty = torch::zeros({1, 3}, torch::kDouble);
        const auto none = klPenalisedRewards(torch::ones({1}, torch::kDouble), empty, empty, empty, 0.1);
        QCOMPARE(none.rewards.abs().sum().item<double>(), 0.0);
    }

    void gaeMatchesReference()
    {
        const auto& mask = ref("in.mask");
        const auto raw = generalizedAdvantages(ref("out.rewards"), ref("in.values"), mask, 0.99, 0.95, false);
        QVERIFY(maxDiff(raw.advantages, ref("out.advantages_raw")) < kTol);
        QVERIFY(maxDiff(raw.returns, ref("out.returns")) < kTol);
        const auto whitened = generalizedAdvantages(ref("out.rewards"), ref("in.values"), mask, 0.99, 0.95, true);
        QVERIFY(maxDiff(whitened.advantages, ref("out.advantages")) < kTol);
        QVERIFY(maxDiff(maskedWhiten(raw.advantages, mask, false), ref("out.whiten_noshift")) < kTol);
        // Whitened over the mask: mean 0, unbiased variance 1 (to the 1e-8 in the root).
        QVERIFY(std::abs(value(maskedMean(whitened.advantages, mask))) < 1e-12);
        QVERIFY(std::abs(value(maskedVar(whitened.advantages, mask)) - 1.0) < 1e-6);
    }

    void gaeHandValues()
    {
        // One row of 3 tokens, values 0: gamma = 1, lam = 1 gives reward-to-go; lam = 0 gives one-step TD.
        const auto rewards = torch::tensor({{1.0, 2.0, 3.0, 9.0}}, torch::kDouble);
        const auto mask = torch::tensor({{1.0, 1.0, 1.0, 0.0}}, torch::kDouble);
        const auto values = torch::tensor({{0.5, 0.25, 1.0, 7.0}}, torch::kDouble);
        auto a = generalizedAdvantages(rewards, torch::zeros_like(values), mask, 1.0, 1.0, false);
        QVERIFY(maxDiff(a.advantages, torch::tensor({{6.0, 5.0, 3.0, 0.0}}, torch::kDouble)) < kTol);
        a = generalizedAdvantages(rewards, values, mask, 0.5, 0.0, false);
        // delta_t = r_t + 0.5 V_{t+1} - V_t, V past the end = 0 (the 7 and the 9 are padding)
        QVERIFY(maxDiff(a.advantages, torch::tensor({{1.0 + 0.125 - 0.5, 2.0 + 0.5 - 0.25, 3.0 - 1.0, 0.0}},
                                                   torch::kDouble)) < kTol);
        QVERIFY(maxDiff(a.returns, a.advantages + values * mask) < kTol);
    }

    void policyLossAndGradientMatchReference()
    {
        const auto logprobs = ref("in.new_logprobs").clone().requires_grad_(true);
        const auto loss = clippedPolicyLoss(logprobs, ref("in.logprobs"), ref("out.advantages"), ref("in.mask"), 0.2);
        QVERIFY(std::abs(value(loss.loss) - value(ref("out.pg_loss"))) < kTol);
        loss.loss.backward();
        QVERIFY(maxDiff(logprobs.grad(), ref("out.pg_grad")) < kTol);
        QVERIFY(std::abs(loss.clipfrac - value(ref("out.pg_clipfrac"))) < kTol);
        QVERIFY(loss.clipfrac > 0.0 && loss.clipfrac < 1.0); // the data clips some tokens, not all
        QVERIFY(std::abs(loss.approxkl - value(ref("out.approxkl"))) < kTol);
        QVERIFY(std::abs(loss.ratio - value(ref("out.ratio"))) < kTol);
        // At the rollout's own log-probabilities the ratio is exactly 1 and nothing is clipped.
        const auto same = clippedPolicyLoss(ref("in.logprobs"), ref("in.logprobs"), ref("out.advantages"),
                                            ref("in.mask"), 0.2);
        QCOMPARE(same.ratio, 1.0);
        QCOMPARE(same.clipfrac, 0.0);
        QCOMPARE(same.approxkl, 0.0);
    }

    void valueLossAndGradientMatchReference()
    {
        const auto values = ref("in.new_values").clone().requires_grad_(true);
        const auto loss = clippedValueLoss(values, ref("in.values"), ref("out.returns"), ref("in.mask"), 0.2);
        QVERIFY(std::abs(value(loss.loss) - value(ref("out.vf_loss"))) < kTol);
        loss.loss.backward();
        QVERIFY(maxDiff(values.grad(), ref("out.vf_grad")) < kTol);
        QVERIFY(std::abs(loss.clipfrac - value(ref("out.vf_clipfrac"))) < kTol);
    }

    void entropyMatchesReference()
    {
        QVERIFY(maxDiff(entropyFromLogits(ref("in.logits")), ref("out.entropy")) < kTol);
        // Uniform over 5 tokens: log 5; one-hot-ish (huge logit gap): 0.
        QVERIFY(std::abs(value(entropyFromLogits(torch::zeros({5}, torch::kDouble))) - std::log(5.0)) < kTol);
        QVERIFY(value(entropyFromLogits(torch::tensor({1000.0, 0.0, 0.0}, torch::kDouble))) < 1e-12);
    }

    void missingEosPenalty()
    {
        const auto scores = torch::tensor({1.0, 0.5, -0.25});
        const auto ended = torch::tensor({true, false, false});
        QVERIFY(maxDiff(applyMissingEosPenalty(scores, ended, 1.0), torch::tensor({1.0, -0.5, -1.25})) < 1e-7);
        QVERIFY(maxDiff(applyMissingEosPenalty(scores, ended, 0.0), scores) == 0.0);
        QVERIFY_THROWS_EXCEPTION(Error, applyMissingEosPenalty(scores, torch::tensor({true}), 1.0));
    }

    void klControllers()
    {
        KlController fixed;
        fixed.value = 0.05;
        fixed.update(100.0, 64);
        QCOMPARE(fixed.value, 0.05);
        // Ziegler et al.: error = clip(kl / target - 1, -0.2, 0.2), value *= 1 + error * n / horizon.
        KlController adaptive{0.2, true, 6.0, 10000.0};
        adaptive.update(7.5, 1000); // error 0.25 -> 0.2
        QVERIFY(std::abs(adaptive.value - 0.2 * 1.02) < 1e-15);
        adaptive.update(5.4, 500); // error -0.1
        QVERIFY(std::abs(adaptive.value - 0.2 * 1.02 * (1.0 - 0.1 * 0.05)) < 1e-15);
        adaptive.update(6.0, 500); // on target: unchanged
        QVERIFY(std::abs(adaptive.value - 0.2 * 1.02 * (1.0 - 0.1 * 0.05)) < 1e-15);
    }

    void statsUseTrlNames()
    {
        const auto& mask = ref("in.mask");
        const auto rewards = klPenalisedRewards(ref("in.scores"), ref("in.logprobs"), ref("in.ref_logprobs"), mask,
                                                0.1);
        const auto ended = torch::tensor({true, true, false, true});
        const RolloutStats rollout = rolloutStats(rewards, ref("in.scores"), ref("in.logprobs"), mask, ended);
        QVERIFY(std::abs(rollout.kl - value((ref("out.kl_k1") * mask).sum(1).mean())) < kTol);
        QVERIFY(std::abs(rollout.entropy - value((-ref("in.logprobs") * mask).sum(1).mean())) < kTol);
        QVERIFY(std::abs(rollout.nonScoreReward + 0.1 * rollout.kl) < kTol);
        QVERIFY(std::abs(rollout.rlhfReward - (value(ref("in.scores").mean()) + rollout.nonScoreReward)) < kTol);
        QCOMPARE(rollout.numEosTokens, 3.0);

        PpoStatsAccumulator acc;
        PolicyLoss a;
        a.loss = torch::tensor(1.0);
        a.ratio = 1.0;
        a.approxkl = 0.5;
        PolicyLoss b = a;
        b.loss = torch::tensor(3.0);
        b.ratio = 1.5;
        b.approxkl = 1.5;
        ValueLoss v;
        v.loss = torch::tensor(2.0);
        acc.add(a, &v, 0.25);
        acc.add(b, &v, 0.75);
        const PpoStats stats = acc.finish(rollout);
        QCOMPARE(stats.policyLoss, 2.0);
        QCOMPARE(stats.approxkl, 1.0);
        QCOMPARE(stats.valueLoss, 2.0);
        QCOMPARE(stats.entropy, 0.5);
        QCOMPARE(stats.ratio, 1.25);
        QCOMPARE(stats.ratioVar, 0.125); // unbiased variance of {1, 1.5}
        const auto named = stats.named();
        QCOMPARE(QString::fromStdString(named.front().first), QString("objective/kl"));
        std::set<std::string> names;
        for (const auto& [name, x] : named)
            names.insert(name);
        for (const char* expected : {"objective/kl", "objective/entropy", "objective/non_score_reward",
                                     "objective/rlhf_reward", "objective/scores", "policy/approxkl_avg",
                                     "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg", "val/ratio"})
            QVERIFY2(names.count(expected) == 1, expected);
    }

    void maskedHelpersRefuseTooLittleData()
    {
        const auto x = torch::tensor({1.0, 2.0});
        QVERIFY_THROWS_EXCEPTION(Error, maskedVar(x, torch::tensor({1.0, 0.0})));
        QCOMPARE(value(maskedVar(x, torch::tensor({1.0, 0.0}), false)), 0.0);
        QCOMPARE(value(maskedMean(x, torch::tensor({0.0, 0.0}))), 0.0); // empty mask: 0, not NaN
    }

    void grpoGroupAdvantagesMatchReference()
    {
        QVERIFY(maxDiff(groupAdvantages(ref("grpo.rewards"), 4), ref("grpo.advantages")) < kTol);
        QVERIFY(maxDiff(groupAdvantages(ref("grpo.rewards"), 4, false), ref("grpo.advantages_unscaled")) < kTol);
        // Hand values: group {1, 3}: mean 2, unbiased std sqrt(2).
        const auto a = groupAdvantages(torch::tensor({1.0, 3.0, 5.0, 5.0}, torch::kDouble), 2, true, 0.0);
        QVERIFY(maxDiff(a, torch::tensor({-1.0 / std::sqrt(2.0), 1.0 / std::sqrt(2.0), 0.0, 0.0},
                                         torch::kDouble)) < kTol);
        QCOMPARE(fracRewardZeroStd(torch::tensor({1.0, 3.0, 5.0, 5.0}), 2), 0.5);
        // Equal rewards whose mean rounds (0.1 * 3 / 3 != 0.1) still give exactly 0.
        QCOMPARE(groupAdvantages(torch::tensor({0.1, 0.1, 0.1}, torch::kDouble), 3).abs().sum().item<double>(), 0.0);
        // Groups of one: advantage 0, not NaN.
        QCOMPARE(groupAdvantages(torch::tensor({1.0, 3.0}), 1).abs().sum().item<double>(), 0.0);
        QVERIFY_THROWS_EXCEPTION(Error, groupAdvantages(torch::tensor({1.0, 2.0, 3.0}), 2));
        QVERIFY_THROWS_EXCEPTION(Error, groupAdvantages(torch::tensor({1.0, 2.0}), 0));
    }

    void grpoLossMatchesReference()
    {
        const auto advantages = ref("grpo.advantages").slice(0, 0, 4);
        for (const char* name : {"grpo", "bnpo", "dr_grpo"}) {
            const auto logprobs = ref("in.new_logprobs").clone().requires_grad_(true);
            const auto loss = grpoLoss(logprobs, ref("in.logprobs"), ref("in.ref_logprobs"), advantages,
                                       ref("in.mask"), 0.04, 0.2, 0.28, grpoLossTypeFromName(name));
            QVERIFY2(std::abs(value(loss.loss) - value(ref(std::string("grpo.loss_") + name))) < kTol, name);
            loss.loss.backward();
            QVERIFY2(maxDiff(logprobs.grad(), ref(std::string("grpo.grad_") + name)) < kTol, name);
            if (std::string(name) == "grpo") {
                QVERIFY(std::abs(loss.kl - value(ref("grpo.kl"))) < kTol);
                QVERIFY(std::abs(loss.clipRatioLow - value(ref("grpo.clip_low"))) < kTol);
                QVERIFY(std::abs(loss.clipRatioHigh - value(ref("grpo.clip_high"))) < kTol);
                QVERIFY(loss.clipRatio >= std::max(loss.clipRatioLow, loss.clipRatioHigh));
            }
        }
        // beta 0 needs no reference; bad shapes are refused.
        const auto noKl = grpoLoss(ref("in.new_logprobs"), ref("in.logprobs"), {}, advantages, ref("in.mask"), 0.0,
                                   0.2, 0.2);
        QCOMPARE(noKl.kl, 0.0);
        QVERIFY_THROWS_EXCEPTION(Error, grpoLoss(ref("in.new_logprobs"), ref("in.logprobs"), {}, advantages,
                                                 ref("in.mask"), 0.1, 0.2, 0.2));
        QVERIFY_THROWS_EXCEPTION(Error, grpoLoss(ref("in.new_logprobs"), ref("in.logprobs"), {},
                                                 advantages.slice(0, 0, 2), ref("in.mask"), 0.0, 0.2, 0.2));
        QVERIFY_THROWS_EXCEPTION(Error, grpoLossTypeFromName("ppo"));
    }
};

QTEST_GUILESS_MAIN(TestRlMath)
#include "test_rl_math.moc"
