// SPDX-License-Identifier: MIT
// Shared by the GRPO and PPO tests: a prompt list, cat-over-dog preference pairs, the parent run and a reward-model
// run trained from it in a temporary folder, and the "refused before anything is written" check.
#pragma once

#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/io/run_config.h"
#include "core/train/trainer.h"
#include "tests/core/finetune_fixtures.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>

#include <QtTest/QtTest>

#include <csignal>
#include <filesystem>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace tb::test {

/// JSONL prompt list: beginnings of corpus sentences.
inline std::string rlPromptList()
{
    const char* prompts[] = {"the cat ", "a dog ", "the mat. ", "on a ", "dog ran ", "the ",
                             "a cat sat ", "far away.\n", "ran far ", "sat on ", "the dog ", "a mat. "};
    std::string out;
    for (const char* p : prompts)
        out += nlohmann::json{{"prompt", p}}.dump() + "\n";
    return out;
}

/// Cat-over-dog preference pairs (as in test_reward_model), for a reward-model run.
inline std::string catOverDogPairs(int count)
{
    const char* cat[] = {" the cat sat.", " a cat ran far away.", " cat on the mat."};
    const char* dog[] = {" the dog sat.", " a dog ran far away.", " dog on the mat."};
    core::SplitMix64 rng(11);
    nlohmann::json records = nlohmann::json::array();
    for (int i = 0; i < count; ++i)
        records.push_back({{"prompt", makeCorpus(12, 100 + static_cast<uint64_t>(i)).substr(0, 12)},
                           {"chosen", cat[rng.below(3)]},
                           {"rejected", dog[rng.below(3)]}});
    return records.dump(1);
}

/// Writes corpus.txt, prompts.jsonl and pairs.json into `dir`, trains `parent` (a tiny pretrain run, long enough to
/// write words of the corpus that the gold scorer can tell apart) and `rewardRun` (a reward model that likes cats;
/// a few steps: it only has to load and score). Call with QVERIFY-style checks inside: a failed run fails the test.
inline void makeRlRuns(const std::filesystem::path& dir, const std::filesystem::path& parent,
                       const std::filesystem::path& rewardRun)
{
    writeBytes(dir / "corpus.txt", makeCorpus(6000, 5));
    writeBytes(dir / "prompts.jsonl", rlPromptList());
    writeBytes(dir / "pairs.json", catOverDogPairs(20));
    RecordingObserver obs;
    core::RunConfig p = tinyParentConfig(dir / "corpus.txt", dir / "cache");
    p.train.maxSteps = 300;
    p.train.evalInterval = 300;
    QVERIFY(core::Trainer::create(p, parent)->run(obs).outcome == core::TrainOutcome::Completed);
    core::RunConfig rm;
    rm.method = "reward_model";
    rm.initFrom = parent.string();
    rm.train.batchSize = 4;
    rm.train.maxSteps = 4;
    rm.train.evalInterval = 4;
    rm.train.evalIters = 1;
    rm.train.threads = 1;
    rm.train.probePrompts = {};
    rm.data.train = (dir / "pairs.json").string();
    rm.data.valFraction = 0.2;
    rm.data.cacheDir = (dir / "cache").string();
    QVERIFY(core::Trainer::create(rm, rewardRun)->run(obs).outcome == core::TrainOutcome::Completed);
}

/// A tiny RL run of `method` (grpo, ppo) from `parent` on the prompts file, rewarded by the gold scorer: one thread,
/// no dropout, no warm-up, evaluations on one batch, `maxSteps` steps with an evaluation every `evalInterval`.
inline core::RunConfig rlConfig(const std::string& method, const std::filesystem::path& parent,
                                const std::filesystem::path& prompts, const std::filesystem::path& cache,
                                int64_t maxSteps, int64_t evalInterval)
{
    core::RunConfig c;
    c.method = method;
    c.initFrom = parent.string();
    c.model.dropout = 0.0;
    c.train.batchSize = 1;
    c.train.maxSteps = maxSteps;
    c.train.learningRate = 3e-3;
    c.train.warmupSteps = 0;
    c.train.evalInterval = evalInterval;
    c.train.evalIters = 1;
    c.train.threads = 1;
    c.train.probePrompts = {};
    c.data.train = prompts.string();
    c.data.valFraction = 0.25;
    c.data.cacheDir = cache.string();
    c.reward.goldWeight = 1.0;
    return c;
}

/// Trainer::create(c, dir) must throw an InputError whose text has `needle`, with nothing written.
inline void expectRefusedBeforeWriting(const core::RunConfig& c, const std::filesystem::path& dir,
                                       const std::string& needle)
{
    try {
        core::Trainer::create(c, dir);
        QFAIL(("accepted, expected an error about " + needle).c_str());
    } catch (const core::InputError& e) {
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
    QVERIFY2(!std::filesystem::exists(dir / "summary.json"), dir.c_str());
    QVERIFY2(!std::filesystem::exists(dir / "config.yaml"), dir.c_str());
}

/// Trains `c` into `dir` in a child process that SIGKILLs itself when step `step` is reported (its checkpoints and
/// journals as a kill -9 leaves them); fails the test unless the child died of that signal.
inline void trainKilledAtStep(const core::RunConfig& c, const std::filesystem::path& dir, int64_t step)
{
    struct KillAt : RecordingObserver {
        int64_t at = 0;
        void onStep(const core::StepMetrics& m) override
        {
            if (m.step == at)
                ::raise(SIGKILL);
        }
    };
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        KillAt killer;
        killer.at = step;
        try {
            core::Trainer::create(c, dir)->run(killer);
        } catch (...) {
        }
        ::_exit(3); // not reached when the kill works
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child was not killed");
}

} // namespace tb::test
