// SPDX-License-Identifier: MIT
// LoRA and prompt tuning through the whole Trainer (init_from a parent pretrained here, a few SFT steps, stopped and
// resumed): the run's checkpoints hold every base tensor bit-for-bit equal to the parent's, the adapter tensors move
// between two checkpoints, the trainable count is the adapters' size and the task loss goes down.
#include "core/store/checkpoint.h"
#include "core/store/run_dir.h"
#include "core/train/trainer.h"
#include "tests/core/finetune_fixtures.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <stop_token>

using namespace tb::core;
namespace fs = std::filesystem;

using tb::test::RecordingObserver;

namespace {

using tb::test::makeCorpus;

std::string sftData()
{
    nlohmann::json records = nlohmann::json::array();
    const char* questions[] = {"who are you", "what is the cat", "where is the dog", "tell me a mat", "say far",
                               "who sat", "what ran", "the cat sat", "a dog ran", "on a mat"};
    for (const char* q : questions)
        records.push_back({{"instruction", q}, {"input", ""}, {"output", "i am a dog. the cat ran far away."}});
    return records.dump(1);
}

struct TwoCheckpoints {
    Checkpoint middle; // after stopAfter optimizer steps
    Checkpoint last;   // after max_steps, resumed from the middle
    double firstValLoss = 0;
    double lastValLoss = 0;
    RunSummary summary;
    std::string problem; // empty when both parts ran as planned
};

} // namespace

class TestFinetuneMethods : public QObject {
    Q_OBJECT

    tb::test::TempDir m_dir;
    fs::path m_parent;
    Checkpoint m_parentCheckpoint;

    RunConfig fineTuneConfig(const std::string& method) const
    {
        RunConfig c;
        c.method = method;
        c.initFrom = m_parent.string();
        c.model.dropout = 0.0;
        c.sft.skipUnspellable = false; // the built-in template's "User:" is outside the corpus alphabet
        c.train.batchSize = 4;
        c.train.maxSteps = 16;
        c.train.learningRate = method == "lora" ? 1e-2 : 5e-2;
        c.train.minLr = c.train.learningRate / 10;
        c.train.warmupSteps = 2;
        c.train.weightDecay = 0.0;
        c.train.evalInterval = 8;
        c.train.evalIters = 2;
        c.train.threads = 1;
        c.train.probePrompts = {};
        c.data.train = (m_dir / "sft.json").string();
        c.data.valFraction = 0.2;
        c.data.cacheDir = (m_dir / "cache").string();
        c.lora.r = 4;
        c.lora.alpha = 8;
        c.promptTuning.numVirtualTokens = 3;
        return c;
    }

    TwoCheckpoints trainStoppedAndResumed(const RunConfig& c, const fs::path& run)
    {
        TwoCheckpoints out;
        std::stop_source source;
        RecordingObserver first;
        first.source = &source;
        first.stopAfterStep = 3;
        const TrainResult stopped = Trainer::create(c, run)->run(first, source.get_token());
        if (stopped.outcome != TrainOutcome::Stopped || first.evals.empty()) {
            out.problem = "the first part did not stop after step 3 with an eval at step 0";
            return out;
        }
        out.middle = loadCheckpoint(RunDirectory(run).latestCheckpoint());
        RecordingObserver second;
        const TrainResult rest = Trainer::resume(run)->run(second);
        if (rest.outcome != TrainOutcome::Completed || second.evals.empty()) {
            out.problem = "the resumed part did not complete";
            return out;
        }
        out.last = loadCheckpoint(RunDirectory(run).latestCheckpoint());
        out.firstValLoss = first.evals.front().valLoss;
        out.lastValLoss = second.evals.back().valLoss;
        out.summary = RunDirectory(run).readSummary();
        return out;
    }

    /// Every parent tensor is in both checkpoints, bit-for-bit (else `problem` names the first that is not);
    /// returns the names the parent lacks.
    std::vector<std::string> checkBaseFrozen(const TwoCheckpoints& t, std::string& problem)
    {
        for (const auto& [name, tensor] : m_parentCheckpoint.model)
            for (const Checkpoint* ck : {&t.middle, &t.last}) {
                const auto it = ck->model.find(name);
                if (it == ck->model.end() && problem.empty())
                    problem = "checkpoint lacks base tensor " + name;
                else if (it != ck->model.end() && !torch::equal(it->second, tensor) && problem.empty())
                    problem = "base tensor changed: " + name + " at step " + std::to_string(ck->step);
            }
        std::vector<std::string> extra;
        for (const auto& [name, tensor] : t.last.model)
            if (!m_parentCheckpoint.model.count(name))
                extra.push_back(name);
        return extra;
    }

private slots:
    void initTestCase()
    {
        tb::test::writeBytes(m_dir / "corpus.txt", makeCorpus(6000, 7));
        tb::test::writeBytes(m_dir / "sft.json", sftData());
        m_parent = m_dir / "parent";
        RunConfig c = tb::test::tinyParentConfig(m_dir / "corpus.txt", m_dir / "cache");
        c.model.blockSize = 48;
        c.train.maxSteps = 20;
        c.train.evalInterval = 20;
        RecordingObserver obs;
        QVERIFY(Trainer::create(c, m_parent)->run(obs).outcome == TrainOutcome::Completed);
        m_parentCheckpoint = loadCheckpoint(RunDirectory(m_parent).latestCheckpoint());
        QVERIFY(!m_parentCheckpoint.model.empty());
    }

    void loraTrainerKeepsBaseBitForBit()
    {
        const TwoCheckpoints t = trainStoppedAndResumed(fineTuneConfig("lora"), m_dir / "lora");
        QVERIFY2(t.problem.empty(), t.problem.c_str());
        QCOMPARE(t.middle.step, int64_t(3));
        QCOMPARE(t.last.step, int64_t(16));
        std::string problem;
        const std::vector<std::string> adapters = checkBaseFrozen(t, problem);
        QVERIFY2(problem.empty(), problem.c_str());
        QCOMPARE(adapters.size(), size_t(2 * 6 * 2)); // A and B of six targets in two layers
        int64_t adapterNumel = 0;
        for (const std::string& name : adapters) {
            // e.g. transformer.h.0.attn.c_attn.lora_q.A, transformer.h.1.mlp.c_fc.lora.B
            const bool isB = name.ends_with(".B");
            QVERIFY2(name.find(".lora") != std::string::npos && (isB || name.ends_with(".A")), name.c_str());
            const torch::Tensor& last = t.last.model.at(name);
            adapterNumel += last.numel();
            // Moved between step 3 and step 16; B started at zero and is not zero any more.
            QVERIFY2(!torch::equal(t.middle.model.at(name), last), name.c_str());
            if (isB)
                QVERIFY2(last.abs().max().item<double>() > 0.0, name.c_str());
        }
        QCOMPARE(t.summary.trainableParameters, adapterNumel);
        QVERIFY(t.summary.trainableParameters < t.summary.parameterCount / 5);
        QVERIFY2(t.lastValLoss < t.firstValLoss - 0.05,
                 qPrintable(QString("task loss %1 -> %2").arg(t.firstValLoss).arg(t.lastValLoss)));
    }

    void promptTuningTrainerChangesOnlyThePrompt()
    {
        const TwoCheckpoints t = trainStoppedAndResumed(fineTuneConfig("prompt_tuning"), m_dir / "prompt");
        QVERIFY2(t.problem.empty(), t.problem.c_str());
        std::string problem;
        const std::vector<std::string> extra = checkBaseFrozen(t, problem);
        QVERIFY2(problem.empty(), problem.c_str());
        QCOMPARE(extra, std::vector<std::string>{"prompt_encoder.weight"});
        const torch::Tensor& prompt = t.last.model.at("prompt_encoder.weight");
        QCOMPARE(prompt.size(0), int64_t(3));
        QCOMPARE(prompt.size(1), int64_t(32));
        QVERIFY(!torch::equal(t.middle.model.at("prompt_encoder.weight"), prompt));
        QCOMPARE(t.summary.trainableParameters, int64_t(3 * 32));
        QVERIFY2(t.lastValLoss < t.firstValLoss,
                 qPrintable(QString("task loss %1 -> %2").arg(t.firstValLoss).arg(t.lastValLoss)));
    }
};

QTEST_GUILESS_MAIN(TestFinetuneMethods)
#include "test_finetune_methods.moc"
