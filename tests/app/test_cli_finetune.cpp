// SPDX-License-Identifier: MIT
// Fine-tuning through tunebench-cli: the identity demonstration (pretrain on the built-in demo corpus, SFT on
// LLaMA-Factory's identity data with {{name}} -> TuneBench; the tuned model says its name, the base does not),
// `data preview`, and the CLI's bad inputs for fine-tuning.
#include "tests/app/cli_support.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

using tb::test::runCli;
using tb::test::readJson;
using tb::test::source;

namespace {

QString identityData() { return QStringLiteral(TB_SHARED_DATA_DIR) + "/sft/identity.json"; }

} // namespace

class TestCliFinetune : public QObject {
    Q_OBJECT
private slots:
    void identityDemonstration()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        // The demo preset, shortened: 2 layers and 200 steps learn the corpus's words and spacing.
        const auto base = runCli({"train", "--config", source("resources/demo/demo.yaml"), "--set",
                                  "train.max_steps=200", "--set", "model.n_layer=2", "--set", "train.eval_interval=100",
                                  "--set", "train.threads=2", "--out", dir.filePath("base")},
                                 dir.path(), 1500000);
        QVERIFY2(base.exitCode == 0, qPrintable(base.err));

        const auto tuned = runCli({"train", "--config", source("resources/demo/identity_sft.yaml"), "--set",
                                   "init_from=" + dir.filePath("base"), "--set", "data.train=" + identityData(),
                                   "--set", "train.threads=2", "--out", dir.filePath("sft")},
                                  dir.path(), 1500000);
        QVERIFY2(tuned.exitCode == 0, qPrintable(tuned.err));
        // The progress printer shows the forgetting meter; the summary holds before/after and the lineage.
        QVERIFY2(tuned.err.contains("forgetting perplexity"), qPrintable(tuned.err));
        const QJsonObject summary = readJson(dir.filePath("sft/summary.json"));
        QCOMPARE(summary.value("method").toString(), QString("sft"));
        QVERIFY(summary.value("forgetting_before").isDouble());
        QVERIFY(summary.value("forgetting_after").isDouble());
        QVERIFY(summary.value("adapter_kl").toDouble() > 0.0);
        QCOMPARE(QDir::cleanPath(summary.value("parent_run").toString()), QDir::cleanPath(dir.filePath("base")));

        const QStringList ask = {"--chat", "--greedy", "--prompt", "Who are you?", "--max-new-tokens", "60"};
        const auto after = runCli(QStringList{"sample", dir.filePath("sft")} + ask, dir.path());
        QVERIFY2(after.exitCode == 0, qPrintable(after.err));
        const auto before = runCli(QStringList{"sample", dir.filePath("base")} + ask, dir.path());
        QVERIFY2(before.exitCode == 0, qPrintable(before.err));
        qInfo("base:  %s", qPrintable(before.out.trimmed()));
        qInfo("tuned: %s", qPrintable(after.out.trimmed()));
        QVERIFY2(after.out.contains("TuneBench"), qPrintable(after.out));
        QVERIFY2(!before.out.contains("TuneBench"), qPrintable(before.out));
        // sample warns that the base never learnt a chat template.
        QVERIFY(before.err.contains("not fine-tuned"));

        // compare --chat follows the Compare tab's rule: the tuned run gets its template, the base the raw prompt.
        const auto both = runCli({"compare", dir.filePath("base"), dir.filePath("sft"), "--chat", "--greedy",
                                  "--prompt", "Who are you?", "--max-new-tokens", "60", "--json"},
                                 dir.path());
        QVERIFY2(both.exitCode == 0, qPrintable(both.err));
        QVERIFY2(both.err.contains("gets the raw prompt"), qPrintable(both.err));
        const QStringList lines = both.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY2(!lines[0].contains("TuneBench") && lines[1].contains("TuneBench"), qPrintable(both.out));
    }

    void dataPreviewMarksTheLossTokens()
    {
        const auto r = runCli({"data", "preview", identityData(), "--record", "2", "--replace", "{{name}}=TuneBench",
                               "--replace", "{{author}}=the TuneBench team"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("User: Who are you?\nAssistant: «I am TuneBench, an AI assistant developed by the "
                                "TuneBench team. How can I assist you today?\n»"),
                 qPrintable(r.out));
        const auto all = runCli({"data", "preview", identityData(), "--record", "2", "--loss-on", "all"});
        QVERIFY2(all.out.contains("«User: Who are you?\nAssistant: I am {{name}}"), qPrintable(all.out));

        const auto badTemplate = runCli({"data", "preview", identityData(), "--template", "[[user]]{content}"});
        QCOMPARE(badTemplate.exitCode, 2);
        QVERIFY2(badTemplate.err.contains("[[assistant]]"), qPrintable(badTemplate.err));
        const auto badRecord = runCli({"data", "preview", identityData(), "--record", "1000"});
        QCOMPARE(badRecord.exitCode, 2);
        QVERIFY2(badRecord.err.contains("--record"), qPrintable(badRecord.err));
        const auto prefs = runCli({"data", "preview", QStringLiteral(TB_SHARED_DATA_DIR) + "/preference/" +
                                                          QDir(QStringLiteral(TB_SHARED_DATA_DIR) + "/preference")
                                                              .entryList({"*.json*"}, QDir::Files)
                                                              .value(0)});
        QCOMPARE(prefs.exitCode, 2);
        QVERIFY2(prefs.err.contains("data.train") || prefs.err.contains("preference"), qPrintable(prefs.err));
    }

    void badFineTuningInputs()
    {
        QTemporaryDir dir;
        // `pretrain` refuses another method; `train` names a missing parent.
        const auto alias = runCli({"pretrain", "--config", source("resources/demo/identity_sft.yaml"), "--out",
                                   dir.filePath("x")});
        QCOMPARE(alias.exitCode, 2);
        QVERIFY2(alias.err.contains("method"), qPrintable(alias.err));
        const auto noParent = runCli({"train", "--config", source("resources/demo/identity_sft.yaml"), "--set",
                                      "init_from=" + dir.filePath("nothing"), "--out", dir.filePath("y")});
        QCOMPARE(noParent.exitCode, 2);
        QVERIFY2(noParent.err.contains("init_from"), qPrintable(noParent.err));
        QVERIFY(!QFile::exists(dir.filePath("y/summary.json")));
        const auto unset = runCli({"train", "--config", source("resources/demo/identity_sft.yaml"), "--out",
                                   dir.filePath("z")});
        QCOMPARE(unset.exitCode, 2);
        QVERIFY2(unset.err.contains("init_from is not set"), qPrintable(unset.err));
    }
};

QTEST_GUILESS_MAIN(TestCliFinetune)
#include "test_cli_finetune.moc"
