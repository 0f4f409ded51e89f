// SPDX-License-Identifier: MIT
// `tunebench-cli data check` as a user runs it: exit codes 0 (clean), 1 (problems), 2 (unreadable, bad option),
// the text report and the --json object parsed back.
#include "tests/app/cli_support.h"
#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

using tb::test::corpusText;
using tb::test::runCli;
using tb::test::writeFile;
using Result = tb::test::CliResult;

namespace {

QJsonObject parseObject(const QString& text)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qWarning("not one JSON object: %s", qPrintable(text.left(400)));
    return doc.object();
}

QString shared(const char* relative) { return QStringLiteral(TB_SHARED_DATA_DIR "/") + relative; }

} // namespace

class TestCliData : public QObject {
    Q_OBJECT
private slots:
    void cleanFileExitsZero()
    {
        const Result r = runCli({"data", "check", shared("sft/identity.json")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY(r.out.contains(": alpaca (json)"));
        QVERIFY(r.out.contains("records: 91 read, 91 kept, 0 skipped"));
        QVERIFY(r.out.contains("conversation: 91"));
        QVERIFY(r.out.contains("problems: none"));
    }

    void cleanFileJson()
    {
        const Result r = runCli({"data", "check", shared("sft/gsm8k_test.jsonl"), "--map", "prompt=question",
                                 "--map=completion=answer", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const QJsonObject o = parseObject(r.out);
        QCOMPARE(o.value("format").toString(), QString("prompt-completion"));
        QCOMPARE(o.value("records").toInt(), 1319);
        QCOMPARE(o.value("skipped").toInt(), 0);
        QCOMPARE(o.value("problems").toArray().size(), 0);
        const QJsonObject lengths = o.value("lengths").toObject();
        int total = 0;
        for (const QJsonValue c : lengths.value("counts").toArray())
            total += c.toInt();
        QCOMPARE(total, 1319);
    }

    void problemsExitOne()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("identity.json");
        writeFile(path, "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n  {\"instruction\": \"c\", \"output\": 3},\n"
                        "  {\"instruction\": \"a\", \"output\": \"b\"}\n]\n");
        const Result text = runCli({"data", "check", path});
        QCOMPARE(text.exitCode, 1);
        QVERIFY2(text.out.contains(path + ": record 1 (line 3): field \"output\": expected a string, got a number"),
                 qPrintable(text.out));
        QVERIFY(text.out.contains(path + ": record 2 (line 4): is an exact duplicate of record 0 (line 2) (warning)"));
        QVERIFY(text.out.contains("records: 3 read, 2 kept, 1 skipped"));

        const Result r = runCli({"data", "check", path, "--json"});
        QCOMPARE(r.exitCode, 1);
        const QJsonObject o = parseObject(r.out);
        QCOMPARE(o.value("format").toString(), QString("alpaca"));
        QCOMPARE(o.value("records").toInt(), 2);
        QCOMPARE(o.value("skipped").toInt(), 1);
        QCOMPARE(o.value("duplicates").toInt(), 1);
        const QJsonArray problems = o.value("problems").toArray();
        QCOMPARE(problems.size(), 2);
        const QJsonObject first = problems[0].toObject();
        QCOMPARE(first.value("file").toString(), path);
        QCOMPARE(first.value("line").toInt(), 3);
        QCOMPARE(first.value("record").toInt(), 1);
        QCOMPARE(first.value("field").toString(), QString("output"));
        QCOMPARE(first.value("message").toString(), QString("expected a string, got a number"));
        QCOMPARE(first.value("severity").toString(), QString("error"));
        QCOMPARE(problems[1].toObject().value("severity").toString(), QString("warning"));
        QCOMPARE(o.value("skipped_by_reason").toObject().value("wrong type").toInt(), 1);
    }

    void overlapWithValidationFile()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath("train.jsonl"), "{\"text\": \"one two three four five\"}\n");
        writeFile(dir.filePath("val.jsonl"), "{\"text\": \"zero two three four six\"}\n{\"text\": \"seven eight\"}\n");
        const Result r = runCli({"data", "check", dir.filePath("train.jsonl"), "--val", dir.filePath("val.jsonl"),
                                 "--ngram", "3", "--json"});
        QCOMPARE(r.exitCode, 1);
        const QJsonObject o = parseObject(r.out);
        QCOMPARE(o.value("overlap").toObject().value("overlapping_records").toInt(), 1);
        const QJsonArray problems = o.value("problems").toArray();
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems[0].toObject().value("file").toString(), dir.filePath("val.jsonl"));
        QCOMPARE(problems[0].toObject().value("line").toInt(), 1);
        QCOMPARE(problems[0].toObject().value("reason").toString(), QString("train/val overlap"));
    }

    void unreadableExitsTwo_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QByteArray() << "is empty";
        QTest::newRow("binary") << QByteArray("a\0b", 3) << "looks like a binary file";
        QTest::newRow("undetectable") << QByteArray("{\"x\": 1}\n") << "cannot tell the dataset format";
    }
    void unreadableExitsTwo()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString path = dir.filePath("data.jsonl");
        writeFile(path, bytes);
        const Result r = runCli({"data", "check", path});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith("error: " + path) && r.err.contains(message), qPrintable(r.err));
        const Result j = runCli({"data", "check", path, "--json"});
        QCOMPARE(j.exitCode, 2);
        const QJsonObject o = parseObject(j.out);
        QVERIFY(o.value("format").isNull());
        QCOMPARE(o.value("records").toInt(), 0);
        const QJsonArray problems = o.value("problems").toArray();
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems[0].toObject().value("file").toString(), path);
        QVERIFY(problems[0].toObject().value("message").toString().contains(message));
    }

    void missingFileAndDirectory()
    {
        QTemporaryDir dir;
        QCOMPARE(runCli({"data", "check", dir.filePath("nope.json")}).exitCode, 2);
        const Result r = runCli({"data", "check", dir.path()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("is a directory"));
    }

    void badOptionsExitTwo()
    {
        QCOMPARE(runCli({"data", "check", shared("sft/identity.json"), "--format", "yaml"}).exitCode, 2);
        QCOMPARE(runCli({"data", "check", shared("sft/identity.json"), "--map", "prompt"}).exitCode, 2);
        QCOMPARE(runCli({"data", "check"}).exitCode, 2);
        QCOMPARE(runCli({"data", "frobnicate"}).exitCode, 2);
        const Result help = runCli({"data", "--help"});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("usage: tunebench-cli data check FILE"));
    }

    void formatOverride()
    {
        // Read as plain text on request: one document, no problems.
        const Result r = runCli({"data", "check", shared("sft/identity.json"), "--format", "text", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = parseObject(r.out);
        QCOMPARE(o.value("format").toString(), QString("text"));
        QCOMPARE(o.value("records").toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestCliData)
#include "test_cli_data.moc"
