// SPDX-License-Identifier: MIT
#include "core/common/error.h"
#include "core/store/checkpoint.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace tb::core;

namespace {

Checkpoint sampleCheckpoint(int64_t params)
{
    Checkpoint c;
    // A model small enough for the tensors below to hold its parameters (loadCheckpoint checks that).
    c.config.model.nLayer = 3;
    c.config.model.nEmbd = 8;
    c.config.model.nHead = 2;
    c.config.model.blockSize = 8;
    c.config.model.vocabSize = 66;
    c.config.train.learningRate = 6e-4;
    c.config.data.corpus = "/tmp/corpus.txt";
    c.step = 250;
    c.bestValLoss = 1.8812345678901234;
    c.batchRngState = 0xfedcba9876543210ULL;
    c.elapsedSeconds = 12.25;
    c.tokensSeen = 123456;
    c.tokenizer = R"({"kind":"byte"})";
    c.corpusHash = "0123456789abcdef";
    c.torchRngState = torch::randint(0, 255, {5056}, torch::kUInt8);
    c.model["transformer.wte.weight"] = torch::randn({params / 64, 64});
    c.model["transformer.ln_f.bias"] = torch::randn({64});
    c.optimizer["transformer.wte.weight.exp_avg"] = torch::randn({params / 64, 64});
    c.optimizer["step"] = torch::tensor(int64_t(250));
    return c;
}

} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
private slots:
    void roundTrip()
    {
        tb::test::TempDir dir;
        const Checkpoint c = sampleCheckpoint(64 * 100);
        saveCheckpoint(dir / "c.safetensors", c);
        const Checkpoint b = loadCheckpoint(dir / "c.safetensors");
        QCOMPARE(b.step, c.step);
        QCOMPARE(b.bestValLoss, c.bestValLoss); // exact, not rounded
        QCOMPARE(b.batchRngState, c.batchRngState);
        QCOMPARE(b.elapsedSeconds, c.elapsedSeconds);
        QCOMPARE(b.tokensSeen, c.tokensSeen);
        QCOMPARE(b.tokenizer, c.tokenizer);
        QCOMPARE(b.corpusHash, c.corpusHash);
        QCOMPARE(b.config.model.nLayer, int64_t(3));
        QCOMPARE(b.config.model.vocabSize, int64_t(66));
        QCOMPARE(b.config.train.learningRate, 6e-4);
        QVERIFY(torch::equal(b.torchRngState, c.torchRngState));
        QCOMPARE(b.model.size(), c.model.size());
        for (const auto& [k, t] : c.model)
            QVERIFY(torch::equal(b.model.at(k), t));
        QVERIFY(torch::equal(b.optimizer.at("transformer.wte.weight.exp_avg"),
                             c.optimizer.at("transformer.wte.weight.exp_avg")));
    }

    void rejectsForeignFiles()
    {
        tb::test::TempDir dir;
        tb::test::writeBytes(dir / "x.safetensors", "not a checkpoint at all");
        QVERIFY_THROWS_EXCEPTION(InputError, loadCheckpoint(dir / "x.safetensors"));
        QVERIFY_THROWS_EXCEPTION(InputError, loadCheckpoint(dir / "missing.safetensors"));
    }

    // A process killed with SIGKILL while it writes a checkpoint must leave the previous checkpoint loadable.
    void killedWriteKeepsPreviousCheckpoint()
    {
        tb::test::TempDir dir;
        const auto file = dir / "latest.safetensors";
        const Checkpoint first = sampleCheckpoint(64 * 64);
        saveCheckpoint(file, first);
        const Checkpoint big = sampleCheckpoint(64 * 1024 * 256); // ~128 MB of tensors: slow enough to interrupt
        int interruptedWrites = 0;
        for (int attempt = 0; attempt < 12 && interruptedWrites < 3; ++attempt) {
            const pid_t child = fork();
            QVERIFY(child >= 0);
            if (child == 0) {
                for (;;)
                    saveCheckpoint(file, big.step == 0 ? first : big);
            }
            usleep(useconds_t(20000 + 15000 * attempt));
            kill(child, SIGKILL);
            int status = 0;
            waitpid(child, &status, 0);
            QVERIFY(WIFSIGNALED(status));
            // Whatever moment the kill hit, the file is a complete checkpoint: the old one or a new one.
            const Checkpoint loaded = loadCheckpoint(file);
            QCOMPARE(loaded.step, int64_t(250));
            QVERIFY(loaded.model.at("transformer.wte.weight").numel() == first.model.at("transformer.wte.weight").numel() ||
                    loaded.model.at("transformer.wte.weight").numel() == big.model.at("transformer.wte.weight").numel());
            const auto tmp = std::filesystem::path(file.string() + ".tmp." + std::to_string(child));
            if (std::filesystem::exists(tmp)) {
                ++interruptedWrites; // the kill landed inside a write
                std::filesystem::remove(tmp);
            }
        }
        QVERIFY2(interruptedWrites > 0, "no kill landed inside a write; the test did not exercise the crash path");
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
