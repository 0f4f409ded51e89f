// SPDX-License-Identifier: MIT
// Compare sessions: JSON round trip (file and text), every bad field reported with its name, exact Markdown and
// HTML exports with hostile text escaped, and the seed rule of lock-step vs independent seeds.
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/eval/compare_session.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>

using namespace tb::core;

namespace {

CompareSession sample()
{
    CompareSession s;
    s.models = {{"/p/runs/base", "base <b>", "best"}, {"/p/runs/tuned", "tuned", "latest"}};
    s.settings.temperature = 0.7;
    s.settings.topK = 40;
    s.settings.topP = 0.9;
    s.settings.maxNewTokens = 5;
    s.settings.seed = 42;
    s.settings.seedMode = SeedMode::Independent;
    ComparePrompt p;
    p.prompt = "Once & \"then\"";
    p.outputs = {{"a ```code``` <x>", {1, 2, 3}, 12.5, false}, {"it's", {4, 5}, 8.0, true}};
    s.prompts.push_back(p);
    return s;
}

/// The field of the InputError that parsing `text` throws, or "(no error)".
QString errorField(const std::string& text)
{
    try {
        parseCompareSession(text, "s.json");
    } catch (const InputError& e) {
        return QString::fromStdString(e.field());
    }
    return QStringLiteral("(no error)");
}

std::string edited(const std::function<void(nlohmann::json&)>& edit)
{
    nlohmann::json j = nlohmann::json::parse(compareSessionJson(sample()));
    edit(j);
    return j.dump();
}

} // namespace

class TestCompareSession : public QObject {
    Q_OBJECT
private slots:
    void seeds()
    {
        CompareSettings s;
        s.seed = 100;
        QCOMPARE(compareSeed(s, 0), uint64_t(100));
        QCOMPARE(compareSeed(s, 3), uint64_t(100));
        s.seedMode = SeedMode::Independent;
        QCOMPARE(compareSeed(s, 0), uint64_t(100));
        QCOMPARE(compareSeed(s, 3), uint64_t(103));
    }

    void roundTripsThroughAFile()
    {
        tb::test::TempDir dir;
        const CompareSession s = sample();
        saveCompareSession(s, dir / "s.json");
        QVERIFY(loadCompareSession(dir / "s.json") == s);
        // Saving again gives the same bytes.
        QCOMPARE(readFile(dir / "s.json"), compareSessionJson(s));
        CompareSession empty;
        empty.models = {{"/m.safetensors", "m", "best"}};
        QVERIFY(parseCompareSession(compareSessionJson(empty), "e.json") == empty);
    }

    void badFilesNameTheField_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("field");
        QTest::newRow("format") << QString::fromStdString(edited([](auto& j) { j["format"] = "other"; }))
                                << "format";
        QTest::newRow("version") << QString::fromStdString(edited([](auto& j) { j["version"] = 2; })) << "version";
        QTest::newRow("no models") << QString::fromStdString(edited([](auto& j) { j["models"] = nlohmann::json::array(); }))
                                   << "models";
        QTest::newRow("five models") << QString::fromStdString(edited([](auto& j) {
            for (int i = 0; i < 3; ++i)
                j["models"].push_back(j["models"][0]);
        })) << "models";
        QTest::newRow("label type") << QString::fromStdString(edited([](auto& j) { j["models"][1]["label"] = 3; }))
                                    << "models[1].label";
        QTest::newRow("checkpoint") << QString::fromStdString(edited([](auto& j) { j["models"][0]["checkpoint"] = "x"; }))
                                    << "models[0].checkpoint";
        QTest::newRow("seed mode") << QString::fromStdString(edited([](auto& j) { j["settings"]["seed_mode"] = "x"; }))
                                   << "settings.seed_mode";
        QTest::newRow("negative seed") << QString::fromStdString(edited([](auto& j) { j["settings"]["seed"] = -1; }))
                                       << "settings.seed";
        QTest::newRow("top_p") << QString::fromStdString(edited([](auto& j) { j["settings"]["top_p"] = 1.5; }))
                               << "settings.top_p";
        QTest::newRow("temperature") << QString::fromStdString(edited([](auto& j) { j["settings"]["temperature"] = 0; }))
                                     << "settings.temperature";
        QTest::newRow("missing greedy") << QString::fromStdString(edited([](auto& j) { j["settings"].erase("greedy"); }))
                                        << "settings.greedy";
        QTest::newRow("token") << QString::fromStdString(edited([](auto& j) { j["prompts"][0]["outputs"][1]["tokens"][0] = -3; }))
                               << "prompts[0].outputs[1].tokens";
        QTest::newRow("too many outputs") << QString::fromStdString(edited([](auto& j) {
            j["prompts"][0]["outputs"].push_back(j["prompts"][0]["outputs"][0]);
        })) << "prompts[0].outputs";
        QTest::newRow("not an object") << "[1, 2]" << "";
    }

    void badFilesNameTheField()
    {
        QFETCH(QString, text);
        QFETCH(QString, field);
        QCOMPARE(errorField(text.toStdString()), field);
    }

    void syntaxErrorsNameTheLine()
    {
        try {
            parseCompareSession("{\n  \"format\": \"tunebench-compare\",\n  \"version\": ,\n}", "s.json");
            QFAIL("no error");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), std::string("s.json"));
            QCOMPARE(e.line(), int64_t(3));
        }
        QVERIFY_THROWS_EXCEPTION(InputError, loadCompareSession("/nonexistent/s.json"));
    }

    void exportsMarkdown()
    {
        const std::string expected =
            "# Comparison\n\n"
            "- **base \\<b\\>**: `/p/runs/base` (best checkpoint)\n"
            "- **tuned**: `/p/runs/tuned` (latest checkpoint)\n\n"
            "Settings: seed 42 (independent), temperature 0.7, top-k 40, top-p 0.9, repetition penalty 1, max new "
            "tokens 5, chat template off\n\n"
            "## Prompt 1\n\n```\nOnce & \"then\"\n```\n\n"
            "### base \\<b\\>\n\n````\na ```code``` <x>\n````\n\n3 tokens, 12.5 tokens/s\n\n"
            "### tuned\n\n```\nit's\n```\n\n2 tokens, 8.0 tokens/s, stopped\n";
        QCOMPARE(compareSessionMarkdown(sample()), expected);
    }

    void exportsEscapedHtml()
    {
        const std::string html = compareSessionHtml(sample());
        QVERIFY(html.find("<li><b>base &lt;b&gt;</b>: <code>/p/runs/base</code> (best checkpoint)</li>") !=
                std::string::npos);
        QVERIFY(html.find("<pre class=\"prompt\">Once &amp; &quot;then&quot;</pre>") != std::string::npos);
        QVERIFY(html.find("<tr><th>base &lt;b&gt;</th><th>tuned</th></tr>") != std::string::npos);
        QVERIFY(html.find("<td><pre>a ```code``` &lt;x&gt;</pre><p class=\"meta\">3 tokens, 12.5 tokens/s</p></td>"
                          "<td><pre>it&#39;s</pre><p class=\"meta\">2 tokens, 8.0 tokens/s, stopped</p></td>") !=
                std::string::npos);
        QVERIFY(html.find("<x>") == std::string::npos); // nothing from the texts is raw markup
        QCOMPARE(escapeHtml("<a href='x'>&</a>"), std::string("&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"));
    }
};

QTEST_GUILESS_MAIN(TestCompareSession)
#include "test_compare_session.moc"
