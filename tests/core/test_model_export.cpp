// SPDX-License-Identifier: MIT
// Export and import: a LoRA run as a merged full model (model.safetensors + config.json) and as a PEFT adapter
// (adapter_config.json + adapter_model.safetensors), both read back to the same logits; the c_attn adapter follows
// PEFT's formula (lora_alpha/r · B·A with rank_pattern/alpha_pattern); an independent Python reader (json + struct
// only) checks names, shapes, dtypes and values; bad inputs are InputErrors.
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/io/model_export.h"
#include "core/io/safetensors.h"
#include "core/model/gpt.h"
#include "core/model/lora.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "tests/core/model_fixtures.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <QProcess>
#include <limits>
#include <QtTest/QtTest>

using namespace tb::core;
using tb::test::tinyConfig;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

constexpr int64_t kRank = 4;
constexpr double kAlpha = 6.0;

Gpt makeBase()
{
    torch::manual_seed(21);
    Gpt model(tinyConfig());
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters())
        p.normal_(0.0, 0.5);
    model->eval();
    return model;
}

void save(Gpt& model, const std::string& method, const fs::path& file, const fs::path& initFrom = {})
{
    Checkpoint c;
    c.config.method = method;
    c.config.initFrom = initFrom.string();
    c.config.model = model->config();
    if (model->loraEnabled())
        c.config.lora = model->loraConfig();
    c.config.promptTuning.numVirtualTokens = model->numVirtualTokens();
    c.config.data.corpus = "/tmp/corpus.txt";
    c.step = 42;
    c.tokenizer = R"({"kind":"byte"})";
    c.corpusHash = "0123456789abcdef";
    for (const auto& item : model->named_parameters())
        c.model[item.key()] = item.value().detach();
    saveCheckpoint(file, c);
}

/// base.safetensors (a plain model) and lora.safetensors (the same base with trained-looking adapters).
struct Runs {
    tb::test::TempDir dir;
    fs::path base;
    fs::path lora;
    Gpt model{nullptr}; // the LoRA model

    explicit Runs(std::vector<std::string> targets = {"q", "k", "v", "attn_out", "mlp_in"})
    {
        base = dir / "base.safetensors";
        lora = dir / "lora.safetensors";
        Gpt plain = makeBase();
        save(plain, "pretrain", base);
        model = makeBase();
        model->enableLora(LoraConfig{kRank, kAlpha, 0.1, std::move(targets)});
        torch::NoGradGuard noGrad;
        for (auto& [name, p] : model->trainableParameters())
            p.normal_(0.0, 0.3);
        save(model, "lora", lora, base);
    }
};

torch::Tensor input() { return torch::tensor({{1, 5, 2, 9, 0, 3, 7, 4}, {10, 2, 2, 6, 8, 1, 0, 5}}, torch::kLong); }

torch::Tensor logits(Gpt& model)
{
    torch::NoGradGuard noGrad;
    return model(input());
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

Json readJson(const fs::path& file) { return Json::parse(readFile(file)); }

/// Runs tests/data/read_safetensors.py on an expectation file; returns its exit code and prints its output.
int runReader(const fs::path& expected)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start("/usr/bin/python3", {QString::fromStdString((tb::test::testDataDir() / "read_safetensors.py").string()),
                                 QString::fromStdString(expected.string())});
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit)
        return -1;
    const QByteArray out = p.readAll();
    if (!out.isEmpty())
        qInfo("read_safetensors.py: %s", out.constData());
    return p.exitCode();
}

/// The expectation for one tensor: dtype, shape and the values at a few flat indices (first, last, and a stride).
Json expectTensor(const torch::Tensor& t)
{
    const auto flat = t.contiguous().view({-1}).to(torch::kDouble);
    Json values = Json::array();
    for (int64_t i = 0; i < flat.numel(); i += std::max<int64_t>(1, flat.numel() / 7))
        values.push_back({i, flat[i].item<double>()});
    values.push_back({flat.numel() - 1, flat[-1].item<double>()});
    return {{"dtype", safetensorsDtypeName(t.scalar_type())}, {"shape", t.sizes().vec()}, {"values", values}};
}

} // namespace

class TestModelExport : public QObject {
    Q_OBJECT
private slots:
    void formatNames()
    {
        QVERIFY(parseExportFormat("safetensors") == ExportFormat::Safetensors);
        QVERIFY(parseExportFormat("peft") == ExportFormat::Peft);
        QVERIFY_THROWS_EXCEPTION(InputError, parseExportFormat("gguf"));
    }

    void fullExportMergesLoraAndReadsBack()
    {
        Runs runs;
        const fs::path out = runs.dir / "full";
        const auto files = exportModel(runs.lora, out, ExportFormat::Safetensors);
        QCOMPARE(files.size(), size_t(2));
        const Json config = readJson(out / "config.json");
        QCOMPARE(config["n_layer"].get<int64_t>(), int64_t(2));
        QCOMPARE(config["n_head"].get<int64_t>(), int64_t(2));
        QCOMPARE(config["n_embd"].get<int64_t>(), int64_t(16));
        QCOMPARE(config["block_size"].get<int64_t>(), int64_t(8));
        QCOMPARE(config["n_positions"].get<int64_t>(), int64_t(8));
        QCOMPARE(config["vocab_size"].get<int64_t>(), int64_t(11));
        QCOMPARE(config["bias"].get<bool>(), true);
        QCOMPARE(config["architecture"].get<std::string>(), std::string("nanogpt"));
        QCOMPARE(config["tokenizer"]["kind"].get<std::string>(), std::string("byte"));
        QCOMPARE(config["tunebench"]["step"].get<int64_t>(), int64_t(42));
        // No adapter tensors: they are merged into the base weights.
        const auto data = readSafetensors(out / "model.safetensors");
        for (const auto& [name, t] : data.tensors)
            QVERIFY2(name.find("lora") == std::string::npos, name.c_str());
        QCOMPARE(data.tensors.size(), size_t(makeBase()->named_parameters().size()));

        LoadedModel imported = importModel(out);
        QVERIFY(!imported.model->loraEnabled());
        QCOMPARE(imported.tokenizer->kind(), std::string("byte"));
        QCOMPARE(imported.step, int64_t(42));
        const double diff = maxDiff(logits(imported.model), logits(runs.model));
        QVERIFY2(diff < 1e-5, qPrintable(QString::number(diff)));
        Gpt base = makeBase();
        QVERIFY(maxDiff(logits(imported.model), logits(base)) > 1e-2);
    }

    void peftExportLayoutAndRoundTrip()
    {
        Runs runs;
        const fs::path out = runs.dir / "peft";
        exportModel(runs.lora, out, ExportFormat::Peft);
        const Json config = readJson(out / "adapter_config.json");
        QCOMPARE(config["peft_type"].get<std::string>(), std::string("LORA"));
        QCOMPARE(config["task_type"].get<std::string>(), std::string("CAUSAL_LM"));
        QCOMPARE(config["r"].get<int64_t>(), kRank);
        QCOMPARE(config["lora_alpha"].get<double>(), kAlpha);
        QCOMPARE(config["lora_dropout"].get<double>(), 0.1);
        QCOMPARE(config["bias"].get<std::string>(), std::string("none"));
        QCOMPARE(config["fan_in_fan_out"].get<bool>(), false);
        QCOMPARE(config["target_modules"].get<std::vector<std::string>>(),
                 (std::vector<std::string>{"c_attn", "attn.c_proj", "c_fc"}));
        QCOMPARE(config["rank_pattern"]["c_attn"].get<int64_t>(), 3 * kRank);
        QCOMPARE(config["alpha_pattern"]["c_attn"].get<double>(), 3 * kAlpha);
        QCOMPARE(config["base_model_name_or_path"].get<std::string>(), runs.base.string());

        const auto data = readSafetensors(out / "adapter_model.safetensors");
        QCOMPARE(data.tensors.size(), size_t(2 * 3 * 2)); // 2 layers × (c_attn, attn.c_proj, c_fc) × (A, B)
        const std::string p = "base_model.model.transformer.h.1.";
        QCOMPARE(data.tensors.at(p + "attn.c_attn.lora_A.weight").sizes(), (torch::IntArrayRef{12, 16}));
        QCOMPARE(data.tensors.at(p + "attn.c_attn.lora_B.weight").sizes(), (torch::IntArrayRef{48, 12}));
        QCOMPARE(data.tensors.at(p + "attn.c_proj.lora_A.weight").sizes(), (torch::IntArrayRef{4, 16}));
        QCOMPARE(data.tensors.at(p + "mlp.c_fc.lora_B.weight").sizes(), (torch::IntArrayRef{64, 4}));

        // PEFT's own formula on the exported tensors, (alpha_pattern / rank_pattern) · B·A, equals the sum of our
        // q, k and v updates placed at their rows.
        torch::NoGradGuard noGrad;
        const auto peftDelta = (3 * kAlpha / double(3 * kRank)) *
                               torch::matmul(data.tensors.at(p + "attn.c_attn.lora_B.weight"),
                                             data.tensors.at(p + "attn.c_attn.lora_A.weight"));
        auto ours = torch::zeros({48, 16});
        const auto params = runs.model->named_parameters();
        for (const auto& [target, row] : std::vector<std::pair<std::string, int64_t>>{{"q", 0}, {"k", 16}, {"v", 32}})
            ours.slice(0, row, row + 16) += (kAlpha / kRank) *
                                             torch::matmul(params[std::string("transformer.h.1.attn.c_attn.lora_") +
                                                                  target + ".B"],
                                                           params[std::string("transformer.h.1.attn.c_attn.lora_") +
                                                                  target + ".A"]);
        QVERIFY(maxDiff(peftDelta, ours) < 1e-6);

        // Read back onto the base named in the adapter: the same model, bit for bit.
        LoadedModel imported = importModel(out);
        QVERIFY(imported.model->loraEnabled());
        QCOMPARE(imported.config.method, std::string("lora"));
        QVERIFY(torch::equal(logits(imported.model), logits(runs.model)));
        // ... and onto a full-model export of the base.
        exportModel(runs.base, runs.dir / "base-export", ExportFormat::Safetensors);
        LoadedModel onExport = importModel(out, runs.dir / "base-export");
        QVERIFY(torch::equal(logits(onExport.model), logits(runs.model)));
    }

    void peftTargetModuleNames_data()
    {
        QTest::addColumn<QStringList>("targets");
        QTest::addColumn<QStringList>("modules");
        QTest::newRow("q only") << QStringList{"q"} << QStringList{"c_attn"};
        QTest::newRow("both c_proj") << QStringList{"attn_out", "mlp_out"} << QStringList{"c_proj"};
        QTest::newRow("mlp only") << QStringList{"mlp_in", "mlp_out"} << QStringList{"c_fc", "mlp.c_proj"};
        QTest::newRow("v and mlp_out") << QStringList{"v", "mlp_out"} << QStringList{"c_attn", "mlp.c_proj"};
    }

    void peftTargetModuleNames()
    {
        QFETCH(QStringList, targets);
        QFETCH(QStringList, modules);
        std::vector<std::string> list;
        for (const auto& t : targets)
            list.push_back(t.toStdString());
        Runs runs(list);
        exportModel(runs.lora, runs.dir / "peft", ExportFormat::Peft);
        const Json config = readJson(runs.dir / "peft" / "adapter_config.json");
        QStringList got;
        for (const auto& m : config["target_modules"])
            got << QString::fromStdString(m.get<std::string>());
        QCOMPARE(got, modules);
        QVERIFY(config["rank_pattern"].empty()); // one or no q/k/v slice: rank r everywhere
        LoadedModel imported = importModel(runs.dir / "peft");
        QVERIFY(torch::equal(logits(imported.model), logits(runs.model)));
    }

    void promptTuningFullExport()
    {
        tb::test::TempDir dir;
        Gpt model = makeBase();
        model->enablePromptTuning(3);
        save(model, "prompt_tuning", dir / "pt.safetensors");
        exportModel(dir / "pt.safetensors", dir / "out", ExportFormat::Safetensors);
        QCOMPARE(readJson(dir / "out" / "config.json")["num_virtual_tokens"].get<int64_t>(), int64_t(3));
        LoadedModel imported = importModel(dir / "out");
        QCOMPARE(imported.model->numVirtualTokens(), int64_t(3));
        const auto x = input().slice(1, 0, 5);
        torch::NoGradGuard noGrad;
        QVERIFY(torch::equal(imported.model(x), model(x)));
        QVERIFY_THROWS_EXCEPTION(InputError, exportModel(dir / "pt.safetensors", dir / "p", ExportFormat::Peft));
    }

    void independentReaderChecksTheFiles()
    {
        Runs runs;
        exportModel(runs.lora, runs.dir / "peft", ExportFormat::Peft);
        exportModel(runs.lora, runs.dir / "full", ExportFormat::Safetensors);
        const auto adapter = readSafetensors(runs.dir / "peft" / "adapter_model.safetensors");
        Json expected = {{"file", (runs.dir / "peft" / "adapter_model.safetensors").string()},
                         {"exact_names", true},
                         {"metadata", {{"format", "pt"}, {"tunebench.lora_targets", "q,k,v,attn_out,mlp_in"}}}};
        for (const auto& [name, t] : adapter.tensors)
            expected["tensors"][name] = expectTensor(t);
        // Values taken from the model itself, not from the file: B of k sits at rows 16.., columns 4..7 of c_attn's B.
        const auto params = runs.model->named_parameters();
        const auto bK = params["transformer.h.0.attn.c_attn.lora_k.B"];
        const std::string cAttnB = "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight";
        expected["tensors"][cAttnB]["values"].push_back({(16 + 2) * 12 + 4 + 1, bK[2][1].item<double>()});
        expected["tensors"][cAttnB]["values"].push_back({2 * 12 + 4 + 1, 0.0}); // a q row, a k column: zero
        const auto aV = params["transformer.h.0.attn.c_attn.lora_v.A"];
        expected["tensors"]["base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"]["values"].push_back(
            {(8 + 3) * 16 + 5, aV[3][5].item<double>()});
        writeFileAtomically(runs.dir / "expected.json", expected.dump());
        QCOMPARE(runReader(runs.dir / "expected.json"), 0);

        // The full model: names and shapes of a few weights, and the merged c_attn weight's values.
        torch::NoGradGuard noGrad;
        runs.model->mergeLora();
        Json full = {{"file", (runs.dir / "full" / "model.safetensors").string()}, {"exact_names", false}};
        full["tensors"]["transformer.wte.weight"] = expectTensor(params["transformer.wte.weight"]);
        full["tensors"]["transformer.h.1.attn.c_attn.weight"] = expectTensor(params["transformer.h.1.attn.c_attn.weight"]);
        full["tensors"]["transformer.h.0.ln_2.bias"] = expectTensor(params["transformer.h.0.ln_2.bias"]);
        writeFileAtomically(runs.dir / "full.json", full.dump());
        QCOMPARE(runReader(runs.dir / "full.json"), 0);

        // The reader can fail: a wrong shape, a wrong value and a missing name are each caught.
        Json wrong = expected;
        wrong["tensors"][cAttnB]["shape"] = {12, 48};
        writeFileAtomically(runs.dir / "wrong.json", wrong.dump());
        QCOMPARE(runReader(runs.dir / "wrong.json"), 1);
        wrong = expected;
        wrong["tensors"][cAttnB]["values"].push_back({(16 + 2) * 12 + 4 + 1, bK[2][1].item<double>() + 0.01});
        writeFileAtomically(runs.dir / "wrong.json", wrong.dump());
        QCOMPARE(runReader(runs.dir / "wrong.json"), 1);
        wrong = expected;
        wrong["tensors"]["base_model.model.transformer.h.0.mlp.c_proj.lora_A.weight"] = expectTensor(aV);
        writeFileAtomically(runs.dir / "wrong.json", wrong.dump());
        QCOMPARE(runReader(runs.dir / "wrong.json"), 1);
    }

    // A diverged run's NaN weights are refused unless asked for, naming the checkpoint and the parameter.
    void nonFiniteWeightsAreRefusedUnlessAllowed()
    {
        tb::test::TempDir dir;
        Gpt model = makeBase();
        {
            torch::NoGradGuard noGrad;
            model->named_parameters()["transformer.h.0.attn.c_attn.weight"][0][3] =
                std::numeric_limits<float>::quiet_NaN();
        }
        const fs::path checkpoint = dir / "nan.safetensors";
        save(model, "pretrain", checkpoint);
        try {
            exportModel(checkpoint, dir / "out", ExportFormat::Safetensors);
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(checkpoint.string()));
            QCOMPARE(QString::fromStdString(e.field()), QString("transformer.h.0.attn.c_attn.weight"));
            QVERIFY2(QString(e.what()).contains("holds 1 NaN or infinite values"), e.what());
        }
        QVERIFY(!fs::exists(dir / "out" / "model.safetensors"));
        const auto files = exportModel(checkpoint, dir / "out", ExportFormat::Safetensors, true, true);
        QVERIFY(fs::exists(dir / "out" / "model.safetensors"));
        QVERIFY(!files.empty());
    }

    void badInputsAreInputErrors()
    {
        Runs runs;
        // Only LoRA runs have a PEFT adapter.
        QVERIFY_THROWS_EXCEPTION(InputError, exportModel(runs.base, runs.dir / "x", ExportFormat::Peft));
        QVERIFY_THROWS_EXCEPTION(InputError, exportModel(runs.dir / "missing", runs.dir / "x",
                                                         ExportFormat::Safetensors));
        QVERIFY_THROWS_EXCEPTION(InputError, exportModel(runs.lora, runs.base, ExportFormat::Safetensors));
        QVERIFY_THROWS_EXCEPTION(InputError, importModel(runs.dir / "missing"));
        QVERIFY_THROWS_EXCEPTION(InputError, importModel(runs.dir.path())); // no export there

        const fs::path out = runs.dir / "peft";
        exportModel(runs.lora, out, ExportFormat::Peft);
        const std::string good = readFile(out / "adapter_config.json");
        const auto expectError = [&](const std::string& text, const char* field, const fs::path& base = {}) {
            writeFileAtomically(out / "adapter_config.json", text);
            try {
                importModel(out, base);
                QFAIL("expected an InputError");
            } catch (const InputError& e) {
                QVERIFY2(std::string(e.what()).find(field) != std::string::npos, e.what());
            }
        };
        expectError("{not json", "adapter_config.json");
        Json config = Json::parse(good);
        config["peft_type"] = "IA3";
        expectError(config.dump(), "peft_type");
        config = Json::parse(good);
        config["fan_in_fan_out"] = true;
        expectError(config.dump(), "fan_in_fan_out");
        config = Json::parse(good);
        config["alpha_pattern"]["c_attn"] = 7.0;
        expectError(config.dump(), "alpha_pattern");
        config = Json::parse(good);
        config["base_model_name_or_path"] = "";
        expectError(config.dump(), "base_model_name_or_path");
        // A base of another shape.
        torch::manual_seed(1);
        auto other = tinyConfig();
        other.nEmbd = 8;
        Gpt small(other);
        save(small, "pretrain", runs.dir / "small.safetensors");
        expectError(good, "lora_A.weight", runs.dir / "small.safetensors");
        // A LoRA run is no base for another adapter.
        expectError(good, "method", runs.lora);
    }
};

QTEST_GUILESS_MAIN(TestModelExport)
#include "test_model_export.moc"
