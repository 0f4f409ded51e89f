// SPDX-License-Identifier: MIT
// The vote journal: votes round-trip field for field, a torn last line is ignored and reported (and the next vote
// still lands on a line of its own), bad lines are reported with line and field, retract lines hide a vote without
// rewriting it, a writer killed with SIGKILL right after its appends has lost none of them, the export reads back
// through loadDataset as preference pairs, and the summary's counts and Bradley-Terry ratings match numbers worked
// out by hand.
#include "core/common/atomic_file.h"
#include "core/data/formats/dataset_reader.h"
#include "core/store/vote_store.h"
#include "tests/core/test_support.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace tb::core;

namespace {

VoteModel model(const std::string& run, const std::string& output)
{
    return {run, run + " name", "/p/runs/" + run, "/p/runs/" + run + "/ckpt_best.safetensors", 120,
            "User: hi\nAssistant:", output};
}

Vote vote(const std::string& a, const std::string& b, bool aLeft, Verdict verdict, const std::string& prompt = "Hi?")
{
    Vote v;
    v.prompt = prompt;
    v.a = model(a, "answer of " + a);
    v.b = model(b, "answer of " + b);
    v.aLeft = aLeft;
    v.verdict = verdict;
    v.sampling.seed = 1337;
    v.sampling.temperature = 0.8;
    v.sampling.topK = 40;
    v.sampling.topP = 0.9;
    v.sampling.maxNewTokens = 64;
    v.sampling.repetitionPenalty = 1.1;
    v.sampling.chatTemplate = true;
    return v;
}

Vote withId(Vote v, const std::string& id)
{
    v.id = id;
    v.time = "2026-11-29T23:59:01.123Z";
    return v;
}

} // namespace

class TestVoteStore : public QObject {
    Q_OBJECT
private slots:
    void roundTrip()
    {
        tb::test::TempDir dir;
        const VoteStore store = VoteStore::forProject(dir.path());
        QCOMPARE(store.file(), dir.path() / "votes.jsonl");
        QVERIFY(store.read().votes.empty()); // no file yet: an empty log
        Vote first = vote("r1", "r2", false, Verdict::Right, "Säg \"hej\"\nnow");
        first.note = "shorter, on topic";
        first.a.output = "tab\there ✓";
        const Vote written = store.append(first);
        QVERIFY(!written.id.empty());
        QVERIFY(written.time.size() == 24 && written.time.back() == 'Z'); // 2026-11-29T23:59:01.123Z
        const Vote second = store.append(vote("r2", "r3", true, Verdict::BothBad));
        QVERIFY(second.id != written.id);

        const VoteLog log = store.read();
        QVERIFY(log.problems.empty());
        QCOMPARE(log.votes.size(), size_t(2));
        Vote expected = written;
        expected.line = 1;
        QCOMPARE(log.votes[0], expected);
        QCOMPARE(log.votes[0].left().run, std::string("r2")); // b was shown left
        QCOMPARE(log.votes[0].winnerLoser()->first->run, std::string("r1")); // right won: that is a
        QCOMPARE(log.votes[1].line, int64_t(2));
        QCOMPARE(log.votes[1].verdict, Verdict::BothBad);
        QVERIFY(!log.votes[1].winnerLoser());
        // One line per vote, each ending in a newline.
        const std::string text = readFile(store.file());
        QCOMPARE(std::count(text.begin(), text.end(), '\n'), 2L);
        QCOMPARE(text.back(), '\n');
    }

    void tornLastLineIsIgnoredAndReported()
    {
        tb::test::TempDir dir;
        const VoteStore store = VoteStore::forProject(dir.path());
        store.append(vote("r1", "r2", true, Verdict::Left));
        const std::string whole = voteLine(withId(vote("r1", "r2", true, Verdict::Tie), "torn"));
        // A kill mid-write leaves half a line without its newline.
        {
            FILE* f = std::fopen(store.file().c_str(), "ab");
            std::fwrite(whole.data(), 1, whole.size() / 2, f);
            std::fclose(f);
        }
        VoteLog log = store.read();
        QCOMPARE(log.votes.size(), size_t(1));
        QCOMPARE(log.problems.size(), size_t(1));
        QVERIFY(log.problems[0].tornTail);
        QCOMPARE(log.problems[0].line, int64_t(2));
        QVERIFY(QString::fromStdString(log.problems[0].describe()).startsWith("votes.jsonl: line 2: incomplete"));

        // The next vote starts on its own line: the torn bytes stay (never rewritten), now a bad middle line.
        store.append(vote("r1", "r2", true, Verdict::Right));
        log = store.read();
        QCOMPARE(log.votes.size(), size_t(2));
        QCOMPARE(log.votes[1].line, int64_t(3));
        QCOMPARE(log.votes[1].verdict, Verdict::Right);
        QCOMPARE(log.problems.size(), size_t(1));
        QVERIFY(!log.problems[0].tornTail);
        QCOMPARE(log.problems[0].line, int64_t(2));
        QVERIFY(readFile(store.file()).find(whole.substr(0, whole.size() / 2) + "\n") != std::string::npos);
    }

    void killedWriterLosesNoRecordedVote()
    {
        // A child appends votes and is killed with SIGKILL right after the 5th append returns: all 5 are on disk
        // (nothing waits in a user-space buffer), each on its own line.
        tb::test::TempDir dir;
        const VoteStore store = VoteStore::forProject(dir.path());
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            for (int i = 0; i < 5; ++i)
                store.append(vote("r1", "r2", i % 2 == 0, Verdict::Left, "prompt " + std::to_string(i)));
            ::raise(SIGKILL);
            ::_exit(0); // not reached
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        const VoteLog log = store.read();
        QVERIFY(log.problems.empty());
        QCOMPARE(log.votes.size(), size_t(5));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(log.votes[size_t(i)].prompt, "prompt " + std::to_string(i));
    }

    void badLinesNameLineAndField()
    {
        tb::test::TempDir dir;
        const VoteStore store = VoteStore::forProject(dir.path());
        const Vote ok = store.append(vote("r1", "r2", true, Verdict::Left));
        std::string badVerdict = voteLine(withId(vote("r1", "r2", true, Verdict::Left), "v0"));
        badVerdict.replace(badVerdict.find("\"verdict\":\"left\""), 16, "\"verdict\":\"maybe\"");
        std::string badSeed = voteLine(withId(vote("r1", "r2", true, Verdict::Left), "v1"));
        badSeed.replace(badSeed.find("\"seed\":1337"), 11, "\"seed\":\"x\"");
        std::string noOutput = voteLine(withId(vote("r1", "r2", true, Verdict::Left), "v2"));
        noOutput.replace(noOutput.find("\"output\":"), 9, "\"outpt\":");
        const std::string lines = "[1,2]\n" + badVerdict + "\n" + badSeed + "\n" + noOutput + "\n" +
                                  R"({"type":"retract","id":"x","time":"t","vote":"nope"})" + "\n" +
                                  R"({"type":"ballot"})" + "\n";
        FILE* f = std::fopen(store.file().c_str(), "ab");
        std::fwrite(lines.data(), 1, lines.size(), f);
        std::fclose(f);

        const VoteLog log = store.read();
        QCOMPARE(log.votes.size(), size_t(1));
        QCOMPARE(log.votes[0].id, ok.id);
        QCOMPARE(log.problems.size(), size_t(6));
        const std::vector<std::pair<int64_t, std::string>> expected = {
            {2, ""}, {3, "verdict"}, {4, "sampling.seed"}, {5, "a.output"}, {6, "vote"}, {7, "type"}};
        for (size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(log.problems[i].line, expected[i].first);
            QVERIFY2(log.problems[i].field == expected[i].second, log.problems[i].describe().c_str());
            QVERIFY(!log.problems[i].tornTail);
        }
        QVERIFY(QString::fromStdString(log.problems[1].describe())
                    .startsWith("votes.jsonl: line 3: field \"verdict\": must be one of"));
    }

    void retractAppendsAndHides()
    {
        tb::test::TempDir dir;
        const VoteStore store = VoteStore::forProject(dir.path());
        const Vote v1 = store.append(vote("r1", "r2", true, Verdict::Left));
        const Vote v2 = store.append(vote("r1", "r2", true, Verdict::Right));
        const std::string before = readFile(store.file());
        store.retract(v2.id);
        const std::string after = readFile(store.file());
        QVERIFY(after.starts_with(before)); // earlier votes are never rewritten
        QVERIFY(after.substr(before.size()).find("\"type\":\"retract\"") != std::string::npos);

        const VoteLog log = store.read();
        QVERIFY(log.problems.empty());
        QCOMPARE(log.retractions, int64_t(1));
        QCOMPARE(log.votes.size(), size_t(2));
        QVERIFY(!log.votes[0].retracted);
        QVERIFY(log.votes[1].retracted);
        QCOMPARE(log.active().size(), size_t(1));
        QCOMPARE(log.active()[0].id, v1.id);
        const VoteSummary s = summarizeVotes(log.votes);
        QCOMPARE(s.votes, int64_t(1));
        QCOMPARE(s.retracted, int64_t(1));
    }

    void exportReadsBackAsPreferences()
    {
        tb::test::TempDir dir;
        const VoteStore store = VoteStore::forProject(dir.path());
        store.append(vote("r1", "r2", true, Verdict::Left, "First?"));   // a left: chosen r1
        store.append(vote("r1", "r2", false, Verdict::Left, "Second?")); // b left: chosen r2
        store.append(vote("r1", "r2", true, Verdict::Tie));
        store.append(vote("r1", "r2", true, Verdict::BothBad));
        store.append(vote("r1", "r2", true, Verdict::Skip));
        const Vote gone = store.append(vote("r1", "r2", true, Verdict::Right));
        store.retract(gone.id);
        Vote same = vote("r1", "r2", true, Verdict::Right);
        same.b.output = same.a.output;
        store.append(same);

        const std::filesystem::path out = dir / "prefs.jsonl";
        const PreferenceExport e = exportPreferences(store.read().votes, out);
        QCOMPARE(e.pairs, int64_t(2));
        QCOMPARE(e.notDecisive, int64_t(3));
        QCOMPARE(e.retracted, int64_t(1));
        QCOMPARE(e.identical, int64_t(1));

        const Dataset data = loadDataset(out);
        QCOMPARE(data.format, DatasetFormat::Preference);
        QCOMPARE(data.records.size(), size_t(2));
        const std::vector<std::array<std::string, 3>> expected = {
            {"First?", "answer of r1", "answer of r2"}, {"Second?", "answer of r2", "answer of r1"}};
        for (size_t i = 0; i < 2; ++i) {
            const DatasetRecord& r = data.records[i];
            QCOMPARE(r.kind, RecordKind::Preference);
            QCOMPARE(r.turns.size(), size_t(1));
            QCOMPARE(r.turns[0].content, expected[i][0]);
            QCOMPARE(r.chosen.size(), size_t(1));
            QCOMPARE(r.chosen[0].content, expected[i][1]);
            QCOMPARE(r.rejected[0].content, expected[i][2]);
        }
    }

    void summaryByHand()
    {
        // r1 vs r2: r1 wins 3 (two shown left, one shown right), r2 wins 1, 1 tie, 1 both bad, 1 skip.
        // r2 vs r3: r3 wins 2.
        std::vector<Vote> votes = {
            vote("r1", "r2", true, Verdict::Left),  vote("r2", "r1", false, Verdict::Left),
            vote("r1", "r2", false, Verdict::Right), vote("r2", "r1", true, Verdict::Left),
            vote("r1", "r2", true, Verdict::Tie),   vote("r1", "r2", true, Verdict::BothBad),
            vote("r1", "r2", true, Verdict::Skip),  vote("r3", "r2", true, Verdict::Left),
            vote("r2", "r3", true, Verdict::Right),
        };
        Vote retracted = vote("r2", "r1", true, Verdict::Left);
        retracted.retracted = true;
        votes.push_back(retracted);

        const VoteSummary s = summarizeVotes(votes);
        QCOMPARE(s.votes, int64_t(9));
        QCOMPARE(s.retracted, int64_t(1));
        QCOMPARE(s.leftWins, int64_t(4)); // votes 1, 2, 4, 8
        QCOMPARE(s.rightWins, int64_t(2)); // votes 3, 9
        QCOMPARE(s.pairs.size(), size_t(2));
        const PairTally& p12 = s.pairs[0];
        QCOMPARE(p12.a, std::string("r1"));
        QCOMPARE(p12.b, std::string("r2"));
        QCOMPARE(p12.aWins, int64_t(3));
        QCOMPARE(p12.bWins, int64_t(1));
        QCOMPARE(p12.ties, int64_t(1));
        QCOMPARE(p12.bothBad, int64_t(1));
        QCOMPARE(p12.skips, int64_t(1));
        QCOMPARE(*p12.aWinRate(), 3.5 / 5.0);
        const PairTally& p23 = s.pairs[1];
        QCOMPARE(p23.a, std::string("r2"));
        QCOMPARE(p23.aWins, int64_t(0));
        QCOMPARE(p23.bWins, int64_t(2));
        QCOMPARE(*p23.aWinRate(), 0.0);

        // Bradley-Terry with one virtual tie per pair: W1 = 3 + 0.5 + 0.5 = 4, W2 = 1 + 0.5 + 0.5 + 0 + 0.5 = 2.5,
        // W3 = 2 + 0.5 = 2.5; games n12 = 6, n23 = 3. The fixed point of p_i = W_i / sum_j n_ij / (p_i + p_j)
        // (scale free) satisfies, with x = p1/p2 and y = p3/p2:
        //   W1 = n12 x / (x + 1)               -> 4 = 6x / (x + 1)  -> x = 2
        //   W3 = n23 y / (y + 1)               -> 2.5 = 3y / (y + 1) -> y = 5
        // so on the Elo scale r1 - r2 = 400 log10(2) and r3 - r2 = 400 log10(5), with mean 0.
        QCOMPARE(s.models.size(), size_t(3));
        QCOMPARE(s.models[0].run, std::string("r3")); // best first
        QCOMPARE(s.models[1].run, std::string("r1"));
        QCOMPARE(s.models[2].run, std::string("r2"));
        const double r2 = -(400 * std::log10(2.0) + 400 * std::log10(5.0)) / 3.0;
        QVERIFY(std::abs(s.models[2].rating - r2) < 1e-6);
        QVERIFY(std::abs(s.models[1].rating - (r2 + 400 * std::log10(2.0))) < 1e-6);
        QVERIFY(std::abs(s.models[0].rating - (r2 + 400 * std::log10(5.0))) < 1e-6);
        QCOMPARE(s.models[1].wins, int64_t(3));
        QCOMPARE(s.models[1].losses, int64_t(1));
        QCOMPARE(s.models[1].ties, int64_t(1));
        QCOMPARE(s.models[2].losses, int64_t(5));
        QCOMPARE(s.models[0].name, std::string("r3 name"));
    }

    void verdictNames()
    {
        for (Verdict v : {Verdict::Left, Verdict::Right, Verdict::Tie, Verdict::BothBad, Verdict::Skip})
            QCOMPARE(parseVerdict(verdictName(v)), std::optional<Verdict>(v));
        QVERIFY(!parseVerdict("Left"));
    }
};

QTEST_GUILESS_MAIN(TestVoteStore)
#include "test_vote_store.moc"
