// SPDX-License-Identifier: MIT
// Method grpo on a tiny char model: the prompts of every data.train format (prompt list, .txt, SFT and preference
// records), a short run with the gold reward writes TRL's metric names and rollouts.jsonl, a reward-model run and a
// mix as reward sources, exact resume after a stop and after SIGKILL, every bad input as an InputError before anything is written,
// and a seeded run that raises the mean gold score.
#include "core/common/error.h"
#include "core/rl/reward_source.h"
#include "core/rl/rl_prompts.h"
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
#include <fstream>

using namespace tb::core;
namespace fs = std::filesystem;

using tb::test::RecordingObserver;

namespace {

RunConfig grpoConfig(const fs::path& parent, const fs::path& prompts, const fs::path& cache)
{
    RunConfig c = tb::test::rlConfig("grpo", parent, prompts, cache, 4, 2);
    c.grpo.rolloutPrompts = 2;
    c.grpo.groupSize = 4;
    c.grpo.maxNewTokens = 12;
    return c;
}

std::vector<nlohmann::json> stepLines(const fs::path& run)
{
    std::vector<nlohmann::json> out;
    for (const auto& j : RunDirectory(run).readMetrics())
        if (j.contains("loss"))
            out.push_back(j);
    return out;
}

} // namespace

class TestGrpo : public QObject {
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

    void grpoHasAnObjective()
    {
        RunConfig c;
        c.method = "grpo";
        QVERIFY(makeObjective(c) != nullptr);
        const auto methods = objectiveMethods();
        QVERIFY(std::find(methods.begin(), methods.end(), "grpo") != methods.end());
    }

    void promptsFromEveryFormat()
    {
        const auto tokenizer = loadModel(m_parent).tokenizer;
        RunConfig c = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        // JSONL prompt list, raw.
        rl::RlPrompts p = rl::loadRlPrompts(c, *tokenizer, false);
        QCOMPARE(p.train.size() + p.val.size(), size_t{12});
        QCOMPARE(p.val.size(), size_t{3}); // 0.25 of 12
        QVERIFY(!p.chat);
        for (const auto& prompt : p.train)
            QCOMPARE(tokenizer->decode(prompt.ids), prompt.text);
        // A .txt file: one prompt a line (blank lines skipped).
        tb::test::writeBytes(m_dir / "prompts.txt", "the cat \n\na dog \non a \n");
        c.data.train = (m_dir / "prompts.txt").string();
        p = rl::loadRlPrompts(c, *tokenizer, false);
        QCOMPARE(p.train.size() + p.val.size(), size_t{3});
        // SFT records (alpaca): the instruction is the prompt; with the chat template it is rendered as SFT does.
        tb::test::writeBytes(m_dir / "alpaca.json", R"([{"instruction": "the cat", "input": "", "output": "sat."},
                                                       {"instruction": "a dog", "input": "", "output": "ran."}])");
        c.data.train = (m_dir / "alpaca.json").string();
        c.sft.skipUnspellable = false; // the corpus's alphabet has no "U" for the template's "User:"
        p = rl::loadRlPrompts(c, *tokenizer, true);
        QCOMPARE(p.promptsWithUnknown, int64_t{2});
        QVERIFY(p.chat);
        std::vector<std::string> texts;
        for (const auto* split : {&p.train, &p.val})
            for (const auto& prompt : *split) {
                texts.push_back(prompt.text);
                QCOMPARE(prompt.ids, tokenizer->encode(p.chatTemplate.promptFor(prompt.text)));
            }
        std::sort(texts.begin(), texts.end());
        QCOMPARE(texts, (std::vector<std::string>{"a dog", "the cat"}));
        // Preference records: their prompt.
        c.sft.skipUnspellable = true;
        c.data.train = (m_dir / "pairs.json").string();
        p = rl::loadRlPrompts(c, *tokenizer, false);
        QCOMPARE(p.train.size() + p.val.size(), size_t{20});
        // A record with no prompt, and a malformed prompt-list line: named by file and line.
        tb::test::writeBytes(m_dir / "bad.jsonl", "{\"prompt\": \"the cat\"}\n{\"prompt\": 3}\n");
        c.data.train = (m_dir / "bad.jsonl").string();
        try {
            rl::loadRlPrompts(c, *tokenizer, false);
            QFAIL("a bad prompt line was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("data.train"));
            QCOMPARE(e.line(), int64_t{2});
        }
        tb::test::writeBytes(m_dir / "empty.txt", "\n\n");
        c.data.train = (m_dir / "empty.txt").string();
        QVERIFY_THROWS_EXCEPTION(InputError, rl::loadRlPrompts(c, *tokenizer, false));
    }

    void rewardSourcesAndTheirMix()
    {
        const auto tokenizer = loadModel(m_parent).tokenizer;
        RunConfig c = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        const std::vector<std::string> prompts = {"the ", "the ", "a "};
        const std::vector<std::string> answers = {"cat sat on a mat.", "dog dog dog dog", ""};
        rl::RewardSource gold = rl::RewardSource::load(c, tokenizer->serialize());
        QVERIFY(!gold.hasModel());
        const rl::RewardScores g = gold.score(prompts, answers);
        QCOMPARE(g.gold.size(), size_t{3});
        QCOMPARE(g.reward[0], rl::goldScore(answers[0]).score);
        QCOMPARE(g.reward[1], rl::goldScore(answers[1]).score);
        QVERIFY(g.model.empty());

        c.reward.model = m_rewardRun.string();
        c.reward.modelWeight = 2.0;
        c.reward.goldWeight = 0.5;
        rl::RewardSource mix = rl::RewardSource::load(c, tokenizer->serialize());
        QVERIFY(mix.hasModel());
        const rl::RewardScores m = mix.score(prompts, answers);
        RewardScorer scorer = loadRewardScorer(m_rewardRun.string());
        for (size_t i = 0; i < 2; ++i) {
            const double model = scoreAnswer(scorer, prompts[i], answers[i]);
            QVERIFY(std::abs(m.model[i] - model) < 1e-6);
            QVERIFY(std::abs(m.reward[i] - (2.0 * model + 0.5 * m.gold[i])) < 1e-6);
        }
        QCOMPARE(m.model[2], std::min(m.model[0], m.model[1])); // the empty answer: the batch's worst

        // Gold only logged (weight 0), and not at all.
        c.reward.goldWeight = 0.0;
        QCOMPARE(rl::RewardSource::load(c, tokenizer->serialize()).score(prompts, answers).gold.size(), size_t{3});
        c.reward.logGold = false;
        QVERIFY(rl::RewardSource::load(c, tokenizer->serialize()).score(prompts, answers).gold.empty());
    }

    void shortRunLogsTrlMetricsAndRollouts()
    {
        RecordingObserver obs;
        RunConfig c = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        QVERIFY(Trainer::create(c, m_dir / "short")->run(obs).outcome == TrainOutcome::Completed);
        QCOMPARE(obs.steps.size(), size_t{4});
        for (const char* name : {"objective/scores", "objective/kl", "objective/entropy", "kl", "reward",
                                 "reward_std", "clip_ratio/low_mean", "clip_ratio/high_mean",
                                 "clip_ratio/region_mean", "frac_reward_zero_std", "completions/mean_length",
                                 "objective/gold"})
            QVERIFY2(findMetric(obs.steps.back().metrics, name).has_value(), name);
        // The first step's policy is the reference: no KL yet, and with one optimizer step per rollout no clipping.
        QVERIFY(std::abs(*findMetric(obs.steps.front().metrics, "objective/kl")) < 1e-4);
        QCOMPARE(*findMetric(obs.steps.front().metrics, "clip_ratio/region_mean"), 0.0);
        // Gold is the reward here.
        QVERIFY(std::abs(*findMetric(obs.steps[1].metrics, "objective/gold") -
                         *findMetric(obs.steps[1].metrics, "reward")) < 1e-6);
        const auto lines = stepLines(m_dir / "short");
        QCOMPARE(lines.size(), size_t{4});
        QVERIFY(lines.back().contains("objective/scores"));
        QCOMPARE(lines.back()["objective/scores"].get<double>(), *findMetric(obs.steps.back().metrics, "objective/scores"));
        QCOMPARE(obs.evals.size(), size_t{3}); // steps 0, 2, 4
        QVERIFY(findMetric(obs.evals.back().metrics, "eval_reward").has_value());
        QVERIFY(findMetric(obs.evals.back().metrics, "eval_gold").has_value());
        QCOMPARE(obs.evals.back().valLoss, -*findMetric(obs.evals.back().metrics, "eval_reward"));

        const auto rollouts = RunDirectory(m_dir / "short").readRollouts();
        QCOMPARE(rollouts.size(), size_t{4});
        for (size_t i = 0; i < rollouts.size(); ++i) {
            QCOMPARE(rollouts[i].step, int64_t(i) + 1);
            QCOMPARE(rollouts[i].samples.size(), size_t{8}); // 2 prompts x 4 answers
            for (const auto& s : rollouts[i].samples) {
                QVERIFY(s.gold.has_value());
                QCOMPARE(s.reward, *s.gold);
                QCOMPARE(s.reward, rl::goldScore(s.response).score);
                QVERIFY(!s.prompt.empty());
            }
        }
        // The group's four answers share their prompt.
        QCOMPARE(rollouts[0].samples[0].prompt, rollouts[0].samples[3].prompt);
        const RunSummary summary = RunDirectory(m_dir / "short").readSummary();
        QCOMPARE(summary.method, std::string("grpo"));
        QVERIFY(summary.finalValLoss.has_value());
    }

    void rewardModelRun()
    {
        RecordingObserver obs;
        RunConfig c = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        c.reward.model = m_rewardRun.string();
        c.reward.goldWeight = 0.0;
        c.train.maxSteps = 2;
        QVERIFY(Trainer::create(c, m_dir / "proxy")->run(obs).outcome == TrainOutcome::Completed);
        const auto& metrics = obs.steps.back().metrics;
        QVERIFY(findMetric(metrics, "objective/reward_model").has_value());
        QVERIFY(std::abs(*findMetric(metrics, "objective/reward_model") - *findMetric(metrics, "objective/scores")) <
                1e-6);
        QVERIFY(findMetric(metrics, "objective/gold").has_value()); // logged beside the proxy
        QVERIFY(*findMetric(metrics, "objective/gold") != *findMetric(metrics, "objective/scores"));
    }

    void resumeIsExact()
    {
        RunConfig c = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        c.train.maxSteps = 6;
        c.train.evalInterval = 3;
        c.model.dropout = 0.1; // dropout draws from torch's generator: restored too
        RecordingObserver straight;
        Trainer::create(c, m_dir / "straight")->run(straight);

        std::stop_source source;
        RecordingObserver first;
        first.source = &source;
        first.stopAfterStep = 2;
        QVERIFY(Trainer::create(c, m_dir / "split")->run(first, source.get_token()).outcome == TrainOutcome::Stopped);
        RecordingObserver second;
        Trainer::resume(m_dir / "split")->run(second);
        QCOMPARE(second.steps.size(), size_t{4});
        for (size_t i = 0; i < second.steps.size(); ++i) {
            const StepMetrics& a = second.steps[i];
            const StepMetrics& b = straight.steps[i + 2];
            QCOMPARE(a.step, b.step);
            QVERIFY2(std::abs(a.loss - b.loss) < 1e-6, (std::to_string(a.loss) + " vs " + std::to_string(b.loss)).c_str());
            QCOMPARE(a.metrics.size(), b.metrics.size());
            for (size_t k = 0; k < a.metrics.size(); ++k) {
                QCOMPARE(a.metrics[k].name, b.metrics[k].name);
                QVERIFY2(std::abs(a.metrics[k].value - b.metrics[k].value) < 1e-6, a.metrics[k].name.c_str());
            }
        }
        QVERIFY(std::abs(second.evals.back().valLoss - straight.evals.back().valLoss) < 1e-6);
        // The journals match too: metrics and rollouts of the resumed run are those of the straight one.
        const auto a = RunDirectory(m_dir / "split").readRollouts();
        const auto b = RunDirectory(m_dir / "straight").readRollouts();
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].step, b[i].step);
            for (size_t k = 0; k < a[i].samples.size(); ++k) {
                QCOMPARE(a[i].samples[k].response, b[i].samples[k].response);
                QVERIFY(std::abs(a[i].samples[k].kl - b[i].samples[k].kl) < 1e-6);
            }
        }
        QCOMPARE(stepLines(m_dir / "split").size(), stepLines(m_dir / "straight").size());
    }

    void killedRunResumesExactly()
    {
        // A run killed with SIGKILL after step 5 (its last checkpoint is step 4; the journals already hold step 5)
        // resumes from step 4, cuts the journals back and ends exactly as a run never stopped.
        RunConfig c = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        c.train.maxSteps = 6;
        c.train.evalInterval = 2;
        c.model.dropout = 0.1;
        RecordingObserver straight;
        Trainer::create(c, m_dir / "kill-straight")->run(straight);

        tb::test::trainKilledAtStep(c, m_dir / "killed", 5);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(RunDirectory(m_dir / "killed").readRollouts().back().step, int64_t{5});

        RecordingObserver resumed;
        auto trainer = Trainer::resume(m_dir / "killed");
        QCOMPARE(trainer->startStep(), int64_t{4});
        trainer->run(resumed);
        QCOMPARE(resumed.steps.size(), size_t{2});
        for (size_t i = 0; i < 2; ++i) {
            QVERIFY(std::abs(resumed.steps[i].loss - straight.steps[i + 4].loss) < 1e-6);
            QVERIFY(std::abs(*findMetric(resumed.steps[i].metrics, "objective/kl") -
                             *findMetric(straight.steps[i + 4].metrics, "objective/kl")) < 1e-6);
        }
        QVERIFY(std::abs(resumed.evals.back().valLoss - straight.evals.back().valLoss) < 1e-6);
        const auto a = RunDirectory(m_dir / "killed").readRollouts();
        const auto b = RunDirectory(m_dir / "kill-straight").readRollouts();
        QCOMPARE(a.size(), b.size()); // step 5's line was cut and written again
        for (size_t i = 0; i < a.size(); ++i)
            QCOMPARE(a[i].samples.front().response, b[i].samples.front().response);
        QCOMPARE(stepLines(m_dir / "killed").size(), size_t{6});
    }

    void badInputsAreClearErrors()
    {
        const RunConfig good = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        RunConfig c = good;
        c.reward.goldWeight = 0.0;
        tb::test::expectRefusedBeforeWriting(c, m_dir / "no-source", "grpo needs reward.model or reward.gold_weight > 0");
        c = good;
        c.grpo.klCoef = -0.1;
        tb::test::expectRefusedBeforeWriting(c, m_dir / "negative-kl", "grpo.kl_coef must not be negative");
        c = good;
        c.grpo.groupSize = 1;
        tb::test::expectRefusedBeforeWriting(c, m_dir / "group", "grpo.group_size");
        c = good;
        c.data.train.clear();
        tb::test::expectRefusedBeforeWriting(c, m_dir / "no-prompts", "data.train");
        tb::test::writeBytes(m_dir / "blank.txt", "\n");
        c.data.train = (m_dir / "blank.txt").string();
        tb::test::expectRefusedBeforeWriting(c, m_dir / "blank-prompts", "holds no prompts");
        c = good;
        c.grpo.maxNewTokens = 40; // the parent reads 32 tokens
        tb::test::expectRefusedBeforeWriting(c, m_dir / "too-long", "grpo.max_new_tokens");
        // A reward run that is no reward model.
        c = good;
        c.reward.model = m_parent.string();
        try {
            Trainer::create(c, m_dir / "not-rm");
            QFAIL("a pretrained run was accepted as the reward model");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("reward.model"));
            QVERIFY2(e.message().find("not a reward model") != std::string::npos, e.what());
        }
        QVERIFY(!fs::exists(m_dir / "not-rm"));
        // A reward model with another tokenizer: a byte-level parent and its reward model.
        RunConfig byteParent = tb::test::tinyParentConfig(m_dir / "corpus.txt", m_dir / "cache");
        byteParent.tokenizer.kind = "byte";
        byteParent.train.maxSteps = 1;
        byteParent.train.evalInterval = 1;
        RecordingObserver obs;
        Trainer::create(byteParent, m_dir / "byte-parent")->run(obs);
        RunConfig byteRm;
        byteRm.method = "reward_model";
        byteRm.initFrom = (m_dir / "byte-parent").string();
        byteRm.train.batchSize = 2;
        byteRm.train.maxSteps = 1;
        byteRm.train.evalInterval = 1;
        byteRm.train.evalIters = 1;
        byteRm.train.threads = 1;
        byteRm.train.probePrompts = {};
        byteRm.data.train = (m_dir / "pairs.json").string();
        byteRm.data.valFraction = 0.2;
        byteRm.data.cacheDir = (m_dir / "cache").string();
        Trainer::create(byteRm, m_dir / "byte-rm")->run(obs);
        c = good;
        c.reward.model = (m_dir / "byte-rm").string();
        try {
            Trainer::create(c, m_dir / "other-tokenizer");
            QFAIL("a reward model with another tokenizer was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("reward.model"));
            QVERIFY2(e.message().find("another tokenizer than the policy") != std::string::npos, e.what());
        }
        QVERIFY(!fs::exists(m_dir / "other-tokenizer"));
        // The keys round-trip through YAML, and a bad loss type is refused by name.
        c = good;
        c.grpo.lossType = "dr_grpo";
        c.grpo.scaleRewards = false;
        c.reward.model = "rm-run";
        const RunConfig back = parseRunConfig(toYaml(c), "yaml");
        QCOMPARE(back.grpo.lossType, std::string("dr_grpo"));
        QVERIFY(!back.grpo.scaleRewards);
        QCOMPARE(back.reward.goldWeight, 1.0);
        QCOMPARE(back.reward.model, std::string("rm-run"));
        try {
            applyOverride(c, "grpo.loss_type=dapo");
            QFAIL("an unknown loss type was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("grpo.loss_type"));
        }
    }

    void goldRewardRises()
    {
        // Seeded: GRPO against the gold scorer raises the mean gold score of the answers.
        RunConfig c = grpoConfig(m_parent, promptsFile(), m_dir / "cache");
        c.train.maxSteps = 60;
        c.train.evalInterval = 60;
        c.train.learningRate = 3e-3;
        c.grpo.rolloutPrompts = 4;
        c.grpo.groupSize = 8;
        c.grpo.maxNewTokens = 16;
        c.grpo.klCoef = 0.0;
        RecordingObserver obs;
        QVERIFY(Trainer::create(c, m_dir / "rises")->run(obs).outcome == TrainOutcome::Completed);
        auto meanGold = [&](size_t from, size_t to) {
            double sum = 0;
            for (size_t i = from; i < to; ++i)
                sum += *findMetric(obs.steps[i].metrics, "objective/gold");
            return sum / double(to - from);
        };
        const double before = meanGold(0, 10);
        const double after = meanGold(50, 60);
        const std::string text = std::to_string(before) + " -> " + std::to_string(after);
        qInfo("mean gold of steps 1-10 and 51-60: %s", text.c_str());
        for (const auto& set : RunDirectory(m_dir / "rises").readRollouts())
            if (set.step == 1 || set.step == 60)
                for (size_t i = 0; i < 4; ++i)
                    qInfo("step %lld: [%s] -> [%s] gold %.3f", static_cast<long long>(set.step),
                          set.samples[i].prompt.c_str(), set.samples[i].response.c_str(), *set.samples[i].gold);
        QVERIFY2(after > before + 0.1, text.c_str());
    }
};

QTEST_GUILESS_MAIN(TestGrpo)
#include "test_grpo.moc"
