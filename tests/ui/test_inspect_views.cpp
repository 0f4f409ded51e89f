// SPDX-License-Identifier: MIT
// The compare panel's inspection widgets, fed crafted data and a tiny model: the next-token bars show the exact
// probabilities and follow temperature / top-k / top-p live (cut tokens greyed, as core::shapeDistribution says), a
// click asks to branch with the right token; the KL text of a model against itself has no tint anywhere; the seed
// fan's distinct-n and its greedy banner (real greedy generation over several seeds); the phrasing table's best
// cells. Screenshots of each widget (one and two models, light and dark) go to TB_TEST_OUTPUT_DIR.
#include "core/eval/generate.h"
#include "core/eval/next_token.h"
#include "core/eval/sampling_math.h"
#include "core/model/gpt.h"
#include "tests/core/model_fixtures.h"
#include "ui/panels/kl_text_view.h"
#include "ui/panels/next_token_view.h"
#include "ui/panels/phrasing_view.h"
#include "ui/panels/seed_fan_view.h"
#include "tests/ui/ui_test_support.h"

#include <QtTest/QtTest>

#include <QCheckBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>

#include <cmath>

using namespace tb;
using tb::ui::NextTokenView;

using tb::test::outputDir;
using tb::test::darkPalette;

namespace {

// Eight tokens with known probabilities: the logits are their logs, so softmax gives them back.
const std::vector<double> kProbs = {0.4, 0.25, 0.15, 0.1, 0.05, 0.03, 0.015, 0.005};
const QStringList kVocabulary = {" the", " a", "\n", "cat", " dog", ",", "sat", "\t"};

std::vector<float> craftedLogits(const std::vector<int>& order)
{
    // order[i] = the token id that gets the i-th probability
    std::vector<float> logits(kProbs.size());
    for (size_t i = 0; i < order.size(); ++i)
        logits[size_t(order[i])] = float(std::log(kProbs[i]));
    return logits;
}

const std::vector<int> kOrderA = {0, 1, 2, 3, 4, 5, 6, 7};
const std::vector<int> kOrderB = {3, 0, 4, 1, 2, 7, 6, 5};

core::Gpt tinyModel(uint64_t seed)
{
    torch::manual_seed(int64_t(seed));
    core::Gpt model(test::tinyConfig());
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters())
        p.normal_(0.0, 0.5); // far from uniform, so the models disagree visibly
    return model;
}

const QStringList kTinyVocabulary = {"a", "b", "c", "d", "e", " ", "t", "h", "o", ",", "\n"};

QStringList piecesOf(const std::vector<core::TokenId>& ids)
{
    QStringList pieces;
    for (const auto id : ids)
        pieces << kTinyVocabulary[id];
    return pieces;
}

/// Clicks at `point` of `root` on the child widget that is there.
void clickAt(QWidget* root, QPoint point)
{
    QWidget* target = root->childAt(point);
    QVERIFY(target);
    QTest::mouseClick(target, Qt::LeftButton, {}, target->mapFrom(root, point));
}

} // namespace

class TestInspectViews : public QObject {
    Q_OBJECT

private slots:
    void barsShowTheExactProbabilities()
    {
        NextTokenView view;
        view.setVocabulary(kVocabulary);
        view.setBarCount(5);
        view.setLogits({{"base", craftedLogits(kOrderA)}}, 6, "The cat");
        QCOMPARE(view.modelCount(), 1);
        // The five most likely, then the chosen token (rank 7) after a gap.
        QCOMPARE(view.shownIds(0), (std::vector<int>{0, 1, 2, 3, 4, 6}));
        for (int row = 0; row < 5; ++row) {
            QVERIFY(std::abs(view.barValue(0, row) - kProbs[size_t(row)]) < 1e-6);
            QVERIFY(view.barKept(0, row));
        }
        QVERIFY(std::abs(view.barValue(0, 5) - 0.015) < 1e-6);
        QCOMPARE(view.barText(0, 0), QStringLiteral("40.0%"));
        QCOMPARE(view.barText(0, 4), QStringLiteral("5.00%"));
        QCOMPARE(view.barText(0, 5), QStringLiteral("1.50%"));
        double entropy = 0.0;
        for (const double p : kProbs)
            entropy -= p * std::log(p);
        const QString summary = view.summaryText(0);
        QVERIFY2(summary.contains(QString::number(entropy, 'f', 2)), qPrintable(summary));
        QVERIFY2(summary.contains("rank <b>7</b>"), qPrintable(summary));
        QVERIFY2(summary.contains("8 of 8 tokens kept") && summary.contains("<b>0%</b> of the mass cut"),
                 qPrintable(summary));
        QVERIFY(view.findChild<QLabel*>("title")->text().contains("The&nbsp;cat"));
        // Whitespace tokens read visibly.
        QCOMPARE(NextTokenView::visibleToken(" the"), QStringLiteral("\u2423the"));
        QCOMPARE(NextTokenView::visibleToken("\n"), QStringLiteral("\\n"));
    }

    void controlsReshapeTheBars()
    {
        NextTokenView view;
        view.setVocabulary(kVocabulary);
        view.setBarCount(8);
        view.setLogits({{"base", craftedLogits(kOrderA)}}, 0);
        QSignalSpy changed(&view, &NextTokenView::samplingChanged);

        // top-k 3: the first three renormalised over 0.8, the rest greyed with their mass before the cut.
        view.findChild<QSpinBox*>("topK")->setValue(3);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(view.sampling().topK, int64_t(3));
        for (int row = 0; row < 8; ++row) {
            QCOMPARE(view.barKept(0, row), row < 3);
            const double expected = row < 3 ? kProbs[size_t(row)] / 0.8 : kProbs[size_t(row)];
            QVERIFY2(std::abs(view.barValue(0, row) - expected) < 1e-6, qPrintable(QString::number(row)));
        }
        QCOMPARE(view.barText(0, 3), QStringLiteral("10.0% cut"));
        QVERIFY2(view.summaryText(0).contains("3 of 8 tokens kept, <b>20.0%</b> of the mass cut"),
                 qPrintable(view.summaryText(0)));

        // top-p 0.6 on top of it: 0.5 + 0.3125 reaches 0.6 with two tokens.
        view.findChild<QDoubleSpinBox*>("topP")->setValue(0.6);
        QCOMPARE(view.barKept(0, 1), true);
        QCOMPARE(view.barKept(0, 2), false);
        QVERIFY(std::abs(view.barValue(0, 0) - 0.4 / 0.65) < 1e-6);

        // Temperature: whatever sampling_math says, bar for bar.
        view.findChild<QDoubleSpinBox*>("temperature")->setValue(1.7);
        view.findChild<QSpinBox*>("topK")->setValue(0);
        view.findChild<QDoubleSpinBox*>("topP")->setValue(0.9);
        const auto shaped = core::shapeDistribution(craftedLogits(kOrderA), {1.7, 0, 0.9, false});
        QVERIFY(shaped.keptCount > 2 && shaped.keptCount < 8);
        const auto ids = view.shownIds(0);
        for (int row = 0; row < int(ids.size()); ++row) {
            const size_t id = size_t(ids[size_t(row)]);
            QCOMPARE(view.barKept(0, row), bool(shaped.kept[id]));
            QCOMPARE(view.barValue(0, row), shaped.kept[id] ? shaped.final[id] : shaped.tempered[id]);
        }

        // Greedy: only the most likely token, with probability 1.
        view.findChild<QCheckBox*>("greedy")->setChecked(true);
        QCOMPARE(view.barKept(0, 0), true);
        QCOMPARE(view.barValue(0, 0), 1.0);
        QCOMPARE(view.barKept(0, 1), false);
        QVERIFY(!view.findChild<QSpinBox*>("topK")->isEnabled());

        // setSampling moves every control and reshapes once.
        changed.clear();
        view.setSampling({1.0, 2, 1.0, false});
        QCOMPARE(changed.count(), 1);
        QCOMPARE(view.findChild<QSpinBox*>("topK")->value(), 2);
        QCOMPARE(view.shaped(0).keptCount, int64_t(2));
    }

    void clickingABarRequestsABranch()
    {
        NextTokenView view;
        view.setVocabulary(kVocabulary);
        view.setBarCount(4);
        view.setLogits({{"base", craftedLogits(kOrderA)}, {"tuned", craftedLogits(kOrderB)}}, 7);
        view.resize(900, 420);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy branch(&view, &NextTokenView::branchRequested);
        clickAt(&view, view.barRect(0, 2).center());
        QCOMPARE(branch.count(), 1);
        QCOMPARE(branch.at(0).at(0).toInt(), 2);
        clickAt(&view, view.barRect(1, 0).center()); // the tuned model's most likely token
        QCOMPARE(branch.at(1).at(0).toInt(), 3);
        const auto ids = view.shownIds(1);
        QCOMPARE(ids.back(), 7); // the chosen token, below the top four
        clickAt(&view, view.barRect(1, int(ids.size()) - 1).center());
        QCOMPARE(branch.at(2).at(0).toInt(), 7);
        QCOMPARE(branch.count(), 3);
    }

    void twoModelsSideBySide()
    {
        NextTokenView view;
        view.setVocabulary(kVocabulary);
        view.setLogits({{"base", craftedLogits(kOrderA)}, {"tuned", craftedLogits(kOrderB)}}, 3, "The cat sat");
        QCOMPARE(view.modelCount(), 2);
        QCOMPARE(view.shownIds(1).front(), 3);
        const double kl =
            core::klDivergence(core::softmaxOf(craftedLogits(kOrderA)), core::softmaxOf(craftedLogits(kOrderB)));
        const QString title = view.findChild<QLabel*>("title")->text();
        QVERIFY2(title.contains(QString::number(kl, 'f', 3)), qPrintable(title));
        QVERIFY(view.summaryText(0).contains("rank <b>4</b>"));
        QVERIFY(view.summaryText(1).contains("rank <b>1</b>"));

        view.showMessage("nothing here");
        QCOMPARE(view.modelCount(), 0);
        QCOMPARE(view.shownIds(0), std::vector<int>{});
    }

    void klOfAModelAgainstItselfHasNoTint()
    {
        core::Gpt base = tinyModel(11);
        core::Gpt tuned = tinyModel(12);
        const std::vector<core::TokenId> text = {6, 7, 4, 5, 2, 0, 6, 5, 2, 0, 6, 9, 5, 0, 10, 3, 8, 1};
        ui::KlTextView view;
        const auto self = core::tokenKl(base, base, text);
        view.showTokens(piecesOf(text), ui::KlTextView::klPerToken(self), 4, "base", "base");
        QCOMPARE(view.tokenCount(), int(text.size()));
        const QColor zero = view.colourFor(0.0);
        QCOMPARE(zero.alpha(), 0);
        for (int i = 0; i < view.tokenCount(); ++i)
            QCOMPARE(view.tokenColour(i), zero);
        QVERIFY(view.toolTip(3).contains("KL = <b>0</b> nats"));
        QVERIFY(view.toolTip(0).contains("no KL"));

        // Two different models: the tints follow the values, the strongest at the largest KL.
        const auto kl = core::tokenKl(base, tuned, text);
        const auto perToken = ui::KlTextView::klPerToken(kl);
        QCOMPARE(perToken.size(), text.size());
        QVERIFY(std::isnan(perToken[0]));
        QCOMPARE(perToken[1], kl[0]);
        view.showTokens(piecesOf(text), perToken, 4, "base", "tuned");
        const auto largest = size_t(std::max_element(kl.begin(), kl.end() - 1) - kl.begin()) + 1;
        const auto smallest = size_t(std::min_element(kl.begin(), kl.end() - 1) - kl.begin()) + 1;
        QVERIFY(kl[largest - 1] > 0.0);
        QVERIFY(view.tokenColour(int(largest)).alpha() > view.tokenColour(int(smallest)).alpha());
        QCOMPARE(view.scaleMax(), std::max(ui::KlTextView::kMinScale, kl[largest - 1]));
        QVERIFY(view.toolTip(int(largest)).contains(QString::number(perToken[largest], 'g', 4)));

        // Clicking a token activates its position.
        view.resize(600, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy activated(&view, &ui::KlTextView::positionActivated);
        const QRect rect = view.tokenRect(7);
        QVERIFY(!rect.isEmpty());
        QTest::mouseClick(view.textViewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toInt(), 7);
    }

    void seedFanDistinctN()
    {
        ui::SeedFanView view;
        view.setSamples("ab", {{7, "bcd", {1, 2, 3}}, {8, "bce", {1, 2, 4}}, {9, "bcd", {1, 2, 3}}}, false);
        QCOMPARE(view.sampleCount(), 3);
        // unigrams {1,2,3,4} of 9; bigrams {12,23,24} of 6; trigrams {123,124} of 3.
        QCOMPARE(view.distinct(1), 4.0 / 9.0);
        QCOMPARE(view.distinct(2), 0.5);
        QCOMPARE(view.distinct(3), 2.0 / 3.0);
        const QString stats = view.statsText();
        QVERIFY2(stats.contains("distinct-1 <b>0.444</b>") && stats.contains("distinct-2 <b>0.500</b>") &&
                     stats.contains("distinct-3 <b>0.667</b>") && stats.contains("<b>2</b> different texts"),
                 qPrintable(stats));
        QCOMPARE(view.caption(0), QStringLiteral("seed 7"));
        QCOMPARE(view.caption(2), QStringLiteral("seed 9 \u00B7 same as seed 7"));
        QVERIFY(!view.isBannerVisible());

        // Greedy that differs across seeds would be a bug: the banner says so.
        view.setSamples("ab", {{1, "x", {1}}, {2, "y", {2}}}, true);
        QVERIFY(view.isBannerVisible());
        QVERIFY2(view.bannerText().contains("2 different texts"), qPrintable(view.bannerText()));
    }

    void greedySeedFanIsTheSameForEverySeed()
    {
        core::Gpt model = tinyModel(11);
        core::SampleOptions options;
        options.maxNewTokens = 12;
        options.greedy = true;
        std::vector<ui::SeedSample> samples;
        for (const uint64_t seed : {1, 2, 3, 42, 1337, 9001}) {
            options.seed = seed;
            const auto tokens = core::generate(model, {6, 7}, options);
            samples.push_back({seed, piecesOf(tokens).join(QString()), tokens});
        }
        ui::SeedFanView view;
        view.setSamples("th", samples, true);
        QCOMPARE(view.differentTexts(), 1);
        QVERIFY(view.isBannerVisible());
        QVERIFY2(view.bannerText().contains("every seed gave the same text (6 samples)"),
                 qPrintable(view.bannerText()));
        QCOMPARE(view.caption(5), QStringLiteral("seed 9001 \u00B7 same as seed 1"));

        // Sampling with the same model does differ across seeds: no banner.
        options.greedy = false;
        options.temperature = 1.0;
        samples.clear();
        for (const uint64_t seed : {1, 2, 3, 4}) {
            options.seed = seed;
            const auto tokens = core::generate(model, {6, 7}, options);
            samples.push_back({seed, piecesOf(tokens).join(QString()), tokens});
        }
        view.setSamples("th", samples, false);
        QVERIFY(view.differentTexts() > 1);
        QVERIFY(!view.isBannerVisible());

        QSignalSpy activated(&view, &ui::SeedFanView::sampleActivated);
        view.resize(800, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto* card = view.findChild<QWidget*>("card2");
        QVERIFY(card);
        QTest::mouseClick(card, Qt::LeftButton, {}, QPoint(4, 4));
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toInt(), 2);
    }

    void phrasingTableHighlightsTheBestModel()
    {
        ui::PhrasingView view;
        QSignalSpy run(&view, &ui::PhrasingView::runRequested);
        auto* button = view.findChild<QPushButton*>("runButton");
        QVERIFY(!button->isEnabled());
        view.setModels({"base", "tuned", "lora"});
        view.findChild<QPlainTextEdit*>("phrasingsEdit")
            ->setPlainText("What is the capital of France?\n\n  Name France's capital.  \nFrance's capital is");
        view.setReference(" Paris");
        QVERIFY(button->isEnabled());
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(run.count(), 1);
        const QStringList expected = {"What is the capital of France?", "Name France's capital.",
                                      "France's capital is"};
        QCOMPARE(run.at(0).at(0).toStringList(), expected);
        QCOMPARE(run.at(0).at(1).toString(), QStringLiteral(" Paris"));
        QCOMPARE(view.rowCount(), 3);
        QCOMPARE(view.bestColumn(0), -1);
        QCOMPARE(view.cellText(0, 0), QStringLiteral("\u2026"));

        const QString longOutput = QString(" Paris is the capital and most populous city of France. ").repeated(4);
        view.setResult(0, 0, " Lyon.", -7.25);
        view.setResult(0, 1, longOutput, -1.5);
        view.setResult(0, 2, " Paris!", -2.0);
        view.setResult(1, 0, " Paris", -0.5);
        view.setResult(1, 1, " Marseille", -3.0);
        view.setResult(2, 2, " Paris\nand", -4.0);
        view.setResult(2, 9, "ignored", 0.0); // out of range: ignored
        QCOMPARE(view.bestColumn(0), 1);
        QCOMPARE(view.bestColumn(1), 0);
        QCOMPARE(view.bestColumn(2), 2);
        for (int row = 0; row < 3; ++row)
            for (int column = 0; column < 3; ++column)
                QCOMPARE(view.isHighlighted(row, column), column == view.bestColumn(row));

        // Elided in the cell, whole in the tooltip.
        QVERIFY(view.cellText(0, 1).startsWith("log p = -1.50\n"));
        QVERIFY(view.cellText(0, 1).endsWith(QStringLiteral("\u2026")));
        QVERIFY(view.cellText(0, 1).size() < longOutput.size());
        QVERIFY(view.cellToolTip(0, 1).contains(longOutput.toHtmlEscaped()));
        QVERIFY(view.cellText(2, 2).contains(QStringLiteral(" Paris\u21B5and")));

        view.clearResults();
        QCOMPARE(view.bestColumn(0), -1);
        QVERIFY(!view.isHighlighted(0, 1));
    }

    void screenshots()
    {
        const QString dir = outputDir();
        NextTokenView one;
        one.setVocabulary(kVocabulary);
        one.setLogits({{"base", craftedLogits(kOrderA)}}, 6, "The cat");
        one.setSampling({0.9, 5, 0.95, false});
        one.resize(760, 440);
        one.show();
        QVERIFY(QTest::qWaitForWindowExposed(&one));
        QVERIFY(one.grab().save(dir + "/next_token_one_model.png"));

        NextTokenView two;
        two.setVocabulary(kVocabulary);
        two.setLogits({{"base", craftedLogits(kOrderA)}, {"tuned", craftedLogits(kOrderB)}}, 3, "The cat sat");
        two.setSampling({1.0, 0, 0.9, false});
        two.resize(1100, 460);
        two.show();
        QVERIFY(QTest::qWaitForWindowExposed(&two));
        const QImage light = two.grab().toImage();
        QVERIFY(light.save(dir + "/next_token_two_models.png"));
        two.setPalette(darkPalette());
        const QImage dark = two.grab().toImage();
        QVERIFY(dark.save(dir + "/next_token_two_models_dark.png"));
        QVERIFY(light != dark);

        core::Gpt base = tinyModel(11);
        core::Gpt tuned = tinyModel(12);
        core::SampleOptions options;
        options.maxNewTokens = 240;
        options.seed = 5;
        std::vector<core::TokenId> text = {6, 7};
        const auto generated = core::generate(base, text, options);
        text.insert(text.end(), generated.begin(), generated.end());
        ui::KlTextView kl;
        kl.showTokens(piecesOf(text), ui::KlTextView::klPerToken(core::tokenKl(base, tuned, text)), 2, "base",
                      "tuned");
        kl.resize(700, 260);
        kl.show();
        QVERIFY(QTest::qWaitForWindowExposed(&kl));
        QVERIFY(kl.grab().save(dir + "/kl_text.png"));

        ui::SeedFanView fan;
        std::vector<ui::SeedSample> samples;
        options.maxNewTokens = 40;
        for (const uint64_t seed : {1, 2, 3, 4, 5, 6}) {
            options.seed = seed;
            const auto tokens = core::generate(base, {6, 7}, options);
            samples.push_back({seed, piecesOf(tokens).join(QString()), tokens});
        }
        samples[4] = samples[1];
        samples[4].seed = 5;
        fan.setSamples("th", samples, false);
        fan.resize(900, 420);
        fan.show();
        QVERIFY(QTest::qWaitForWindowExposed(&fan));
        QVERIFY(fan.grab().save(dir + "/seed_fan.png"));
        options.greedy = true;
        for (auto& sample : samples) {
            options.seed = sample.seed;
            sample.tokens = core::generate(base, {6, 7}, options);
            sample.text = piecesOf(sample.tokens).join(QString());
        }
        fan.setSamples("th", samples, true);
        QVERIFY(fan.grab().save(dir + "/seed_fan_greedy.png"));

        ui::PhrasingView phrasing;
        phrasing.setModels({"base", "tuned"});
        phrasing.setPhrasings({"What is the capital of France?", "Name France's capital.", "France's capital is"});
        phrasing.setReference(" Paris");
        phrasing.setResult(0, 0, " I think it is Lyon, or perhaps Marseille; it is hard to say.", -7.25);
        phrasing.setResult(0, 1, " The capital of France is Paris.", -1.5);
        phrasing.setResult(1, 0, " Paris", -0.5);
        phrasing.setResult(1, 1, " Marseille\nand then some more text", -3.0);
        phrasing.setResult(2, 0, " a city", -5.0);
        phrasing.setResult(2, 1, " Paris, on the Seine.", -0.25);
        phrasing.resize(900, 420);
        phrasing.show();
        QVERIFY(QTest::qWaitForWindowExposed(&phrasing));
        QVERIFY(phrasing.grab().save(dir + "/phrasing.png"));
    }
};

QTEST_MAIN(TestInspectViews)
#include "test_inspect_views.moc"
