// SPDX-License-Identifier: MIT
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/store/checkpoint.h"
#include "core/train/trainer.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

using namespace tb::core;

namespace {

/// Records every hook; optionally asks for a stop after a given step.
class RecordingObserver : public TrainingObserver {
public:
    std::vector<StepMetrics> steps;
    std::vector<EvalMetrics> evals;
    std::vector<CheckpointInfo> checkpoints;
    std::vector<std::string> logs;
    std::vector<SampleSet> samples;
    std::vector<std::string> events; // "eval 5", "samples 5", ...
    int64_t stopAfterStep = -1;
    std::stop_source* source = nullptr;

    void onStep(const StepMetrics& m) override
    {
        steps.push_back(m);
        if (source && m.step == stopAfterStep)
            source->request_stop();
    }
    void onEval(const EvalMetrics& m) override
    {
        evals.push_back(m);
        events.push_back("eval " + std::to_string(m.step));
    }
    void onSamples(const SampleSet& s) override
    {
        samples.push_back(s);
        events.push_back("samples " + std::to_string(s.step));
    }
    void onCheckpoint(const CheckpointInfo& c) override { checkpoints.push_back(c); }
    void onLog(LogLevel, const std::string& message) override { logs.push_back(message); }
};

std::string makeCorpus(size_t chars, uint64_t seed)
{
    // Pseudo-English: words from a small alphabet, so a tiny model learns something in a few steps.
    const std::string words[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran ", "far ", "away.\n"};
    SplitMix64 rng(seed);
    std::string out;
    while (out.size() < chars)
        out += words[rng.below(10)];
    return out;
}

RunConfig tinyConfig(const std::filesystem::path& corpus, const std::filesystem::path& cache)
{
    RunConfig c;
    c.model.nLayer = 2;
    c.model.nHead = 2;
    c.model.nEmbd = 32;
    c.model.blockSize = 16;
    c.model.dropout = 0.1; // exercises the torch RNG, so exact resume must restore it
    c.train.batchSize = 4;
    c.train.gradAccum = 2;
    c.train.maxSteps = 20;
    c.train.learningRate = 3e-3;
    c.train.minLr = 3e-4;
    c.train.warmupSteps = 4;
    c.train.evalInterval = 5;
    c.train.evalIters = 2;
    c.train.threads = 1;
    c.data.corpus = corpus.string();
    c.data.cacheDir = cache.string();
    return c;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT
private slots:
    void runWritesMetricsSummaryAndCheckpoints()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 1));
        auto trainer = Trainer::create(tinyConfig(dir / "corpus.txt", dir / "cache"), dir / "run");
        RecordingObserver obs;
        const TrainResult r = trainer->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
        QCOMPARE(obs.steps.size(), size_t(20));
        QCOMPARE(obs.steps.back().step, int64_t(20));
        // Evaluations at steps 0, 5, 10, 15 and the final one at 20.
        QCOMPARE(obs.evals.size(), size_t(5));
        QCOMPARE(obs.evals.front().step, int64_t(0));
        QCOMPARE(obs.evals.back().step, int64_t(20));
        QVERIFY(obs.evals.back().valLoss < obs.evals.front().valLoss);

        const RunDirectory& run = trainer->runDirectory();
        const RunSummary s = run.readSummary();
        QVERIFY(s.status == RunStatus::Completed);
        QCOMPARE(s.steps, int64_t(20));
        QVERIFY(s.finalValLoss.has_value() && std::isfinite(*s.finalValLoss));
        QVERIFY(s.bestValLoss.has_value());
        QVERIFY(s.wallSeconds > 0);
        QVERIFY(s.tokensPerSecond > 0);
        const auto metrics = run.readMetrics();
        int stepLines = 0, evalLines = 0;
        for (const auto& j : metrics) {
            if (j.contains("loss")) {
                ++stepLines;
                for (const char* key : {"step", "learning_rate", "grad_norm", "tokens_per_second", "elapsed_s", "eta_s"})
                    QVERIFY2(j.contains(key), key);
            }
            if (j.contains("eval_loss"))
                ++evalLines;
        }
        QCOMPARE(stepLines, 20);
        QCOMPARE(evalLines, 5);
        QVERIFY(std::filesystem::exists(run.latestCheckpoint()));
        QVERIFY(std::filesystem::exists(run.bestCheckpoint()));
        QCOMPARE(loadCheckpoint(run.latestCheckpoint()).step, int64_t(20));
        const RunConfig saved = loadRunConfig(run.configFile());
        QCOMPARE(saved.model.nEmbd, int64_t(32));
        // A second run into the same folder is refused instead of overwriting it.
        QVERIFY_THROWS_EXCEPTION(InputError, Trainer::create(tinyConfig(dir / "corpus.txt", dir / "cache"), dir / "run"));
    }

    void overfitsTinyCorpus()
    {
        tb::test::TempDir dir;
        // A shuffled string of 36 distinct characters, repeated: each character determines the next one, so a
        // model that memorises the corpus reaches (near) zero loss at every position.
        std::string unit = "abcdefghijklmnopqrstuvwxyz0123456789";
        SplitMix64 rng(3);
        for (size_t i = unit.size() - 1; i > 0; --i)
            std::swap(unit[i], unit[rng.below(i + 1)]);
        std::string text;
        for (int i = 0; i < 60; ++i)
            text += unit;
        tb::test::writeBytes(dir / "tiny.txt", text);
        RunConfig c = tinyConfig(dir / "tiny.txt", dir / "cache");
        c.model.dropout = 0.0;
        c.model.nEmbd = 64;
        c.model.blockSize = 32;
        c.train.batchSize = 8;
        c.train.gradAccum = 1;
        c.train.maxSteps = 200;
        c.train.learningRate = 5e-3;
        c.train.minLr = 5e-4;
        c.train.weightDecay = 0.0;
        c.train.evalInterval = 50;
        auto trainer = Trainer::create(c, dir / "run");
        RecordingObserver obs;
        trainer->run(obs);
        QVERIFY2(obs.steps.back().loss < 0.05, qPrintable(QString("final loss %1").arg(obs.steps.back().loss)));
        QVERIFY(obs.evals.back().valLoss < 0.05);
    }

    void exactResume()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 2));
        const RunConfig c = tinyConfig(dir / "corpus.txt", dir / "cache");

        RecordingObserver straight;
        const TrainResult full = Trainer::create(c, dir / "straight")->run(straight);

        std::stop_source source;
        RecordingObserver firstHalf;
        firstHalf.source = &source;
        firstHalf.stopAfterStep = 10;
        const TrainResult stopped = Trainer::create(c, dir / "split")->run(firstHalf, source.get_token());
        QVERIFY(stopped.outcome == TrainOutcome::Stopped);
        QCOMPARE(firstHalf.steps.size(), size_t(10)); // honoured within one step
        QVERIFY(RunDirectory(dir / "split").readSummary().status == RunStatus::Stopped);

        auto resumed = Trainer::resume(dir / "split");
        QCOMPARE(resumed->startStep(), int64_t(10));
        RecordingObserver secondHalf;
        const TrainResult rest = resumed->run(secondHalf);
        QVERIFY(rest.outcome == TrainOutcome::Completed);
        QCOMPARE(secondHalf.steps.size(), size_t(10));

        std::vector<StepMetrics> joined = firstHalf.steps;
        joined.insert(joined.end(), secondHalf.steps.begin(), secondHalf.steps.end());
        QCOMPARE(joined.size(), straight.steps.size());
        for (size_t i = 0; i < joined.size(); ++i) {
            QCOMPARE(joined[i].step, straight.steps[i].step);
            QVERIFY2(std::abs(joined[i].loss - straight.steps[i].loss) <= 1e-6,
                     qPrintable(QString("step %1: %2 vs %3").arg(i + 1).arg(joined[i].loss).arg(straight.steps[i].loss)));
            QVERIFY(std::abs(joined[i].gradNorm - straight.steps[i].gradNorm) <= 1e-6);
        }
        QVERIFY(std::abs(*rest.summary.finalValLoss - *full.summary.finalValLoss) <= 1e-6);
        // The journal has each step once after the resume.
        int stepLines = 0;
        for (const auto& j : RunDirectory(dir / "split").readMetrics())
            stepLines += j.contains("loss") ? 1 : 0;
        QCOMPARE(stepLines, 20);
        // Probe samples (the default "\n" prompt) are the same at the same steps, and each step is sampled once.
        const auto straightSamples = RunDirectory(dir / "straight").readSamples();
        const auto splitSamples = RunDirectory(dir / "split").readSamples();
        QCOMPARE(straightSamples.size(), size_t(5)); // steps 0, 5, 10, 15, 20
        QCOMPARE(splitSamples.size(), size_t(4));    // the resume does not re-evaluate step 10
        for (const SampleSet& set : splitSamples) {
            const auto same = std::find_if(straightSamples.begin(), straightSamples.end(),
                                           [&](const SampleSet& s) { return s.step == set.step; });
            QVERIFY(same != straightSamples.end());
            QCOMPARE(set.samples.size(), size_t(1));
            QCOMPARE(set.samples[0].text, same->samples[0].text);
        }
    }

    void probeSamplesAfterEachEval()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 8));
        RunConfig c = tinyConfig(dir / "corpus.txt", dir / "cache");
        c.train.probePrompts = {"the ", "dog"};
        c.train.probeTokens = 12;
        RecordingObserver obs;
        auto trainer = Trainer::create(c, dir / "run");
        trainer->run(obs);

        QCOMPARE(obs.samples.size(), size_t(5));
        for (size_t i = 0; i < obs.samples.size(); ++i) {
            const SampleSet& set = obs.samples[i];
            QCOMPARE(set.step, obs.evals[i].step);
            QCOMPARE(set.samples.size(), size_t(2));
            QCOMPARE(set.samples[0].prompt, std::string("the "));
            QCOMPARE(set.samples[1].prompt, std::string("dog"));
            // The continuation only: 12 characters (an untrained model may pick <unk>, which decodes to U+FFFD).
            for (const auto& sample : set.samples)
                QCOMPARE(QString::fromStdString(sample.text).size(), qsizetype(12));
        }
        QVERIFY(obs.samples.front().samples[0].text != obs.samples.back().samples[0].text);
        // Each sample set follows its evaluation.
        for (size_t i = 0; i < obs.evals.size(); ++i) {
            const std::string step = std::to_string(obs.evals[i].step);
            const auto eval = std::find(obs.events.begin(), obs.events.end(), "eval " + step);
            QVERIFY(eval != obs.events.end() && eval + 1 != obs.events.end());
            QCOMPARE(*(eval + 1), "samples " + step);
        }
        // samples.jsonl holds the same sets.
        const auto stored = trainer->runDirectory().readSamples();
        QCOMPARE(stored.size(), obs.samples.size());
        for (size_t i = 0; i < stored.size(); ++i) {
            QCOMPARE(stored[i].step, obs.samples[i].step);
            QCOMPARE(stored[i].samples[1].text, obs.samples[i].samples[1].text);
        }

        // Sampling does not touch the training: without probes the losses are the same to the bit.
        c.train.probePrompts.clear();
        RecordingObserver quiet;
        Trainer::create(c, dir / "quiet")->run(quiet);
        QVERIFY(quiet.samples.empty());
        QVERIFY(!std::filesystem::exists(dir / "quiet" / "samples.jsonl"));
        QCOMPARE(quiet.steps.size(), obs.steps.size());
        for (size_t i = 0; i < quiet.steps.size(); ++i)
            QCOMPARE(quiet.steps[i].loss, obs.steps[i].loss);
    }

    void unencodableProbeIsBadInput()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 9));
        RunConfig c = tinyConfig(dir / "corpus.txt", dir / "cache");
        c.tokenizer.unknown = "error";
        c.train.probePrompts = {"the", "QUUX"}; // Q, U and X are not in the corpus
        try {
            Trainer::create(c, dir / "run");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("train.probe_prompts"));
            QVERIFY2(QString(e.what()).contains("prompt 2 cannot be encoded"), e.what());
        }
        QVERIFY(!std::filesystem::exists(dir / "run" / "summary.json"));
    }

    void stopBeforeFirstStep()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 4));
        std::stop_source source;
        source.request_stop();
        RecordingObserver obs;
        const TrainResult r =
            Trainer::create(tinyConfig(dir / "corpus.txt", dir / "cache"), dir / "run")->run(obs, source.get_token());
        QVERIFY(r.outcome == TrainOutcome::Stopped);
        QCOMPARE(obs.steps.size(), size_t(0));
        QCOMPARE(r.summary.steps, int64_t(0));
    }

    void divergenceFailsAndKeepsLastGoodCheckpoint()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 5));
        RunConfig c = tinyConfig(dir / "corpus.txt", dir / "cache");
        c.train.learningRate = 1e30; // the first update blows the weights up
        c.train.minLr = 0;
        c.train.warmupSteps = 0;
        c.train.gradClip = 0;
        c.train.maxSteps = 50;
        auto trainer = Trainer::create(c, dir / "run");
        RecordingObserver obs;
        const TrainResult r = trainer->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Failed);
        const RunSummary s = trainer->runDirectory().readSummary();
        QVERIFY(s.status == RunStatus::Failed);
        QVERIFY2(QString::fromStdString(s.error).contains("became NaN") ||
                     QString::fromStdString(s.error).contains("became infinite"),
                 s.error.c_str());
        QVERIFY(QString::fromStdString(s.error).contains("last good checkpoint (step 0)"));
        const Checkpoint kept = loadCheckpoint(trainer->runDirectory().latestCheckpoint());
        QCOMPARE(kept.step, int64_t(0));
        for (const auto& [name, t] : kept.model)
            QVERIFY2(torch::isfinite(t).all().item<bool>(), name.c_str());
    }

    void badInputBeforeAnythingIsWritten()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "small.txt", "just a few characters");
        RunConfig c = tinyConfig(dir / "small.txt", dir / "cache");
        try {
            Trainer::create(c, dir / "run");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("model.block_size"));
            QVERIFY2(QString(e.what()).contains("fewer than block_size + 1"), e.what());
        }
        QVERIFY(!std::filesystem::exists(dir / "run" / "summary.json"));
        c.model.nHead = 3;
        QVERIFY_THROWS_EXCEPTION(InputError, Trainer::create(c, dir / "run"));
    }

    void resumeRefusesChangedCorpus()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 6));
        RunConfig c = tinyConfig(dir / "corpus.txt", dir / "cache");
        c.train.maxSteps = 5;
        Trainer::create(c, dir / "run")->run(*std::make_unique<RecordingObserver>());
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 7));
        try {
            Trainer::resume(dir / "run");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("data.corpus"));
            QVERIFY(QString(e.what()).contains("changed since the checkpoint"));
        }
        QVERIFY_THROWS_EXCEPTION(InputError, Trainer::resume(dir / "nothing-here"));
    }

    // A run killed right after its step-0 checkpoint (simulated: the observer throws there), with the temporary
    // files a kill -9 inside an atomic write leaves: the resume removes them and writes each metrics line once.
    void resumeFromStepZeroAfterAKill()
    {
        class DiesAtFirstCheckpoint : public RecordingObserver {
        public:
            void onCheckpoint(const CheckpointInfo& c) override
            {
                RecordingObserver::onCheckpoint(c);
                throw std::runtime_error("simulated kill");
            }
        };
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "corpus.txt", makeCorpus(4000, 8));
        RunConfig c = tinyConfig(dir / "corpus.txt", dir / "cache");
        c.train.maxSteps = 6;
        DiesAtFirstCheckpoint dies;
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, Trainer::create(c, dir / "run")->run(dies));
        QCOMPARE(dies.checkpoints.front().step, int64_t(0));
        const auto checkpoints = dir / "run" / "checkpoints";
        const std::vector<std::filesystem::path> stale = {checkpoints / "latest.safetensors.tmp.4242",
                                                         checkpoints / "best.safetensors.tmp.77",
                                                         dir / "run" / "summary.json.tmp.4242"};
        for (const auto& file : stale)
            tb::test::writeBytes(file, "half a checkpoint");
        tb::test::writeBytes(checkpoints / "notes.tmp.txt", "not ours"); // not an atomic write's name: kept

        auto resumed = Trainer::resume(dir / "run");
        QCOMPARE(resumed->startStep(), int64_t(0));
        for (const auto& file : stale)
            QVERIFY2(!std::filesystem::exists(file), file.c_str());
        QVERIFY(std::filesystem::exists(checkpoints / "notes.tmp.txt"));
        RecordingObserver rest;
        QVERIFY(resumed->run(rest).outcome == TrainOutcome::Completed);

        std::map<std::string, int> lines; // "eval 0", "step 1", ... -> how often
        for (const auto& j : RunDirectory(dir / "run").readMetrics())
            if (j.contains("loss") || j.contains("eval_loss"))
                ++lines[(j.contains("loss") ? "step " : "eval ") + std::to_string(j.value("step", int64_t(-1)))];
        for (const auto& [line, count] : lines)
            QVERIFY2(count == 1, qPrintable(QString::fromStdString(line) + " written " + QString::number(count) + " times"));
        QCOMPARE(lines["eval 0"], 1);
        QCOMPARE(lines["step 6"], 1);
        QCOMPARE(lines["eval 6"], 1);
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
