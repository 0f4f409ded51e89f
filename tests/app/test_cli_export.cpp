// SPDX-License-Identifier: MIT
// `tunebench-cli export`: a trained run as safetensors + config.json, a LoRA checkpoint as a PEFT adapter, both read
// back by the core to the same logits, and every bad input with exit code 2 and a message naming it.
#include "core/io/model_export.h"
#include "core/model/gpt.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "tests/app/cli_support.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <QTemporaryDir>

using tb::test::corpusText;
using tb::test::runCli;
using tb::test::writeFile;
using Result = tb::test::CliResult;
namespace core = tb::core;

namespace {

QByteArray tinyConfig(int steps)
{
    return QString(R"(model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, dropout: 0.0}
train: {batch_size: 4, max_steps: %1, learning_rate: 0.003, min_lr: 0.0003, warmup_steps: 2, eval_interval: 10,
        eval_iters: 2, threads: 1}
data: {corpus: "corpus.txt", cache_dir: cache}
tokenizer: {kind: char}
)")
        .arg(steps)
        .toUtf8();
}

torch::Tensor logits(core::Gpt& model)
{
    torch::NoGradGuard noGrad;
    return model(torch::tensor({{1, 2, 3, 4, 5, 6, 7, 8}}, torch::kLong));
}

std::string path(const QTemporaryDir& dir, const char* name) { return dir.filePath(name).toStdString(); }

} // namespace

class TestCliExport : public QObject {
    Q_OBJECT
private slots:
    void exportRunAndLoraAdapter()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("corpus.txt"), corpusText(3000));
        writeFile(dir.filePath("run.yaml"), tinyConfig(10));
        const Result train = runCli({"pretrain", "--config", dir.filePath("run.yaml"), "--out", dir.filePath("run")},
                                    dir.path());
        QCOMPARE(train.exitCode, 0);

        const Result help = runCli({"export", "--help"});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("--format safetensors"));

        // The whole model.
        const Result full = runCli({"export", dir.filePath("run"), "--format", "safetensors", "--out", dir.filePath("full")});
        QCOMPARE(full.exitCode, 0);
        QVERIFY2(full.out.contains("model.safetensors") && full.out.contains("config.json"), qPrintable(full.out));
        core::LoadedModel run = core::loadModel(path(dir, "run"));
        core::LoadedModel imported = core::importModel(path(dir, "full"));
        QVERIFY(torch::equal(logits(imported.model), logits(run.model)));
        QCOMPARE(imported.tokenizer->serialize(), run.tokenizer->serialize());

        // A pretraining run has no adapter.
        const Result notLora = runCli({"export", dir.filePath("run"), "--format", "peft", "--out", dir.filePath("p")});
        QCOMPARE(notLora.exitCode, 2);
        QVERIFY2(notLora.err.contains("only LoRA runs"), qPrintable(notLora.err));
        QVERIFY(!QFile::exists(dir.filePath("p/adapter_config.json")));

        // A LoRA checkpoint on top of the run (what a LoRA fine-tune writes: base + adapters, method lora).
        core::Checkpoint c = core::loadCheckpoint(run.checkpoint);
        core::Gpt lora = core::loadModel(run.checkpoint).model;
        c.config.method = "lora";
        c.config.initFrom = path(dir, "run");
        c.config.lora = core::LoraConfig{2, 4.0, 0.0, {"q", "v", "mlp_out"}};
        lora->enableLora(c.config.lora);
        {
            torch::NoGradGuard noGrad;
            for (auto& [name, p] : lora->trainableParameters())
                p.normal_(0.0, 0.2);
        }
        for (const auto& item : lora->named_parameters())
            c.model[item.key()] = item.value().detach();
        core::saveCheckpoint(path(dir, "lora.safetensors"), c);
        const Result peft = runCli({"export", dir.filePath("lora.safetensors"), "--format", "peft", "--out",
                                    dir.filePath("peft")});
        QCOMPARE(peft.exitCode, 0);
        QVERIFY2(peft.out.contains("adapter_model.safetensors") && peft.out.contains("adapter_config.json"),
                 qPrintable(peft.out));
        core::LoadedModel adapted = core::importModel(path(dir, "peft"));
        QVERIFY(torch::equal(logits(adapted.model), logits(lora)));
        QVERIFY(!torch::equal(logits(adapted.model), logits(run.model)));

        // sample and compare read export folders: the full export generates what the run does, and the adapter
        // (applied to the base its adapter_config.json names) what the LoRA checkpoint does.
        const QStringList ask = {"--greedy", "--prompt", "the", "--max-new-tokens", "24"};
        const Result fromRun = runCli(QStringList{"sample", dir.filePath("run")} + ask, dir.path());
        const Result fromExport = runCli(QStringList{"sample", dir.filePath("full")} + ask, dir.path());
        QCOMPARE(fromExport.exitCode, 0);
        QCOMPARE(fromExport.out, fromRun.out);
        const Result fromLora = runCli(QStringList{"sample", dir.filePath("lora.safetensors")} + ask, dir.path());
        const Result fromAdapter = runCli(QStringList{"sample", dir.filePath("peft")} + ask, dir.path());
        QCOMPARE(fromAdapter.exitCode, 0);
        QCOMPARE(fromAdapter.out, fromLora.out);
        const Result both = runCli(QStringList{"compare", dir.filePath("full"), dir.filePath("peft"), "--json"} + ask,
                                   dir.path());
        QVERIFY2(both.exitCode == 0, qPrintable(both.err));
        QCOMPARE(both.out.trimmed().split('\n').size(), 2);
    }

    void badInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no source") << QStringList{"export", "--format", "peft", "--out", "x"}
                                   << "exactly one run directory";
        QTest::newRow("no format") << QStringList{"export", "/nonexistent/run", "--out", "x"} << "--format";
        QTest::newRow("no out") << QStringList{"export", "/nonexistent/run", "--format", "peft"} << "--out DIR";
        QTest::newRow("bad format") << QStringList{"export", "/nonexistent/run", "--format", "gguf", "--out", "x"}
                                    << "format: is 'gguf' (expected safetensors or peft)";
        QTest::newRow("missing run") << QStringList{"export", "/nonexistent/run", "--format", "safetensors", "--out",
                                                    "x"}
                                     << "/nonexistent/run: does not exist";
        QTest::newRow("unknown option") << QStringList{"export", "/nonexistent/run", "--fromat", "peft"} << "fromat";
    }

    void badInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const Result r = runCli(args, dir.path());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath("x")));
    }
};

QTEST_GUILESS_MAIN(TestCliExport)
#include "test_cli_export.moc"
