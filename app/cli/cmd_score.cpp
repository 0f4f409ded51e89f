// SPDX-License-Identifier: MIT
// score: a reward model's score of an answer to a prompt.
#include "cli_args.h"
#include "commands.h"

#include "core/train/reward_model.h"

#include <cstdio>

namespace tb::cli {

const char* const kScoreHelp = R"(usage: tunebench-cli score RUN_DIR|CHECKPOINT --prompt P --answer A

Prints a reward model's score of answer A to prompt P (a run trained with method reward_model: its best checkpoint,
else its latest, or a checkpoint file). Prompt and answer are rendered exactly as its training pairs were: the raw
prompt followed by the answer, or user and assistant turns in the run's chat template (docs/rlhf.md). Higher means more preferred; only the
difference between two answers' scores has a meaning (their Bradley-Terry win probability is sigmoid(difference)).

  --prompt P   the prompt (required)
  --answer A   the answer to score (required, not empty)
)";

int runScore(const std::vector<std::string>& args)
{
    const Args a(args, {"prompt", "answer"}, {});
    if (a.positional().size() != 1)
        throw UsageError{"score takes exactly one reward-model run directory or checkpoint"};
    const auto prompt = a.value("prompt");
    if (!prompt)
        throw UsageError{"--prompt P is required"};
    const auto answer = a.value("answer");
    if (!answer)
        throw UsageError{"--answer A is required"};
    core::RewardScorer scorer = core::loadRewardScorer(a.positional().front());
    std::printf("%.6f\n", core::scoreAnswer(scorer, *prompt, *answer));
    return kExitOk;
}

} // namespace tb::cli
