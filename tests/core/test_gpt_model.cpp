// SPDX-License-Identifier: MIT
// Gpt: shapes, parameter names and count, weight tying, causality, reproducible init, and parity with a PyTorch
// reference (tests/data/make_golden_gpt.py).
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "core/model/gpt.h"
#include "tests/core/model_fixtures.h"
#include "tests/core/test_support.h"

#include <torch/torch.h>

#include <QtTest/QtTest>

#include <algorithm>
#include <set>

using namespace tb::core;
using tb::test::tinyConfig;

namespace {

std::vector<std::string> nanoGptNames(int64_t nLayer, bool bias)
{
    std::vector<std::string> names = {"transformer.wte.weight", "transformer.wpe.weight"};
    for (int64_t i = 0; i < nLayer; ++i) {
        const std::string p = "transformer.h." + std::to_string(i) + ".";
        for (const char* leaf : {"ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"}) {
            names.push_back(p + leaf + ".weight");
            if (bias)
                names.push_back(p + leaf + ".bias");
        }
    }
    names.push_back("transformer.ln_f.weight");
    if (bias)
        names.push_back("transformer.ln_f.bias");
    return names;
}

int64_t countParameters(Gpt& model)
{
    int64_t n = 0;
    for (const auto& p : model->parameters())
        n += p.numel();
    return n;
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

/// Loads a golden file, copies its weights into a fresh Gpt by name and checks logits and loss.
void checkGolden(const std::string& fileName, bool bias)
{
    const auto golden = readSafetensors(tb::test::testDataDir() / fileName);
    Gpt model(tinyConfig(bias));
    model->eval();
    {
        torch::NoGradGuard noGrad;
        int copied = 0;
        for (auto& item : model->named_parameters()) {
            const auto it = golden.tensors.find(item.key());
            QVERIFY2(it != golden.tensors.end(), item.key().c_str());
            QCOMPARE(item.value().sizes(), it->second.sizes());
            item.value().copy_(it->second);
            ++copied;
        }
        QCOMPARE(copied, int(nanoGptNames(2, bias).size()));
    }
    torch::NoGradGuard noGrad;
    const auto idx = golden.tensors.at("input.idx");
    const auto logits = model(idx);
    const auto loss = languageModelLoss(logits, golden.tensors.at("input.targets"));
    const double logitsDiff = maxAbsDiff(logits, golden.tensors.at("output.logits"));
    const double lossDiff = maxAbsDiff(loss, golden.tensors.at("output.loss"));
    qInfo("%s: max |logits diff| %.3g, |loss diff| %.3g", fileName.c_str(), logitsDiff, lossDiff);
    QVERIFY2(logitsDiff <= 1e-5, qPrintable(QString::number(logitsDiff)));
    QVERIFY2(lossDiff <= 1e-5, qPrintable(QString::number(lossDiff)));
}

} // namespace

class TestGptModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    void outputShape()
    {
        torch::manual_seed(0);
        Gpt model(tinyConfig());
        const auto idx = torch::randint(0, 11, {3, 5}, torch::kLong);
        const auto logits = model(idx);
        QCOMPARE(logits.sizes(), (torch::IntArrayRef{3, 5, 11}));
        QCOMPARE(logits.scalar_type(), torch::kFloat);
        const auto loss = languageModelLoss(logits, torch::randint(0, 11, {3, 5}, torch::kLong));
        QCOMPARE(loss.dim(), int64_t(0));
        QVERIFY(std::isfinite(loss.item<double>()));
    }

    void parameterCount_data()
    {
        QTest::addColumn<bool>("bias");
        QTest::newRow("bias") << true;
        QTest::newRow("no bias") << false;
    }
    void parameterCount()
    {
        QFETCH(bool, bias);
        GptConfig config = tinyConfig(bias);
        config.nLayer = 3;
        Gpt model(config);
        QCOMPARE(countParameters(model), config.parameterCount());
    }

    void parameterNames_data() { parameterCount_data(); }
    void parameterNames()
    {
        QFETCH(bool, bias);
        Gpt model(tinyConfig(bias));
        std::vector<std::string> names;
        for (const auto& item : model->named_parameters())
            names.push_back(item.key());
        auto expected = nanoGptNames(2, bias);
        std::sort(names.begin(), names.end());
        std::sort(expected.begin(), expected.end());
        QCOMPARE(names, expected);
        // No causal-mask buffer leaks into state dicts.
        QCOMPARE(model->named_buffers().size(), size_t(0));
    }

    void weightTying()
    {
        torch::manual_seed(1);
        Gpt model(tinyConfig());
        for (const auto& item : model->named_parameters())
            QVERIFY2(item.key().find("lm_head") == std::string::npos, item.key().c_str());
        model->eval();
        torch::NoGradGuard noGrad;
        const auto idx = torch::tensor({{1, 2, 3}}, torch::kLong);
        const auto before = model(idx);
        // Changing only the embedding row of token 7 (never in the input) changes logit 7 only, via the tied head.
        auto wte = model->named_parameters()["transformer.wte.weight"];
        // (Not a constant shift: ln_f's output has zero mean, so a constant would not show in the logits.)
        wte[7].add_(torch::linspace(-1.0, 1.0, 16));
        const auto after = model(idx);
        const auto diff = (after - before).abs();
        QVERIFY(diff.index({0, torch::indexing::Slice(), 7}).min().item<double>() > 1e-4);
        QCOMPARE(diff.index({0, torch::indexing::Slice(), torch::indexing::Slice(0, 7)}).max().item<double>(), 0.0);
    }

    void validateMessages()
    {
        GptConfig config = tinyConfig();
        QVERIFY(config.validate().empty());
        config.nEmbd = 10;
        config.nHead = 4;
        const auto problems = config.validate();
        QCOMPARE(problems.size(), size_t(1));
        QVERIFY(problems[0].find("model.n_embd") != std::string::npos);
        QVERIFY(problems[0].find("model.n_head") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(Error, Gpt{config});
    }

    void sequenceLongerThanBlockThrows()
    {
        Gpt model(tinyConfig());
        QVERIFY_THROWS_EXCEPTION(Error, model(torch::zeros({1, 9}, torch::kLong)));
        model(torch::zeros({1, 8}, torch::kLong)); // exactly blockSize is fine
    }

    void sameSeedSameInit()
    {
        torch::manual_seed(7);
        Gpt a(tinyConfig());
        torch::manual_seed(7);
        Gpt b(tinyConfig());
        torch::manual_seed(8);
        Gpt c(tinyConfig());
        const auto pa = a->named_parameters();
        const auto pb = b->named_parameters();
        for (const auto& item : pa)
            QVERIFY2(torch::equal(item.value(), pb[item.key()]), item.key().c_str());
        QVERIFY(!torch::equal(pa["transformer.wte.weight"], c->named_parameters()["transformer.wte.weight"]));
    }

    void initStatistics()
    {
        GptConfig config = tinyConfig();
        config.nEmbd = 64;
        config.nLayer = 4;
        config.nHead = 4;
        torch::manual_seed(3);
        Gpt model(config);
        for (const auto& item : model->named_parameters()) {
            const auto& name = item.key();
            const auto& p = item.value();
            if (name.ends_with(".bias")) {
                QCOMPARE(p.abs().max().item<double>(), 0.0);
            } else if (name.find("ln_") != std::string::npos) {
                QVERIFY(torch::equal(p, torch::ones_like(p)));
            } else {
                const double expected = name.ends_with("c_proj.weight") ? 0.02 / std::sqrt(8.0) : 0.02;
                const double std = p.std().item<double>();
                QVERIFY2(std::abs(std - expected) < 0.1 * expected, name.c_str());
            }
        }
    }

    void causal()
    {
        torch::manual_seed(5);
        Gpt model(tinyConfig());
        model->eval();
        torch::NoGradGuard noGrad;
        auto idx = torch::tensor({{1, 4, 2, 8, 5, 7}}, torch::kLong);
        const auto before = model(idx);
        idx[0][4] = 9;
        const auto after = model(idx);
        using torch::indexing::Slice;
        QVERIFY(torch::equal(before.index({0, Slice(0, 4)}), after.index({0, Slice(0, 4)})));
        QVERIFY(!torch::equal(before.index({0, Slice(4, 6)}), after.index({0, Slice(4, 6)})));
    }

    void goldenParity() { checkGolden("golden_gpt.safetensors", true); }
    void goldenParityNoBias() { checkGolden("golden_gpt_nobias.safetensors", false); }

    void initMatchesNanoGpt()
    {
        // The reference stores nanoGPT's weights right after GPT(config) with torch.manual_seed(1337).
        const auto golden = readSafetensors(tb::test::testDataDir() / "golden_gpt.safetensors");
        torch::manual_seed(1337);
        Gpt model(tinyConfig());
        for (const auto& item : model->named_parameters()) {
            const auto it = golden.tensors.find("init." + item.key());
            QVERIFY2(it != golden.tensors.end(), item.key().c_str());
            QVERIFY2(torch::equal(item.value(), it->second), item.key().c_str());
        }
    }

    void dropoutOnlyInTraining()
    {
        GptConfig config = tinyConfig();
        config.dropout = 0.5;
        torch::manual_seed(2);
        Gpt model(config);
        const auto idx = torch::tensor({{1, 2, 3, 4}}, torch::kLong);
        model->eval();
        QVERIFY(torch::equal(model(idx), model(idx)));
        model->train();
        QVERIFY(!torch::equal(model(idx), model(idx)));
    }
};

QTEST_GUILESS_MAIN(TestGptModel)
#include "test_gpt_model.moc"
