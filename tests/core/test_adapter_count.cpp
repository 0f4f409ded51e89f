// SPDX-License-Identifier: MIT
#include "core/model/adapter_count.h"
#include "tests/core/test_support.h"

using namespace tb::core;

namespace {

GptConfig shape(int64_t vocab, int64_t layers, int64_t embd)
{
    GptConfig c;
    c.vocabSize = vocab;
    c.nLayer = layers;
    c.nEmbd = embd;
    c.nHead = 4;
    return c;
}

} // namespace

class TestAdapterCount : public QObject {
    Q_OBJECT
private slots:
    void loraCountsByHand_data()
    {
        QTest::addColumn<qint64>("layers");
        QTest::addColumn<qint64>("embd");
        QTest::addColumn<qint64>("r");
        QTest::addColumn<QStringList>("targets");
        QTest::addColumn<qint64>("expected");
        // Per layer: q, k, v, attn_out 8*(128+128) each, mlp_in and mlp_out 8*(128+512) each: 8192 + 10240.
        QTest::newRow("all six, r 8") << qint64(4) << qint64(128) << qint64(8)
                                      << QStringList{"q", "k", "v", "attn_out", "mlp_in", "mlp_out"} << qint64(73728);
        QTest::newRow("q and v, r 4") << qint64(2) << qint64(64) << qint64(4) << QStringList{"q", "v"}
                                      << qint64(2 * 4 * (128 + 128));
        QTest::newRow("mlp_in only") << qint64(3) << qint64(32) << qint64(2) << QStringList{"mlp_in"}
                                     << qint64(3 * 2 * (32 + 128));
        QTest::newRow("mlp_out only") << qint64(3) << qint64(32) << qint64(2) << QStringList{"mlp_out"}
                                      << qint64(3 * 2 * (128 + 32));
        QTest::newRow("unknown target counts nothing") << qint64(2) << qint64(64) << qint64(4)
                                                       << QStringList{"wte", "attn_out"} << qint64(2 * 4 * 128);
        QTest::newRow("no targets") << qint64(4) << qint64(128) << qint64(8) << QStringList{} << qint64(0);
    }

    void loraCountsByHand()
    {
        QFETCH(qint64, layers);
        QFETCH(qint64, embd);
        QFETCH(qint64, r);
        QFETCH(QStringList, targets);
        QFETCH(qint64, expected);
        LoraConfig lora;
        lora.r = r;
        lora.targets.clear();
        for (const QString& t : targets)
            lora.targets.push_back(t.toStdString());
        const GptConfig model = shape(65, layers, embd);
        QCOMPARE(qint64(loraParameterCount(model, lora)), expected);
        QCOMPARE(qint64(trainableParameterCount(model, "lora", lora, {})), expected);
    }

    void targetShapes()
    {
        const GptConfig model = shape(65, 4, 96);
        int64_t in = 0, out = 0;
        QVERIFY(loraTargetShape(model, "k", in, out));
        QCOMPARE(in, int64_t(96));
        QCOMPARE(out, int64_t(96));
        QVERIFY(loraTargetShape(model, "mlp_in", in, out));
        QCOMPARE(in, int64_t(96));
        QCOMPARE(out, int64_t(384));
        QVERIFY(loraTargetShape(model, "mlp_out", in, out));
        QCOMPARE(in, int64_t(384));
        QCOMPARE(out, int64_t(96));
        QVERIFY(!loraTargetShape(model, "c_attn", in, out));
        for (const auto& name : loraTargetNames())
            QVERIFY2(loraTargetShape(model, name, in, out), name.c_str());
    }

    void methods()
    {
        // 4 layers, 128 wide, 65 tokens, block 64, biases: 65*128 + 64*128 + 4*198272 + 256 (ln_f).
        const GptConfig model = shape(65, 4, 128);
        QCOMPARE(model.parameterCount(), int64_t(809856));
        QCOMPARE(trainableParameterCount(model, "pretrain", {}, {}), int64_t(809856));
        QCOMPARE(trainableParameterCount(model, "sft", {}, {}), int64_t(809856));
        QCOMPARE(trainableParameterCount(model, "grpo", {}, {}), int64_t(809856));
        QCOMPARE(trainableParameterCount(model, "ppo", {}, {}), int64_t(809856 + 128)); // the value head
        PromptTuningConfig pt;
        pt.numVirtualTokens = 20;
        QCOMPARE(trainableParameterCount(model, "prompt_tuning", {}, pt), int64_t(20 * 128));
        QCOMPARE(trainableParameterCount(model, "lora", LoraConfig{}, pt), int64_t(73728)); // the defaults: r 8, all six
        QCOMPARE(trainableParameterCount(model, "dpo", {}, pt), int64_t(809856)); // dpo.adapter none: every weight
        QCOMPARE(trainableParameterCount(model, "no_such_method", {}, pt), int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestAdapterCount)
#include "test_adapter_count.moc"
