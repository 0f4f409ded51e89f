// SPDX-License-Identifier: MIT
#include "core/common/error.h"
#include "core/data/chat_template.h"
#include "core/data/sft_examples.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/test_support.h"

using namespace tb::core;

namespace {

DatasetRecord conversation(std::vector<Turn> turns)
{
    DatasetRecord r;
    r.kind = RecordKind::Conversation;
    r.turns = std::move(turns);
    r.line = 7;
    r.index = 3;
    return r;
}

/// The mask as a string of '0'/'1', one per byte.
std::string maskString(const RenderedExample& e)
{
    std::string s;
    for (unsigned char m : e.lossMask)
        s += m ? '1' : '0';
    return s;
}

std::string repeat(char c, size_t n) { return std::string(n, c); }

} // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT
private slots:
    void builtinRendersMultiTurnWithAssistantMask()
    {
        const auto r = conversation({{Role::System, "Be kind."},
                                     {Role::User, "Hi"},
                                     {Role::Assistant, "Hello."},
                                     {Role::User, "Who?"},
                                     {Role::Assistant, "Me."}});
        const RenderedExample e = renderRecord(r, ChatTemplate::builtin(), LossOn::Completion);
        QCOMPARE(e.text, std::string("System: Be kind.\nUser: Hi\nAssistant: Hello.\nUser: Who?\nAssistant: Me.\n"));
        // Only each answer and its closing newline count; "Assistant: " is given at inference.
        const std::string expected = repeat('0', 17) + repeat('0', 9) + repeat('0', 11) + repeat('1', 7) +
                                     repeat('0', 11) + repeat('0', 11) + repeat('1', 4);
        QCOMPARE(maskString(e), expected);
        QCOMPARE(markedText(e, "[", "]"),
                 std::string("System: Be kind.\nUser: Hi\nAssistant: [Hello.\n]User: Who?\nAssistant: [Me.\n]"));

        const RenderedExample all = renderRecord(r, ChatTemplate::builtin(), LossOn::All);
        QCOMPARE(all.text, e.text);
        QCOMPARE(maskString(all), repeat('1', e.text.size()));
    }

    void customTemplateWithEscapesAndLayoutNewlines()
    {
        // Line breaks in the template are layout; \n is the model's newline.
        const auto t = ChatTemplate::parse("[[user]]<u>{content}\\n\n[[assistant]]<a>{content}</a>\\n\n");
        QCOMPARE(t.format(Role::User).prefix, std::string("<u>"));
        QCOMPARE(t.format(Role::User).suffix, std::string("\n"));
        QCOMPARE(t.format(Role::Assistant).suffix, std::string("</a>\n"));
        // No [[system]] section: system turns are formatted like user turns.
        QCOMPARE(t.format(Role::System).prefix, std::string("<u>"));
        QCOMPARE(t.promptFor("Who are you?"), std::string("<u>Who are you?\n<a>"));
        QCOMPARE(t.answerEnd(), std::string("</a>\n"));
        QCOMPARE(ChatTemplate::builtin().promptFor("Hi"), std::string("User: Hi\nAssistant: "));
        QCOMPARE(ChatTemplate::builtin().answerEnd(), std::string("\n"));
        QCOMPARE(ChatTemplate::parse("").text(), ChatTemplate::builtin().text());

        const auto r = conversation({{Role::User, "q"}, {Role::Assistant, "a"}});
        const RenderedExample e = renderRecord(r, t, LossOn::Completion);
        QCOMPARE(e.text, std::string("<u>q\n<a>a</a>\n"));
        QCOMPARE(maskString(e), std::string("00000000111111"));
    }

    void plainPromptCompletionJoinsRawText()
    {
        DatasetRecord r = conversation({{Role::User, "2+2="}, {Role::Assistant, "4"}});
        r.plain = true;
        const RenderedExample e = renderRecord(r, ChatTemplate::builtin(), LossOn::Completion);
        QCOMPARE(e.text, std::string("2+2=4"));
        QCOMPARE(maskString(e), std::string("00001"));
    }

    void badTemplatesNameTheKey()
    {
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"[[user]]U: {content}\\n", "no [[assistant]] section"},
            {"[[assistant]]A: {content}", "no [[user]] section"},
            {"[[user]]U: \\n[[assistant]]A: {content}", "no {content} slot"},
            {"[[user]]{content}{content}[[assistant]]{content}", "more than once"},
            {"[[robot]]{content}[[user]]{content}[[assistant]]{content}", "unknown section [[robot]]"},
            {"User: {content}", "must start with a section"},
            {"[[user]]{content}\\q[[assistant]]{content}", "unknown escape \\q"},
        };
        for (const auto& [text, expected] : cases) {
            try {
                ChatTemplate::parse(text);
                QFAIL(("accepted: " + text).c_str());
            } catch (const InputError& e) {
                QCOMPARE(e.field(), std::string("sft.chat_template"));
                QVERIFY2(e.message().find(expected) != std::string::npos, e.what());
            }
        }
    }

    void preferenceAndKtoRecordsAreNotSftData()
    {
        DatasetRecord pref;
        pref.kind = RecordKind::Preference;
        pref.turns = {{Role::User, "q"}};
        pref.chosen = {{Role::Assistant, "good"}};
        pref.rejected = {{Role::Assistant, "bad"}};
        pref.line = 12;
        pref.index = 4;
        try {
            renderRecord(pref, ChatTemplate::builtin(), LossOn::Completion, "prefs.jsonl");
            QFAIL("a preference record was rendered");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), std::string("prefs.jsonl"));
            QCOMPARE(e.field(), std::string("data.train"));
            QCOMPARE(e.line(), int64_t(12));
            QVERIFY2(e.message().find("preference") != std::string::npos, e.what());
        }
        DatasetRecord kto = pref;
        kto.kind = RecordKind::Labelled;
        QVERIFY_THROWS_EXCEPTION(InputError, renderRecord(kto, ChatTemplate::builtin(), LossOn::Completion));
        // A conversation without an answer teaches nothing.
        QVERIFY_THROWS_EXCEPTION(InputError, renderRecord(conversation({{Role::User, "q"}}), ChatTemplate::builtin(),
                                                          LossOn::Completion));
    }

    void replacements()
    {
        const auto reps = parseReplacements({"{{name}}=TuneBench", "{{author}}=the TuneBench team"});
        QCOMPARE(reps.size(), size_t(2));
        QCOMPARE(applyReplacements("I am {{name}} by {{author}}; {{name}}!", reps),
                 std::string("I am TuneBench by the TuneBench team; TuneBench!"));
        DatasetRecord r = conversation({{Role::User, "Who?"}, {Role::Assistant, "{{name}}"}});
        applyReplacements(r, reps);
        QCOMPARE(r.turns[1].content, std::string("TuneBench"));
        // '=' may appear in the replacement; the first '=' splits.
        QCOMPARE(parseReplacements({"x=a=b"}).front().second, std::string("a=b"));
        for (const std::string bad : {"{{name}}", "=TuneBench"}) {
            try {
                parseReplacements({bad});
                QFAIL(bad.c_str());
            } catch (const InputError& e) {
                QCOMPARE(e.field(), std::string("data.replace"));
            }
        }
    }

    void tokensRowsPaddingAndIgnoredTargets()
    {
        TokenizerConfig tc;
        tc.kind = "byte";
        const auto tok = makeTokenizer(tc, "");
        const auto r = conversation({{Role::User, "Q"}, {Role::Assistant, "AB"}});
        const TokenizedExample ex = tokenizeExample(renderRecord(r, ChatTemplate::builtin(), LossOn::Completion), *tok);
        // "User: Q\nAssistant: AB\n": 8 + 11 + 3 bytes; the last 3 count.
        QCOMPARE(ex.ids.size(), size_t(22));
        QCOMPARE(int(ex.loss[18]), 0);
        QCOMPARE(int(ex.loss[19]), 1);
        QCOMPARE(int(ex.loss[21]), 1);

        // A row longer than the example: inputs are tokens 0..20 then padding 0; targets are tokens 1..21 where
        // counted, -1 elsewhere.
        const auto rows = buildRows({ex}, 32, false);
        QCOMPARE(rows.size(), size_t(1));
        const SftRow& row = rows.front();
        QCOMPARE(row.inputs.size(), size_t(32));
        QCOMPARE(row.targets.size(), size_t(32));
        for (size_t i = 0; i < 32; ++i) {
            QCOMPARE(row.inputs[i], i < 21 ? int64_t(ex.ids[i]) : int64_t(0));
            const int64_t expected = (i >= 18 && i < 21) ? int64_t(ex.ids[i + 1]) : kIgnoreTarget;
            QCOMPARE(row.targets[i], expected);
        }
        QCOMPARE(countedTargets(rows), int64_t(3));
        QVERIFY(!row.truncated);

        // A short row cuts the example: 20 positions hold tokens 0..20, so the answer's last byte is lost.
        const auto cut = buildRows({ex}, 20, false);
        QCOMPARE(cut.size(), size_t(1));
        QVERIFY(cut.front().truncated);
        QCOMPARE(countedTargets(cut), int64_t(2));
        // A row too short to reach the answer leaves the example out.
        QVERIFY(buildRows({ex}, 10, false).empty());

        // Packing: two examples of 22 tokens fit one 44-position row (45 tokens), a third starts a new row.
        const auto packed = buildRows({ex, ex, ex}, 44, true);
        QCOMPARE(packed.size(), size_t(2));
        QCOMPARE(packed[0].examples, int64_t(2));
        QCOMPARE(packed[0].inputs[22], int64_t(ex.ids[0]));      // the second example starts right after the first
        QCOMPARE(packed[0].targets[21], kIgnoreTarget);          // "U" of the next example is not an answer
        QCOMPARE(countedTargets(packed), int64_t(9));
        QCOMPARE(buildRows({ex, ex, ex}, 44, false).size(), size_t(3));
    }
};

QTEST_GUILESS_MAIN(TestChatTemplate)
#include "test_chat_template.moc"
