// SPDX-License-Identifier: MIT
// Our AdamW must equal LibTorch's own torch::optim::AdamW (which mirrors torch.optim.AdamW) step for step.
#include "core/train/adamw.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

using namespace tb::core;

class TestAdamW : public QObject {
    Q_OBJECT
private slots:
    void matchesTorchAdamW()
    {
        torch::manual_seed(0);
        const torch::Tensor w0 = torch::randn({6, 5});
        const torch::Tensor b0 = torch::randn({5});
        torch::Tensor w1 = w0.clone().requires_grad_(true), b1 = b0.clone().requires_grad_(true);
        torch::Tensor w2 = w0.clone().requires_grad_(true), b2 = b0.clone().requires_grad_(true);

        AdamW ours({{"w", w1}, {"b", b1}}, AdamWOptions{0.9, 0.95, 1e-8, 0.1});
        // torch::optim::AdamW with two groups: decay on the matrix, none on the vector.
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(std::vector<torch::Tensor>{w2},
                            std::make_unique<torch::optim::AdamWOptions>(
                                torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1)));
        groups.emplace_back(std::vector<torch::Tensor>{b2},
                            std::make_unique<torch::optim::AdamWOptions>(
                                torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.0)));
        torch::optim::AdamW reference(groups, torch::optim::AdamWOptions(1e-2));

        const torch::Tensor x = torch::randn({7, 6});
        for (int step = 0; step < 25; ++step) {
            const double lr = 1e-2 * (1.0 - step / 50.0); // a changing learning rate, as with a schedule
            for (auto& group : reference.param_groups())
                static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
            ours.zeroGrad();
            reference.zero_grad();
            ((x.mm(w1) + b1).tanh().pow(2).sum()).backward();
            ((x.mm(w2) + b2).tanh().pow(2).sum()).backward();
            ours.step(lr);
            reference.step();
        }
        QVERIFY(!torch::allclose(w1, w0)); // it moved
        QVERIFY2(torch::allclose(w1, w2, 1e-6, 1e-7), "weights differ from torch::optim::AdamW");
        QVERIFY2(torch::allclose(b1, b2, 1e-6, 1e-7), "biases differ from torch::optim::AdamW");
        QCOMPARE(ours.stepCount(), int64_t(25));
        QCOMPARE(ours.decayedParameterCount(), int64_t(30));
    }

    void stateRoundTrip()
    {
        torch::manual_seed(1);
        torch::Tensor a = torch::randn({4, 4}).requires_grad_(true);
        torch::Tensor b = a.detach().clone().requires_grad_(true);
        AdamW first({{"a", a}}, {});
        for (int i = 0; i < 3; ++i) {
            first.zeroGrad();
            a.pow(3).sum().backward();
            first.step(1e-2);
        }
        {
            torch::NoGradGuard g;
            b.copy_(a);
        }
        AdamW second({{"a", b}}, {});
        second.loadStateDict(first.stateDict());
        QCOMPARE(second.stepCount(), int64_t(3));
        for (AdamW* opt : {&first, &second}) {
            torch::Tensor& p = opt == &first ? a : b;
            opt->zeroGrad();
            p.pow(3).sum().backward();
            opt->step(1e-2);
        }
        QVERIFY(torch::equal(a, b));
    }

    void loadRejectsMissingState()
    {
        torch::Tensor a = torch::zeros({2}).requires_grad_(true);
        AdamW opt({{"a", a}}, {});
        QVERIFY_THROWS_EXCEPTION(std::exception, opt.loadStateDict({{"step", torch::tensor(int64_t(1))}}));
    }
};

QTEST_GUILESS_MAIN(TestAdamW)
#include "test_adamw.moc"
