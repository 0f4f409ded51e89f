// SPDX-License-Identifier: MIT
// tunebench-cli: the core engine headless. Dispatches to one command per file (cmd_*.cpp).
#include "cli_args.h"
#include "commands.h"

#include "core/common/error.h"
#include "core/common/runtime.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

const char* const kMainHelp = R"(usage: tunebench-cli COMMAND [options]

Pretrain and inspect small GPT language models from the command line (the engine of the TuneBench workbench).

commands:
  train      train a model from a config file, by its method: pretrain, fine-tune with sft, lora,
             prompt_tuning or dpo (preference pairs), or a reward model (reward_model) (alias: pretrain)
  resume     continue a stopped or interrupted run from its latest checkpoint
  sample     generate text from a trained run
  demo       train a small model on the built-in demo corpus and watch it learn (step 1 of the demo;
             step 2 fine-tunes it: see demo --help)
  data       check a dataset file: its format, records and every problem (data check FILE), or preview
             a record as fine-tuning renders it, loss tokens marked (data preview FILE)
  compare    the same prompt and seed through several runs' models, side by side
  runs       list the runs of a project folder (status, steps, best val loss)
  tokenizer  train a tokenizer (char, byte, bpe, unigram), encode text, decode ids
  export     write a run's model as safetensors + config.json, or its LoRA adapter in PEFT's layout
  votes      a project's blind A/B votes: a preference dataset (votes export), a win-rate summary, bias statistics
  score      a reward model's score of an answer to a prompt

`tunebench-cli COMMAND --help` describes each command. Version )" TB_VERSION "\n";

bool wantsHelp(const std::vector<std::string>& args)
{
    for (const auto& a : args)
        if (a == "--help" || a == "-h")
            return true;
    return false;
}

} // namespace

int main(int argc, char* argv[])
{
    using namespace tb::cli;
    tb::core::configureAllocator();
    std::vector<std::string> all(argv + 1, argv + argc);
    if (all.empty() || all.front() == "--help" || all.front() == "-h" || all.front() == "help") {
        std::fputs(kMainHelp, stdout);
        return all.empty() ? kExitBadInput : kExitOk;
    }
    if (all.front() == "--version") {
        std::puts("tunebench-cli " TB_VERSION);
        return kExitOk;
    }
    const std::string command = all.front();
    const std::vector<std::string> args(all.begin() + 1, all.end());
    const char* help = nullptr;
    if (command == "pretrain" || command == "train")
        help = kTrainHelp;
    else if (command == "resume")
        help = kResumeHelp;
    else if (command == "sample")
        help = kSampleHelp;
    else if (command == "demo")
        help = kDemoHelp;
    else if (command == "data")
        help = kDataHelp;
    else if (command == "compare")
        help = kCompareHelp;
    else if (command == "runs")
        help = kRunsHelp;
    else if (command == "tokenizer")
        help = kTokenizerHelp;
    else if (command == "export")
        help = kExportHelp;
    else if (command == "votes")
        help = kVotesHelp;
    else if (command == "score")
        help = kScoreHelp;
    else {
        std::fprintf(stderr, "tunebench-cli: unknown command '%s'\n\n%s", command.c_str(), kMainHelp);
        return kExitBadInput;
    }
    if (wantsHelp(args)) {
        std::fputs(help, stdout);
        return kExitOk;
    }
    try {
        if (command == "pretrain" || command == "train")
            return runTrain(args, command);
        if (command == "resume")
            return runResume(args);
        if (command == "sample")
            return runSample(args);
        if (command == "data")
            return runData(args);
        if (command == "compare")
            return runCompare(args);
        if (command == "runs")
            return runRuns(args);
        if (command == "tokenizer")
            return runTokenizer(args);
        if (command == "export")
            return runExport(args);
        if (command == "votes")
            return runVotes(args);
        if (command == "score")
            return runScore(args);
        return runDemo(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "tunebench-cli %s: %s\n\n%s", command.c_str(), e.message.c_str(), help);
        return kExitBadInput;
    } catch (const tb::core::InputError& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return kExitFailed;
    }
}
