// SPDX-License-Identifier: MIT
// Activation checkpointing must not change the maths: same loss and the same gradients, dropout included.
#include "core/model/gpt.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

using namespace tb::core;

class TestBlockCheckpoint : public QObject {
    Q_OBJECT
private slots:
    void sameGradientsWithAndWithoutCheckpointing()
    {
        GptConfig c;
        c.vocabSize = 17;
        c.blockSize = 12;
        c.nLayer = 3;
        c.nHead = 2;
        c.nEmbd = 16;
        c.dropout = 0.2; // the recompute must replay the same dropout masks
        torch::manual_seed(3);
        Gpt plain(c);
        torch::manual_seed(3);
        Gpt checkpointed(c);
        checkpointed->setActivationCheckpointing(true);
        const auto idx = torch::randint(0, 17, {4, 12}, torch::kLong);
        const auto targets = torch::randint(0, 17, {4, 12}, torch::kLong);

        torch::manual_seed(99);
        const auto lossPlain = languageModelLoss(plain->forward(idx), targets);
        lossPlain.backward();
        const auto rngAfterPlain = torch::rand({3});
        torch::manual_seed(99);
        const auto lossCheckpointed = languageModelLoss(checkpointed->forward(idx), targets);
        lossCheckpointed.backward();
        const auto rngAfterCheckpointed = torch::rand({3});

        QCOMPARE(lossCheckpointed.item<double>(), lossPlain.item<double>());
        QVERIFY2(torch::equal(rngAfterPlain, rngAfterCheckpointed), "the recompute changed the global RNG stream");
        const auto a = plain->named_parameters();
        const auto b = checkpointed->named_parameters();
        for (const auto& item : a) {
            const auto& ga = item.value().grad();
            const auto& gb = b[item.key()].grad();
            QVERIFY2(ga.defined() && gb.defined(), item.key().c_str());
            QVERIFY2(torch::allclose(ga, gb, 1e-5, 1e-6), item.key().c_str());
        }
    }

    void evalAndNoGradSkipCheckpointing()
    {
        GptConfig c;
        c.vocabSize = 11;
        c.blockSize = 8;
        c.nLayer = 2;
        c.nHead = 2;
        c.nEmbd = 8;
        Gpt model(c);
        model->setActivationCheckpointing(true);
        model->eval();
        torch::NoGradGuard noGrad;
        const auto logits = model->forward(torch::zeros({1, 8}, torch::kLong));
        QCOMPARE(logits.size(2), int64_t(11));
    }
};

QTEST_GUILESS_MAIN(TestBlockCheckpoint)
#include "test_block_checkpoint.moc"
