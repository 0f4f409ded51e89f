// SPDX-License-Identifier: MIT
// `tunebench-cli votes`: a project's vote journal (written by the core's VoteStore, with a retraction and a torn
// last line) exported as a preference file that loadDataset reads back (and de-biased with the balancing options),
// the summary as a table and as JSON with the counts of the votes, the bias statistics of a planted left-side bias
// as a table and as JSON (of a project or a votes file), and bad input with exit code 2 and a message naming it.
#include "core/data/formats/dataset_reader.h"
#include "core/store/vote_store.h"
#include "tests/app/cli_support.h"

#include <QtTest/QtTest>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>
#include <cstdio>

using tb::test::runCli;
using Result = tb::test::CliResult;
namespace core = tb::core;

namespace {

core::Vote vote(const std::string& a, const std::string& b, bool aLeft, core::Verdict verdict,
                const std::string& prompt)
{
    core::Vote v;
    v.prompt = prompt;
    v.a = {a, a + "-name", "/p/runs/" + a, "/p/runs/" + a + "/ckpt.safetensors", 10, prompt, "from " + a};
    v.b = {b, b + "-name", "/p/runs/" + b, "/p/runs/" + b + "/ckpt.safetensors", 10, prompt, "from " + b};
    v.aLeft = aLeft;
    v.verdict = verdict;
    v.sampling.seed = 7;
    return v;
}

/// A project with 4 votes of base vs tuned (tuned wins 2 of 3 decisive, 1 tie), one retracted vote and a torn tail.
void writeVotes(const QTemporaryDir& dir)
{
    const core::VoteStore store = core::VoteStore::forProject(dir.path().toStdString());
    store.append(vote("base", "tuned", true, core::Verdict::Right, "One"));
    store.append(vote("base", "tuned", false, core::Verdict::Left, "Two"));
    store.append(vote("base", "tuned", true, core::Verdict::Left, "Three"));
    store.append(vote("base", "tuned", true, core::Verdict::Tie, "Four"));
    const core::Vote undone = store.append(vote("base", "tuned", true, core::Verdict::Left, "Five"));
    store.retract(undone.id);
    FILE* f = std::fopen(store.file().c_str(), "ab");
    std::fputs("{\"type\":\"vote\",\"id\":\"cut", f);
    std::fclose(f);
}

} // namespace

class TestCliVotes : public QObject {
    Q_OBJECT
private slots:
    void exportReadsBack()
    {
        QTemporaryDir dir;
        writeVotes(dir);
        const QString out = dir.filePath("prefs.jsonl");
        const Result r = runCli({"votes", "export", dir.path(), "--out", out});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("wrote 3 preference pair(s)"), qPrintable(r.out));
        QVERIFY(r.out.contains("1 tie/both bad/skip, 1 retracted"));
        QVERIFY2(r.err.contains("votes.jsonl: line 7: incomplete last line"), qPrintable(r.err));

        const core::Dataset data = core::loadDataset(out.toStdString());
        QCOMPARE(data.records.size(), size_t(3));
        const char* chosen[] = {"from tuned", "from tuned", "from base"}; // Two: tuned was shown left and won
        const char* prompts[] = {"One", "Two", "Three"};
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(data.records[i].kind, core::RecordKind::Preference);
            QCOMPARE(data.records[i].turns[0].content, std::string(prompts[i]));
            QCOMPARE(data.records[i].chosen[0].content, std::string(chosen[i]));
        }
        // The data command sees the same file as a preference dataset.
        const Result check = runCli({"data", "check", out});
        QCOMPARE(check.exitCode, 0);
        QVERIFY2(check.out.contains("preference"), qPrintable(check.out));
    }

    void summaryTableAndJson()
    {
        QTemporaryDir dir;
        writeVotes(dir);
        const Result table = runCli({"votes", "summary", dir.path()});
        QCOMPARE(table.exitCode, 0);
        QVERIFY2(table.out.contains("4 vote(s), 1 retracted; the side shown left won 2 of 3"), qPrintable(table.out));
        QVERIFY(table.out.contains("base-name (base)"));
        QVERIFY(table.out.contains("37.5%")); // base: (1 win + half a tie) / 4 games
        QVERIFY(table.out.contains("Bradley-Terry"));

        const Result json = runCli({"votes", "summary", dir.path(), "--json"});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(o["votes"].toInt(), 4);
        QCOMPARE(o["retracted"].toInt(), 1);
        QCOMPARE(o["unreadable_lines"].toInt(), 1);
        const QJsonObject pair = o["pairs"].toArray()[0].toObject();
        QCOMPARE(pair["a"].toString(), QStringLiteral("base"));
        QCOMPARE(pair["a_wins"].toInt(), 1);
        QCOMPARE(pair["b_wins"].toInt(), 2);
        QCOMPARE(pair["ties"].toInt(), 1);
        QCOMPARE(pair["a_win_rate"].toDouble(), 1.5 / 4.0);
        const QJsonArray models = o["models"].toArray();
        QCOMPARE(models.size(), 2);
        QCOMPARE(models[0].toObject()["run"].toString(), QStringLiteral("tuned")); // best first
        // Two models: p_tuned / p_base = W_tuned / W_base (wins + half the tie + the virtual half) = 3 / 2.
        const double diff = models[0].toObject()["bradley_terry_elo"].toDouble() -
                            models[1].toObject()["bradley_terry_elo"].toDouble();
        QVERIFY(std::abs(diff - 400 * std::log10(1.5)) < 1e-6);
    }

    void biasTableAndJson()
    {
        QTemporaryDir dir;
        const core::VoteStore store = core::VoteStore::forProject(dir.path().toStdString());
        // 40 decisive votes, the left side winning 30; two annotators; one pair shown again and flipped.
        std::string firstId;
        for (int i = 0; i < 40; ++i) {
            core::Vote v = vote("base", "tuned", i % 2 == 0, i % 4 == 3 ? core::Verdict::Right : core::Verdict::Left,
                                "Prompt " + std::to_string(i));
            v.annotator = i < 20 ? "ada" : "ben";
            v.timeToVoteMs = 1000 * (i + 1);
            const core::Vote written = store.append(v);
            if (i == 0)
                firstId = written.id;
        }
        core::Vote again = vote("base", "tuned", false, core::Verdict::Left, "Prompt 0"); // left is now tuned
        again.annotator = "ada";
        again.repeatOf = firstId;
        store.append(again);

        const Result table = runCli({"votes", "bias", dir.path()});
        QCOMPARE(table.exitCode, 0);
        // 31 of 41 decisive: Wilson 95% interval 60.7-86.2%.
        QVERIFY2(table.out.contains("Left side wins 76% of 41 decisive votes (95% CI 61-86%)"), qPrintable(table.out));
        QVERIFY(table.out.contains("(!) the raters favour the left side"));
        QVERIFY(table.out.contains("Same verdict on 0 of 1 pairs shown again with sides swapped"));
        QVERIFY(table.out.contains("Annotator ada"));
        QVERIFY(table.out.contains("Median 20.5 s")); // times 1..40 s and none on the repeat: median 20.5 s

        const Result json = runCli({"votes", "bias", store.file().c_str(), "--json"}); // the file itself
        QCOMPARE(json.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(json.out.toUtf8()).object();
        QCOMPARE(o["votes"].toInt(), 41);
        const QJsonObject left = o["position"].toObject()["left_wins"].toObject();
        QCOMPARE(left["successes"].toInt(), 31);
        QCOMPARE(left["trials"].toInt(), 41);
        QVERIFY(left["ci_low"].toDouble() > 0.5);
        QCOMPARE(o["consistency"].toObject()["flips"].toInt(), 1);
        QCOMPARE(o["annotators"].toArray().size(), 2);
        QVERIFY(o["agreement"].toObject()["cohens_kappa"].isNull()); // ada and ben never rated the same outputs
        QCOMPARE(o["report"].toArray()[0].toObject()["key"].toString(), QStringLiteral("position"));

        const Result missing = runCli({"votes", "bias", dir.filePath("nope.jsonl")});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains("is neither a folder nor a file"), qPrintable(missing.err));
    }

    void exportBalancesSides()
    {
        QTemporaryDir dir;
        writeVotes(dir); // decisive: left won 2 (Two, Three), right 1 (One)
        const QString out = dir.filePath("balanced.jsonl");
        const Result r = runCli({"votes", "export", dir.path(), "--out", out, "--balance-sides", "--seed", "3"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("wrote 2 preference pair(s)"), qPrintable(r.out));
        QVERIFY(r.out.contains("1 to balance sides"));
        const core::Dataset data = core::loadDataset(out.toStdString());
        QCOMPARE(data.records.size(), size_t(2));
        QCOMPARE(data.records[0].turns[0].content, std::string("One")); // the one right-side win is always kept

        const Result bad = runCli({"votes", "export", dir.path(), "--out", out, "--max-length-ratio", "0.5"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("--max-length-ratio must be at least 1"), qPrintable(bad.err));
    }

    void emptyProjectAndBadInput()
    {
        QTemporaryDir dir;
        const Result empty = runCli({"votes", "summary", dir.path()});
        QCOMPARE(empty.exitCode, 0);
        QVERIFY(empty.out.contains("no votes in"));

        const Result missing = runCli({"votes", "summary", dir.filePath("nope")});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains("nope") && missing.err.contains("is not a folder"), qPrintable(missing.err));
        const Result noOut = runCli({"votes", "export", dir.path()});
        QCOMPARE(noOut.exitCode, 2);
        QVERIFY(noOut.err.contains("--out FILE is required"));
        const Result bad = runCli({"votes", "tally", dir.path()});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("unknown votes command 'tally'"));
        const Result help = runCli({"votes", "--help"});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("votes export PROJECT_DIR --out FILE"));
    }
};

QTEST_GUILESS_MAIN(TestCliVotes)
#include "test_cli_votes.moc"
