// SPDX-License-Identifier: MIT
// Method ppo on a tiny char model: a short run logs PpoStats under TRL's names once per iteration (epochs x
// minibatches steps) with rollouts.jsonl beside it, the value head starts from the reward model's head (or zeros)
// and trains, the adaptive KL coefficient moves and survives a resume, resume after a stop is exact (the stop waits
// for the iteration's end) and after SIGKILL mid-iteration, and bad inputs are InputErrors naming the key before
// anything is written.
#include "core/common/error.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "core/train/objective.h"
#include "core/train/trainer.h"
#include "tests/core/finetune_fixtures.h"
#include "tests/core/rl_fixtures.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

using namespace tb::core;
namespace fs = std::filesystem;

using tb::test::RecordingObserver;

namespace {

RunConfig ppoConfig(const fs::path& parent, const fs::path& prompts, const fs::path& cache)
{
    RunConfig c = tb::test::rlConfig("ppo", parent, prompts, cache, 8, 4);
    c.ppo.rolloutPrompts = 4;
    c.ppo.maxNewTokens = 12;
    c.ppo.epochs = 2;
    c.ppo.minibatches = 2;
    return c;
}

torch::Tensor valueHead(const fs::path& checkpoint)
{
    return loadCheckpoint(checkpoint).model.at("score_head.weight");
}

} // namespace

class TestPpo : public QObject {
    Q_OBJECT

    tb::test::TempDir m_dir;
    fs::path m_parent;
    fs::path m_rewardRun;

    fs::path promptsFile() const { return m_dir / "prompts.jsonl"; }

private slots:
    void initTestCase()
    {
        m_parent = m_dir / "parent";
        m_rewardRun = m_dir / "rm";
        tb::test::makeRlRuns(m_dir.path(), m_parent, m_rewardRun);
    }

    void shortRunLogsPpoStatsPerIteration()
    {
        RecordingObserver obs;
        RunConfig c = ppoConfig(m_parent, promptsFile(), m_dir / "cache");
        QVERIFY(Trainer::create(c, m_dir / "short")->run(obs).outcome == TrainOutcome::Completed);
        QCOMPARE(obs.steps.size(), size_t{8});
        // Two iterations of 2 epochs x 2 minibatches: values at steps 4 and 8 only.
        for (size_t i = 0; i < obs.steps.size(); ++i)
            QCOMPARE(obs.steps[i].metrics.empty(), obs.steps[i].step % 4 != 0);
        for (const char* name : {"objective/scores", "objective/kl", "objective/entropy", "objective/non_score_reward",
                                 "objective/rlhf_reward", "policy/approxkl_avg", "policy/clipfrac_avg",
                                 "loss/policy_avg", "loss/value_avg", "val/ratio", "val/num_eos_tokens",
                                 "objective/kl_coef", "objective/gold"})
            QVERIFY2(findMetric(obs.steps[3].metrics, name).has_value(), name);
        const auto& first = obs.steps[3].metrics;
        // The first iteration's rollout comes from the reference itself: KL 0, and rlhf = scores + non-score.
        QVERIFY(std::abs(*findMetric(first, "objective/kl")) < 1e-4);
        QVERIFY(std::abs(*findMetric(first, "objective/rlhf_reward") - *findMetric(first, "objective/scores") -
                         *findMetric(first, "objective/non_score_reward")) < 1e-6);
        QCOMPARE(*findMetric(first, "objective/kl_coef"), 0.05);
        // The ratio of the first minibatch is 1; later ones moved, but not far.
        const double ratio = *findMetric(first, "val/ratio");
        QVERIFY2(ratio > 0.5 && ratio < 2.0, std::to_string(ratio).c_str());

        const auto rollouts = RunDirectory(m_dir / "short").readRollouts();
        QCOMPARE(rollouts.size(), size_t{2});
        QCOMPARE(rollouts[0].step, int64_t{4});
        QCOMPARE(rollouts[1].step, int64_t{8});
        QCOMPARE(rollouts[0].samples.size(), size_t{4});
        // Without a reward model the value head starts at zero, and training moves it.
        const torch::Tensor head = valueHead(RunDirectory(m_dir / "short").latestCheckpoint());
        QVERIFY(head.abs().sum().item<double>() > 0.0);
        // A ppo run loads for inference with its head.
        QVERIFY(loadModel(m_dir / "short").model->hasScoreHead());
    }

    void valueHeadStartsFromTheRewardModel()
    {
        RecordingObserver obs;
        RunConfig c = ppoConfig(m_parent, promptsFile(), m_dir / "cache");
        c.reward.model = m_rewardRun.string();
        c.reward.goldWeight = 0.0;
        c.train.maxSteps = 4;
        c.train.learningRate = 1e-12; // the head stays (almost exactly) where it started
        c.train.minLr = 0.0;
        QVERIFY(Trainer::create(c, m_dir / "from-rm")->run(obs).outcome == TrainOutcome::Completed);
        const torch::Tensor rmHead = loadModel(m_rewardRun).model->named_parameters()["score_head.weight"];
        const torch::Tensor head = valueHead(RunDirectory(m_dir / "from-rm").latestCheckpoint());
        QVERIFY(torch::allclose(head, rmHead, 1e-6, 1e-6));
        QVERIFY(findMetric(obs.steps.back().metrics, "objective/reward_model").has_value());
    }

    void adaptiveKlAndExactResume()
    {
        RunConfig c = ppoConfig(m_parent, promptsFile(), m_dir / "cache");
        c.train.maxSteps = 12;
        c.train.evalInterval = 6;
        c.ppo.klTarget = 0.01;
        c.ppo.klHorizon = 10;
        RecordingObserver straight;
        Trainer::create(c, m_dir / "straight")->run(straight);
        // The coefficient adapts between iterations.
        const double k1 = *findMetric(straight.steps[3].metrics, "objective/kl_coef");
        const double k3 = *findMetric(straight.steps[11].metrics, "objective/kl_coef");
        QCOMPARE(k1, 0.05);
        QVERIFY2(k3 != k1, std::to_string(k3).c_str());

        // A stop requested at step 5 waits for the iteration to end (step 8).
        std::stop_source source;
        RecordingObserver first;
        first.source = &source;
        first.stopAfterStep = 5;
        QVERIFY(Trainer::create(c, m_dir / "split")->run(first, source.get_token()).outcome == TrainOutcome::Stopped);
        QCOMPARE(first.steps.size(), size_t{8});
        RecordingObserver second;
        Trainer::resume(m_dir / "split")->run(second);
        QCOMPARE(second.steps.size(), size_t{4});
        for (size_t i = 0; i < second.steps.size(); ++i) {
            const StepMetrics& a = second.steps[i];
            const StepMetrics& b = straight.steps[i + 8];
            QCOMPARE(a.step, b.step);
            QVERIFY2(std::abs(a.loss - b.loss) < 1e-6, (std::to_string(a.loss) + " vs " + std::to_string(b.loss)).c_str());
            QCOMPARE(a.metrics.size(), b.metrics.size());
            for (size_t k = 0; k < a.metrics.size(); ++k) {
                QCOMPARE(a.metrics[k].name, b.metrics[k].name);
                QVERIFY2(std::abs(a.metrics[k].value - b.metrics[k].value) < 1e-6, a.metrics[k].name.c_str());
            }
        }
        QVERIFY(std::abs(second.evals.back().valLoss - straight.evals.back().valLoss) < 1e-6);
        QCOMPARE(RunDirectory(m_dir / "split").readRollouts().size(), size_t{3});
    }

    void killedRunResumesExactly()
    {
        // A run killed with SIGKILL at step 6, inside its second iteration (its last checkpoint is step 4, the end of
        // the first), resumes from step 4 and ends exactly as a run never stopped, adaptive KL coefficient included.
        RunConfig c = ppoConfig(m_parent, promptsFile(), m_dir / "cache");
        c.train.maxSteps = 12;
        c.train.evalInterval = 4;
        c.ppo.klTarget = 0.01;
        c.ppo.klHorizon = 10;
        RecordingObserver straight;
        Trainer::create(c, m_dir / "kill-straight")->run(straight);

        tb::test::trainKilledAtStep(c, m_dir / "killed", 6);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(RunDirectory(m_dir / "killed").readRollouts().back().step, int64_t{4});

        RecordingObserver resumed;
        auto trainer = Trainer::resume(m_dir / "killed");
        QCOMPARE(trainer->startStep(), int64_t{4});
        trainer->run(resumed);
        QCOMPARE(resumed.steps.size(), size_t{8});
        for (size_t i = 0; i < resumed.steps.size(); ++i) {
            const StepMetrics& a = resumed.steps[i];
            const StepMetrics& b = straight.steps[i + 4];
            QCOMPARE(a.step, b.step);
            QVERIFY2(std::abs(a.loss - b.loss) < 1e-6, (std::to_string(a.loss) + " vs " + std::to_string(b.loss)).c_str());
            QCOMPARE(a.metrics.size(), b.metrics.size());
            for (size_t k = 0; k < a.metrics.size(); ++k)
                QVERIFY2(std::abs(a.metrics[k].value - b.metrics[k].value) < 1e-6, a.metrics[k].name.c_str());
        }
        QVERIFY(*findMetric(resumed.steps.back().metrics, "objective/kl_coef") != 0.05); // it adapted, and resumed so
        QVERIFY(std::abs(resumed.evals.back().valLoss - straight.evals.back().valLoss) < 1e-6);
        const auto a = RunDirectory(m_dir / "killed").readRollouts();
        const auto b = RunDirectory(m_dir / "kill-straight").readRollouts();
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i)
            QCOMPARE(a[i].samples.front().response, b[i].samples.front().response);
    }

    void badInputsAreClearErrors()
    {
        const RunConfig good = ppoConfig(m_parent, promptsFile(), m_dir / "cache");
        RunConfig c = good;
        c.reward.goldWeight = 0.0;
        tb::test::expectRefusedBeforeWriting(c, m_dir / "no-source", "ppo needs reward.model or reward.gold_weight > 0");
        c = good;
        c.ppo.klCoef = -1.0;
        tb::test::expectRefusedBeforeWriting(c, m_dir / "negative-kl", "ppo.kl_coef must not be negative");
        c = good;
        c.ppo.minibatches = 3;
        tb::test::expectRefusedBeforeWriting(c, m_dir / "minibatches", "ppo.minibatches (3) must divide ppo.rollout_prompts (4)");
        c = good;
        c.train.gradAccum = 2;
        tb::test::expectRefusedBeforeWriting(c, m_dir / "accum", "train.grad_accum");
        c = good;
        c.data.train.clear();
        tb::test::expectRefusedBeforeWriting(c, m_dir / "no-prompts", "data.train");
        c = good;
        c.reward.model = m_parent.string();
        try {
            Trainer::create(c, m_dir / "not-rm");
            QFAIL("a pretrained run was accepted as the reward model");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("reward.model"));
        }
        QVERIFY(!fs::exists(m_dir / "not-rm"));
        // The keys round-trip through YAML.
        c = good;
        c.ppo.klTarget = 3.0;
        c.ppo.whiten = false;
        c.ppo.missingEosPenalty = 1.5;
        const RunConfig back = parseRunConfig(toYaml(c), "yaml");
        QCOMPARE(back.ppo.klTarget, 3.0);
        QVERIFY(!back.ppo.whiten);
        QCOMPARE(back.ppo.missingEosPenalty, 1.5);
        QCOMPARE(back.ppo.epochs, int64_t{2});
    }
};

QTEST_GUILESS_MAIN(TestPpo)
#include "test_ppo.moc"
