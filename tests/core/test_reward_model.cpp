// SPDX-License-Identifier: MIT
// Method reward_model: the Bradley-Terry loss and its gradients against a hand computation in double precision, the
// score read at the last real token, a short run that learns an easy preference (held-out accuracy up; full and
// LoRA), exact resume, the registry's lineage and named metrics, scoring a loaded run, and bad inputs (SFT data, a
// pair without a prompt, a reward model with another tokenizer than the policy's, a run that is no reward model).
#include "core/common/error.h"
#include "core/io/model_export.h"
#include "core/store/model_loader.h"
#include "core/store/registry_observer.h"
#include "core/store/run_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/objective.h"
#include "core/train/reward_model.h"
#include "core/train/trainer.h"
#include "tests/core/finetune_fixtures.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

using namespace tb::core;
namespace fs = std::filesystem;

using tb::test::RecordingObserver;

namespace {

/// An easy preference: answers about the cat beat answers about the dog, whatever the prompt. The rejected answer
/// comes from another sentence pattern, so the two differ in length both ways and length alone cannot decide.
std::string catOverDogPairs(int count)
{
    const char* cat[] = {" the cat sat.", " a cat ran far away.", " cat on the mat."};
    const char* dog[] = {" the dog sat.", " a dog ran far away.", " dog on the mat."};
    tb::core::SplitMix64 rng(11);
    nlohmann::json records = nlohmann::json::array();
    for (int i = 0; i < count; ++i) {
        const std::string prompt = tb::test::makeCorpus(12, 100 + static_cast<uint64_t>(i)).substr(0, 12);
        records.push_back({{"prompt", prompt},
                           {"chosen", cat[rng.below(3)]},
                           {"rejected", dog[rng.below(3)]}});
    }
    return records.dump(1);
}

RunConfig rewardConfig(const fs::path& parent, const fs::path& data, const fs::path& cache)
{
    RunConfig c;
    c.method = "reward_model";
    c.initFrom = parent.string();
    c.model.dropout = 0.0;
    c.train.batchSize = 4;
    c.train.maxSteps = 30;
    c.train.learningRate = 3e-3;
    c.train.warmupSteps = 2;
    c.train.evalInterval = 15;
    c.train.evalIters = 2;
    c.train.threads = 1;
    c.data.train = data.string();
    c.data.valFraction = 0.3;
    c.data.cacheDir = cache.string();
    return c;
}

double logSigmoid(double z) { return -std::log1p(std::exp(-z)); }
double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

std::string readText(const fs::path& file)
{
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

class TestRewardModel : public QObject {
    Q_OBJECT

    tb::test::TempDir m_dir;
    fs::path m_parent;

    fs::path pairsFile() const { return m_dir / "pairs.json"; }

private slots:
    void initTestCase()
    {
        tb::test::writeBytes(m_dir / "corpus.txt", tb::test::makeCorpus(6000, 5));
        tb::test::writeBytes(pairsFile(), catOverDogPairs(30));
        m_parent = m_dir / "parent";
        RecordingObserver obs;
        const TrainResult r =
            Trainer::create(tb::test::tinyParentConfig(m_dir / "corpus.txt", m_dir / "cache"), m_parent)->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
    }

    void everyMethodHasAnObjective()
    {
        for (const char* method : {"pretrain", "sft", "lora", "prompt_tuning", "dpo", "reward_model"}) {
            RunConfig c;
            c.method = method;
            QVERIFY2(makeObjective(c) != nullptr, method);
        }
        RunConfig unknown;
        unknown.method = "ppo-someday";
        QVERIFY_THROWS_EXCEPTION(Error, makeObjective(unknown));
        const auto methods = objectiveMethods();
        QVERIFY(std::find(methods.begin(), methods.end(), "reward_model") != methods.end());
    }

    void lossAndGradientsEqualHandComputation()
    {
        // Three pairs of scores in double precision.
        const std::vector<double> c = {0.7, -1.2, 2.5};
        const std::vector<double> r = {0.1, 0.3, 2.5};
        torch::Tensor chosen = torch::tensor(c, torch::kDouble).requires_grad_(true);
        torch::Tensor rejected = torch::tensor(r, torch::kDouble).requires_grad_(true);
        const torch::Tensor loss = bradleyTerryLoss(chosen, rejected);
        loss.backward();
        double expected = 0;
        for (size_t i = 0; i < c.size(); ++i)
            expected += -logSigmoid(c[i] - r[i]) / 3.0;
        QVERIFY2(std::abs(loss.item<double>() - expected) < 1e-12, std::to_string(loss.item<double>()).c_str());
        for (size_t i = 0; i < c.size(); ++i) {
            // d/dc -log sigmoid(c - r) / n = -sigmoid(r - c) / n, and the opposite for r.
            const double g = sigmoid(r[i] - c[i]) / 3.0;
            const auto k = static_cast<int64_t>(i);
            QVERIFY(std::abs(chosen.grad()[k].item<double>() + g) < 1e-12);
            QVERIFY(std::abs(rejected.grad()[k].item<double>() - g) < 1e-12);
        }
        // Equal scores cost log 2 each, and only the difference matters.
        const torch::Tensor same = bradleyTerryLoss(torch::tensor({5.0}, torch::kDouble), torch::tensor({5.0}, torch::kDouble));
        QVERIFY(std::abs(same.item<double>() - std::log(2.0)) < 1e-12);
    }

    void scoreIsTheHeadOnTheLastRealToken()
    {
        LoadedModel parent = loadModel(m_parent);
        Gpt model = parent.model;
        model->enableScoreHead();
        model->to(torch::kDouble);
        model->eval();
        torch::NoGradGuard noGrad;
        // Two rows padded differently: the score reads position `last` of each and ignores what follows.
        const torch::Tensor ids = torch::tensor({3, 5, 7, 2, 0, 0, 4, 4, 1, 6, 2, 3}, torch::kLong).reshape({2, 6});
        const torch::Tensor last = torch::tensor({3, 5}, torch::kLong);
        const torch::Tensor scores = model->score(ids, last);
        const torch::Tensor w = model->named_parameters()["score_head.weight"].squeeze(0);
        QCOMPARE(w.size(0), int64_t(32));
        for (int64_t b = 0; b < 2; ++b) {
            const int64_t l = last[b].item<int64_t>();
            const torch::Tensor hidden = model->hiddenStates(ids[b].narrow(0, 0, l + 1).unsqueeze(0))[0][l];
            const double expected = (hidden * w).sum().item<double>();
            QVERIFY2(std::abs(scores[b].item<double>() - expected) < 1e-5,
                     (std::to_string(scores[b].item<double>()) + " vs " + std::to_string(expected)).c_str());
        }
        // Changing a padding token after `last` leaves the score alone (causal attention).
        torch::Tensor changed = ids.clone();
        changed[0][5] = 9;
        QVERIFY(std::abs(model->score(changed, last)[0].item<double>() - scores[0].item<double>()) < 1e-12);
    }

    void lengthCorrelationIsPearson()
    {
        QVERIFY(std::abs(pearsonCorrelation({1, 2, 3, 4}, {2, 4, 6, 8}) - 1.0) < 1e-12);
        QVERIFY(std::abs(pearsonCorrelation({1, 2, 3, 4}, {8, 6, 4, 2}) + 1.0) < 1e-12);
        // Hand value: x = (1, 2, 3), y = (1, 3, 2): cov 0.5·2/3... r = 0.5.
        QVERIFY(std::abs(pearsonCorrelation({1, 2, 3}, {1, 3, 2}) - 0.5) < 1e-12);
        QCOMPARE(pearsonCorrelation({1, 1, 1}, {1, 2, 3}), 0.0);
        QCOMPARE(pearsonCorrelation({1}, {1}), 0.0);
    }

    void shortRunRaisesHeldOutAccuracy()
    {
        RecordingObserver obs;
        RunConfig c = rewardConfig(m_parent, pairsFile(), m_dir / "cache");
        c.train.maxSteps = 60;
        c.train.evalInterval = 30;
        auto trainer = Trainer::create(c, m_dir / "rm");
        const TrainResult r = trainer->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
        QCOMPARE(obs.evals.size(), size_t(3)); // steps 0, 30, 60
        const EvalMetrics& first = obs.evals.front();
        const EvalMetrics& last = obs.evals.back();
        QVERIFY(first.rewardAccuracy && last.rewardAccuracy && last.rewardMargin);
        const std::string accuracies = std::to_string(*first.rewardAccuracy) + " -> " + std::to_string(*last.rewardAccuracy);
        QVERIFY2(*first.rewardAccuracy < 0.9, accuracies.c_str());
        QVERIFY2(*last.rewardAccuracy > *first.rewardAccuracy, accuracies.c_str());
        QVERIFY2(*last.rewardAccuracy >= 0.85, accuracies.c_str()); // 9 held-out pairs: at most one wrong
        QVERIFY2(*last.rewardMargin > 0.5, std::to_string(*last.rewardMargin).c_str());
        QVERIFY(last.valLoss < first.valLoss - 0.3);
        QVERIFY(findMetric(last.metrics, "eval_accuracy") == last.rewardAccuracy);
        QVERIFY(findMetric(last.metrics, "eval_margin") == last.rewardMargin);
        const auto lengthBias = findMetric(last.metrics, "eval_length_correlation");
        QVERIFY(lengthBias && *lengthBias >= -1.0 && *lengthBias <= 1.0);

        const auto summary = nlohmann::json::parse(readText(m_dir / "rm" / "summary.json"));
        QCOMPARE(summary["method"].get<std::string>(), std::string("reward_model"));
        QCOMPARE(summary["reward_accuracy"].get<double>(), *last.rewardAccuracy);
        QCOMPARE(summary["reward_length_correlation"].get<double>(), *lengthBias);
        QCOMPARE(summary["reward_input"].get<std::string>(), std::string("raw"));
        QVERIFY(summary["parent_checkpoint"].get<std::string>().find("latest.safetensors") != std::string::npos);
        // Trainable: every weight plus the head.
        QCOMPARE(summary["trainable_parameters"].get<int64_t>(), summary["parameters"].get<int64_t>());
        bool logged = false;
        std::ifstream metrics(m_dir / "rm" / "metrics.jsonl");
        for (std::string line; std::getline(metrics, line);) {
            const auto j = nlohmann::json::parse(line);
            logged = logged || (j.contains("eval_accuracy") && j.contains("eval_length_correlation"));
        }
        QVERIFY(logged);
        QVERIFY(!fs::exists(m_dir / "rm" / "samples.jsonl")); // a reward model writes no probe samples

        // The trained run scores through loadRewardScorer like the CLI does: cat above dog for a new prompt.
        RewardScorer scorer = loadRewardScorer((m_dir / "rm").string());
        const double good = scoreAnswer(scorer, "the mat ran ", " the cat sat.");
        const double bad = scoreAnswer(scorer, "the mat ran ", " the dog sat.");
        QVERIFY2(good > bad, (std::to_string(good) + " vs " + std::to_string(bad)).c_str());
    }

    void exportsWithTheHead()
    {
        // Needs the run of shortRunRaisesHeldOutAccuracy.
        const auto files = exportModel(m_dir / "rm", m_dir / "rm-export", ExportFormat::Safetensors);
        QCOMPARE(files.size(), size_t(2));
        const auto config = nlohmann::json::parse(readText(m_dir / "rm-export" / "config.json"));
        QCOMPARE(config["num_labels"].get<int>(), 1);
        QCOMPARE(config["tunebench"]["method"].get<std::string>(), std::string("reward_model"));
        LoadedModel imported = importModel(m_dir / "rm-export");
        QVERIFY(imported.model->hasScoreHead());
        RewardScorer scorer = loadRewardScorer((m_dir / "rm").string());
        QVERIFY(scorer.plain); // string pairs: raw prompt + answer, as summary.json's reward_input says
        const RewardInput in = rewardInput("the cat ", " a cat ran far away.", scorer.chatTemplate, true,
                                           *scorer.tokenizer, scorer.model->maxInputLength());
        torch::NoGradGuard noGrad;
        const torch::Tensor ids = torch::tensor(in.ids, torch::kLong).unsqueeze(0);
        const torch::Tensor last = torch::full({1}, in.last, torch::kLong);
        QCOMPARE(imported.model->score(ids, last).item<double>(), scorer.model->score(ids, last).item<double>());
        QCOMPARE(scoreAnswer(scorer, "the cat ", " a cat ran far away."), scorer.model->score(ids, last).item<double>());
        // A PEFT export would lose the head: refused.
        QVERIFY_THROWS_EXCEPTION(InputError, exportModel(m_dir / "rm", m_dir / "rm-peft", ExportFormat::Peft));
    }

    void loraTrainsAdaptersAndTheHead()
    {
        RunConfig c = rewardConfig(m_parent, pairsFile(), m_dir / "cache");
        c.rewardModel.adapter = "lora";
        c.lora.r = 4;
        c.train.learningRate = 1e-2;
        QVERIFY(c.usesLora());
        RecordingObserver obs;
        const TrainResult r = Trainer::create(c, m_dir / "rm-lora")->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
        QVERIFY(r.summary.trainableParameters < r.summary.parameterCount / 4);
        QVERIFY2(*obs.evals.back().rewardAccuracy > *obs.evals.front().rewardAccuracy ||
                     *obs.evals.back().rewardAccuracy == 1.0,
                 std::to_string(*obs.evals.back().rewardAccuracy).c_str());
        const LoadedModel tuned = loadModel(m_dir / "rm-lora");
        QVERIFY(tuned.model->loraEnabled());
        QVERIFY(tuned.model->hasScoreHead());
        // The base stayed the parent's.
        const LoadedModel parent = loadModel(m_parent);
        auto base = tuned.model->named_parameters();
        QVERIFY(torch::equal(base["transformer.h.0.attn.c_attn.weight"],
                             parent.model->named_parameters()["transformer.h.0.attn.c_attn.weight"]));
    }

    void resumeIsExact()
    {
        RunConfig c = rewardConfig(m_parent, pairsFile(), m_dir / "cache");
        c.train.maxSteps = 8;
        c.train.evalInterval = 4;
        RecordingObserver straight;
        Trainer::create(c, m_dir / "straight")->run(straight);

        std::stop_source source;
        RecordingObserver first;
        first.source = &source;
        first.stopAfterStep = 4;
        QVERIFY(Trainer::create(c, m_dir / "halves")->run(first, source.get_token()).outcome == TrainOutcome::Stopped);
        RecordingObserver second;
        Trainer::resume(m_dir / "halves")->run(second);
        QCOMPARE(second.steps.size(), size_t(4));
        for (size_t i = 0; i < 4; ++i)
            QCOMPARE(second.steps[i].loss, straight.steps[i + 4].loss);
        QCOMPARE(second.evals.back().valLoss, straight.evals.back().valLoss);
        QCOMPARE(*second.evals.back().rewardMargin, *straight.evals.back().rewardMargin);
    }

    void registryKeepsLineageAndNamedMetrics()
    {
        const fs::path project = m_dir / "project";
        RunConfig c = rewardConfig(m_parent, pairsFile(), m_dir / "cache");
        c.train.maxSteps = 2;
        c.train.evalInterval = 2;
        auto recorder = RegistryObserver::createRun(project, c, "rm");
        auto trainer = Trainer::create(c, recorder->runDirectory());
        QVERIFY(recorder->train(*trainer).outcome == TrainOutcome::Completed);
        const RunRegistry registry(project);
        const RunRecord rec = *registry.findRun(recorder->runId());
        QCOMPARE(rec.method, std::string("reward_model"));
        QVERIFY(rec.status == RunStatus::Completed);
        QCOMPARE(fs::path(rec.parentCheckpoint),
                 fs::absolute(RunDirectory(m_parent).latestCheckpoint()).lexically_normal());
        int evals = 0;
        for (const MetricPoint& p : registry.metrics(recorder->runId())) {
            if (!p.evalLoss)
                continue;
            ++evals;
            QVERIFY(findMetric(p.values, "eval_accuracy").has_value());
            QVERIFY(findMetric(p.values, "eval_length_correlation").has_value());
        }
        QCOMPARE(evals, 2); // steps 0 and 2
    }

    void badInputsAreClearErrors()
    {
        // SFT data (Alpaca) for a reward model.
        tb::test::writeBytes(m_dir / "alpaca.json", R"([{"instruction": "the cat", "input": "", "output": "sat."},
                                                       {"instruction": "a dog", "input": "", "output": "ran."}])");
        try {
            Trainer::create(rewardConfig(m_parent, m_dir / "alpaca.json", m_dir / "cache"), m_dir / "bad-sft");
            QFAIL("SFT data was accepted for a reward model");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("data.train"));
            QVERIFY2(e.message().find("a reward model needs preference pairs (chosen/rejected)") != std::string::npos,
                     e.what());
            QVERIFY2(std::string(e.what()).find("alpaca.json") != std::string::npos, e.what());
        }
        QVERIFY(!fs::exists(m_dir / "bad-sft" / "summary.json"));

        // A pair without a prompt (an empty string, or no prompt turn at all): named by file and line.
        const char* good = "{\"prompt\": \"the cat\", \"chosen\": \" sat.\", \"rejected\": \" ran.\"}\n";
        for (const char* bad : {"{\"prompt\": \"\", \"chosen\": \" the cat.\", \"rejected\": \" the dog.\"}\n",
                                "{\"prompt\": [], \"chosen\": [{\"role\": \"assistant\", \"content\": \"cat.\"}], "
                                "\"rejected\": [{\"role\": \"assistant\", \"content\": \"dog.\"}]}\n"}) {
            tb::test::writeBytes(m_dir / "no-prompt.jsonl", std::string(good) + bad + good);
            try {
                Trainer::create(rewardConfig(m_parent, m_dir / "no-prompt.jsonl", m_dir / "cache"), m_dir / "bad-prompt");
                QFAIL("a pair without a prompt was accepted");
            } catch (const InputError& e) {
                QVERIFY2(std::string(e.what()).find("prompt") != std::string::npos, e.what());
                QVERIFY2(std::string(e.what()).find("no-prompt.jsonl") != std::string::npos, e.what());
                QCOMPARE(e.line(), int64_t(2));
            }
            QVERIFY(!fs::exists(m_dir / "bad-prompt"));
        }
        // Plain and conversational pairs in one file: one style only.
        tb::test::writeBytes(m_dir / "mixed.jsonl",
                             std::string(good) +
                                 "{\"prompt\": [{\"role\": \"user\", \"content\": \"a dog\"}], "
                                 "\"chosen\": [{\"role\": \"assistant\", \"content\": \"cat.\"}], "
                                 "\"rejected\": [{\"role\": \"assistant\", \"content\": \"dog.\"}]}\n" + good);
        try {
            Trainer::create(rewardConfig(m_parent, m_dir / "mixed.jsonl", m_dir / "cache"), m_dir / "bad-mixed");
            QFAIL("mixed styles were accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("data.train"));
            QVERIFY2(e.message().find("reads one style") != std::string::npos, e.what());
            QCOMPARE(e.line(), int64_t(2));
        }

        // A reward model with another tokenizer than the policy's.
        RewardScorer scorer = loadRewardScorer((m_dir / "rm").string());
        const auto byteTokenizer = makeTokenizer(TokenizerConfig{"byte"}, "");
        try {
            requireSameTokenizer(scorer, byteTokenizer->serialize(), "reward-run", "ppo.reward_model");
            QFAIL("another tokenizer was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("ppo.reward_model"));
            QVERIFY2(e.message().find("another tokenizer than the policy") != std::string::npos, e.what());
        }
        requireSameTokenizer(scorer, loadModel(m_parent).tokenizer->serialize(), "reward-run", "ppo.reward_model");

        // Scoring with a run that is no reward model.
        try {
            loadRewardScorer(m_parent.string());
            QFAIL("a pretrained run was accepted as a reward model");
        } catch (const InputError& e) {
            QVERIFY2(e.message().find("not a reward model") != std::string::npos, e.what());
        }
        // An empty answer has nothing to score.
        QVERIFY_THROWS_EXCEPTION(InputError, scoreAnswer(scorer, "the cat", ""));

        // The keys: an unknown adapter, and a round trip through YAML.
        try {
            RunConfig c;
            applyOverride(c, "reward_model.adapter=prefix");
            QFAIL("an unknown reward_model.adapter was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("reward_model.adapter"));
        }
        RunConfig c = rewardConfig(m_parent, pairsFile(), m_dir / "cache");
        c.rewardModel.adapter = "lora";
        const RunConfig back = parseRunConfig(toYaml(c), "yaml");
        QCOMPARE(back.method, std::string("reward_model"));
        QCOMPARE(back.rewardModel.adapter, std::string("lora"));
        QVERIFY(back.isFineTuning() && back.usesLora());
    }
};

QTEST_GUILESS_MAIN(TestRewardModel)
#include "test_reward_model.moc"
