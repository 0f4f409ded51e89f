// SPDX-License-Identifier: MIT
#include "core/common/error.h"
#include "core/io/run_config.h"
#include "tests/core/test_support.h"

using namespace tb::core;

class TestRunConfig : public QObject {
    Q_OBJECT
private slots:
    void parsesEveryKeyFromYaml()
    {
        const RunConfig c = parseRunConfig(R"(method: pretrain
model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, dropout: 0.1, bias: false}
train:
  batch_size: 4
  grad_accum: 3
  max_steps: 50
  learning_rate: 6e-4
  min_lr: 6.0e-5
  warmup_steps: 5
  lr_decay_steps: 40
  weight_decay: 0.05
  beta1: 0.8
  beta2: 0.95
  grad_clip: 0.5
  eval_interval: 10
  eval_iters: 2
  seed: 7
  threads: 1
  precision: bf16
data: {corpus: text.txt, val_fraction: 0.2}
tokenizer: {kind: byte}
)",
                                           "c.yaml", "/base");
        QCOMPARE(c.model.nLayer, 2);
        QCOMPARE(c.model.blockSize, 16);
        QCOMPARE(c.model.dropout, 0.1);
        QCOMPARE(c.model.bias, false);
        QCOMPARE(c.train.gradAccum, 3);
        QCOMPARE(c.train.learningRate, 6e-4);
        QCOMPARE(c.train.minLr, 6e-5);
        QCOMPARE(c.train.lrDecaySteps, 40);
        QCOMPARE(c.train.beta2, 0.95);
        QCOMPARE(c.train.seed, uint64_t(7));
        QVERIFY(c.train.precision == Precision::Bf16);
        QCOMPARE(QString::fromStdString(c.data.corpus), QString("/base/text.txt"));
        QCOMPARE(c.data.valFraction, 0.2);
        QCOMPARE(QString::fromStdString(c.tokenizer.kind), QString("byte"));
    }

    void parsesJson()
    {
        const RunConfig c = parseRunConfig(R"({"model": {"n_layer": 3}, "train": {"max_steps": 9}})", "c.json");
        QCOMPARE(c.model.nLayer, 3);
        QCOMPARE(c.train.maxSteps, 9);
        QCOMPARE(c.model.nHead, GptConfig{}.nHead); // untouched keys keep their defaults
    }

    void yamlRoundTrip()
    {
        RunConfig c;
        c.model.nEmbd = 48;
        c.train.learningRate = 3e-4;
        c.train.minLr = 1.0 / 3.0 * 1e-4; // needs all digits to read back exactly
        c.data.corpus = "/data/my corpus: v2.txt";
        c.train.precision = Precision::Bf16;
        const RunConfig back = parseRunConfig(toYaml(c), "roundtrip");
        QCOMPARE(toYaml(back), toYaml(c));
        QCOMPARE(back.train.minLr, c.train.minLr);
        QCOMPARE(QString::fromStdString(back.data.corpus), QString::fromStdString(c.data.corpus));
    }

    void overrides()
    {
        RunConfig c;
        applyOverride(c, "train.max_steps=123");
        applyOverride(c, "model.bias=false");
        applyOverride(c, "data.corpus=/abs/file.txt");
        QCOMPARE(c.train.maxSteps, 123);
        QCOMPARE(c.model.bias, false);
        QCOMPARE(QString::fromStdString(c.data.corpus), QString("/abs/file.txt"));
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("line");
        QTest::newRow("unknown key") << "model:\n  n_layers: 4\n" << "model.n_layers" << "unknown key (known keys in model: n_layer" << 2;
        QTest::newRow("unknown section") << "optim:\n  lr: 1\n" << "optim.lr" << "unknown key" << 2;
        QTest::newRow("not a number") << "train:\n  learning_rate: fast\n" << "train.learning_rate" << "must be a number, got 'fast'" << 2;
        QTest::newRow("not an integer") << "train:\n  max_steps: 1.5\n" << "train.max_steps" << "must be a whole number, got '1.5'" << 2;
        QTest::newRow("bad bool") << "model:\n  bias: maybe\n" << "model.bias" << "must be true or false" << 2;
        QTest::newRow("bad precision") << "train:\n  precision: fp8\n" << "train.precision" << "must be fp32 or bf16" << 2;
        QTest::newRow("list value") << "train:\n  seed: [1, 2]\n" << "train.seed" << "must be a single value" << 2;
        QTest::newRow("negative seed") << "train:\n  seed: -3\n" << "train.seed" << "must not be negative" << 2;
        QTest::newRow("section as value") << "model: 5\n" << "model" << "must be a section with keys" << 1;
        QTest::newRow("syntax error") << "model: {n_layer: 4\n" << "" << "is not valid YAML or JSON" << -2;
        QTest::newRow("empty") << "" << "" << "is empty" << -1;
    }
    void badInput()
    {
        QFETCH(QString, text);
        QFETCH(QString, field);
        QFETCH(QString, message);
        QFETCH(int, line);
        try {
            parseRunConfig(text.toStdString(), "run.yaml");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.file()), QString("run.yaml"));
            QCOMPARE(QString::fromStdString(e.field()), field);
            QVERIFY2(QString::fromStdString(e.message()).contains(message), e.what());
            if (line >= 0)
                QCOMPARE(e.line(), int64_t(line));
            else if (line == -2)
                QVERIFY(e.line() > 0);
            QVERIFY(QString(e.what()).startsWith("run.yaml"));
        }
    }

    void badOverride()
    {
        RunConfig c;
        QVERIFY_THROWS_EXCEPTION(InputError, applyOverride(c, "train.max_steps"));
        try {
            applyOverride(c, "train.nope=1");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("train.nope"));
            QCOMPARE(QString::fromStdString(e.file()), QString("--set"));
        }
    }

    void missingFile()
    {
        try {
            loadRunConfig("/nonexistent/run.yaml");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.file()), QString("/nonexistent/run.yaml"));
            QVERIFY(QString(e.what()).contains("does not exist"));
        }
    }

    void probePromptsFromYaml()
    {
        RunConfig c = parseRunConfig("train:\n  probe_prompts: [\"ROMEO:\", \"\\n\", \"a|b\"]\n  probe_tokens: 32\n", "c.yaml");
        QCOMPARE(c.train.probePrompts, (std::vector<std::string>{"ROMEO:", "\n", "a|b"}));
        QCOMPARE(c.train.probeTokens, int64_t(32));
        c = parseRunConfig("train:\n  probe_prompts:\n    - 'To be'\n    - or not\n", "c.yaml");
        QCOMPARE(c.train.probePrompts, (std::vector<std::string>{"To be", "or not"}));
        c = parseRunConfig("train:\n  probe_prompts: ROMEO\n", "c.yaml"); // a lone string is one prompt
        QCOMPARE(c.train.probePrompts, (std::vector<std::string>{"ROMEO"}));
        c = parseRunConfig("train:\n  probe_prompts: []\n", "c.yaml");
        QVERIFY(c.train.probePrompts.empty());
        QCOMPARE(RunConfig{}.train.probePrompts, (std::vector<std::string>{"\n"}));
        try {
            parseRunConfig("train:\n  probe_prompts:\n    - [1, 2]\n", "c.yaml");
            QFAIL("expected an InputError");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("train.probe_prompts"));
            QCOMPARE(e.line(), int64_t(3));
            QVERIFY(QString::fromStdString(e.message()).contains("must be a list of strings"));
        }
        QVERIFY_THROWS_EXCEPTION(InputError, parseRunConfig("train:\n  probe_prompts: {a: 1}\n", "c.yaml"));
    }

    void probePromptsOverride_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QStringList>("prompts");
        QTest::newRow("one") << "ROMEO:" << QStringList{"ROMEO:"};
        QTest::newRow("two") << "ROMEO:|JULIET:" << QStringList{"ROMEO:", "JULIET:"};
        QTest::newRow("newline") << "\\n" << QStringList{"\n"};
        QTest::newRow("escapes") << "a\\|b|c\\\\d\\te" << QStringList{"a|b", "c\\d\te"};
        QTest::newRow("empty disables") << "" << QStringList{};
        QTest::newRow("spaces kept") << " to be |or" << QStringList{" to be ", "or"};
    }
    void probePromptsOverride()
    {
        QFETCH(QString, value);
        QFETCH(QStringList, prompts);
        RunConfig c;
        applyOverride(c, "train.probe_prompts=" + value.toStdString());
        std::vector<std::string> expected;
        for (const QString& p : prompts)
            expected.push_back(p.toStdString());
        QCOMPARE(c.train.probePrompts, expected);
    }

    void probePromptsRoundTrip()
    {
        RunConfig c;
        c.train.probePrompts = {"\n", "ROMEO: \"hi\"", "a|b\\c", " x\t", "Grüße, 世界"};
        c.train.probeTokens = 17;
        const std::string yaml = toYaml(c);
        const RunConfig back = parseRunConfig(yaml, "roundtrip");
        QCOMPARE(back.train.probePrompts, c.train.probePrompts);
        QCOMPARE(back.train.probeTokens, int64_t(17));
        QCOMPARE(toYaml(back), yaml);
        c.train.probePrompts.clear();
        QVERIFY(parseRunConfig(toYaml(c), "roundtrip").train.probePrompts.empty());
    }

    void badProbeOverride()
    {
        RunConfig c;
        for (const char* bad : {"train.probe_prompts=a\\", "train.probe_prompts=a\\x"}) {
            try {
                applyOverride(c, bad);
                QFAIL("expected an InputError");
            } catch (const InputError& e) {
                QCOMPARE(QString::fromStdString(e.field()), QString("train.probe_prompts"));
                QCOMPARE(QString::fromStdString(e.file()), QString("--set"));
            }
        }
        c.data.corpus = "x.txt";
        c.train.probeTokens = 0;
        c.train.probePrompts = {"ok", ""};
        const auto problems = c.validate();
        QCOMPARE(problems.size(), size_t(2));
        QVERIFY(QString::fromStdString(problems[0]).contains("train.probe_tokens"));
        QVERIFY(QString::fromStdString(problems[1]).contains("train.probe_prompts: prompt 2 is empty"));
    }

    void validationNamesKeys()
    {
        RunConfig c;
        c.data.corpus = "x.txt";
        QVERIFY(c.validate().empty());
        c.model.nEmbd = 130;
        c.model.nHead = 4;
        c.train.batchSize = 0;
        c.data.valFraction = 1.5;
        const auto problems = c.validate();
        QCOMPARE(problems.size(), size_t(3));
        QVERIFY(QString::fromStdString(problems[0]).contains("model.n_embd (130) must be divisible by model.n_head (4)"));
        QVERIFY(QString::fromStdString(problems[1]).contains("train.batch_size"));
        QVERIFY(QString::fromStdString(problems[2]).contains("data.val_fraction"));
    }
};

QTEST_GUILESS_MAIN(TestRunConfig)
#include "test_run_config.moc"
