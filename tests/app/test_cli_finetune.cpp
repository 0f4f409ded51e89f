// SPDX-License-Identifier: MIT
// Fine-tuning through tunebench-cli: `data preview` (on LLaMA-Factory's identity data, which tests the loader and
// data.replace) and the CLI's bad inputs for fine-tuning. The two-step demo itself is test_cli_demo.cpp.
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
        const auto alias = runCli({"pretrain", "--config", source("resources/demo/finetune_demo.yaml"), "--out",
                                   dir.filePath("x")});
        QCOMPARE(alias.exitCode, 2);
        QVERIFY2(alias.err.contains("method"), qPrintable(alias.err));
        const auto noParent = runCli({"train", "--config", source("resources/demo/finetune_demo.yaml"), "--set",
                                      "init_from=" + dir.filePath("nothing"), "--out", dir.filePath("y")});
        QCOMPARE(noParent.exitCode, 2);
        QVERIFY2(noParent.err.contains("init_from"), qPrintable(noParent.err));
        QVERIFY(!QFile::exists(dir.filePath("y/summary.json")));
        const auto unset = runCli({"train", "--config", source("resources/demo/finetune_demo.yaml"), "--out",
                                   dir.filePath("z")});
        QCOMPARE(unset.exitCode, 2);
        QVERIFY2(unset.err.contains("init_from is not set"), qPrintable(unset.err));
    }
};

QTEST_GUILESS_MAIN(TestCliFinetune)
#include "test_cli_finetune.moc"
