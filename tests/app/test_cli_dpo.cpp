// SPDX-License-Identifier: MIT
// DPO through tunebench-cli: a tiny byte-level model pretrained on the demo corpus, then `train` with method dpo on
// LLaMA-Factory's dpo_en_demo.json (300 real pairs; those whose prompt fills the 256-token context are left out);
// the summary and metrics carry TRL's reward metrics. And SFT data given to DPO is refused with exit code 2.
#include "tests/app/cli_support.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

using tb::test::runCli;
using tb::test::readJson;
using tb::test::source;

namespace {

QString shared(const QString& relative) { return QStringLiteral(TB_SHARED_DATA_DIR) + "/" + relative; }

} // namespace

class TestCliDpo : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Byte-level, so every character of the real data is spelt; 256 tokens hold a quarter of its prompts.
        const auto base = runCli({"train", "--config", source("resources/demo/demo.yaml"), "--set", "model.n_layer=1",
                                  "--set", "model.n_head=2", "--set", "model.n_embd=32", "--set",
                                  "model.block_size=256", "--set", "tokenizer.kind=byte", "--set", "train.max_steps=10",
                                  "--set", "train.batch_size=4", "--set", "train.eval_interval=10", "--set",
                                  "train.eval_iters=2", "--set", "train.threads=2", "--out", m_dir.filePath("base")},
                                 m_dir.path(), 600000);
        QVERIFY2(base.exitCode == 0, qPrintable(base.err));
    }

    void trainsDpoOnRealPairs()
    {
        const QString config = m_dir.filePath("dpo.yaml");
        tb::test::writeFile(config, "method: dpo\n"
                                    "init_from: base\n"
                                    "dpo: {beta: 0.1}\n"
                                    "train: {batch_size: 2, max_steps: 6, eval_interval: 3, eval_iters: 2,\n"
                                    "        learning_rate: 0.001, warmup_steps: 1, threads: 2, probe_tokens: 8}\n"
                                    "data: {val_fraction: 0.1}\n");
        const auto run = runCli({"train", "--config", config, "--set",
                                 "data.train=" + shared("preference/dpo_en_demo.json"), "--out", m_dir.filePath("dpo")},
                                m_dir.path(), 600000);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains("reward accuracy 0.000, reward margin 0.0000"), qPrintable(run.err)); // step 0
        QVERIFY2(run.err.contains("pairs whose prompt fills the model's 256-token context"), qPrintable(run.err));
        const QJsonObject summary = readJson(m_dir.filePath("dpo/summary.json"));
        QCOMPARE(summary.value("method").toString(), QString("dpo"));
        QCOMPARE(summary.value("status").toString(), QString("completed"));
        QCOMPARE(summary.value("steps").toInt(), 6);
        QVERIFY(summary.value("reward_accuracy").isDouble());
        QVERIFY(summary.value("reward_margin").isDouble());
        QVERIFY(summary.value("final_val_loss").toDouble() > 0.0);
        QVERIFY(summary.value("parent_checkpoint").toString().endsWith("latest.safetensors"));

        QFile metrics(m_dir.filePath("dpo/metrics.jsonl"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        int evals = 0;
        while (!metrics.atEnd()) {
            const QJsonObject line = QJsonDocument::fromJson(metrics.readLine()).object();
            if (!line.contains("eval_loss"))
                continue;
            ++evals;
            QVERIFY(line.value("eval_rewards/accuracies").isDouble());
            QVERIFY(line.value("eval_rewards/margins").isDouble());
            QVERIFY(line.value("eval_rewards/chosen").isDouble());
            QVERIFY(line.value("eval_rewards/rejected").isDouble());
        }
        QCOMPARE(evals, 3); // steps 0, 3, 6
    }

    void refusesSftData()
    {
        const auto run = runCli({"train", "--config", m_dir.filePath("dpo.yaml"), "--set",
                                 "data.train=" + shared("sft/identity.json"), "--out", m_dir.filePath("dpo-sft")},
                                m_dir.path());
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("identity.json") && run.err.contains("data.train") &&
                     run.err.contains("DPO needs preference pairs (chosen/rejected)"),
                 qPrintable(run.err));
    }
};

QTEST_GUILESS_MAIN(TestCliDpo)
#include "test_cli_dpo.moc"
