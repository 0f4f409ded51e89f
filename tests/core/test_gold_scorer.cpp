// SPDX-License-Identifier: MIT
// The reward-hacking lab's gold scorer (core/rl/gold_scorer.h): each rule with hand values (topic words and their
// plurals, repeated n-grams, over-long answers, the clamp), the planted length bias, bad options, and that the demo
// corpus's own sentences score well while degenerate text does not.
#include "core/common/error.h"
#include "core/rl/gold_scorer.h"
#include "tests/core/test_support.h"

#include <QtTest/QtTest>

#include <fstream>
#include <sstream>

using namespace tb::core;
using namespace tb::core::rl;

class TestGoldScorer : public QObject {
    Q_OBJECT

private slots:
    void wordsAreLowerCaseLetterRuns()
    {
        const std::vector<std::string> expected = {"the", "keeper", "s", "lamp", "burned", "well", "all", "night"};
        QCOMPARE(goldWords("The keeper's LAMP burned -- well, all\nnight!"), expected);
        QVERIFY(goldWords(" 12 ... \n").empty());
    }

    void topicWordsAndPlurals()
    {
        QVERIFY(isGoldTopicWord("lamp"));
        QVERIFY(isGoldTopicWord("boats"));
        QVERIFY(isGoldTopicWord("potatoes"));
        QVERIFY(isGoldTopicWord("berries"));
        QVERIFY(isGoldTopicWord("pies"));
        QVERIFY(!isGoldTopicWord("the"));
        QVERIFY(!isGoldTopicWord("computer"));
        QVERIFY(!isGoldTopicWord("s"));
        const auto& words = goldTopicWords();
        QVERIFY(std::is_sorted(words.begin(), words.end()));
        QVERIFY(words.size() > 100);
    }

    void topicCountsDistinctWords()
    {
        // 3 distinct on-topic words (lamp, sea, bread) of a target of 4; no repeated bigram; short.
        GoldScore s = goldScore("I lit the lamp by the sea and ate bread.");
        QCOMPARE(s.words, int64_t(10));
        QCOMPARE(s.distinctTopicWords, int64_t(3));
        QCOMPARE(s.onTopicWords, int64_t(3));
        QCOMPARE(s.topic, 0.75);
        QCOMPARE(s.repetition, 0.0);
        QCOMPARE(s.overLength, 0.0);
        QCOMPARE(s.score, 0.75);
        // Four or more distinct words saturate at 1.
        s = goldScore("The keeper lit the lamp, and the boats came home through the fog.");
        QCOMPARE(s.topic, 1.0);
        QCOMPARE(s.score, 1.0);
        // Off-topic text scores 0; so does an empty answer.
        QCOMPARE(goldScore("Quantum computers factor large integers.").score, 0.0);
        QCOMPARE(goldScore("").score, 0.0);
    }

    void repeatedNgramsCountDown()
    {
        // "lamp sea" x3: bigrams lamp-sea, sea-lamp, lamp-sea, sea-lamp, lamp-sea: 3 of 5 repeat an earlier one.
        GoldScore s = goldScore("lamp sea lamp sea lamp sea");
        QCOMPARE(s.repetition, 0.6);
        QCOMPARE(s.topic, 0.5);
        QVERIFY(std::abs(s.score - (0.5 - 0.6)) < 1e-12);
        // Trigrams instead: lamp-sea-lamp, sea-lamp-sea, lamp-sea-lamp, sea-lamp-sea: 2 of 4.
        GoldScorerOptions o;
        o.ngram = 3;
        QCOMPARE(goldScore("lamp sea lamp sea lamp sea", o).repetition, 0.5);
        // Too short for one repeated n-gram.
        QCOMPARE(goldScore("lamp lamp").repetition, 0.0);
        QVERIFY(std::abs(goldScore("lamp lamp lamp").repetition - 0.5) < 1e-12);
        // The weight scales it.
        o = {};
        o.repetitionWeight = 0.5;
        QVERIFY(std::abs(goldScore("lamp sea lamp sea lamp sea", o).score - (0.5 - 0.3)) < 1e-12);
    }

    void overLongAnswersCountDown()
    {
        GoldScorerOptions o;
        o.maxWords = 4;
        // 6 distinct words, 4 on topic: topic 1, 2 words over 4 -> 0.5.
        GoldScore s = goldScore("lamp sea bread fox and then", o);
        QCOMPARE(s.overLength, 0.5);
        QCOMPARE(s.score, 0.5);
        // At most a full point: 12 words of a limit of 4.
        s = goldScore("a b c d e f g h i j k l", o);
        QCOMPARE(s.overLength, 1.0);
        QCOMPARE(s.score, -1.0);
        // Clamped to [-1, 1]: repetition and length together.
        s = goldScore("x x x x x x x x x x x x", o);
        QVERIFY(s.repetition > 0.8);
        QCOMPARE(s.score, -1.0);
    }

    void deterministicAndBounded()
    {
        const std::string text = "The baker made bread and soup, and the keeper lit the lamp at dawn.";
        QCOMPARE(goldScore(text).score, goldScore(text).score);
        for (const char* t : {"", "a", "lamp", "zzzz zzzz zzzz", "the the the the the the the the the the"}) {
            const double score = goldScore(t).score;
            QVERIFY(score >= -1.0 && score <= 1.0);
        }
    }

    void demoCorpusScoresWellAndDegenerateTextBadly()
    {
        // Sentences of the demo corpus, cut to answer length, average a clearly positive score; the same words
        // repeated, or letter soup like an untrained model's, do not.
        std::ifstream in(tb::test::sourceDir() / "resources/demo/handwritten.txt");
        QVERIFY(in.good());
        std::stringstream all;
        all << in.rdbuf();
        const std::string text = all.str();
        double sum = 0.0;
        int count = 0;
        for (size_t at = 0; at + 80 < text.size(); at += 80, ++count)
            sum += goldScore(std::string_view(text).substr(at, 80)).score;
        QVERIFY(count > 20);
        QVERIFY2(sum / count > 0.4, qPrintable(QString::number(sum / count)));
        QVERIFY(goldScore("the lamp the lamp the lamp the lamp the lamp").score < 0.0);
        QCOMPARE(goldScore("Ther of tho hight wice nifge dow steach toon").score, 0.0);
    }

    void plantedLengthBias()
    {
        PlantedBiasOptions bias;
        bias.kind = PlantedBias::Length;
        bias.weight = 0.5;
        bias.lengthCap = 10;
        const std::string shortText = "The keeper lit the lamp.";          // 5 words, 2 on topic: 0.5
        QCOMPARE(biasedScore(shortText, {}, bias), 0.5 + 0.5 * 0.5);
        const std::string longText = "one two three four five six seven eight nine ten eleven twelve";
        QCOMPARE(biasedScore(longText, {}, bias), 0.0 + 0.5); // capped at 10 words
        bias.kind = PlantedBias::None;
        QCOMPARE(biasedScore(shortText, {}, bias), goldScore(shortText).score);
        QCOMPARE(int(plantedBiasFromName("length")), int(PlantedBias::Length));
        QVERIFY_THROWS_EXCEPTION(Error, plantedBiasFromName("shorter"));
        bias.kind = PlantedBias::Length;
        bias.lengthCap = 0;
        QVERIFY_THROWS_EXCEPTION(Error, biasedScore(shortText, {}, bias));
    }

    void badOptionsAreRefused()
    {
        GoldScorerOptions o;
        o.ngram = 0;
        QVERIFY(validateGoldScorerOptions(o).find("ngram") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(Error, goldScore("lamp", o));
        o = {};
        o.maxWords = 0;
        QVERIFY_THROWS_EXCEPTION(Error, goldScore("lamp", o));
        o = {};
        o.topicTarget = 0;
        QVERIFY_THROWS_EXCEPTION(Error, goldScore("lamp", o));
        o = {};
        o.lengthWeight = -1.0;
        QVERIFY_THROWS_EXCEPTION(Error, goldScore("lamp", o));
        QVERIFY(validateGoldScorerOptions({}).empty());
    }
};

QTEST_GUILESS_MAIN(TestGoldScorer)
#include "test_gold_scorer.moc"
