// SPDX-License-Identifier: MIT
// Hostile input (issue 15): special files, gzip bombs, alias bombs, numbers out of range, crafted model shapes.
// Every crafted file is small and made here; each case must end in an InputError naming the file (and the field
// or line where there is one), before anything large is allocated.
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/data/corpus.h"
#include "core/data/formats/dataset_reader.h"
#include "core/data/formats/gzip_reader.h"
#include "core/data/stream_tokenize.h"
#include "core/io/run_config.h"
#include "core/io/yaml_limits.h"
#include "core/model/gpt_config.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "core/store/vote_store.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/preflight.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <cstdlib>
#include <functional>
#include <limits>
#include <sys/stat.h>

using namespace tb::core;
namespace fs = std::filesystem;

namespace {

/// Runs `f`, expecting an InputError whose message contains `part`; returns it for further checks. A failure is
/// recorded at the caller's line (QTest::qFail), since QVERIFY cannot return a value.
InputError expectInputError(const std::function<void()>& f, const std::string& part, const char* file, int line)
{
    try {
        f();
    } catch (const InputError& e) {
        if (std::string(e.what()).find(part) == std::string::npos)
            QTest::qFail(("expected \"" + part + "\" in: " + e.what()).c_str(), file, line);
        return e;
    } catch (const std::exception& e) {
        QTest::qFail((std::string("not an InputError: ") + e.what()).c_str(), file, line);
        return InputError("", "", "<wrong exception type>");
    }
    QTest::qFail("nothing was thrown", file, line);
    return InputError("", "", "<nothing thrown>");
}

#define EXPECT_INPUT_ERROR(expr, part) expectInputError([&] { (void)(expr); }, part, __FILE__, __LINE__)

/// An environment variable set for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : m_name(name) { ::setenv(name, value, 1); }
    ~ScopedEnv() { ::unsetenv(m_name); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* m_name;
};

} // namespace

class TestInputLimits : public QObject {
    Q_OBJECT
private slots:
    // --- special files: refused at once as "not a regular file" (a FIFO would block open() forever) ---

    void fifoIsRefusedEverywhere()
    {
        tb::test::TempDir dir;
        const fs::path fifo = dir / "corpus.txt";
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        const std::string expected = "corpus.txt: is not a regular file (a named pipe)";
        EXPECT_INPUT_ERROR(readFile(fifo), expected);
        EXPECT_INPUT_ERROR(loadCorpus(fifo), expected);
        EXPECT_INPUT_ERROR(streamCorpusText(fifo, [](std::string_view) {}), expected);
        EXPECT_INPUT_ERROR(loadDataset(fifo), expected);
        EXPECT_INPUT_ERROR(loadRunConfig(fifo), expected);
        EXPECT_INPUT_ERROR(loadCheckpoint(fifo), expected);
        EXPECT_INPUT_ERROR(VoteStore(fifo).read(), expected);
    }

    void devZeroIsADeviceNotEmpty()
    {
        const InputError e = EXPECT_INPUT_ERROR(loadCorpus("/dev/zero"), "is not a regular file (a device)");
        QCOMPARE(QString::fromStdString(e.file()), QString("/dev/zero"));
        EXPECT_INPUT_ERROR(streamCorpusText("/dev/zero", [](std::string_view) {}), "is not a regular file (a device)");
        EXPECT_INPUT_ERROR(loadDataset("/dev/zero"), "is not a regular file (a device)");
    }

    void readFileCapIsCheckedBeforeReading()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "big.txt", std::string(1000, 'x'));
        EXPECT_INPUT_ERROR(readFile(dir / "big.txt", 999), "is 1000 bytes, more than the 999 bytes accepted");
        QCOMPARE(readFile(dir / "big.txt", 1000).size(), size_t(1000));
    }

    // --- gzip: decompressed size and ratio ---

    void gzipSizeCap()
    {
        const std::string packed = gzipCompress(std::string(3 << 20, 'a'));
        GunzipLimits limits;
        limits.maxBytes = 2 << 20;
        limits.maxRatio = 1e9;
        EXPECT_INPUT_ERROR(gunzip(packed, "x.gz", limits), "x.gz: expands to more than 2 MiB when decompressed");
        limits.maxBytes = 4 << 20;
        QCOMPARE(gunzip(packed, "x.gz", limits).size(), size_t(3 << 20));
    }

    void gzipBombDatasetIsRefusedByItsRatio()
    {
        // 8 MiB of one record's text compress about 1000:1: refused at the default 200:1 once past 1 MiB.
        tb::test::TempDir dir;
        const std::string text = "{\"text\": \"" + std::string(8 << 20, 'a') + "\"}\n";
        const std::string packed = gzipCompress(text);
        QVERIFY(packed.size() < 64 * 1024);
        tb::test::writeBytes(dir / "bomb.jsonl.gz", packed);
        const InputError e = EXPECT_INPUT_ERROR(loadDataset(dir / "bomb.jsonl.gz"), "times when decompressed");
        QVERIFY(std::string(e.what()).find("TUNEBENCH_GZIP_MAX_MB") != std::string::npos);
        QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString((dir / "bomb.jsonl.gz").string()));
        // The documented override lets a user who knows the file read it.
        const ScopedEnv allow("TUNEBENCH_GZIP_MAX_MB", "64");
        const Dataset d = loadDataset(dir / "bomb.jsonl.gz");
        QCOMPARE(d.records.size(), size_t(1));
        QCOMPARE(d.records.front().text.size(), size_t(8 << 20));
    }

    void gzipOrdinaryFileIsRead()
    {
        tb::test::TempDir dir;
        std::string text;
        for (int i = 0; i < 2000; ++i)
            text += "{\"text\": \"document number " + std::to_string(i * 7919) + "\"}\n";
        tb::test::writeBytes(dir / "ok.jsonl.gz", gzipCompress(text));
        QCOMPARE(loadDataset(dir / "ok.jsonl.gz").records.size(), size_t(2000));
    }

    // --- JSON numbers out of range: a field error with file and line, never a raw library exception ---

    void datasetNumberOutOfRange()
    {
        tb::test::TempDir dir;
        const fs::path file = dir / "d.jsonl";
        tb::test::writeBytes(file, "{\"prompt\": \"a\", \"completion\": \"b\"}\n"
                                   "{\"prompt\": \"c\", \"completion\": \"d\", \"score\": 1e999999}\n"
                                   "{\"prompt\": \"e\", \"completion\": \"f\"}\n");
        const InputError e = EXPECT_INPUT_ERROR(loadDataset(file), "the number 1e999999 is out of range");
        QCOMPARE(e.line(), int64_t(2));
        QCOMPARE(QString::fromStdString(e.field()), QString("score"));
        DatasetLoadOptions skip;
        skip.policy = ErrorPolicy::Skip;
        const Dataset d = loadDataset(file, skip);
        QCOMPARE(d.records.size(), size_t(2));
        QCOMPARE(d.problems.size(), size_t(1));
        QCOMPARE(d.problems.front().line, int64_t(2));
        QCOMPARE(QString::fromStdString(d.problems.front().field), QString("score"));
        QCOMPARE(d.summary.skippedByReason.at("number out of range"), int64_t(1));
    }

    void corpusNumberOutOfRange()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "c.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"x\", \"weight\": -1E+400000}\n");
        const InputError e = EXPECT_INPUT_ERROR(loadCorpus(dir / "c.jsonl"), "is out of range");
        QCOMPARE(e.line(), int64_t(2));
        QCOMPARE(QString::fromStdString(e.field()), QString("weight"));
    }

    void tokenizerNumberOutOfRangeNamesItsSource()
    {
        const std::string bad = R"({"kind": "char", "vocab": 1e999999})";
        const InputError e = EXPECT_INPUT_ERROR(loadTokenizer(bad, "run/ckpt.safetensors (tokenizer)"),
                                                "invalid tokenizer: not valid JSON");
        QCOMPARE(QString::fromStdString(e.file()), QString("run/ckpt.safetensors (tokenizer)"));
        EXPECT_INPUT_ERROR(loadTokenizer("{not json", "tok.json"), "tok.json: invalid tokenizer: not valid JSON");
    }

    void voteLineOutOfRangeIsReportedAndLeftOut()
    {
        tb::test::TempDir dir;
        const VoteStore store(dir / "votes.jsonl");
        Vote v;
        v.prompt = "Hi?";
        v.a = {"r1", "r1 name", "/p/runs/r1", "/p/runs/r1/ckpt_best.safetensors", 120, "User: hi\nAssistant:", "x"};
        v.b = {"r2", "r2 name", "/p/runs/r2", "/p/runs/r2/ckpt_best.safetensors", 120, "User: hi\nAssistant:", "y"};
        v.verdict = Verdict::Left;
        store.append(v);
        {
            std::FILE* f = std::fopen(store.file().c_str(), "ab");
            QVERIFY(f != nullptr);
            std::fputs("{\"type\": \"vote\", \"time_to_vote_ms\": 1e999999}\n", f);
            std::fclose(f);
        }
        store.append(v);
        const VoteLog log = store.read(); // not fatal: the two good votes are kept
        QCOMPARE(log.votes.size(), size_t(2));
        QCOMPARE(log.problems.size(), size_t(1));
        QCOMPARE(log.problems.front().line, int64_t(2));
        QCOMPARE(QString::fromStdString(log.problems.front().field), QString("time_to_vote_ms"));
        QVERIFY(log.problems.front().message.find("out of range") != std::string::npos);
    }

    // --- YAML configs: document size and alias expansion ---

    void yamlAliasBombIsRefused()
    {
        // Nine levels of ten aliases each: a few hundred bytes that stand for a billion strings.
        std::string text = "a0: &a0 \"lol\"\n";
        for (int level = 1; level <= 9; ++level) {
            text += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
            for (int i = 0; i < 10; ++i)
                text += std::string(i ? ", " : "") + "*a" + std::to_string(level - 1);
            text += "]\n";
        }
        QVERIFY(text.size() < 1000);
        const InputError e = EXPECT_INPUT_ERROR(parseRunConfig(text, "bomb.yaml"), "once its aliases (*name) are filled in");
        QCOMPARE(QString::fromStdString(e.file()), QString("bomb.yaml"));
        QVERIFY(e.line() >= 2);
    }

    void yamlWideAliasesOfALongStringAreRefused()
    {
        // The issue's case: one 10 KB string repeated by 1000 aliases (10 MB once expanded) in probe prompts.
        std::string text = "x: &s \"" + std::string(10000, 'p') + "\"\ntrain:\n  probe_prompts: [";
        for (int i = 0; i < 1000; ++i)
            text += std::string(i ? ", " : "") + "*s";
        text += "]\n";
        EXPECT_INPUT_ERROR(parseRunConfig(text, "c.yaml"), "c.yaml");
        EXPECT_INPUT_ERROR(checkYamlLimits(text, "c.yaml"), "once its aliases");
        // A handful of aliases is ordinary YAML and fine.
        const std::string few = "defaults: &d {max_steps: 7}\ntrain:\n  max_steps: 7\n  probe_prompts: [&p \"a\", *p]\n";
        const RunConfig c = parseRunConfig("train:\n  max_steps: &n 7\n  eval_interval: *n\n", "ok.yaml");
        QCOMPARE(c.train.evalInterval, int64_t(7));
        checkYamlLimits(few, "few.yaml");
    }

    void yamlDocumentSizeCap()
    {
        const std::string text = "# " + std::string(size_t(kMaxConfigBytes), 'c') + "\ntrain:\n  max_steps: 5\n";
        EXPECT_INPUT_ERROR(parseRunConfig(text, "huge.yaml"), "a config may have at most 4 MiB");
    }

    void strayCommaIsNotAKeyNamedNull()
    {
        try {
            parseRunConfig(R"({"model": {"n_layer": 2,,}})", "c.json");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("null") == std::string::npos, e.what());
            QVERIFY2(what.find("c.json") == 0, e.what());
        }
    }

    // --- model shapes: no overflow, no model larger than its weights ---

    void hugeModelEstimatesSaturate()
    {
        GptConfig m;
        m.nEmbd = 1000000000;
        m.nHead = 1;
        QVERIFY(m.validate().empty());
        QCOMPARE(m.parameterCount(), std::numeric_limits<int64_t>::max());
        QCOMPARE(m.estimateTrainingBytes(12), std::numeric_limits<int64_t>::max());
        GptConfig deep;
        deep.nLayer = 100000;
        QVERIFY(deep.estimateTrainingBytes(12) > (int64_t(1) << 40)); // ~20 trillion bytes, positive
        GptConfig longContext;
        longContext.blockSize = 1000000000;
        QVERIFY(longContext.estimateTrainingBytes(12) > (int64_t(1) << 40));
        // An ordinary model keeps its exact count.
        GptConfig small;
        QCOMPARE(small.parameterCount(), int64_t(256 * 128 + 64 * 128 + 4 * (12 * 128 * 128 + 13 * 128) + 2 * 128));
    }

    void preflightRefusesAHugeModelFromAnySource()
    {
        MachineInfo machine;
        machine.availableMemoryBytes = int64_t(16) << 30;
        machine.cores = 4;
        for (const char* set : {"model.n_layer=100000", "model.n_embd=65536", "model.block_size=1000000000"}) {
            RunConfig c;
            c.data.corpus = "corpus.txt";
            applyOverride(c, set);
            if (std::string(set).find("n_embd") != std::string::npos)
                applyOverride(c, "model.n_head=1");
            const auto findings = preflight(c, machine);
            QVERIFY2(hasErrors(findings), set);
        }
        RunConfig c;
        c.data.corpus = "corpus.txt";
        applyOverride(c, "model.n_embd=1000000000");
        applyOverride(c, "model.n_head=1");
        const auto findings = preflight(c, machine);
        QVERIFY(hasErrors(findings));
        QCOMPARE(QString::fromStdString(findings.front().key), QString("train.batch_size"));
    }

    void checkpointMetadataMustMatchItsTensors()
    {
        tb::test::TempDir dir;
        Checkpoint c;
        c.config.model = GptConfig{66, 8, 1, 2, 8, 0.0, true};
        c.tokenizer = R"({"kind":"byte"})";
        c.corpusHash = "0";
        c.model["w"] = torch::zeros({int64_t(c.config.model.parameterCount())});
        saveCheckpoint(dir / "ok.safetensors", c);
        QCOMPARE(loadCheckpoint(dir / "ok.safetensors").config.model.nLayer, int64_t(1));

        for (const auto& [key, value] : std::vector<std::pair<std::string, int64_t>>{
                 {"n_layer", 100000}, {"n_embd", 65536}, {"block_size", 1000000000}}) {
            Checkpoint crafted = c;
            if (key == "n_layer")
                crafted.config.model.nLayer = value;
            else if (key == "n_embd")
                crafted.config.model.nEmbd = value;
            else
                crafted.config.model.blockSize = value;
            const fs::path file = dir / (key + ".safetensors");
            saveCheckpoint(file, crafted);
            const InputError e = EXPECT_INPUT_ERROR(loadCheckpoint(file), "its metadata does not match its tensors");
            QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(file.string() + " (config)"));
        }
        // A bad tokenizer inside a checkpoint is an error naming the checkpoint, not "invalid tokenizer" alone.
        Checkpoint real = c;
        real.model.clear();
        for (const auto& item : Gpt(c.config.model)->named_parameters())
            real.model[item.key()] = item.value().detach();
        real.tokenizer = R"({"kind": "char", "vocab": 1e999999})";
        saveCheckpoint(dir / "badtok.safetensors", real);
        const InputError t = EXPECT_INPUT_ERROR(loadModel(dir / "badtok.safetensors"), "invalid tokenizer");
        QCOMPARE(QString::fromStdString(t.file()), QString::fromStdString((dir / "badtok.safetensors").string() +
                                                                          " (tokenizer)"));

        Checkpoint invalid = c;
        invalid.config.model.nHead = 3; // 8 is not divisible by 3
        saveCheckpoint(dir / "invalid.safetensors", invalid);
        const InputError e = EXPECT_INPUT_ERROR(loadCheckpoint(dir / "invalid.safetensors"), "describes an invalid model");
        QVERIFY(e.file().ends_with("invalid.safetensors (config)"));
    }
};

QTEST_GUILESS_MAIN(TestInputLimits)
#include "test_input_limits.moc"
