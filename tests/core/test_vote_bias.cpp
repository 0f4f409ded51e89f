// SPDX-License-Identifier: MIT
// Bias in the votes: the new vote fields (annotator, time to vote, output lengths, repeat_of) round-trip and a vote
// line from before them still loads; Wilson intervals, Cohen's kappa and Krippendorff's alpha against textbook
// values; a planted left-side bias is detected (its interval excludes 50%) and a balanced set is not; the length
// bias, its bins and its slope, self-consistency with flips and inter-annotator agreement on small vote sets worked
// out by hand; and the de-biased export (length-ratio filter, side and length balancing).
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/store/vote_bias.h"
#include "core/store/vote_store.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <sstream>

using namespace tb::core;

namespace {

constexpr double kEps = 1e-9;

/// A vote of model "m1" (output `outA`) against "m2" (output `outB`).
Vote vote(bool aLeft, Verdict verdict, const std::string& outA = "one answer", const std::string& outB = "another",
          const std::string& prompt = "Hi?", const std::string& annotator = {})
{
    static int counter = 0;
    Vote v;
    v.id = "v" + std::to_string(++counter);
    v.time = "2026-12-07T23:00:00.000Z";
    v.prompt = prompt;
    v.a = {"m1", "model one", "/p/runs/m1", "/p/runs/m1/ckpt_best.safetensors", 100, prompt, outA};
    v.b = {"m2", "model two", "/p/runs/m2", "/p/runs/m2/ckpt_best.safetensors", 100, prompt, outB};
    v.aLeft = aLeft;
    v.verdict = verdict;
    v.annotator = annotator;
    return v;
}

/// The vote whose verdict says model "m1" (a) won (`m1Won`) or lost.
Vote decided(bool aLeft, bool m1Won, const std::string& outA, const std::string& outB)
{
    return vote(aLeft, aLeft == m1Won ? Verdict::Left : Verdict::Right, outA, outB);
}

/// The same pair shown again with sides swapped, with `verdict` about the new sides.
Vote repeatOf(const Vote& original, Verdict verdict)
{
    Vote v = vote(!original.aLeft, verdict, original.a.output, original.b.output, original.prompt,
                  original.annotator);
    v.repeatOf = original.id;
    return v;
}

std::vector<nlohmann::json> readJsonl(const std::filesystem::path& file)
{
    std::vector<nlohmann::json> out;
    std::istringstream in(readFile(file));
    for (std::string line; std::getline(in, line);)
        out.push_back(nlohmann::json::parse(line));
    return out;
}

} // namespace

class TestVoteBias : public QObject {
    Q_OBJECT
private slots:
    void newFieldsRoundTripAndOldLinesLoad()
    {
        tb::test::TempDir dir;
        const VoteStore store = VoteStore::forProject(dir.path());
        Vote v = vote(true, Verdict::Left, "héllo", "hi", "Greet", "Ada");
        v.timeToVoteMs = 4200;
        v.a.outputTokens = 4;
        v.repeatOf = "earlier-id";
        const Vote written = store.append(v);
        const std::string line = readFile(store.file());
        QVERIFY(line.find("\"annotator\":\"Ada\"") != std::string::npos);
        QVERIFY(line.find("\"time_to_vote_ms\":4200") != std::string::npos);
        QVERIFY(line.find("\"output_chars\":5") != std::string::npos); // characters, not bytes
        QVERIFY(line.find("\"output_tokens\":4") != std::string::npos);
        QVERIFY(line.find("\"repeat_of\":\"earlier-id\"") != std::string::npos);
        VoteLog log = store.read();
        QVERIFY(log.problems.empty());
        Vote expected = written;
        expected.line = 1;
        QCOMPARE(log.votes.at(0), expected);
        QCOMPARE(log.votes[0].a.outputChars(), int64_t(5));
        QVERIFY(!log.votes[0].b.outputTokens);

        // A line as the Rate tab wrote it before these fields existed (docs/rating.md's example).
        const std::string old =
            R"({"type":"vote","id":"18bd2b7e3a1-9f3c0a12","time":"2026-11-29T23:59:01.123Z","prompt":"the cat ",)"
            R"("a":{"run":"r1","name":"base","path":"/p/runs/r1","checkpoint":"/p/runs/r1/best.safetensors",)"
            R"("step":2000,"prompt_text":"the cat ","output":"sat on the mat."},)"
            R"("b":{"run":"r2","name":"tuned","path":"/p/runs/r2","checkpoint":"/p/runs/r2/best.safetensors",)"
            R"("step":300,"prompt_text":"the cat ","output":"ran."},"left":"b",)"
            R"("sampling":{"seed":1337,"temperature":0.8,"top_k":0,"top_p":1.0,"max_new_tokens":120,)"
            R"("repetition_penalty":1.0,"greedy":false,"chat_template":false},"verdict":"right","note":"on topic"})";
        tb::test::TempDir oldDir;
        writeFileAtomically(oldDir / "votes.jsonl", old + "\n");
        log = VoteStore::forProject(oldDir.path()).read();
        QVERIFY(log.problems.empty());
        QCOMPARE(log.votes.size(), size_t(1));
        const Vote& o = log.votes[0];
        QVERIFY(o.annotator.empty());
        QVERIFY(!o.timeToVoteMs);
        QVERIFY(o.repeatOf.empty());
        QVERIFY(!o.a.outputTokens && !o.b.outputTokens);
        QCOMPARE(o.a.outputChars(), int64_t(15));
        QCOMPARE(o.winnerLoser()->first->run, std::string("r1")); // right won; a was shown right
        const VoteBias bias = computeVoteBias(log.votes);
        QCOMPARE(bias.longerWins.successes, int64_t(1));
        QVERIFY(!bias.medianTimeToVoteMs);

        // A bad new field is reported with its name, like any other.
        std::string bad = old;
        bad.replace(bad.find("\"note\""), 6, "\"time_to_vote_ms\":-3,\"note\"");
        writeFileAtomically(oldDir / "votes.jsonl", bad + "\n");
        log = VoteStore::forProject(oldDir.path()).read();
        QCOMPARE(log.problems.size(), size_t(1));
        QCOMPARE(log.problems[0].field, std::string("time_to_vote_ms"));
        QCOMPARE(log.problems[0].message, std::string("must not be negative"));
    }

    void wilsonMatchesTheFormula()
    {
        // 70 of 100: centre (0.7 + z²/200) / (1 + z²/100), half-width z/(1 + z²/100) · sqrt(0.0021 + z²/40000).
        const Proportion p = wilson(70, 100);
        QVERIFY(std::abs(p.low - 0.6041514536665332) < kEps);
        QVERIFY(std::abs(p.high - 0.7810511470506724) < kEps);
        QCOMPARE(*p.rate(), 0.7);
        QCOMPARE(p.side(0.5), 1);
        const Proportion q = wilson(50, 100);
        QVERIFY(std::abs(q.low - 0.4038315303659956) < kEps && std::abs(q.high - 0.5961684696340044) < kEps);
        QCOMPARE(q.side(0.5), 0);
        QCOMPARE(wilson(0, 10).low, 0.0);
        QCOMPARE(wilson(10, 10).high, 1.0);
        QVERIFY(!wilson(0, 0).rate());
    }

    void plantedLeftBiasIsDetected()
    {
        // 100 decisive votes whose model order is random (a left every other vote), but the left side wins 70.
        std::vector<Vote> votes;
        for (int i = 0; i < 100; ++i)
            votes.push_back(vote(i % 2 == 0, i % 10 < 7 ? Verdict::Left : Verdict::Right));
        votes.push_back(vote(true, Verdict::Tie)); // not decisive
        VoteBias bias = computeVoteBias(votes);
        QCOMPARE(bias.votes, int64_t(101));
        QCOMPARE(bias.decisive, int64_t(100));
        QCOMPARE(bias.leftWins.successes, int64_t(70));
        QVERIFY(bias.leftWins.low > 0.5); // the interval excludes 50%: detected
        std::vector<BiasLine> lines = biasReport(bias);
        QCOMPARE(lines[0].key, std::string("position"));
        QCOMPARE(lines[0].value, std::string("Left side wins 70% of 100 decisive votes (95% CI 60-78%)"));
        QCOMPARE(lines[0].verdict, std::string("the raters favour the left side"));
        QVERIFY(lines[0].warning);

        // The same votes with the left winning 55 of 100: within chance.
        for (int i = 0; i < 100; ++i)
            votes[size_t(i)].verdict = i < 55 ? Verdict::Left : Verdict::Right;
        bias = computeVoteBias(votes);
        QCOMPARE(bias.leftWins.side(0.5), 0);
        lines = biasReport(bias);
        QVERIFY(!lines[0].warning);
        QVERIFY(lines[0].verdict.starts_with("no clear position bias"));
        // Retracted votes do not count.
        for (int i = 0; i < 10; ++i)
            votes[size_t(i)].retracted = true;
        QCOMPARE(computeVoteBias(votes).decisive, int64_t(90));
    }

    void lengthBiasBinsAndSlope()
    {
        // Lengths 1, 3 and 7 characters: ratios (lengths + 1) 2 and 4, so log2 ratio x = 1 and 2.
        std::vector<Vote> votes = {
            decided(true, true, "bbb", "a"),          // x 1, the longer won
            decided(false, false, "bbb", "a"),        // x 1, the shorter won
            decided(true, true, "ccccccc", "a"),      // x 2, the longer won
            decided(false, false, "a", "ccccccc"),    // x 2, the longer (m2) won
            decided(true, true, "same", "SAME"),      // equal length
            vote(true, Verdict::Tie, "a", "ccccccc"), // not decisive
        };
        VoteBias bias = computeVoteBias(votes);
        QCOMPARE(bias.longerWins.successes, int64_t(3));
        QCOMPARE(bias.longerWins.trials, int64_t(4));
        QCOMPARE(bias.equalLength, int64_t(1));
        QVERIFY(std::abs(bias.longerWins.low - 0.30064184258240184) < kEps);
        QCOMPARE(bias.longerWins.side(0.5), 0);
        // Least squares on (1,1) (1,0) (2,1) (2,1): mean x 1.5, mean y 0.75, Sxx 1, Sxy 0.5: slope 0.5, intercept 0;
        // residuals 0.5² + 0.5²: s² = 0.5 / 2, se = sqrt(0.25 / 1) = 0.5.
        QCOMPARE(bias.lengthSlope.n, int64_t(4));
        QVERIFY(std::abs(*bias.lengthSlope.value - 0.5) < kEps);
        QVERIFY(std::abs(bias.lengthSlope.low - (0.5 - kZ95 * 0.5)) < kEps);
        QVERIFY(std::abs(bias.lengthSlope.high - (0.5 + kZ95 * 0.5)) < kEps);
        // Bins [1, 1.1) [1.1, 1.25) [1.25, 1.5) [1.5, 2) [2, ...): every ratio here is 2 or 4.
        QCOMPARE(bias.lengthBins.size(), size_t(5));
        QCOMPARE(bias.lengthBins[4].lowRatio, 2.0);
        QCOMPARE(bias.lengthBins[4].highRatio, 0.0);
        QCOMPARE(bias.lengthBins[4].longerWins.successes, int64_t(3));
        QCOMPARE(bias.lengthBins[4].longerWins.trials, int64_t(4));
        for (size_t b = 0; b < 4; ++b)
            QCOMPARE(bias.lengthBins[b].longerWins.trials, int64_t(0));
        // Ratios that hardly differ give no slope: 20 against 19 characters, 21 against 20, 22 against 21 (ratios
        // 21/20, 22/21, 23/22: log2 spread 0.003) do not; 2 against 1, 3 against 2, 4 against 3 (ratios 1.5, 1.33,
        // 1.25: log2 spread 0.109, over 0.1) do.
        const std::vector<Vote> similar = {decided(true, true, std::string(20, 'x'), std::string(19, 'y')),
                                           decided(true, false, std::string(21, 'x'), std::string(20, 'y')),
                                           decided(true, true, std::string(22, 'x'), std::string(21, 'y'))};
        QVERIFY(!computeVoteBias(similar).lengthSlope.value);
        const std::vector<Vote> spread = {decided(true, true, "xx", "y"), decided(true, false, "xxx", "yy"),
                                          decided(true, true, "xxxx", "yyy")};
        QVERIFY(computeVoteBias(spread).lengthSlope.value.has_value());
        // 11 against 9 characters: ratio 12 / 10 = 1.2, in [1.1, 1.25).
        votes.push_back(decided(true, false, "eleven char", "nine char"));
        bias = computeVoteBias(votes);
        QCOMPARE(bias.lengthBins[1].longerWins.trials, int64_t(1));
        QCOMPARE(bias.lengthBins[1].longerWins.successes, int64_t(0));

        // A rater who always picks the longer answer, 30 times: detected.
        std::vector<Vote> longer;
        for (int i = 0; i < 30; ++i)
            longer.push_back(decided(i % 2 == 0, i % 3 != 0, i % 3 != 0 ? "a long answer" : "short",
                                     i % 3 != 0 ? "short" : "a long answer"));
        bias = computeVoteBias(longer);
        QCOMPARE(bias.longerWins.successes, int64_t(30));
        const std::vector<BiasLine> lines = biasReport(bias);
        QCOMPARE(lines[1].key, std::string("length"));
        QCOMPARE(lines[1].verdict, std::string("the raters favour longer answers"));
        QVERIFY(lines[1].warning);
    }

    void selfConsistencyCountsFlips()
    {
        const Vote o1 = vote(true, Verdict::Left);   // m1 better
        const Vote o2 = vote(false, Verdict::Left);  // m2 better
        const Vote o3 = vote(true, Verdict::Right);  // m2 better
        const Vote o4 = vote(true, Verdict::Left);   // m1 better
        const Vote o5 = vote(true, Verdict::Left);
        Vote o6 = vote(true, Verdict::Left);
        o6.retracted = true;
        const std::vector<Vote> votes = {
            o1, o2, o3, o4, o5, o6,
            repeatOf(o1, Verdict::Right), // swapped: m1 is now right and wins again: consistent
            repeatOf(o2, Verdict::Right), // m2 now right, wins: consistent
            repeatOf(o3, Verdict::Right), // m2 now left; right wins = m1: a flip (the right side both times)
            repeatOf(o4, Verdict::Tie),   // changed, not a flip
            repeatOf(o5, Verdict::Skip),  // a skip: not counted
            repeatOf(o6, Verdict::Left),  // its original was retracted: not counted
        };
        const VoteBias bias = computeVoteBias(votes);
        QCOMPARE(bias.consistent.trials, int64_t(4));
        QCOMPARE(bias.consistent.successes, int64_t(2));
        QCOMPARE(bias.flips, int64_t(1));
        QVERIFY(std::abs(bias.consistent.low - 0.15003898915214953) < kEps);
        // Repeats are not second opinions: no annotator agreement from them.
        QCOMPARE(bias.sharedItems, int64_t(0));
        for (const BiasLine& l : biasReport(bias))
            if (l.key == "consistency") {
                QCOMPARE(l.value, std::string("Same verdict on 2 of 4 pairs shown again with sides swapped (50%, "
                                              "95% CI 15-85%); 1 flip to the other output"));
                QVERIFY(l.verdict.starts_with("possibly inconsistent")); // 50%, but the interval reaches 85%
                QVERIFY(l.warning);
            }
    }

    void cohensKappaTextbook()
    {
        // Wikipedia's example: 50 items, yes/yes 20, yes/no 5, no/yes 10, no/no 15: po 0.7, pe 0.5, kappa 0.4;
        // se = sqrt(0.7 · 0.3 / (50 · 0.25)).
        std::vector<std::pair<int, int>> ratings;
        auto add = [&](int x, int y, int n) { ratings.insert(ratings.end(), size_t(n), {x, y}); };
        add(1, 1, 20);
        add(1, 0, 5);
        add(0, 1, 10);
        add(0, 0, 15);
        const Estimate k = cohensKappa(ratings);
        QVERIFY(std::abs(*k.value - 0.4) < kEps);
        const double se = std::sqrt(0.7 * 0.3 / (50 * 0.25));
        QVERIFY(std::abs(k.low - (0.4 - kZ95 * se)) < kEps);
        QVERIFY(std::abs(k.high - (0.4 + kZ95 * se)) < kEps);
        QCOMPARE(k.n, int64_t(50));
        QVERIFY(!cohensKappa({}).value);
        QVERIFY(!cohensKappa({{2, 2}, {2, 2}}).value); // pe = 1
        QVERIFY(std::abs(*cohensKappa({{0, 0}, {1, 1}, {2, 2}}).value - 1.0) < kEps);
    }

    void krippendorffAlphaTextbook()
    {
        // Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers x 12 units example
        // with missing values: nominal alpha = 0.743 (to more digits 0.743421).
        const std::vector<std::vector<int>> units = {{1, 1, 1}, {2, 2, 3, 2}, {3, 3, 3, 3}, {3, 3, 3, 3},
                                                     {2, 2, 2, 2}, {1, 2, 3, 4}, {4, 4, 4, 4}, {1, 1, 2, 1},
                                                     {2, 2, 2, 2}, {5, 5, 5},    {1, 1},       {3}};
        const Estimate a = krippendorffAlphaNominal(units);
        QVERIFY(std::abs(*a.value - 0.743421052631579) < 1e-9);
        QCOMPARE(a.n, int64_t(11)); // the unit with one value is not pairable
        QVERIFY(a.low <= *a.value && *a.value <= a.high);
        QVERIFY(a.low > -1.0 && a.high <= 1.0 && a.high - a.low > 0.05);
        const Estimate again = krippendorffAlphaNominal(units); // the bootstrap is seeded: same interval
        QCOMPARE(again.low, a.low);
        QCOMPARE(again.high, a.high);
        QVERIFY(!krippendorffAlphaNominal({{1, 1}, {1, 1}}).value); // no variation
        QVERIFY(!krippendorffAlphaNominal({{1, 2}}).value);         // one unit
        // Two raters, no missing values (Wikipedia's kappa example again): the coincidences are o(1,1) 40,
        // o(0,0) 30, o(1,0) = o(0,1) 15, so n1 55, n0 45, n 100 and alpha = 1 - 99 · 30 / (2 · 55 · 45) = 0.4.
        std::vector<std::vector<int>> two;
        const std::vector<std::array<int, 3>> cells = {{1, 1, 20}, {1, 0, 5}, {0, 1, 10}, {0, 0, 15}};
        for (const auto& [x, y, n] : cells)
            for (int i = 0; i < n; ++i)
                two.push_back({x, y});
        QVERIFY(std::abs(*krippendorffAlphaNominal(two).value - (1.0 - 99.0 * 30.0 / (2.0 * 55.0 * 45.0))) < kEps);
    }

    void agreementBetweenAnnotators()
    {
        // Four pairs of outputs; Ada and Ben rate all four (on different sides), Cy rates two.
        // Categories about the outputs: 0 first (m1's) better, 1 second better, 2 tie, 3 both bad.
        const std::vector<std::pair<std::string, std::string>> outputs = {
            {"p1 a", "p1 b"}, {"p2 a", "p2 b"}, {"p3 a", "p3 b"}, {"p4 a", "p4 b"}};
        auto rate = [&](size_t item, const std::string& who, bool aLeft, Verdict verdict) {
            return vote(aLeft, verdict, outputs[item].first, outputs[item].second, "prompt " + std::to_string(item),
                        who);
        };
        std::vector<Vote> votes = {
            rate(0, "Ada", true, Verdict::Left),  rate(0, "Ben", false, Verdict::Right), // 0, 0
            rate(1, "Ada", true, Verdict::Right), rate(1, "Ben", true, Verdict::Right),  // 1, 1
            rate(2, "Ada", true, Verdict::Left),  rate(2, "Ben", true, Verdict::Right),  // 0, 1
            rate(3, "Ada", true, Verdict::Tie),   rate(3, "Ben", false, Verdict::Tie),   // 2, 2
            rate(0, "Ada", false, Verdict::Left),                  // Ada's second vote on item 0: her first counts
            rate(1, "", true, Verdict::Left),                      // no name: not in the agreement
            rate(3, "Ben", true, Verdict::Skip),                   // a skip: ignored
        };
        VoteBias bias = computeVoteBias(votes);
        QCOMPARE(bias.annotatorsRating, int64_t(2));
        QCOMPARE(bias.sharedItems, int64_t(4));
        // Ada 0,1,0,2 and Ben 0,1,1,2: po 3/4; Ada's shares (1/2, 1/4, 1/4), Ben's (1/4, 1/2, 1/4):
        // pe = 1/8 + 1/8 + 1/16 = 5/16; kappa = (3/4 - 5/16) / (11/16) = 7/11.
        QVERIFY(std::abs(*bias.kappa.value - 7.0 / 11.0) < kEps);
        QCOMPARE(bias.kappa.n, int64_t(4));
        QVERIFY(bias.alpha.value.has_value());
        // Per annotator: Ada has 5 votes (left won 3 of her 4 decisive).
        QCOMPARE(bias.annotators.size(), size_t(3));
        QCOMPARE(bias.annotators[1].name, std::string("Ada"));
        QCOMPARE(bias.annotators[1].votes, int64_t(5));
        QCOMPARE(bias.annotators[1].leftWins.successes, int64_t(3));
        QCOMPARE(bias.annotators[1].leftWins.trials, int64_t(4));

        // A third annotator: kappa gives way to alpha. Cy: item 0 -> 0, item 2 -> 1.
        votes.push_back(rate(0, "Cy", true, Verdict::Left));
        votes.push_back(rate(2, "Cy", false, Verdict::Left));
        bias = computeVoteBias(votes);
        QCOMPARE(bias.annotatorsRating, int64_t(3));
        QVERIFY(!bias.kappa.value);
        // Units {0,0,0} {1,1} {0,1,1} {2,2}: the same as krippendorffAlphaNominal on them.
        const Estimate expected = krippendorffAlphaNominal({{0, 0, 0}, {1, 1}, {0, 1, 1}, {2, 2}});
        QVERIFY(std::abs(*bias.alpha.value - *expected.value) < kEps);
        for (const BiasLine& l : biasReport(bias))
            if (l.key == "kappa")
                QCOMPARE(l.verdict, std::string("kappa is for two: see Krippendorff's alpha"));
    }

    void debiasedExport()
    {
        tb::test::TempDir dir;
        // Chosen is longer in 5 pairs, shorter in 2, equal in 1; the left side won 6 of the 8.
        const std::vector<Vote> votes = {
            decided(true, true, "long answer one", "short"),      // left won, chosen longer (ratio 16/6)
            decided(true, true, "long answer two", "tiny"),       // left, longer
            decided(true, true, "a bit longer", "a bit short"),   // left, longer (ratio 13/12)
            decided(true, true, "longer again", "brief"),         // left, longer
            decided(false, false, "x", "the longest of them all"), // left (m2), longer
            decided(true, true, "no", "not this one"),            // left, shorter
            decided(false, true, "ok", "rather long"),            // right (m1), shorter
            decided(false, true, "same", "SAME"),                 // right, equal
            vote(true, Verdict::Tie),
        };
        auto chosenLonger = [](const nlohmann::json& j) {
            return j["chosen"].get<std::string>().size() > j["rejected"].get<std::string>().size();
        };
        // Plain: all 8 decisive pairs.
        PreferenceExport e = exportPreferences(votes, dir / "all.jsonl");
        QCOMPARE(e.pairs, int64_t(8));

        // Length balance: 2 of the 5 chosen-longer kept, both chosen-shorter and the equal one.
        PreferenceExportOptions options;
        options.balanceLength = true;
        e = exportPreferences(votes, dir / "length.jsonl", options);
        QCOMPARE(e.pairs, int64_t(5));
        QCOMPARE(e.droppedLengthBalance, int64_t(3));
        int longer = 0, shorter = 0;
        for (const auto& j : readJsonl(dir / "length.jsonl")) {
            const size_t c = j["chosen"].get<std::string>().size(), r = j["rejected"].get<std::string>().size();
            longer += c > r;
            shorter += c < r;
        }
        QCOMPARE(longer, 2);
        QCOMPARE(shorter, 2);
        // Another seed drops others, still balanced.
        options.seed = 99;
        e = exportPreferences(votes, dir / "length99.jsonl", options);
        QCOMPARE(e.pairs, int64_t(5));

        // Side balance: the left won 6, the right 2: 4 left wins dropped.
        options = {};
        options.balanceSides = true;
        e = exportPreferences(votes, dir / "sides.jsonl", options);
        QCOMPARE(e.pairs, int64_t(4));
        QCOMPARE(e.droppedSideBalance, int64_t(4));
        QVERIFY(readJsonl(dir / "sides.jsonl").size() == 4);

        // Length ratio 1.5 (lengths + 1): keeps 13/12 and 5/5; drops 16/6, 16/5, 13/6, 24/2, 13/3 and 12/3.
        options = {};
        options.maxLengthRatio = 1.5;
        e = exportPreferences(votes, dir / "ratio.jsonl", options);
        QCOMPARE(e.droppedLengthRatio, int64_t(6));
        QCOMPARE(e.pairs, int64_t(2));
        const auto kept = readJsonl(dir / "ratio.jsonl");
        QCOMPARE(kept[0]["chosen"].get<std::string>(), std::string("a bit longer"));
        QVERIFY(!chosenLonger(kept[1]));

        // A ratio below 1 is refused before anything is written.
        options.maxLengthRatio = 0.5;
        QVERIFY_THROWS_EXCEPTION(InputError, exportPreferences(votes, dir / "never.jsonl", options));
        QVERIFY(!std::filesystem::exists(dir / "never.jsonl"));
    }
};

QTEST_GUILESS_MAIN(TestVoteBias)
#include "test_vote_bias.moc"
