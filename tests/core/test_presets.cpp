// SPDX-License-Identifier: MIT
#include "core/io/run_config.h"
#include "core/train/presets.h"
#include "tests/core/test_support.h"

using namespace tb::core;

class TestPresets : public QObject {
    Q_OBJECT
private slots:
    void presetsSetTheirShapes_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("nLayer");
        QTest::addColumn<int>("nHead");
        QTest::addColumn<int>("nEmbd");
        QTest::addColumn<int>("blockSize");
        QTest::addColumn<int>("batchSize");
        QTest::newRow("tiny") << "tiny" << 3 << 4 << 96 << 64 << 12;
        QTest::newRow("small: nanoGPT's CPU recipe") << "small" << 4 << 4 << 128 << 64 << 12;
        QTest::newRow("baby: nanoGPT's shakespeare-char") << "baby" << 6 << 6 << 384 << 256 << 64;
    }
    void presetsSetTheirShapes()
    {
        QFETCH(QString, name);
        const ModelPreset* preset = findPreset(name.toStdString());
        QVERIFY(preset != nullptr);
        RunConfig start;
        start.model.nLayer = 9;
        start.train.batchSize = 3;
        start.train.seed = 42;
        const RunConfig c = applyPreset(start, *preset);
        QTEST(int(c.model.nLayer), "nLayer");
        QTEST(int(c.model.nHead), "nHead");
        QTEST(int(c.model.nEmbd), "nEmbd");
        QTEST(int(c.model.blockSize), "blockSize");
        QTEST(int(c.train.batchSize), "batchSize");
        QCOMPARE(c.train.seed, uint64_t(42)); // keys outside the preset are kept
        QVERIFY(c.validate().size() == 1);    // only the missing corpus
        QCOMPARE(QString::fromStdString(matchingPreset(c)), name);
    }

    void presetsReplaceEachOtherCompletely()
    {
        const RunConfig viaBaby = applyPreset(applyPreset(RunConfig{}, *findPreset("baby")), *findPreset("tiny"));
        const RunConfig direct = applyPreset(RunConfig{}, *findPreset("tiny"));
        QCOMPARE(toYaml(viaBaby), toYaml(direct));
        RunConfig edited = direct;
        edited.model.nEmbd = 100;
        QCOMPARE(matchingPreset(edited), std::string());
        QVERIFY(findPreset("huge") == nullptr);
    }

    void estimatesOfNanoGptCpuRecipe()
    {
        // n_layer 4, n_embd 128, block 64, batch 12, 65 characters (shakespeare-char).
        const RunConfig c = applyPreset(RunConfig{}, *findPreset("small"));
        const RunEstimate e = estimateRun(c, 65, 1e9);
        // Per layer 12 C^2 + 13 C; plus wte V*C, wpe T*C and ln_f 2C: 4 * 198272 + 8320 + 8192 + 256.
        QCOMPARE(e.parameters, int64_t(809856));
        // 16 bytes per parameter (weights, grads, AdamW m, v) + fp32 activations: 4 layers * (768 tokens * 128 *
        // 34 + 3 * 12 * 4 * 64 * 64) + logits 768 * 65 * 3.
        QCOMPARE(e.trainingBytes, int64_t(809856) * 16 + (4 * (768 * 128 * 34 + 3 * 12 * 4 * 64 * 64) + 768 * 65 * 3) * 4);
        // 6 N (non-embedding) + 12 L C T per token, 768 tokens per step.
        const double perToken = 6.0 * (809856 - 64 * 128) + 12.0 * 4 * 128 * 64;
        QCOMPARE(e.flopsPerStep, perToken * 768);
        QCOMPARE(e.secondsPerStep, perToken * 768 / 1e9);
        QCOMPARE(estimateRun(c, 65, 0).secondsPerStep, 0.0);
    }

    void estimatesGrowWithThePreset()
    {
        const auto est = [](const char* name) { return estimateRun(applyPreset({}, *findPreset(name)), 65, 1e10); };
        QVERIFY(est("tiny").parameters < est("small").parameters);
        QVERIFY(est("small").parameters < est("baby").parameters);
        QVERIFY(est("small").secondsPerStep < est("baby").secondsPerStep);
        QVERIFY(est("small").trainingBytes < est("baby").trainingBytes);
        // grad_accum multiplies the work of a step but not the memory of a micro-batch.
        RunConfig accum = applyPreset({}, *findPreset("small"));
        accum.train.gradAccum = 4;
        QCOMPARE(estimateRun(accum, 65, 1e10).flopsPerStep, 4 * est("small").flopsPerStep);
        QCOMPARE(estimateRun(accum, 65, 1e10).trainingBytes, est("small").trainingBytes);
    }

    void matmulProbeIsMeasuredOnce()
    {
        const double first = matmulThroughput();
        QVERIFY(first > 1e6);  // any machine multiplies more than a million floats per second
        QVERIFY(first < 1e15); // and fewer than a petaflop on a CPU
        QCOMPARE(matmulThroughput(), first);
    }
};

QTEST_GUILESS_MAIN(TestPresets)
#include "test_presets.moc"
