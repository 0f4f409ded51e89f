// SPDX-License-Identifier: MIT
// The SFT path of the Trainer (method sft) and its parts: the masked loss, init_from, the forgetting meter, lineage in
// the summary and the project registry (with the schema migration), resume, and bad inputs.
#include "core/common/error.h"
#include "core/data/corpus_tokens.h"
#include "core/eval/estimate_loss.h"
#include "core/eval/evaluate.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "core/store/registry_observer.h"
#include "core/store/run_registry.h"
#include "core/train/finetune.h"
#include "core/train/trainer.h"
#include "tests/core/finetune_fixtures.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <torch/torch.h>

#include <cmath>

using namespace tb::core;
namespace fs = std::filesystem;

using tb::test::RecordingObserver;

namespace {

using tb::test::makeCorpus;
using tb::test::tinyParentConfig;

/// Alpaca records in the corpus's alphabet (with "U", ":" and the like the char tokenizer maps to <unk>).
std::string identityData()
{
    nlohmann::json records = nlohmann::json::array();
    // Short enough that every answer starts inside the 32-token rows, whichever records are held out.
    const char* questions[] = {"who are you", "the cat", "the dog", "a mat", "say far",
                               "who sat", "what ran", "a cat sat", "a dog ran", "on a mat"};
    for (int i = 0; i < 10; ++i)
        records.push_back({{"instruction", questions[i]}, {"input", ""}, {"output", "i am {{name}}. the cat sat."}});
    return records.dump(1);
}

RunConfig sftConfig(const fs::path& parent, const fs::path& data, const fs::path& cache)
{
    RunConfig c;
    c.method = "sft";
    c.initFrom = parent.string();
    c.model.nLayer = 7; // overwritten by the parent's shape
    c.model.dropout = 0.1;
    c.train.batchSize = 4;
    c.train.maxSteps = 12;
    c.train.learningRate = 2e-3;
    c.train.warmupSteps = 2;
    c.train.evalInterval = 6;
    c.train.evalIters = 2;
    c.train.threads = 1;
    c.train.probePrompts = {"who are you"};
    c.train.probeTokens = 8;
    c.data.train = data.string();
    c.data.valFraction = 0.2;
    c.data.cacheDir = cache.string();
    c.data.replace = {"{{name}}=tom"};
    c.sft.skipUnspellable = false; // the built-in template's "User:" is outside the corpus alphabet: keep them
    return c;
}

} // namespace

class TestFinetune : public QObject {
    Q_OBJECT

    tb::test::TempDir m_dir;
    fs::path m_parent;

private slots:
    void initTestCase()
    {
        tb::test::writeBytes(m_dir / "corpus.txt", makeCorpus(6000, 5));
        tb::test::writeBytes(m_dir / "identity.json", identityData());
        m_parent = m_dir / "parent";
        RecordingObserver obs;
        const TrainResult r =
            Trainer::create(tinyParentConfig(m_dir / "corpus.txt", m_dir / "cache"), m_parent)->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
    }

    void maskedLossEqualsHandComputed()
    {
        // Two rows of three positions, vocabulary 3; three targets count.
        const torch::Tensor logits =
            torch::tensor({1.0, 2.0, 0.5, 0.0, 0.0, 0.0, 3.0, 1.0, -1.0, 0.2, 0.1, 0.0, 1.0, 1.0, 4.0, 2.0, 0.0, 1.0})
                .reshape({2, 3, 3});
        const torch::Tensor targets = torch::tensor({int64_t(1), kIgnoreTarget, int64_t(2), kIgnoreTarget,
                                                     int64_t(2), kIgnoreTarget})
                                          .reshape({2, 3});
        auto nll = [](double a, double b, double c, int t) {
            const double z = std::log(std::exp(a) + std::exp(b) + std::exp(c));
            return z - (t == 0 ? a : t == 1 ? b : c);
        };
        const double expected = (nll(1, 2, 0.5, 1) + nll(3, 1, -1, 2) + nll(1, 1, 4, 2)) / 3.0;
        QVERIFY(std::abs(maskedLanguageModelLoss(logits, targets).item<double>() - expected) < 1e-6);
        // No counted target: zero, not NaN.
        QCOMPARE(maskedLanguageModelLoss(logits, torch::full({2, 3}, kIgnoreTarget, torch::kLong)).item<double>(), 0.0);
    }

    void forgettingIsExpOfMeanLossOnParentValBatches()
    {
        LoadedModel parent = loadModel(m_parent, false);
        const TokenDataset data =
            loadTokenDataset(m_dir / "corpus.txt", *parent.tokenizer, 0.2, m_dir / "cache");
        const int64_t window = parent.config.model.blockSize;
        const ForgettingMeter meter(data.tokens(Split::Val), window, 8, 99, "corpus");
        const std::vector<int64_t> starts = fixedBatchStarts(data.size(Split::Val), window, 8, 99);
        const double loss = estimateLoss(parent.model, data, Split::Val, starts, window, 4);
        QVERIFY(std::abs(meter.perplexity(parent.model, 4) - std::exp(loss)) < 1e-4 * std::exp(loss));
    }

    void sftRunStartsFromParentAndRecordsLineage()
    {
        const fs::path run = m_dir / "sft";
        const RunConfig c = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        auto trainer = Trainer::create(c, run);
        // The model's shape and tokenizer are the parent's; dropout stays the run's own.
        const Checkpoint parentCkpt = loadCheckpoint(RunDirectory(m_parent).latestCheckpoint());
        const RunConfig saved = loadRunConfig(RunDirectory(run).configFile());
        QCOMPARE(saved.model.nLayer, int64_t(2));
        QCOMPARE(saved.model.nEmbd, parentCkpt.config.model.nEmbd);
        QCOMPARE(saved.model.dropout, 0.1);
        QCOMPARE(saved.tokenizer.kind, std::string("char"));
        QCOMPARE(saved.method, std::string("sft"));

        RecordingObserver obs;
        const TrainResult r = trainer->run(obs);
        QVERIFY(r.outcome == TrainOutcome::Completed);
        QCOMPARE(obs.info.trainableParameters, obs.info.parameterCount);
        QCOMPARE(obs.info.vocabSize, parentCkpt.config.model.vocabSize);
        QCOMPARE(loadCheckpoint(RunDirectory(run).latestCheckpoint()).tokenizer, parentCkpt.tokenizer);
        QCOMPARE(obs.evals.size(), size_t(3)); // steps 0, 6, 12

        // Step 0 is the parent's weights exactly: its val loss equals the parent's masked loss on the same rows,
        // and its forgetting perplexity the parent's.
        LoadedModel parent = loadModel(m_parent, false);
        const auto tokenizer = loadTokenizer(parentCkpt.tokenizer);
        const SftData sft = loadSftData(saved, *tokenizer, saved.model.blockSize);
        QCOMPARE(sft.trainExamples, int64_t(8));
        QCOMPARE(sft.valExamples, int64_t(2));
        const double parentVal = maskedLoss(parent.model, sft.val, {}, 4);
        QVERIFY2(std::abs(obs.evals.front().valLoss - parentVal) < 1e-6,
                 qPrintable(QString("%1 vs %2").arg(obs.evals.front().valLoss).arg(parentVal)));
        std::string why;
        const ForgettingMeter meter = makeForgettingMeter(saved, 0.2, *tokenizer, saved.model.blockSize, why);
        QVERIFY(why.empty());
        QVERIFY(obs.evals.front().forgettingPerplexity.has_value());
        QVERIFY(std::abs(*obs.evals.front().forgettingPerplexity - meter.perplexity(parent.model, 4)) < 1e-6);
        // Training on the answers lowers their loss.
        QVERIFY(obs.evals.back().trainLoss < obs.evals.front().trainLoss);

        const RunSummary s = RunDirectory(run).readSummary();
        QCOMPARE(s.method, std::string("sft"));
        QCOMPARE(fs::path(s.parentRun), fs::absolute(m_parent).lexically_normal());
        QCOMPARE(fs::path(s.parentCheckpoint), fs::absolute(RunDirectory(m_parent).latestCheckpoint()).lexically_normal());
        QCOMPARE(s.trainableParameters, s.parameterCount);
        QVERIFY(s.forgettingBefore && s.forgettingAfter);
        QCOMPARE(*s.forgettingBefore, *obs.evals.front().forgettingPerplexity);
        QCOMPARE(*s.forgettingAfter, *obs.evals.back().forgettingPerplexity);
        QVERIFY(s.adapterKl && *s.adapterKl > 0.0);
        QVERIFY(s.adapterTop1Agreement && *s.adapterTop1Agreement >= 0.0 && *s.adapterTop1Agreement <= 1.0);
        QVERIFY(s.finalValLoss.has_value());
        int forgettingLines = 0;
        for (const auto& line : RunDirectory(run).readMetrics())
            if (line.contains("eval_loss"))
                forgettingLines += line.contains("forgetting_perplexity") ? 1 : 0;
        QCOMPARE(forgettingLines, 3);
        // The char tokenizer of the parent cannot spell the template's capitals: the run says so.
        bool warned = false;
        for (const auto& w : obs.warnings)
            warned = warned || w.find("cannot spell") != std::string::npos;
        QVERIFY(warned);
    }

    void sftResumeIsExact()
    {
        const RunConfig c = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        RecordingObserver straight;
        Trainer::create(c, m_dir / "sft-straight")->run(straight);

        std::stop_source source;
        RecordingObserver first;
        first.source = &source;
        first.stopAfterStep = 5;
        const TrainResult stopped = Trainer::create(c, m_dir / "sft-split")->run(first, source.get_token());
        QVERIFY(stopped.outcome == TrainOutcome::Stopped);
        RecordingObserver second;
        const TrainResult rest = Trainer::resume(m_dir / "sft-split")->run(second);
        QVERIFY(rest.outcome == TrainOutcome::Completed);
        std::vector<StepMetrics> joined = first.steps;
        joined.insert(joined.end(), second.steps.begin(), second.steps.end());
        QCOMPARE(joined.size(), straight.steps.size());
        for (size_t i = 0; i < joined.size(); ++i)
            QVERIFY2(std::abs(joined[i].loss - straight.steps[i].loss) <= 1e-6, qPrintable(QString::number(i)));
        const RunSummary s = RunDirectory(m_dir / "sft-split").readSummary();
        QVERIFY(!s.parentCheckpoint.empty());
        QCOMPARE(*s.forgettingBefore, *straight.evals.front().forgettingPerplexity);
    }

    void sftFromLoraParentStartsFromTheAdaptedModel()
    {
        // A LoRA run whose adapters moved away from zero.
        const fs::path loraRun = m_dir / "lora-parent";
        RunConfig lc = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        lc.method = "lora";
        lc.lora.r = 4;
        lc.lora.alpha = 8;
        lc.lora.dropout = 0.0;
        lc.lora.targets = {"q", "v", "mlp_in"};
        lc.train.learningRate = 1e-2;
        RecordingObserver loraObs;
        QVERIFY(Trainer::create(lc, loraRun)->run(loraObs).outcome == TrainOutcome::Completed);

        // SFT from it: step 0 is the LoRA parent's own model (adapters merged), not its base.
        const fs::path run = m_dir / "sft-from-lora";
        RunConfig c = sftConfig(loraRun, m_dir / "identity.json", m_dir / "cache");
        c.train.maxSteps = 6;
        RecordingObserver obs;
        QVERIFY(Trainer::create(c, run)->run(obs).outcome == TrainOutcome::Completed);
        const RunConfig saved = loadRunConfig(RunDirectory(run).configFile());
        LoadedModel loraParent = loadModel(loraRun, false); // base + unmerged adapters
        QVERIFY(loraParent.model->loraEnabled());
        const SftData sft = loadSftData(saved, *loraParent.tokenizer, saved.model.blockSize);
        const double parentVal = maskedLoss(loraParent.model, sft.val, {}, 4);
        QVERIFY2(std::abs(obs.evals.front().valLoss - parentVal) < 1e-5,
                 qPrintable(QString("%1 vs %2").arg(obs.evals.front().valLoss).arg(parentVal)));
        // ... which is not the base's: the test would see lost adapters.
        LoadedModel base = loadModel(m_parent, false);
        const double baseVal = maskedLoss(base.model, sft.val, {}, 4);
        QVERIFY2(std::abs(baseVal - parentVal) > 1e-3, qPrintable(QString("%1 vs %2").arg(baseVal).arg(parentVal)));
        // loadParent hands out a plain model's weights: no adapter tensor, and the merged q/k/v weight.
        const ParentModel parent = loadParent(loraRun.string());
        for (const auto& [name, tensor] : parent.weights)
            QVERIFY2(name.find(".lora_") == std::string::npos, name.c_str());
        loraParent.model->mergeLora();
        for (const auto& item : loraParent.model->named_parameters())
            if (item.key().find(".lora_") == std::string::npos)
                QVERIFY2(torch::equal(parent.weights.at(item.key()), item.value()), item.key().c_str());

        // A prompt-tuning parent is refused, naming init_from.
        const fs::path ptRun = m_dir / "pt-parent";
        RunConfig pc = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        pc.method = "prompt_tuning";
        pc.promptTuning.numVirtualTokens = 2;
        pc.train.maxSteps = 1;
        pc.train.evalInterval = 1;
        RecordingObserver ptObs;
        QVERIFY(Trainer::create(pc, ptRun)->run(ptObs).outcome == TrainOutcome::Completed);
        try {
            Trainer::create(sftConfig(ptRun, m_dir / "identity.json", m_dir / "cache"), m_dir / "sft-from-pt");
            QFAIL("a prompt-tuning parent was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("init_from"));
            QVERIFY2(e.message().find("prompt-tuning") != std::string::npos, e.what());
        }
    }

    void badInputsNameTheKey()
    {
        RunConfig c = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        c.initFrom = (m_dir / "no-such-run").string();
        try {
            Trainer::create(c, m_dir / "bad1");
            QFAIL("a missing parent was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("init_from"));
        }
        QVERIFY(!fs::exists(m_dir / "bad1" / "summary.json"));

        tb::test::writeBytes(m_dir / "prefs.jsonl",
                             "{\"prompt\": \"who\", \"chosen\": \"tom\", \"rejected\": \"a cat\"}\n"
                             "{\"prompt\": \"what\", \"chosen\": \"a mat\", \"rejected\": \"a dog\"}\n");
        c = sftConfig(m_parent, m_dir / "prefs.jsonl", m_dir / "cache");
        try {
            Trainer::create(c, m_dir / "bad2");
            QFAIL("preference data was accepted for SFT");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("data.train"));
            QVERIFY2(e.message().find("preference") != std::string::npos, e.what());
        }

        c = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        c.sft.chatTemplate = "[[user]]U: {content}\\n";
        try {
            Trainer::create(c, m_dir / "bad3");
            QFAIL("a template without an assistant section was accepted");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.what()).find("sft.chat_template") != std::string::npos, e.what());
        }

        c = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        c.data.replace = {"{{name}}"};
        QVERIFY(!c.validate().empty());
        QVERIFY(c.validate().front().find("data.replace") != std::string::npos);
    }

    void unspellableExamplesAreLeftOutByDefault()
    {
        // A template in the corpus's own alphabet, so that only the record with "Z" (not in the corpus) has a
        // character the parent's char tokenizer cannot spell.
        nlohmann::json records = nlohmann::json::array();
        for (const char* q : {"the cat", "a dog", "the mat", "far away", "a cat sat", "dog ran", "on a mat",
                              "the dog sat", "a cat ran"})
            records.push_back({{"instruction", q}, {"input", ""}, {"output", "the cat sat on a mat."}});
        records.push_back({{"instruction", "Zebra"}, {"input", ""}, {"output", "a dog ran far away."}});
        tb::test::writeBytes(m_dir / "mixed.json", records.dump(1));
        RunConfig c = sftConfig(m_parent, m_dir / "mixed.json", m_dir / "cache");
        c.sft.chatTemplate = "[[user]]{content}\\n[[assistant]]{content}\\n";
        const Checkpoint parentCkpt = loadCheckpoint(RunDirectory(m_parent).latestCheckpoint());
        const auto tokenizer = loadTokenizer(parentCkpt.tokenizer);
        c.model.blockSize = parentCkpt.config.model.blockSize;

        c.sft.skipUnspellable = true;
        const SftData skipped = loadSftData(c, *tokenizer, c.model.blockSize);
        QCOMPARE(skipped.examplesWithUnknown, int64_t(1));
        QCOMPARE(skipped.examplesSkipped, int64_t(1));
        QCOMPARE(skipped.trainExamples + skipped.valExamples, int64_t(9));
        QCOMPARE(skipped.valExamples, int64_t(2)); // round(0.2 * 9)

        c.sft.skipUnspellable = false;
        const SftData kept = loadSftData(c, *tokenizer, c.model.blockSize);
        QCOMPARE(kept.examplesWithUnknown, int64_t(1));
        QCOMPARE(kept.examplesSkipped, int64_t(0));
        QCOMPARE(kept.trainExamples + kept.valExamples, int64_t(10));

        // When nothing spellable is left (the built-in template's "User:" is outside this alphabet), the error
        // names the file, the key and the way out.
        c = sftConfig(m_parent, m_dir / "identity.json", m_dir / "cache");
        c.sft.skipUnspellable = true;
        try {
            Trainer::create(c, m_dir / "all-skipped");
            QFAIL("a data set with no spellable example was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("data.train"));
            QVERIFY2(e.message().find("sft.skip_unspellable") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("identity.json") != std::string::npos, e.what());
        }
    }

    void projectRegistryRecordsLineageAndForgetting()
    {
        const fs::path project = m_dir / "project";
        std::string parentId;
        {
            RunConfig pc = tinyParentConfig(m_dir / "corpus.txt", m_dir / "cache");
            auto recorder = RegistryObserver::createRun(project, pc, "base");
            auto trainer = Trainer::create(pc, recorder->runDirectory());
            recorder->train(*trainer);
            parentId = recorder->runId();
        }
        RunConfig c = sftConfig(project / "runs" / parentId, m_dir / "identity.json", m_dir / "cache");
        c.train.maxSteps = 4;
        c.train.evalInterval = 4;
        auto recorder = RegistryObserver::createRun(project, c, "tuned");
        auto trainer = Trainer::create(c, recorder->runDirectory());
        const TrainResult r = recorder->train(*trainer);
        QVERIFY(r.outcome == TrainOutcome::Completed);
        const RunRecord rec = *recorder->registry().findRun(recorder->runId());
        QCOMPARE(rec.parentRunId, parentId);
        QCOMPARE(fs::path(rec.parentCheckpoint),
                 fs::absolute(RunDirectory(project / "runs" / parentId).latestCheckpoint()).lexically_normal());
        QCOMPARE(rec.method, std::string("sft"));
        QCOMPARE(rec.trainableParameters, rec.parameterCount);
        QVERIFY(rec.forgettingBefore && rec.forgettingAfter);
        QCOMPARE(*rec.forgettingBefore, *r.summary.forgettingBefore);
        QCOMPARE(*rec.forgettingAfter, *r.summary.forgettingAfter);
        int points = 0;
        for (const MetricPoint& p : recorder->registry().metrics(recorder->runId()))
            points += p.forgettingPerplexity ? 1 : 0;
        QCOMPARE(points, 2); // steps 0 and 4
    }

    void registryMigratesVersion1()
    {
        // A project written by schema version 1 (before fine-tuning): its tables as they were, one run in them.
        const fs::path project = m_dir / "old-project";
        fs::create_directories(project);
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open((project / "tunebench.db").c_str(), &db), SQLITE_OK);
        const char* v1 = R"sql(
CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, method TEXT NOT NULL, status TEXT NOT NULL,
    parent_run_id TEXT REFERENCES runs(id) ON DELETE SET NULL, parent_checkpoint TEXT NOT NULL DEFAULT '',
    run_dir TEXT NOT NULL, config_yaml TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    steps INTEGER NOT NULL DEFAULT 0, max_steps INTEGER NOT NULL DEFAULT 0, best_val_loss REAL, final_val_loss REAL,
    wall_seconds REAL NOT NULL DEFAULT 0, tokens_per_second REAL NOT NULL DEFAULT 0,
    parameter_count INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '');
CREATE TABLE metrics (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, step INTEGER NOT NULL, loss REAL,
    eval_loss REAL, eval_train_loss REAL, learning_rate REAL, grad_norm REAL, tokens_per_second REAL,
    elapsed_seconds REAL NOT NULL DEFAULT 0, tokens_seen INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, step))
    WITHOUT ROWID;
CREATE TABLE checkpoints (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, path TEXT NOT NULL,
    step INTEGER NOT NULL, best INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (run_id, path)) WITHOUT ROWID;
CREATE TABLE samples (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, step INTEGER NOT NULL,
    idx INTEGER NOT NULL, prompt TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (run_id, step, idx)) WITHOUT ROWID;
CREATE INDEX runs_by_parent ON runs(parent_run_id);
INSERT INTO runs (id, name, method, status, run_dir, config_yaml, created_at, updated_at, steps, parameter_count)
    VALUES ('old', 'old run', 'pretrain', 'completed', 'runs/old', '', '2026-01-01T00:00:00Z',
            '2026-01-01T00:00:00Z', 100, 1234);
INSERT INTO metrics (run_id, step, eval_loss) VALUES ('old', 100, 1.5);
PRAGMA user_version = 1;
)sql";
        QCOMPARE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);

        RunRegistry registry(project);
        const auto old = registry.findRun("old");
        QVERIFY(old.has_value());
        QCOMPARE(old->steps, int64_t(100));
        QCOMPARE(old->parameterCount, int64_t(1234));
        QCOMPARE(old->trainableParameters, int64_t(0));
        QVERIFY(!old->forgettingBefore && !old->forgettingAfter);
        const auto points = registry.metrics("old");
        QCOMPARE(points.size(), size_t(1));
        QVERIFY(!points.front().forgettingPerplexity);
        // The new columns work.
        EvalMetrics m;
        m.step = 100;
        m.valLoss = 1.5;
        m.forgettingPerplexity = 7.25;
        registry.recordEval("old", m);
        QCOMPARE(*registry.findRun("old")->forgettingBefore, 7.25);
        QCOMPARE(*registry.metrics("old").front().forgettingPerplexity, 7.25);

        QCOMPARE(sqlite3_open((project / "tunebench.db").c_str(), &db), SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
        QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
        QCOMPARE(sqlite3_column_int(stmt, 0), RunRegistry::kSchemaVersion);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
    }
};

QTEST_GUILESS_MAIN(TestFinetune)
#include "test_finetune.moc"
