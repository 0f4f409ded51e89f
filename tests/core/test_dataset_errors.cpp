// SPDX-License-Identifier: MIT
// The malformed-input suite of the dataset readers: a table of input bytes -> the exact problem reported (record,
// line, field, message, reason), checked under both policies, and a table of files that cannot be read at all
// (InputError). Samples are written with ' for " (see q()) to keep them readable.
#include "core/common/error.h"
#include "core/data/formats/dataset_reader.h"
#include "core/data/formats/gzip_reader.h"
#include "test_support.h"

#include <QtTest/QtTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace tb::core;
using tb::test::TempDir;

namespace {

/// JSON written with single quotes: q("{'a': 1}") is {"a": 1}.
QByteArray q(const char* text)
{
    QByteArray out(text);
    out.replace('\'', '"');
    return out;
}

DatasetLoadOptions optionsFor(const QString& format, ErrorPolicy policy)
{
    DatasetLoadOptions options;
    options.policy = policy;
    if (!format.isEmpty()) {
        const auto parsed = parseDatasetFormat(format.toStdString());
        if (!parsed)
            qFatal("bad format in test table");
        options.format = *parsed;
    }
    return options;
}

const char* const kTurnsExample = "[{\"from\": \"human\", \"value\": \"...\"}, ...]";
const char* const kPartExample = "{\"type\": \"text\", \"text\": \"...\"}";
const char* const kDisagree = "the prompts of \"chosen\" and \"rejected\" disagree at turn 1; expected the same prompt "
                              "and then different assistant answers";

} // namespace

class TestDatasetErrors : public QObject {
    Q_OBJECT
private slots:
    void badRecord_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("record");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("kept");

        // JSON arrays: truncation and syntax
        QTest::newRow("truncated record") << "a.json" << q("[\n{'instruction': 'a', 'output': 'b'},\n{'instruction': 'c', 'out")
            << "" << 1 << 3 << "" << "truncated JSON: the file ends inside this record (a '}', ']' or '\"' is missing)"
            << "truncated JSON" << 1;
        QTest::newRow("array not closed") << "a.json" << q("[{'text': 'a'}") << "" << -1 << 1 << ""
            << "truncated JSON: the file ends before the array's closing ']'" << "truncated JSON" << 1;
        QTest::newRow("missing comma") << "a.json" << q("[{'text': 'a'}\n{'text': 'b'}]") << "" << -1 << 2 << ""
            << "is not valid JSON: expected ',' or ']' after record 0, got '{' (byte offset 15); the rest of the file "
               "is not read" << "invalid JSON" << 1;
        QTest::newRow("syntax error in record") << "a.json" << q("[\n  {'instruction': 'a', 'output': }\n]") << "alpaca"
            << 0 << 2 << "" << "is not valid JSON: syntax error while parsing value - unexpected '}'; expected '[', "
                               "'{', or a literal (line 2, byte offset 35)" << "invalid JSON" << 0;
        QTest::newRow("bad byte between records") << "a.json" << QByteArray("[{\"text\": \"a\"} \xFF]") << ""
            << -1 << 1 << "" << "is not valid JSON: expected ',' or ']' after record 0, got byte 0xFF (byte offset 15); "
                                "the rest of the file is not read" << "invalid JSON" << 1;
        QTest::newRow("text after array") << "a.json" << q("[{'text': 'a'}] x") << "" << -1 << 1 << ""
            << "unexpected text after the array's closing ']'" << "invalid JSON" << 1;
        // Alpaca fields
        QTest::newRow("wrong type") << "identity.json" << q("[\n  {'instruction': 'a', 'output': 'b'},\n  {'instruction': 'a', 'output': 7}\n]")
            << "" << 1 << 3 << "output" << "expected a string, got a number" << "wrong type" << 1;
        QTest::newRow("missing field") << "a.json" << q("[{'instruction': 'a', 'output': 'b'}, {'instruction': 'a'}]")
            << "" << 1 << 1 << "output" << "missing; expected a string" << "missing field" << 1;
        QTest::newRow("empty string") << "a.jsonl" << q("{'instruction': 'a', 'output': ''}") << "alpaca" << 0 << 1
            << "output" << "expected a non-empty string, got an empty one" << "empty string" << 0;
        QTest::newRow("whitespace string") << "a.jsonl" << q("{'instruction': 'a', 'output': ' \\n '}") << "alpaca"
            << 0 << 1 << "output" << "expected a non-empty string, got only whitespace" << "empty string" << 0;
        QTest::newRow("empty instruction and input") << "a.jsonl" << q("{'instruction': '', 'input': '', 'output': 'x'}")
            << "" << 0 << 1 << "instruction"
            << "expected a non-empty string (or a non-empty \"input\"), got an empty one" << "empty string" << 0;
        QTest::newRow("null output") << "a.jsonl" << q("{'instruction': 'a', 'output': null}") << "" << 0 << 1
            << "output" << "expected a string, got null" << "wrong type" << 0;
        QTest::newRow("history wrong type") << "a.jsonl" << q("{'instruction': 'a', 'output': 'b', 'history': 'x'}")
            << "" << 0 << 1 << "history" << "expected a list of [instruction, answer] pairs, got a string"
            << "wrong type" << 0;
        QTest::newRow("history pair too short") << "a.jsonl" << q("{'instruction': 'a', 'output': 'b', 'history': [['x']]}")
            << "" << 0 << 1 << "history[0]" << "expected a pair [instruction, answer], got a list" << "wrong type" << 0;
        // JSONL lines
        QTest::newRow("jsonl invalid JSON") << "a.jsonl" << q("{'text': 'a'}\n{'text': }\n") << "" << 1 << 2 << ""
            << "is not valid JSON: syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal "
               "(line 2, byte offset 23)" << "invalid JSON" << 1;
        QTest::newRow("jsonl not an object") << "a.jsonl" << q("{'text': 'a'}\n[1, 2]\n") << "" << 1 << 2 << ""
            << "expected a JSON object, got a list" << "not an object" << 1;
        QTest::newRow("jsonl text number") << "a.jsonl" << q("{'text': 5}") << "jsonl-text" << 0 << 1 << "text"
            << "expected a string, got a number" << "wrong type" << 0;
        QTest::newRow("invalid UTF-8") << "a.jsonl" << QByteArray("{\"text\": \"a\"}\n{\"text\": \"b\xFF" "c\"}\n")
            << "" << 1 << 2 << "" << "invalid UTF-8 at byte offset 25: byte 0xFF never appears in UTF-8 (save the file as UTF-8)"
            << "invalid UTF-8" << 1;
        QTest::newRow("CRLF line numbers") << "a.jsonl" << q("{'text': 'a'}\r\n{'text': 'b'}\r\n{'text': 1}\r\n") << ""
            << 2 << 3 << "text" << "expected a string, got a number" << "wrong type" << 2;
        QTest::newRow("BOM then error") << "a.jsonl" << QByteArray("\xEF\xBB\xBF") + q("{'text': 'a'}\n{'text': ''}\n")
            << "" << 1 << 2 << "text" << "expected a non-empty string, got an empty one" << "empty string" << 1;
        QTest::newRow("nested too deep") << "a.jsonl"
            << QByteArray("{\"text\": ") + QByteArray(600, '[') + QByteArray(600, ']') + "}\n" << "" << 0 << 1 << ""
            << "is nested more than 512 levels deep" << "invalid JSON" << 0;
        // ShareGPT
        QTest::newRow("sharegpt unknown role") << "s.json" << q("[{'conversations': [{'from': 'bot', 'value': 'x'}]}]")
            << "" << 0 << 1 << "conversations[0].from"
            << "expected one of human, gpt, system, observation, function_call; got \"bot\"" << "unknown role" << 0;
        QTest::newRow("sharegpt not a list") << "s.json" << q("[{'conversations': 'hi'}]") << "" << 0 << 1
            << "conversations" << QString("expected a list of turns like %1, got a string").arg(kTurnsExample)
            << "wrong type" << 0;
        QTest::newRow("sharegpt empty list") << "s.json" << q("[{'conversations': []}]") << "" << 0 << 1
            << "conversations" << "expected at least one turn, got an empty list" << "empty string" << 0;
        QTest::newRow("sharegpt late system") << "s.json"
            << q("[{'conversations': [{'from': 'human', 'value': 'q'}, {'from': 'system', 'value': 's'}, {'from': 'gpt', 'value': 'a'}]}]")
            << "" << 0 << 1 << "conversations[1].from" << "a system turn may only come first" << "bad conversation" << 0;
        QTest::newRow("sharegpt no answer") << "s.json" << q("[{'conversations': [{'from': 'human', 'value': 'q'}]}]")
            << "" << 0 << 1 << "conversations" << "has no assistant turn; expected at least one answer to learn from"
            << "bad conversation" << 0;
        QTest::newRow("sharegpt missing value") << "s.json" << q("[{'conversations': [{'from': 'human'}]}]") << "" << 0
            << 1 << "conversations[0].value" << "missing; expected a string" << "missing field" << 0;
        QTest::newRow("sharegpt turn not an object") << "s.json" << q("[{'conversations': ['hi']}]") << "" << 0 << 1
            << "conversations[0]" << "expected a turn object like {\"from\": \"human\", \"value\": \"...\"}, got a string"
            << "wrong type" << 0;
        // OpenAI messages
        QTest::newRow("nested content list") << "m.jsonl"
            << q("{'messages': [{'role': 'user', 'content': [[{'type': 'text', 'text': 'hi'}]]}]}") << "" << 0 << 1
            << "messages[0].content[0]" << QString("expected a part object like %1, got a list").arg(kPartExample)
            << "wrong type" << 0;
        QTest::newRow("image part") << "m.jsonl"
            << q("{'messages': [{'role': 'user', 'content': [{'type': 'image_url', 'image_url': 'x'}]}]}") << "" << 0
            << 1 << "messages[0].content[0].type" << "only text parts are supported, got \"image_url\"" << "wrong type" << 0;
        QTest::newRow("missing role") << "m.jsonl" << q("{'messages': [{'content': 'hi'}]}") << "" << 0 << 1
            << "messages[0].role" << "missing; expected one of system, user, assistant, tool" << "missing field" << 0;
        QTest::newRow("null content") << "m.jsonl"
            << q("{'messages': [{'role': 'user', 'content': 'q'}, {'role': 'assistant', 'content': null}]}") << "" << 0
            << 1 << "messages[1].content"
            << QString("expected a string or a list of parts like %1, got null").arg(kPartExample) << "wrong type" << 0;
        QTest::newRow("unknown message role") << "m.jsonl" << q("{'messages': [{'role': 'robot', 'content': 'x'}]}")
            << "" << 0 << 1 << "messages[0].role" << "expected one of system, user, assistant, tool; got \"robot\""
            << "unknown role" << 0;
        // TRL prompt/completion and preference
        QTest::newRow("prompt and completion of different kinds") << "p.jsonl"
            << q("{'prompt': 'q', 'completion': [{'role': 'assistant', 'content': 'a'}]}") << "" << 0 << 1
            << "completion" << "expected a string like \"prompt\", got a list of messages" << "wrong type" << 0;
        QTest::newRow("chosen identical to rejected") << "p.jsonl" << q("{'prompt': 'q', 'chosen': 'a', 'rejected': 'a'}")
            << "" << 0 << 1 << "rejected" << "is identical to \"chosen\"; a pair needs two different answers"
            << "identical pair" << 0;
        QTest::newRow("implicit prompts disagree") << "p.jsonl"
            << q("{'chosen': [{'role': 'user', 'content': 'A'}, {'role': 'assistant', 'content': 'x'}], "
                 "'rejected': [{'role': 'user', 'content': 'B'}, {'role': 'assistant', 'content': 'y'}]}")
            << "" << 0 << 1 << "chosen[0].role" << kDisagree << "prompts disagree" << 0;
        QTest::newRow("implicit no common prefix") << "p.jsonl" << q("{'chosen': 'abc', 'rejected': 'xyz'}") << "" << 0
            << 1 << "rejected" << "shares no prompt with \"chosen\" (an implicit pair starts with the same text)"
            << "prompts disagree" << 0;
        QTest::newRow("implicit answer missing") << "p.jsonl" << q("{'chosen': 'The sky', 'rejected': 'The sky is blue'}")
            << "" << 0 << 1 << "chosen" << "has no answer of its own after the shared prompt" << "prompts disagree" << 0;
        QTest::newRow("hh no markers") << "hh.jsonl" << q("{'chosen': 'hello', 'rejected': '\\n\\nHuman: q\\n\\nAssistant: a'}")
            << "hh-rlhf" << 0 << 1 << "chosen"
            << "expected a transcript of \"\\n\\nHuman: ...\" and \"\\n\\nAssistant: ...\" turns, found no \"\\n\\nHuman:\""
            << "wrong type" << 0;
        QTest::newRow("hh prompts disagree") << "hh.jsonl"
            << q("{'chosen': '\\n\\nHuman: a\\n\\nAssistant: x', 'rejected': '\\n\\nHuman: b\\n\\nAssistant: y'}") << ""
            << 0 << 1 << "chosen[0]" << kDisagree << "prompts disagree" << 0;
        QTest::newRow("hh empty answer") << "hh.jsonl"
            << q("{'chosen': '\\n\\nHuman: a\\n\\nAssistant:', 'rejected': '\\n\\nHuman: a\\n\\nAssistant: y'}") << ""
            << 0 << 1 << "chosen" << "the last \"\\n\\nAssistant:\" turn is empty; expected an answer" << "empty string"
            << 0;
        QTest::newRow("llamafactory chosen by human") << "lf.json"
            << q("[{'conversations': [{'from': 'human', 'value': 'q'}], 'chosen': {'from': 'human', 'value': 'a'}, "
                 "'rejected': {'from': 'gpt', 'value': 'b'}}]")
            << "" << 0 << 1 << "chosen.from" << "expected an answer (\"gpt\"), got a user turn" << "bad conversation" << 0;
        // KTO
        QTest::newRow("kto label string") << "k.jsonl" << q("{'prompt': 'q', 'completion': 'a', 'label': 'yes'}") << ""
            << 0 << 1 << "label" << "expected true or false, got a string" << "wrong type" << 0;
        QTest::newRow("kto missing prompt") << "k.jsonl" << q("{'completion': 'a', 'label': true}") << "kto" << 0 << 1
            << "prompt" << "missing; expected a string or a list of messages (or \"messages\")" << "missing field" << 0;
        // CSV
        QTest::newRow("csv field count") << "q.csv" << QByteArray("prompt,completion\na,b\na,b,c\n") << "" << 1 << 3
            << "" << "has 3 fields, expected 2 as in the header" << "bad CSV row" << 1;
        QTest::newRow("csv unterminated quote") << "q.csv" << QByteArray("prompt,completion\na,b\na,\"b\nc\n") << "" << 1
            << 3 << "" << "a quoted field is never closed (its opening quote is on line 3)" << "bad CSV row" << 1;
        QTest::newRow("csv stray quote") << "q.csv" << QByteArray("prompt,completion\na,b\"c\nd,e\n") << "" << 0 << 2
            << "" << "a quote inside an unquoted field; quote the whole field and double inner quotes" << "bad CSV row"
            << 1;
        QTest::newRow("csv empty cell") << "q.csv" << QByteArray("prompt,completion\na,\n") << "" << 0 << 2
            << "completion" << "expected a non-empty string, got an empty one" << "empty string" << 0;
    }

    void badRecord()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, format);
        QFETCH(int, record);
        QFETCH(int, line);
        QFETCH(QString, field);
        QFETCH(QString, message);
        QFETCH(QString, reason);
        QFETCH(int, kept);
        TempDir dir;
        const auto path = dir / name.toStdString();
        tb::test::writeBytes(path, bytes.toStdString());

        const Dataset d = loadDataset(path, optionsFor(format, ErrorPolicy::Skip));
        QVERIFY2(!d.problems.empty(), "no problem reported");
        const DatasetProblem& p = d.problems.front();
        QCOMPARE(QString::fromStdString(p.message), message);
        QCOMPARE(QString::fromStdString(p.field), field);
        QCOMPARE(p.line, int64_t(line));
        QCOMPARE(p.record, int64_t(record));
        QCOMPARE(QString::fromStdString(p.reason), reason);
        QCOMPARE(p.file, path.string());
        QCOMPARE(d.problems.size(), size_t(1));
        QCOMPARE(d.records.size(), size_t(kept));
        QCOMPARE(d.summary.kept, int64_t(kept));
        QCOMPARE(d.summary.skipped, int64_t(record >= 0 ? 1 : 0));

        // Stop: the same problem ends the load.
        try {
            loadDataset(path, optionsFor(format, ErrorPolicy::Stop));
            QFAIL("expected InputError");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), path.string());
            QCOMPARE(QString::fromStdString(e.field()), field);
            QCOMPARE(e.line(), int64_t(line));
            QVERIFY2(QString::fromStdString(e.message()).endsWith(message), e.what());
        }
    }

    void unreadable_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");

        QTest::newRow("empty file") << "a.jsonl" << QByteArray() << "" << -1 << "" << "is empty";
        QTest::newRow("only whitespace") << "a.json" << QByteArray(" \n\t\r\n") << "" << -1 << ""
                                         << "is empty (it contains only whitespace)";
        QTest::newRow("only a BOM") << "a.txt" << QByteArray("\xEF\xBB\xBF") << "" << -1 << ""
                                    << "is empty (it contains only whitespace)";
        QTest::newRow("binary") << "a.jsonl" << QByteArray("PK\x03\x04\x00\x01\n", 7) << "" << 1 << ""
                                << "looks like a binary file (NUL byte at byte offset 4), expected UTF-8 text";
        QTest::newRow("UTF-16") << "a.json" << QByteArray("\xFF\xFE[\x00]\x00", 6) << "" << -1 << ""
                                << "is UTF-16 encoded; save it as UTF-8";
        QTest::newRow("directory") << "<dir>" << QByteArray() << "" << -1 << "" << "is a directory, expected a file";
        QTest::newRow("device") << "<device>" << QByteArray() << "" << -1 << ""
                                << "is not a regular file (a device)";
        QTest::newRow("missing") << "<missing>" << QByteArray() << "" << -1 << "" << "does not exist";
        QTest::newRow("not JSON") << "a.json" << QByteArray("hello") << "" << 1 << ""
                                  << "is not JSON: expected '[' or '{' at the start, found 'h'";
        QTest::newRow("unknown keys") << "a.jsonl" << q("{'foo': 1, 'bar': 2}\n") << "" << 1 << ""
            << "cannot tell the dataset format from the keys of the first records (bar, foo); give it with --format, "
               "and name the fields with --map FIELD=KEY, e.g. --map prompt=bar (docs/formats.md lists the fields of "
               "each format)";
        QTest::newRow("empty array") << "a.json" << QByteArray("[ ]") << "" << -1 << "" << "has no records";
        QTest::newRow("lone bracket") << "a.json" << QByteArray("[\n") << "" << 2 << ""
                                      << "truncated JSON: the file ends before the array's closing ']'";
        QTest::newRow("text with invalid UTF-8") << "a.txt" << QByteArray("ab\n\xC3(") << "" << 2 << ""
            << "is not valid UTF-8: multi-byte character starting with byte 0xC3 is cut short by byte 0x28 (save "
               "the file as UTF-8)";
        QTest::newRow("gz that is not gzip") << "a.jsonl.gz" << QByteArray("hello") << "" << -1 << ""
                                             << "is named .gz but is not gzip-compressed";
        QTest::newRow("truncated gzip") << "a.jsonl.gz"
            << QByteArray::fromStdString(gzipCompress(std::string(5000, 'x')).substr(0, 20)) << "" << -1 << ""
            << "is a truncated gzip file (the compressed data ends early)";
        QTest::newRow("csv duplicate column") << "a.csv" << QByteArray("a,a\n1,2\n") << "" << 1 << "a"
                                              << "the CSV header names this column twice";
        QTest::newRow("csv nameless column") << "a.csv" << QByteArray("a,\n1,2\n") << "" << 1 << ""
                                             << "the CSV header's column 2 has no name";
        QTest::newRow("csv only a header") << "a.csv" << QByteArray("prompt,completion\n") << "" << -1 << ""
                                           << "has no records";
        QTest::newRow("plain text with a record format") << "a.txt" << QByteArray("hi") << "alpaca" << -1 << ""
            << "is plain text, but the format alpaca needs JSON, JSONL or CSV records";
    }

    void unreadable()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, format);
        QFETCH(int, line);
        QFETCH(QString, field);
        QFETCH(QString, message);
        TempDir dir;
        std::filesystem::path path;
        if (name == "<dir>") {
            path = dir.path();
        } else if (name == "<device>") {
            path = "/dev/zero";
        } else if (name == "<missing>") {
            path = dir / "missing.jsonl";
        } else {
            path = dir / name.toStdString();
            tb::test::writeBytes(path, bytes.toStdString());
        }
        for (const ErrorPolicy policy : {ErrorPolicy::Stop, ErrorPolicy::Skip}) {
            try {
                loadDataset(path, optionsFor(format, policy));
                QFAIL("expected InputError");
            } catch (const InputError& e) {
                QCOMPARE(QString::fromStdString(e.message()), message);
                QCOMPARE(QString::fromStdString(e.field()), field);
                QCOMPARE(e.line(), int64_t(line));
                QCOMPARE(e.file(), path.string());
            }
        }
    }

    void unreadableFile()
    {
        if (geteuid() == 0)
            QSKIP("running as root: a mode-000 file is still readable");
        TempDir dir;
        const auto path = dir / "secret.jsonl";
        tb::test::writeBytes(path, "{\"text\": \"a\"}\n");
        ::chmod(path.c_str(), 0);
        QVERIFY_THROWS_EXCEPTION(InputError, loadDataset(path));
    }
};

QTEST_GUILESS_MAIN(TestDatasetErrors)
#include "test_dataset_errors.moc"
