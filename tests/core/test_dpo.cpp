// SPDX-License-Identifier: MIT
// Method dpo: the loss and rewards against a hand computation and an independent per-token path, step 0 equal to
// the reference (loss log 2, accuracy 0 by TRL's strict "chosen > rejected"), a short run learning the preference
// (full and LoRA), exact resume, the registry, and bad inputs naming their key.
#include "core/common/error.h"
#include "core/store/model_loader.h"
#include "core/store/registry_observer.h"
#include "core/store/run_registry.h"
#include "core/train/dpo.h"
#include "core/train/trainer.h"
#include "tests/core/finetune_fixtures.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

using namespace tb::core;
namespace fs = std::filesystem;

using tb::test::RecordingObserver;

namespace {

struct PlainPair {
    std::string prompt, chosen, rejected;
};

/// Pairs in the corpus's alphabet with one rule to learn: the cat is preferred to the dog, whatever the prompt.
std::vector<PlainPair> plainPairs()
{
    const char* prompts[] = {"the cat", "a dog",   "on a mat", "the dog ran", "a cat sat",
                             "far away", "the mat", "a cat ran", "dog sat",    "cat ran far"};
    std::vector<PlainPair> out;
    for (const char* p : prompts)
        out.push_back({p, " the cat sat.", " a dog ran."});
    return out;
}

std::string preferenceJson(const std::vector<PlainPair>& pairs)
{
    nlohmann::json records = nlohmann::json::array();
    for (const auto& p : pairs)
        records.push_back({{"prompt", p.prompt}, {"chosen", p.chosen}, {"rejected", p.rejected}});
    return records.dump(1);
}

RunConfig dpoConfig(const fs::path& parent, const fs::path& data, const fs::path& cache)
{
    RunConfig c;
    c.method = "dpo";
    c.initFrom = parent.string();
    c.model.dropout = 0.0;
    c.train.batchSize = 4;
    c.train.maxSteps = 30;
    c.train.learningRate = 3e-3;
    c.train.warmupSteps = 2;
    c.train.evalInterval = 15;
    c.train.evalIters = 2;
    c.train.threads = 1;
    c.train.probePrompts = {};
    c.data.train = data.string();
    c.data.valFraction = 0.2;
    c.data.cacheDir = cache.string();
    return c;
}

/// log p(answer | prompt) by the plain chain rule: the model run on prompt + answer (no padding, no rows, no mask),
/// each answer token's log-softmax summed in double.
double chainRuleLogProb(Gpt& model, const Tokenizer& tokenizer, const std::string& prompt, const std::string& answer)
{
    const std::vector<TokenId> p = tokenizer.encode(prompt);
    const std::vector<TokenId> a = tokenizer.encode(answer);
    std::vector<int64_t> ids(p.begin(), p.end());
    ids.insert(ids.end(), a.begin(), a.end());
    torch::NoGradGuard noGrad;
    model->eval();
    const torch::Tensor logits =
        model->forward(torch::tensor(ids).reshape({1, -1})).squeeze(0).to(torch::kDouble); // [T, V]
    double sum = 0;
    for (size_t i = p.size(); i < ids.size(); ++i) {
        const torch::Tensor row = logits[static_cast<int64_t>(i - 1)];
        const double maxLogit = row.max().item<double>();
        const double logZ = maxLogit + std::log((row - maxLogit).exp().sum().item<double>());
        sum += row[ids[i]].item<double>() - logZ;
    }
    return sum;
}

double logSigmoid(double z) { return -std::log1p(std::exp(-z)); }

std::string readText(const fs::path& file)
{
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

class TestDpo : public QObject {
    Q_OBJECT

    tb::test::TempDir m_dir;
    fs::path m_parent;

    fs::path pairsFile() const { return m_dir / "pairs.json"; }

private slots:
    void initTestCase()
    {
        tb::test::writeBytes(m_dir / "corpus.txt", tb::test::makeCorpus(6000, 5));
        tb::test::writeBytes(pairsFile(), preferenceJson(plainPairs()));
        m_parent = m_dir / "parent";
        RecordingObserver obs;
        const TrainResult r =
            Trainer::create(tb::test::tinyParentConfig(m_dir / "corpus.txt", m_dir / "cache"), m_parent)->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
    }

    void lossEqualsHandComputed()
    {
        // Two pairs: log-ratios (+1, -1) and (-0.5, +0.5), beta 0.1 -> logits 0.2 and -0.1.
        const auto t = [](std::initializer_list<float> v) { return torch::tensor(std::vector<float>(v)); };
        const DpoLoss d = dpoLoss(t({-10.0f, -20.0f}), t({-12.0f, -19.0f}), t({-11.0f, -19.5f}),
                                  t({-11.0f, -19.5f}), 0.1);
        const double expected = -(logSigmoid(0.2) + logSigmoid(-0.1)) / 2.0; // 0.5993... nats
        QVERIFY2(std::abs(d.loss.item<double>() - expected) < 1e-6, std::to_string(d.loss.item<double>()).c_str());
        QVERIFY(std::abs(d.chosenRewards[0].item<double>() - 0.1) < 1e-6);
        QVERIFY(std::abs(d.rejectedRewards[0].item<double>() + 0.1) < 1e-6);
        QVERIFY(std::abs(d.chosenRewards[1].item<double>() + 0.05) < 1e-6);
        QVERIFY(std::abs(d.rejectedRewards[1].item<double>() - 0.05) < 1e-6);
    }

    void metricsEqualAnIndependentPath()
    {
        // Three pairs with different answers; the policy is the parent with perturbed weights.
        const std::vector<PlainPair> pairs = {{"the cat", " sat on a mat.", " ran far away."},
                                              {"a dog ran", " far.", " on the mat."},
                                              {"on a mat", " the dog sat.", " a cat."}};
        tb::test::writeBytes(m_dir / "three.json", preferenceJson(pairs));
        LoadedModel reference = loadModel(m_parent);
        LoadedModel policy = loadModel(m_parent);
        torch::manual_seed(7);
        {
            torch::NoGradGuard noGrad;
            for (auto& p : policy.model->parameters())
                p.add_(torch::randn_like(p) * 0.05);
        }
        RunConfig c = dpoConfig(m_parent, m_dir / "three.json", m_dir / "cache");
        c.data.valFraction = 0.3;
        const double beta = 0.5;
        DpoData data = loadDpoData(c, *reference.tokenizer, reference.config.model.blockSize);
        std::vector<DpoPair> all = data.train;
        all.insert(all.end(), data.val.begin(), data.val.end());
        QCOMPARE(all.size(), size_t(3));
        computeReferenceLogProbs(reference.model, all, 2);
        const DpoMetrics m = evaluateDpo(policy.model, all, {}, beta, 2);

        double loss = 0, chosen = 0, rejected = 0, wins = 0;
        for (const auto& p : pairs) {
            const Tokenizer& tok = *reference.tokenizer;
            const double rc = beta * (chainRuleLogProb(policy.model, tok, p.prompt, p.chosen) -
                                      chainRuleLogProb(reference.model, tok, p.prompt, p.chosen));
            const double rr = beta * (chainRuleLogProb(policy.model, tok, p.prompt, p.rejected) -
                                      chainRuleLogProb(reference.model, tok, p.prompt, p.rejected));
            loss += -logSigmoid(rc - rr) / 3.0;
            chosen += rc / 3.0;
            rejected += rr / 3.0;
            wins += rc > rr ? 1.0 / 3.0 : 0.0;
        }
        QCOMPARE(m.pairs, int64_t(3));
        const std::string got = std::to_string(m.loss) + " vs " + std::to_string(loss);
        QVERIFY2(std::abs(m.loss - loss) < 1e-4, got.c_str());
        QVERIFY(std::abs(m.rewardChosen - chosen) < 1e-4);
        QVERIFY(std::abs(m.rewardRejected - rejected) < 1e-4);
        QVERIFY(std::abs(m.margin - (chosen - rejected)) < 1e-4);
        QCOMPARE(m.accuracy, wins);
        QVERIFY(std::abs(chosen - rejected) > 1e-3); // the perturbation made a difference to measure
    }

    void stepZeroIsLogTwoAndLearningRaisesTheMargin()
    {
        RecordingObserver obs;
        auto trainer = Trainer::create(dpoConfig(m_parent, pairsFile(), m_dir / "cache"), m_dir / "dpo");
        const TrainResult r = trainer->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
        QCOMPARE(obs.evals.size(), size_t(3)); // steps 0, 15, 30
        const EvalMetrics& first = obs.evals.front();
        QCOMPARE(first.step, int64_t(0));
        // The policy is its reference: every reward is exactly 0, so the loss is log 2 and, with TRL's strict
        // "chosen > rejected", no pair counts as won.
        QVERIFY2(std::abs(first.valLoss - std::log(2.0)) < 1e-6, std::to_string(first.valLoss).c_str());
        QVERIFY(first.rewardAccuracy && first.rewardMargin);
        QCOMPARE(*first.rewardAccuracy, 0.0);
        QCOMPARE(*first.rewardMargin, 0.0);
        QVERIFY(std::abs(obs.steps.front().loss - std::log(2.0)) < 1e-4); // dropout 0: the first step too
        const EvalMetrics& last = obs.evals.back();
        QVERIFY2(*last.rewardMargin > 0.5, std::to_string(*last.rewardMargin).c_str());
        QCOMPARE(*last.rewardAccuracy, 1.0);
        QVERIFY(last.valLoss < first.valLoss - 0.2);
        QVERIFY(last.trainLoss < first.trainLoss - 0.2);
        QVERIFY(last.forgettingPerplexity.has_value()); // the forgetting meter works for DPO too

        const auto summary = nlohmann::json::parse(readText(m_dir / "dpo" / "summary.json"));
        QCOMPARE(summary["method"].get<std::string>(), std::string("dpo"));
        QCOMPARE(summary["reward_accuracy"].get<double>(), 1.0);
        QCOMPARE(summary["reward_margin"].get<double>(), *last.rewardMargin);
        QCOMPARE(summary["trainable_parameters"].get<int64_t>(), summary["parameters"].get<int64_t>());
        bool logged = false;
        std::ifstream metrics(m_dir / "dpo" / "metrics.jsonl");
        for (std::string line; std::getline(metrics, line);)
            logged = logged || nlohmann::json::parse(line).contains("eval_rewards/accuracies");
        QVERIFY(logged);
    }

    void loraAdapterKeepsTheBaseAndLearns()
    {
        RunConfig c = dpoConfig(m_parent, pairsFile(), m_dir / "cache");
        c.dpo.adapter = "lora";
        c.lora.r = 4;
        c.train.learningRate = 1e-2;
        RecordingObserver obs;
        const TrainResult r = Trainer::create(c, m_dir / "dpo-lora")->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
        QVERIFY(r.summary.trainableParameters < r.summary.parameterCount / 4);
        QVERIFY(std::abs(obs.evals.front().valLoss - std::log(2.0)) < 1e-6); // B = 0: the policy is its base
        QCOMPARE(*obs.evals.front().rewardAccuracy, 0.0);
        QVERIFY2(*obs.evals.back().rewardMargin > 0.2, std::to_string(*obs.evals.back().rewardMargin).c_str());
        // The checkpoint loads back with its adapters.
        const LoadedModel tuned = loadModel(m_dir / "dpo-lora");
        QVERIFY(tuned.model->loraEnabled());
    }

    void resumeIsExact()
    {
        RunConfig c = dpoConfig(m_parent, pairsFile(), m_dir / "cache");
        c.train.maxSteps = 8;
        c.train.evalInterval = 4;
        RecordingObserver straight;
        Trainer::create(c, m_dir / "straight")->run(straight);

        std::stop_source source;
        RecordingObserver first;
        first.source = &source;
        first.stopAfterStep = 4;
        QVERIFY(Trainer::create(c, m_dir / "halves")->run(first, source.get_token()).outcome ==
                TrainOutcome::Stopped);
        RecordingObserver second;
        Trainer::resume(m_dir / "halves")->run(second);
        QCOMPARE(second.steps.size(), size_t(4));
        for (size_t i = 0; i < 4; ++i)
            QCOMPARE(second.steps[i].loss, straight.steps[i + 4].loss);
        QCOMPARE(*second.evals.back().rewardMargin, *straight.evals.back().rewardMargin);
    }

    void registryRecordsMethodDpo()
    {
        const fs::path project = m_dir / "project";
        RunConfig c = dpoConfig(m_parent, pairsFile(), m_dir / "cache");
        c.train.maxSteps = 2;
        c.train.evalInterval = 2;
        auto recorder = RegistryObserver::createRun(project, c, "dpo");
        auto trainer = Trainer::create(c, recorder->runDirectory());
        QVERIFY(recorder->train(*trainer).outcome == TrainOutcome::Completed);
        const RunRegistry registry(project);
        const RunRecord rec = *registry.findRun(recorder->runId());
        QCOMPARE(rec.method, std::string("dpo"));
        QVERIFY(rec.status == RunStatus::Completed);
        QCOMPARE(fs::path(rec.parentCheckpoint), fs::absolute(RunDirectory(m_parent).latestCheckpoint()).lexically_normal());
    }

    void rewardsAreCurvesAndMigrateFromVersion2()
    {
        const fs::path project = m_dir / "project-v2";
        RunConfig c = dpoConfig(m_parent, pairsFile(), m_dir / "cache");
        c.train.maxSteps = 4;
        c.train.evalInterval = 2;
        auto recorder = RegistryObserver::createRun(project, c, "dpo");
        auto trainer = Trainer::create(c, recorder->runDirectory());
        QVERIFY(recorder->train(*trainer).outcome == TrainOutcome::Completed);
        const std::string id = recorder->runId();
        // TRL's names, as in metrics.jsonl, at every eval point (steps 0, 2 and 4).
        const auto recorded = [&](const RunRegistry& registry) {
            std::vector<double> accuracies;
            for (const MetricPoint& p : registry.metrics(id))
                if (p.evalLoss) {
                    for (const char* name : {"eval_rewards/accuracies", "eval_rewards/margins", "eval_rewards/chosen",
                                             "eval_rewards/rejected"})
                        if (!findMetric(p.values, name))
                            return std::vector<double>{};
                    accuracies.push_back(*findMetric(p.values, "eval_rewards/margins"));
                }
            return accuracies;
        };
        const std::vector<double> margins = recorded(RunRegistry(project));
        QCOMPARE(margins.size(), size_t(3));
        QCOMPARE(margins.front(), 0.0);
        recorder.reset();

        // The same project as schema version 2 wrote it (no metric_values table): opening it migrates, and the
        // named values come back from metrics.jsonl.
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open((project / "tunebench.db").c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "DROP TABLE metric_values; PRAGMA user_version = 2;", nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        const RunRegistry migrated(project);
        const std::vector<double> back = recorded(migrated);
        QCOMPARE(back.size(), margins.size());
        for (size_t i = 0; i < back.size(); ++i)
            QVERIFY(std::abs(back[i] - margins[i]) < 1e-12);
        // Column values are not duplicated as named ones.
        for (const MetricPoint& p : migrated.metrics(id))
            for (const NamedMetric& v : p.values)
                QVERIFY2(v.name.rfind("eval_rewards/", 0) == 0, v.name.c_str());
    }

    void badInputsNameTheirKey()
    {
        // SFT data (Alpaca) for DPO.
        tb::test::writeBytes(m_dir / "alpaca.json",
                             R"([{"instruction": "the cat", "input": "", "output": "sat."},
                                 {"instruction": "a dog", "input": "", "output": "ran."}])");
        try {
            Trainer::create(dpoConfig(m_parent, m_dir / "alpaca.json", m_dir / "cache"), m_dir / "bad-data");
            QFAIL("SFT data was accepted for DPO");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("data.train"));
            QVERIFY2(e.message().find("DPO needs preference pairs (chosen/rejected)") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("alpaca.json") != std::string::npos, e.what());
        }
        QVERIFY(!fs::exists(m_dir / "bad-data" / "summary.json"));

        RunConfig noParent = dpoConfig(m_parent, pairsFile(), m_dir / "cache");
        noParent.initFrom.clear();
        try {
            Trainer::create(noParent, m_dir / "no-parent");
            QFAIL("DPO without init_from was accepted");
        } catch (const InputError& e) {
            QVERIFY2(e.message().find("init_from") != std::string::npos, e.what());
        }

        for (const char* beta : {"0", "-0.5"}) {
            RunConfig c = dpoConfig(m_parent, pairsFile(), m_dir / "cache");
            applyOverride(c, std::string("dpo.beta=") + beta);
            const auto problems = c.validate();
            QCOMPARE(problems.size(), size_t(1));
            QVERIFY2(problems.front().find("dpo.beta must be positive") != std::string::npos, problems.front().c_str());
            try {
                Trainer::create(c, m_dir / "bad-beta");
                QFAIL("beta <= 0 was accepted");
            } catch (const InputError& e) {
                QVERIFY2(e.message().find("dpo.beta") != std::string::npos, e.what());
            }
        }
        try {
            RunConfig c;
            applyOverride(c, "dpo.adapter=prefix");
            QFAIL("an unknown dpo.adapter was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("dpo.adapter"));
        }
        // The keys round-trip through YAML.
        RunConfig c = dpoConfig(m_parent, pairsFile(), m_dir / "cache");
        c.dpo.beta = 0.25;
        c.dpo.adapter = "lora";
        const RunConfig back = parseRunConfig(toYaml(c), "yaml");
        QCOMPARE(back.method, std::string("dpo"));
        QCOMPARE(back.dpo.beta, 0.25);
        QCOMPARE(back.dpo.adapter, std::string("lora"));
        QVERIFY(back.isFineTuning() && back.usesLora());
    }
};

QTEST_GUILESS_MAIN(TestDpo)
#include "test_dpo.moc"
