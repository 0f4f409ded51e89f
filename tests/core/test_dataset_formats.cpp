// SPDX-License-Identifier: MIT
// Dataset readers: every format on real samples (exact counts) and inline samples (exact content), auto-detection,
// gzip, CSV and field mapping, the skip/stop policies and their summary.
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/data/formats/dataset_reader.h"
#include "core/data/formats/gzip_reader.h"
#include "test_support.h"

#include <QtTest/QtTest>

using namespace tb::core;
using tb::test::TempDir;

namespace {

Dataset loadBytes(const TempDir& dir, const std::string& name, const std::string& bytes,
                  const DatasetLoadOptions& options = {})
{
    const auto path = dir / name;
    tb::test::writeBytes(path, bytes);
    return loadDataset(path, options);
}

DatasetLoadOptions withFormat(DatasetFormat format)
{
    DatasetLoadOptions options;
    options.format = format;
    return options;
}

Turn user(std::string text) { return Turn{Role::User, std::move(text)}; }
Turn assistant(std::string text) { return Turn{Role::Assistant, std::move(text)}; }
Turn systemTurn(std::string text) { return Turn{Role::System, std::move(text)}; }

std::string sharedFile(const char* relative) { return (tb::test::sharedDataDir() / relative).string(); }

} // namespace

Q_DECLARE_METATYPE(tb::core::DatasetFormat)

class TestDatasetFormats : public QObject {
    Q_OBJECT
private slots:
    // ---- real samples ------------------------------------------------------------------------------------------
    void identityAlpaca()
    {
        const Dataset d = loadDataset(sharedFile("sft/identity.json"));
        QCOMPARE(d.format, DatasetFormat::Alpaca);
        QCOMPARE(d.container, std::string("json"));
        QCOMPARE(d.records.size(), size_t(91));
        QCOMPARE(d.summary.read, int64_t(91));
        QCOMPARE(d.summary.skipped, int64_t(0));
        const DatasetRecord& first = d.records.front();
        QCOMPARE(first.kind, RecordKind::Conversation);
        QCOMPARE(first.line, int64_t(2));
        QVERIFY(first.turns == (std::vector<Turn>{
                                   user("hi"), assistant("Hello! I am {{name}}, an AI assistant developed by "
                                                         "{{author}}. How can I assist you today?")}));
        QCOMPARE(d.records[1].line, int64_t(7)); // each record spans 5 lines
    }

    void gsm8kWithMapping()
    {
        DatasetLoadOptions options;
        addFieldMapping(options.fieldMap, "prompt=question");
        addFieldMapping(options.fieldMap, "completion=answer");
        const Dataset d = loadDataset(sharedFile("sft/gsm8k_test.jsonl"), options);
        QCOMPARE(d.format, DatasetFormat::PromptCompletion);
        QCOMPARE(d.container, std::string("jsonl"));
        QCOMPARE(d.records.size(), size_t(1319));
        const DatasetRecord& r = d.records.front();
        QVERIFY(r.plain);
        QCOMPARE(r.turns.size(), size_t(2));
        QVERIFY(r.turns[0].content.starts_with("Janet\u2019s ducks lay 16 eggs per day."));
        QVERIFY(r.turns[1].content.ends_with("#### 18"));
        QCOMPARE(d.records.back().line, int64_t(1319));
    }

    void gsm8kWithoutMappingIsUndetectable()
    {
        try {
            loadDataset(sharedFile("sft/gsm8k_test.jsonl"));
            QFAIL("expected InputError");
        } catch (const InputError& e) {
            QVERIFY2(std::string(e.message()).find("(answer, question)") != std::string::npos, e.what());
            QVERIFY(std::string(e.message()).find("--map FIELD=KEY") != std::string::npos);
        }
    }

    void shareGptDummy()
    {
        const Dataset d = loadDataset(sharedFile("sft/sharegpt_dummy_conversation.json"));
        QCOMPARE(d.format, DatasetFormat::ShareGpt);
        QCOMPARE(d.records.size(), size_t(500));
        const DatasetRecord& r = d.records.front();
        QCOMPARE(r.turns.size(), size_t(4));
        QVERIFY(r.turns[0] == user("Who are you?"));
        QCOMPARE(r.turns[1].role, Role::Assistant);
        QVERIFY(r.turns[3] == assistant("You too!"));
    }

    void dpoDemoPreference()
    {
        const Dataset d = loadDataset(sharedFile("preference/dpo_en_demo.json"));
        QCOMPARE(d.format, DatasetFormat::LlamaFactoryPreference);
        QCOMPARE(d.records.size(), size_t(300));
        int withSystem = 0;
        for (const DatasetRecord& r : d.records) {
            QCOMPARE(r.kind, RecordKind::Preference);
            QCOMPARE(r.chosen.size(), size_t(1));
            QCOMPARE(r.rejected.size(), size_t(1));
            QCOMPARE(r.chosen[0].role, Role::Assistant);
            withSystem += r.turns.front().role == Role::System ? 1 : 0;
        }
        QCOMPARE(withSystem, 80); // counted with Python: 80 records start with a system turn
        QVERIFY(d.records[0].turns[0].content.starts_with("Hi! I'd like to create a new language game"));
    }

    // ---- inline samples of every format, exact content ------------------------------------------------------------
    void plainText()
    {
        TempDir dir;
        const Dataset d = loadBytes(dir, "book.txt", "\xEF\xBB\xBFLine one\r\nLine two\r\n");
        QCOMPARE(d.format, DatasetFormat::Text);
        QCOMPARE(d.records.size(), size_t(1));
        QCOMPARE(d.records[0].kind, RecordKind::Document);
        QCOMPARE(d.records[0].text, std::string("Line one\nLine two\n"));
    }

    void jsonlText()
    {
        TempDir dir;
        const Dataset d = loadBytes(dir, "docs.jsonl", "{\"text\": \"first\"}\r\n\r\n{\"text\": \"a\\r\\nb\"}\r\n");
        QCOMPARE(d.format, DatasetFormat::JsonlText);
        QCOMPARE(d.records.size(), size_t(2));
        QCOMPARE(d.records[0].text, std::string("first"));
        QCOMPARE(d.records[1].text, std::string("a\nb"));
        QCOMPARE(d.records[1].line, int64_t(3)); // the blank line counts as a line, not a record
        QCOMPARE(d.records[1].index, int64_t(1));
    }

    void alpacaWithSystemAndHistory()
    {
        TempDir dir;
        const Dataset d = loadBytes(dir, "a.jsonl",
                                    R"({"instruction": "Add", "input": "2 and 3", "output": "5", "system": "Be brief.",)"
                                    R"( "history": [["Hi", "Hello!"]]})"
                                    "\n");
        QCOMPARE(d.format, DatasetFormat::Alpaca);
        QVERIFY(d.records[0].turns == (std::vector<Turn>{systemTurn("Be brief."), user("Hi"), assistant("Hello!"),
                                                         user("Add\n2 and 3"), assistant("5")}));
    }

    void shareGptRoles()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "s.json",
            R"([{"conversations": [{"from": "system", "value": "S"}, {"from": "human", "value": "Q"},)"
            R"( {"from": "function_call", "value": "call f"}, {"from": "observation", "value": "42"},)"
            R"( {"from": "gpt", "value": "A"}]}])");
        QCOMPARE(d.format, DatasetFormat::ShareGpt);
        QVERIFY(d.records[0].turns == (std::vector<Turn>{systemTurn("S"), user("Q"), assistant("call f"),
                                                         Turn{Role::Tool, "42"}, assistant("A")}));
    }

    void messagesWithTypedParts()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "m.jsonl",
            R"({"messages": [{"role": "developer", "content": "Sys"}, {"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "text", "text": "here"}]}, {"role": "assistant", "content": "Done"}]})"
            "\n");
        QCOMPARE(d.format, DatasetFormat::Messages);
        QVERIFY(d.records[0].turns == (std::vector<Turn>{systemTurn("Sys"), user("Look\nhere"), assistant("Done")}));
    }

    void promptCompletionConversational()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "pc.jsonl",
            R"({"prompt": [{"role": "user", "content": "Sky?"}], "completion": [{"role": "assistant", "content": "Blue"}]})"
            "\n");
        QCOMPARE(d.format, DatasetFormat::PromptCompletion);
        QVERIFY(!d.records[0].plain);
        QVERIFY(d.records[0].turns == (std::vector<Turn>{user("Sky?"), assistant("Blue")}));
    }

    void preferenceExplicit()
    {
        TempDir dir;
        const Dataset d =
            loadBytes(dir, "p.jsonl", R"({"prompt": "The sky is", "chosen": " blue.", "rejected": " green."})" "\n");
        QCOMPARE(d.format, DatasetFormat::Preference);
        const DatasetRecord& r = d.records[0];
        QCOMPARE(r.kind, RecordKind::Preference);
        QVERIFY(r.plain);
        QVERIFY(r.turns == std::vector<Turn>{user("The sky is")});
        QVERIFY(r.chosen == std::vector<Turn>{assistant(" blue.")});
        QVERIFY(r.rejected == std::vector<Turn>{assistant(" green.")});
    }

    void preferenceImplicitConversational()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "p.jsonl",
            R"({"chosen": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Blue"}], )"
            R"("rejected": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Green"}]})"
            "\n");
        QCOMPARE(d.format, DatasetFormat::PreferenceImplicit);
        const DatasetRecord& r = d.records[0];
        QVERIFY(!r.plain);
        QVERIFY(r.turns == std::vector<Turn>{user("Sky?")});
        QVERIFY(r.chosen == std::vector<Turn>{assistant("Blue")});
        QVERIFY(r.rejected == std::vector<Turn>{assistant("Green")});
    }

    void preferenceImplicitPlain()
    {
        TempDir dir;
        // The shared prefix stops before a differing multi-byte character: "é" (C3 A9) vs "è" (C3 A8).
        const Dataset d = loadBytes(dir, "p.jsonl", R"({"chosen": "The café", "rejected": "The cafè"})" "\n");
        const DatasetRecord& r = d.records[0];
        QVERIFY(r.plain);
        QVERIFY(r.turns == std::vector<Turn>{user("The caf")});
        QVERIFY(r.chosen == std::vector<Turn>{assistant("é")});
        QVERIFY(r.rejected == std::vector<Turn>{assistant("è")});
    }

    void hhRlhf()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "hh.jsonl",
            R"({"chosen": "\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Joke?\n\nAssistant: Knock knock.", )"
            R"("rejected": "\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Joke?\n\nAssistant: No."})"
            "\n");
        QCOMPARE(d.format, DatasetFormat::HhRlhf);
        const DatasetRecord& r = d.records[0];
        QVERIFY(r.turns == (std::vector<Turn>{user("Hi"), assistant("Hello"), user("Joke?")}));
        QVERIFY(r.chosen == std::vector<Turn>{assistant("Knock knock.")});
        QVERIFY(r.rejected == std::vector<Turn>{assistant("No.")});
    }

    void llamaFactoryPreference()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "lf.json",
            R"([{"conversations": [{"from": "human", "value": "Q"}], "chosen": {"from": "gpt", "value": "good"},)"
            R"( "rejected": {"from": "gpt", "value": "bad"}}])");
        QCOMPARE(d.format, DatasetFormat::LlamaFactoryPreference);
        QVERIFY(d.records[0].turns == std::vector<Turn>{user("Q")});
        QVERIFY(d.records[0].chosen == std::vector<Turn>{assistant("good")});
        QVERIFY(d.records[0].rejected == std::vector<Turn>{assistant("bad")});
    }

    void ktoPlainAndMessages()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "k.jsonl",
            R"({"prompt": "2+2=", "completion": "4", "label": true})"
            "\n"
            R"({"messages": [{"role": "user", "content": "2+2?"}], "completion": [{"role": "assistant", "content": "5"}], "label": false})"
            "\n");
        QCOMPARE(d.format, DatasetFormat::Kto);
        QCOMPARE(d.records.size(), size_t(2));
        QCOMPARE(d.records[0].kind, RecordKind::Labelled);
        QVERIFY(d.records[0].plain);
        QVERIFY(d.records[0].label);
        QVERIFY(d.records[0].turns == std::vector<Turn>{user("2+2=")});
        QVERIFY(d.records[0].completion == std::vector<Turn>{assistant("4")});
        QVERIFY(!d.records[1].plain);
        QVERIFY(!d.records[1].label);
        QVERIFY(d.records[1].turns == std::vector<Turn>{user("2+2?")});
        QVERIFY(d.records[1].completion == std::vector<Turn>{assistant("5")});
    }

    // LLaMA-Factory's KTO layout: the rated answer is the last assistant message, the label a boolean. Read as
    // messages it would lose the label and train on the undesirable answers too.
    void ktoLlamaFactoryMessagesKeepTheLabel()
    {
        TempDir dir;
        DatasetLoadOptions skip;
        skip.policy = ErrorPolicy::Skip;
        const Dataset d = loadBytes(
            dir, "k.json",
            R"([{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], "label": true},)"
            R"( {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "5"}], "label": false},)"
            R"( {"messages": [{"role": "user", "content": "no answer"}], "label": true}])",
            skip);
        QCOMPARE(d.format, DatasetFormat::Kto);
        QCOMPARE(d.records.size(), size_t(2));
        QCOMPARE(d.records[0].kind, RecordKind::Labelled);
        QVERIFY(d.records[0].label);
        QVERIFY(d.records[0].turns == std::vector<Turn>{user("Hi")});
        QVERIFY(d.records[0].completion == std::vector<Turn>{assistant("Hello!")});
        QVERIFY(!d.records[1].label);
        QVERIFY(d.records[1].turns == (std::vector<Turn>{systemTurn("S"), user("2+2?")}));
        QVERIFY(d.records[1].completion == std::vector<Turn>{assistant("5")});
        QCOMPARE(d.problems.size(), size_t(1)); // no answer to rate: a bad record, not a silent one
        QCOMPARE(QString::fromStdString(d.problems[0].field), QString("messages"));
        QCOMPARE(d.problems[0].record, int64_t(2));
    }

    // LLaMA-Factory's newer content parts: {"type": "text", "value": "..."}.
    void messagesWithValueParts()
    {
        TempDir dir;
        const Dataset d = loadBytes(
            dir, "m.jsonl",
            R"({"messages": [{"role": "user", "content": [{"type": "text", "value": "Look"}, {"type": "text", "value": "here"}]}, {"role": "assistant", "content": [{"type": "text", "value": "Done"}]}]})"
            "\n");
        QCOMPARE(d.format, DatasetFormat::Messages);
        QCOMPARE(d.records.size(), size_t(1));
        QVERIFY(d.records[0].turns == (std::vector<Turn>{user("Look\nhere"), assistant("Done")}));
    }

    void csvWithMappingAndQuoting()
    {
        TempDir dir;
        DatasetLoadOptions options;
        addFieldMapping(options.fieldMap, "prompt=question");
        addFieldMapping(options.fieldMap, "completion=answer");
        // RFC 4180: CRLF rows, a quoted field with a comma, a doubled quote and a line break.
        const Dataset d = loadBytes(dir, "qa.csv",
                                    "question,answer\r\n"
                                    "\"Hi, you\",Hello\r\n"
                                    "\"Say \"\"two\"\"\nlines\",\"a\r\nb\"\r\n"
                                    "last,one",
                                    options);
        QCOMPARE(d.format, DatasetFormat::PromptCompletion);
        QCOMPARE(d.container, std::string("csv"));
        QCOMPARE(d.records.size(), size_t(3));
        QVERIFY(d.records[0].turns == (std::vector<Turn>{user("Hi, you"), assistant("Hello")}));
        QVERIFY(d.records[1].turns == (std::vector<Turn>{user("Say \"two\"\nlines"), assistant("a\nb")}));
        QCOMPARE(d.records[1].line, int64_t(3));
        QCOMPARE(d.records[2].line, int64_t(6));
        QVERIFY(d.records[2].turns == (std::vector<Turn>{user("last"), assistant("one")}));
    }

    void csvKtoLabels()
    {
        TempDir dir;
        const Dataset d = loadBytes(dir, "k.csv", "prompt,completion,label\nq,a,true\nq,b,0\n");
        QCOMPARE(d.format, DatasetFormat::Kto);
        QCOMPARE(d.records.size(), size_t(2));
        QVERIFY(d.records[0].label);
        QVERIFY(!d.records[1].label);
    }

    void mappingRenamesFieldsInMessages()
    {
        TempDir dir;
        DatasetLoadOptions options = withFormat(DatasetFormat::PromptCompletion);
        options.policy = ErrorPolicy::Skip;
        addFieldMapping(options.fieldMap, "prompt=q");
        addFieldMapping(options.fieldMap, "completion=a");
        const Dataset d = loadBytes(dir, "x.jsonl", R"({"q": "hi", "a": 3})" "\n", options);
        QCOMPARE(d.problems.size(), size_t(1));
        QCOMPARE(d.problems[0].field, std::string("a")); // the file's name for the field
        QCOMPARE(d.problems[0].message, std::string("expected a string or a list of messages, got a number"));
    }

    void badMapping()
    {
        std::map<std::string, std::string> map;
        QVERIFY_THROWS_EXCEPTION(InputError, addFieldMapping(map, "prompt"));
        QVERIFY_THROWS_EXCEPTION(InputError, addFieldMapping(map, "=x"));
        QVERIFY_THROWS_EXCEPTION(InputError, addFieldMapping(map, "x="));
    }

    // ---- auto-detection ---------------------------------------------------------------------------------------------
    void autoDetect_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<DatasetFormat>("format");
        QTest::newRow("text") << "a.txt" << QByteArray("{\"not\": \"json here\"}") << DatasetFormat::Text;
        QTest::newRow("text-no-extension") << "README" << QByteArray("Hello") << DatasetFormat::Text;
        QTest::newRow("jsonl-text") << "a.jsonl" << QByteArray("{\"text\": \"x\"}\n") << DatasetFormat::JsonlText;
        QTest::newRow("alpaca") << "a.json" << QByteArray(R"([{"instruction": "i", "output": "o"}])")
                                << DatasetFormat::Alpaca;
        QTest::newRow("sharegpt") << "a.json"
                                  << QByteArray(R"([{"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}])")
                                  << DatasetFormat::ShareGpt;
        QTest::newRow("messages") << "a.jsonl"
                                  << QByteArray(R"({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})")
                                  << DatasetFormat::Messages;
        QTest::newRow("prompt-completion") << "a.jsonl" << QByteArray(R"({"prompt": "q", "completion": "a"})")
                                           << DatasetFormat::PromptCompletion;
        QTest::newRow("preference") << "a.jsonl" << QByteArray(R"({"prompt": "q", "chosen": "a", "rejected": "b"})")
                                    << DatasetFormat::Preference;
        QTest::newRow("preference-implicit") << "a.jsonl" << QByteArray(R"({"chosen": "q a", "rejected": "q b"})")
                                             << DatasetFormat::PreferenceImplicit;
        QTest::newRow("llamafactory") << "a.json"
                                      << QByteArray(R"([{"conversations": [{"from": "human", "value": "q"}], "chosen": {"from": "gpt", "value": "a"}, "rejected": {"from": "gpt", "value": "b"}}])")
                                      << DatasetFormat::LlamaFactoryPreference;
        QTest::newRow("hh-rlhf") << "a.jsonl"
                                 << QByteArray(R"({"chosen": "\n\nHuman: q\n\nAssistant: a", "rejected": "\n\nHuman: q\n\nAssistant: b"})")
                                 << DatasetFormat::HhRlhf;
        QTest::newRow("kto") << "a.jsonl" << QByteArray(R"({"prompt": "q", "completion": "a", "label": true})")
                             << DatasetFormat::Kto;
        QTest::newRow("single-object-json") << "one.json" << QByteArray("{\n  \"text\": \"x\"\n}\n")
                                            << DatasetFormat::JsonlText;
        QTest::newRow("first-record-bad") << "a.jsonl"
                                          << QByteArray("{\"foo\": 1}\n{\"prompt\": \"q\", \"completion\": \"a\"}\n")
                                          << DatasetFormat::PromptCompletion;
    }
    void autoDetect()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(DatasetFormat, format);
        TempDir dir;
        DatasetLoadOptions options;
        options.policy = ErrorPolicy::Skip;
        const Dataset d = loadBytes(dir, name.toStdString(), bytes.toStdString(), options);
        QCOMPARE(d.format, format);
        QVERIFY(!d.records.empty());
    }

    void formatOverride()
    {
        TempDir dir;
        // Detected as text by its extension; --format jsonl-text is refused for plain text...
        QVERIFY_THROWS_EXCEPTION(InputError, loadBytes(dir, "a.txt", "hello", withFormat(DatasetFormat::Alpaca)));
        // ...and --format text reads a JSON file as one plain document.
        const Dataset d = loadBytes(dir, "a.json", "[{\"text\": \"x\"}]", withFormat(DatasetFormat::Text));
        QCOMPARE(d.format, DatasetFormat::Text);
        QCOMPARE(d.records[0].text, std::string("[{\"text\": \"x\"}]"));
        // A forced format reads records the detector would have taken for another format.
        const Dataset p = loadBytes(dir, "b.jsonl", R"({"prompt": "q", "completion": "a", "label": true})" "\n",
                                    withFormat(DatasetFormat::PromptCompletion));
        QCOMPARE(p.format, DatasetFormat::PromptCompletion);
        QCOMPARE(p.records[0].kind, RecordKind::Conversation);
    }

    void formatNamesRoundTrip()
    {
        for (const DatasetFormat f : allDatasetFormats())
            QCOMPARE(parseDatasetFormat(datasetFormatName(f)), std::optional<DatasetFormat>(f));
        QCOMPARE(parseDatasetFormat("auto"), std::optional<DatasetFormat>(DatasetFormat::Auto));
        QVERIFY(!parseDatasetFormat("json"));
    }

    // ---- gzip --------------------------------------------------------------------------------------------------------
    void gzipRoundTrip()
    {
        TempDir dir;
        std::string jsonl;
        for (int i = 0; i < 2000; ++i)
            jsonl += "{\"prompt\": \"q" + std::to_string(i) + "\", \"completion\": \"a\"}\n";
        const std::string packed = gzipCompress(jsonl);
        QVERIFY(packed.size() < jsonl.size() / 5);
        QCOMPARE(gunzip(packed, "x"), jsonl);
        const Dataset d = loadBytes(dir, "pc.jsonl.gz", packed);
        QCOMPARE(d.container, std::string("jsonl.gz"));
        QCOMPARE(d.format, DatasetFormat::PromptCompletion);
        QCOMPARE(d.records.size(), size_t(2000));
        QCOMPARE(d.records[1999].turns[0].content, std::string("q1999"));
        // Two concatenated members are one file, as with gzip(1).
        QCOMPARE(gunzip(gzipCompress("ab") + gzipCompress("cd"), "x"), std::string("abcd"));
        // The real Alpaca sample, compressed.
        const Dataset identity = loadBytes(dir, "identity.json.gz", gzipCompress(readFile(sharedFile("sft/identity.json"))));
        QCOMPARE(identity.records.size(), size_t(91));
        QCOMPARE(identity.format, DatasetFormat::Alpaca);
    }

    // ---- policies and summary -------------------------------------------------------------------------------------
    void skipPolicyCountsReasons()
    {
        TempDir dir;
        const std::string bytes = "[\n"
                                  "  {\"instruction\": \"a\", \"output\": \"1\"},\n"  // record 0, line 2
                                  "  {\"instruction\": \"b\", \"output\": 2},\n"      // 1: wrong type
                                  "  {\"instruction\": \"c\"},\n"                     // 2: missing field
                                  "  {\"instruction\": \"d\", \"output\": \"\"},\n"   // 3: empty string
                                  "  {\"instruction\": \"e\", \"output\": \"5\"},\n"  // 4
                                  "  {\"instruction\": \"f\", \"output\": true}\n"    // 5: wrong type
                                  "]\n";
        DatasetLoadOptions options;
        options.policy = ErrorPolicy::Skip;
        const Dataset d = loadBytes(dir, "identity.json", bytes, options);
        QCOMPARE(d.summary.read, int64_t(6));
        QCOMPARE(d.summary.kept, int64_t(2));
        QCOMPARE(d.summary.skipped, int64_t(4));
        QCOMPARE(d.summary.skippedByReason,
                 (std::map<std::string, int64_t>{{"wrong type", 2}, {"missing field", 1}, {"empty string", 1}}));
        QCOMPARE(d.records[0].index, int64_t(0));
        QCOMPARE(d.records[1].index, int64_t(4));
        QCOMPARE(d.records[1].line, int64_t(6));
        QCOMPARE(d.problems.size(), size_t(4));
        QCOMPARE(d.problems[0].describe(),
                 (dir / "identity.json").string() + ": record 1 (line 3): field \"output\": expected a string, got a number");
        QCOMPARE(d.problems[3].describe(),
                 (dir / "identity.json").string() + ": record 5 (line 7): field \"output\": expected a string, got a boolean");

        // Stop: the first bad record ends the load with an InputError naming it; nothing is returned.
        try {
            loadBytes(dir, "identity.json", bytes);
            QFAIL("expected InputError");
        } catch (const InputError& e) {
            QCOMPARE(e.line(), int64_t(3));
            QCOMPARE(e.field(), std::string("output"));
            QCOMPARE(e.message(), std::string("record 1: expected a string, got a number"));
        }
    }

    void hugeSingleLine()
    {
        TempDir dir;
        const std::string big(10 * 1024 * 1024, 'x');
        const Dataset d = loadBytes(dir, "big.jsonl", "{\"text\": \"" + big + "\"}\n");
        QCOMPARE(d.records.size(), size_t(1));
        QCOMPARE(d.records[0].text.size(), big.size());
        // A broken 10 MB line: reported with a short message, not the line itself.
        DatasetLoadOptions options;
        options.policy = ErrorPolicy::Skip;
        const Dataset bad =
            loadBytes(dir, "bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"" + big + "\n{\"text\": \"ok\"}\n", options);
        QCOMPARE(bad.records.size(), size_t(2));
        QCOMPARE(bad.problems.size(), size_t(1));
        QCOMPARE(bad.problems[0].line, int64_t(2));
        QVERIFY(bad.problems[0].message.size() < 500);
        QVERIFY(bad.problems[0].message.starts_with("is not valid JSON: "));
        // A long broken token of multi-byte characters is cut at a character boundary: the message stays UTF-8.
        std::string accents;
        for (int i = 0; i < 1000; ++i)
            accents += "\u00e9";
        const Dataset cut = loadBytes(dir, "cut.jsonl", "{\"text\": \"" + accents + "\n", options);
        QCOMPARE(cut.problems.size(), size_t(1));
        const std::string& message = cut.problems[0].message;
        QVERIFY(message.size() < 500);
        QCOMPARE(sanitiseUtf8(message), message);
        QVERIFY2(message.find("...") != std::string::npos, message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestDatasetFormats)
#include "test_dataset_formats.moc"
