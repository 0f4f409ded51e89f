// SPDX-License-Identifier: MIT
// Every config key explains itself: help text for tooltips and docs/config.md, which must hold the table that
// configReferenceMarkdown() generates (set TB_UPDATE_DOCS=1 to rewrite it).
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/io/run_config.h"
#include "tests/core/test_support.h"

#include <algorithm>
#include <cstring>

using namespace tb::core;

namespace {
constexpr const char* kBegin = "<!-- generated: config keys (tests/core/test_config_help.cpp) -->\n";
constexpr const char* kEnd = "<!-- end of generated config keys -->";
} // namespace

class TestConfigHelp : public QObject {
    Q_OBJECT
private slots:
    void everyKeyHasHelp()
    {
        const auto infos = configKeyInfo();
        QCOMPARE(infos.size(), configKeys().size());
        for (size_t i = 0; i < infos.size(); ++i) {
            const auto& info = infos[i];
            QCOMPARE(info.key, configKeys()[i]);
            // A sentence, not a stub: says what the key does and why its default.
            QVERIFY2(info.description.size() >= 40, info.key.c_str());
            QVERIFY2(info.description.back() == '.', info.key.c_str());
            if (info.type == ConfigKeyType::Choice) {
                QVERIFY2(!info.choices.empty(), info.key.c_str());
                QVERIFY2(std::find(info.choices.begin(), info.choices.end(), info.defaultValue) != info.choices.end(),
                         info.key.c_str());
            } else {
                QVERIFY2(info.choices.empty(), info.key.c_str());
            }
        }
    }

    void defaultsAndTypesFollowTheConfig()
    {
        RunConfig defaults;
        for (const auto& info : configKeyInfo()) {
            QCOMPARE(info.defaultValue, configValue(defaults, info.key));
            // Every default reads back through the CLI's override rules, and every choice is accepted.
            RunConfig c;
            applyOverride(c, info.key + "=" + info.defaultValue);
            QCOMPARE(toYaml(c), toYaml(defaults));
            for (const auto& choice : info.choices)
                applyOverride(c, info.key + "=" + choice);
        }
        const auto find = [](const std::string& key) {
            for (const auto& i : configKeyInfo())
                if (i.key == key)
                    return i;
            return ConfigKeyInfo{};
        };
        QCOMPARE(find("model.n_layer").type, ConfigKeyType::Int);
        QCOMPARE(find("model.n_layer").defaultValue, std::string("4"));
        QCOMPARE(find("train.learning_rate").type, ConfigKeyType::Number);
        QCOMPARE(find("train.learning_rate").defaultValue, std::string("0.001"));
        QCOMPARE(find("model.bias").type, ConfigKeyType::Bool);
        QCOMPARE(find("data.corpus").type, ConfigKeyType::Path);
        QCOMPARE(find("tokenizer.kind").choices, (std::vector<std::string>{"char", "byte"}));
        QVERIFY_THROWS_EXCEPTION(InputError, configValue(defaults, "model.n_layers"));
    }

    void docsHoldTheGeneratedTable()
    {
        const auto file = tb::test::sourceDir() / "docs" / "config.md";
        std::string doc = readFile(file);
        const auto begin = doc.find(kBegin);
        const auto end = doc.find(kEnd);
        QVERIFY2(begin != std::string::npos && end != std::string::npos && begin < end,
                 "docs/config.md lacks the generated key table markers");
        const std::string expected = configReferenceMarkdown();
        const std::string actual = doc.substr(begin + std::strlen(kBegin), end - begin - std::strlen(kBegin));
        if (actual != expected && qEnvironmentVariableIsSet("TB_UPDATE_DOCS")) {
            doc.replace(begin + std::strlen(kBegin), actual.size(), expected);
            writeFileAtomically(file, doc);
            return;
        }
        QVERIFY2(actual == expected,
                 "docs/config.md's key table is out of date: run this test with TB_UPDATE_DOCS=1 to regenerate it");
        for (const auto& key : configKeys())
            QVERIFY(actual.find("| `" + key + "` |") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestConfigHelp)
#include "test_config_help.moc"
