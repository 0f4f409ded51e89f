// SPDX-License-Identifier: MIT
// A reward model through tunebench-cli, from the Rate tab's votes: a vote journal (written by the core's VoteStore)
// where the answer about the cat always wins, `votes export`, a tiny char-level parent pretrained on word salad,
// `train` with method reward_model on the exported pairs, then `score` prints a number for each answer, the same
// every time. Bad input (a run that is no reward model, missing options, SFT data) exits with 2.
#include "core/store/vote_store.h"
#include "tests/app/cli_support.h"

#include <QtTest/QtTest>

#include <QJsonObject>
#include <QTemporaryDir>

using tb::test::readJson;
using tb::test::runCli;
namespace core = tb::core;

namespace {

core::Vote catBeatsDog(const std::string& prompt, int variant)
{
    const char* cat[] = {" the cat sat.", " a cat ran far away.", " cat on the mat."};
    const char* dog[] = {" the dog sat.", " a dog ran far away.", " dog on the mat."};
    core::Vote v;
    v.prompt = prompt;
    v.a = {"base", "base", "/p/runs/base", "/p/runs/base/ckpt.safetensors", 10, prompt, cat[variant % 3]};
    v.b = {"tuned", "tuned", "/p/runs/tuned", "/p/runs/tuned/ckpt.safetensors", 10, prompt, dog[(variant + 1) % 3]};
    v.aLeft = variant % 2 == 0;
    v.verdict = v.aLeft ? core::Verdict::Left : core::Verdict::Right; // a (the cat) wins wherever it was shown
    v.sampling.seed = 7;
    return v;
}

double parseScore(const QString& out, bool* ok) { return out.trimmed().toDouble(ok); }

} // namespace

class TestCliRewardModel : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        tb::test::writeFile(m_dir.filePath("corpus.txt"), tb::test::corpusText(1500));
        tb::test::writeFile(m_dir.filePath("base.yaml"),
                            "model: {n_layer: 1, n_head: 2, n_embd: 32, block_size: 48, dropout: 0}\n"
                            "train: {batch_size: 4, max_steps: 10, eval_interval: 10, eval_iters: 2, threads: 2,\n"
                            "        probe_prompts: []}\n"
                            "data: {corpus: corpus.txt, val_fraction: 0.2}\n"
                            "tokenizer: {kind: char}\n");
        const auto base = runCli({"train", "--config", m_dir.filePath("base.yaml"), "--out", m_dir.filePath("base")},
                                 m_dir.path(), 600000);
        QVERIFY2(base.exitCode == 0, qPrintable(base.err));

        const core::VoteStore store = core::VoteStore::forProject(m_dir.path().toStdString());
        const char* prompts[] = {"the mat", "a dog sat", "on a mat", "far away", "the cat ran", "dog on",
                                 "a mat", "cat sat on", "the far", "ran away", "on the dog", "a cat",
                                 "sat far", "mat on a", "dog ran", "the away", "cat far", "a sat"};
        int variant = 0;
        for (const char* p : prompts)
            store.append(catBeatsDog(p, variant++));
        const auto exported =
            runCli({"votes", "export", m_dir.path(), "--out", m_dir.filePath("prefs.jsonl")}, m_dir.path());
        QVERIFY2(exported.exitCode == 0, qPrintable(exported.err));
        QVERIFY2(exported.out.contains("wrote 18 preference pair(s)"), qPrintable(exported.out));
    }

    void trainsOnVotesAndScores()
    {
        tb::test::writeFile(m_dir.filePath("rm.yaml"),
                            "method: reward_model\n"
                            "init_from: base\n"
                            "train: {batch_size: 4, max_steps: 120, eval_interval: 60, eval_iters: 2,\n"
                            "        learning_rate: 0.01, warmup_steps: 2, threads: 2}\n"
                            "data: {train: prefs.jsonl, val_fraction: 0.2}\n");
        const auto run = runCli({"train", "--config", m_dir.filePath("rm.yaml"), "--out", m_dir.filePath("rm")},
                                m_dir.path(), 600000);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains("reward accuracy") && run.err.contains("score-length correlation"),
                 qPrintable(run.err));
        const QJsonObject summary = readJson(m_dir.filePath("rm/summary.json"));
        QCOMPARE(summary.value("method").toString(), QString("reward_model"));
        QCOMPARE(summary.value("status").toString(), QString("completed"));
        QCOMPARE(summary.value("reward_input").toString(), QString("raw"));
        QVERIFY(summary.value("reward_length_correlation").isDouble());
        QVERIFY(summary.value("reward_accuracy").isDouble());

        bool okGood = false, okBad = false;
        const auto good = runCli({"score", m_dir.filePath("rm"), "--prompt", "the dog sat", "--answer", " a cat sat."});
        const auto bad = runCli({"score", m_dir.filePath("rm"), "--prompt", "the dog sat", "--answer", " a dog sat."});
        QVERIFY2(good.exitCode == 0, qPrintable(good.err));
        QVERIFY2(bad.exitCode == 0, qPrintable(bad.err));
        const double g = parseScore(good.out, &okGood);
        const double b = parseScore(bad.out, &okBad);
        QVERIFY2(okGood && okBad, qPrintable(good.out + " / " + bad.out));
        // Two different answers get two scores. (That this 1-layer char model ranks the cat above the dog is not
        // asserted: it did not learn the rule in 120 steps; tests/core/test_reward_model.cpp shows learning.)
        QVERIFY2(g != b, qPrintable(QString("cat %1, dog %2").arg(g).arg(b)));
        // The same answer scores the same every time (eval mode, no sampling).
        const auto again = runCli({"score", m_dir.filePath("rm"), "--prompt", "the dog sat", "--answer", " a cat sat."});
        QCOMPARE(again.out, good.out);
    }

    void badInputExitsWithTwo()
    {
        const auto notReward = runCli({"score", m_dir.filePath("base"), "--prompt", "a", "--answer", "b"});
        QCOMPARE(notReward.exitCode, 2);
        QVERIFY2(notReward.err.contains("not a reward model"), qPrintable(notReward.err));
        const auto noAnswer = runCli({"score", m_dir.filePath("rm"), "--prompt", "a"});
        QCOMPARE(noAnswer.exitCode, 2);
        QVERIFY2(noAnswer.err.contains("--answer A is required"), qPrintable(noAnswer.err));
        const auto empty = runCli({"score", m_dir.filePath("rm"), "--prompt", "a", "--answer", ""});
        QCOMPARE(empty.exitCode, 2);
        QVERIFY2(empty.err.contains("nothing to score"), qPrintable(empty.err));

        tb::test::writeFile(m_dir.filePath("sft.jsonl"), "{\"prompt\": \"the cat\", \"completion\": \" sat.\"}\n"
                                                         "{\"prompt\": \"a dog\", \"completion\": \" ran.\"}\n");
        const auto sft = runCli({"train", "--config", m_dir.filePath("rm.yaml"), "--set", "data.train=sft.jsonl",
                                 "--out", m_dir.filePath("rm-sft")},
                                m_dir.path());
        QCOMPARE(sft.exitCode, 2);
        QVERIFY2(sft.err.contains("sft.jsonl") && sft.err.contains("data.train") &&
                     sft.err.contains("a reward model needs preference pairs (chosen/rejected)"),
                 qPrintable(sft.err));
        QVERIFY(!QFile::exists(m_dir.filePath("rm-sft/summary.json")));
    }
};

QTEST_GUILESS_MAIN(TestCliRewardModel)
#include "test_cli_reward_model.moc"
