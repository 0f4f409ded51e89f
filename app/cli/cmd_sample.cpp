// SPDX-License-Identifier: MIT
// sample: generate text from a run's checkpoint.
#include "cli_args.h"
#include "commands.h"
#include "sample_args.h"

#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/data/chat_prompt.h"
#include "core/eval/generate.h"
#include "core/io/model_export.h"
#include "core/store/model_loader.h"

#include <cstdio>

namespace tb::cli {

const char* const kSampleHelp = R"(usage: tunebench-cli sample RUN_DIR|CHECKPOINT|EXPORT_DIR --prompt TEXT [options]

Generates text from a trained model (a run's best checkpoint, else its latest, a checkpoint file, or a folder
written by `tunebench-cli export`: a full model, or a PEFT adapter applied to the base it names).

  --prompt TEXT          text to continue (required; may be empty only with a byte tokenizer)
  --max-new-tokens N     tokens to generate (default 200)
  --temperature T        < 1 is more conservative, > 1 more surprising (default 0.8)
  --top-k K              sample only among the K most likely tokens (default 0 = all)
  --top-p P              sample from the smallest set of tokens whose probability reaches P (default 1)
  --seed S               random seed; the same seed gives the same text (default 1337)
  --greedy               always take the most likely token (deterministic; ignores temperature/top-k/top-p)
  --chat                 the prompt is a user turn in the run's chat template (sft.chat_template) and the
                         answer is generated after the assistant's prefix, up to the end of its turn
  --template TEXT        with --chat: use this chat template instead of the run's (warns when it differs)
  --latest               use the latest checkpoint instead of the best
  --threads N            CPU threads (default: all cores)
)";

int runSample(const std::vector<std::string>& args)
{
    const Args a(args, {"prompt", "max-new-tokens", "temperature", "top-k", "top-p", "seed", "threads", "template"},
                 {"greedy", "latest", "chat"});
    if (a.positional().size() != 1)
        throw UsageError{"sample takes exactly one run directory or checkpoint"};
    const auto prompt = a.value("prompt");
    if (!prompt)
        throw UsageError{"--prompt TEXT is required"};
    const core::SampleOptions options = readSampleOptions(a);
    checkSampleOptions(options);
    core::configureThreads(a.intValue("threads").value_or(0));

    if (a.has("template") && !a.has("chat"))
        throw UsageError{"--template needs --chat"};
    core::LoadedModel loaded = core::loadModelOrExport(a.positional().front(), !a.has("latest"));
    const bool chat = a.has("chat");
    core::ChatPrompt input = core::rawPrompt(*prompt);
    if (chat) {
        const std::string& trained = loaded.config.sft.chatTemplate;
        const std::string chosen = a.value("template").value_or(trained);
        const auto chatTemplate = core::ChatTemplate::parse(chosen, "--template", "--template");
        if (chatTemplate.text() != core::runChatTemplate(loaded.config).text())
            std::fprintf(stderr, "warning: --template differs from the chat template this run was trained with; "
                                 "the answers may suffer\n");
        if (!loaded.config.isFineTuning())
            std::fprintf(stderr, "warning: this run was not fine-tuned (method %s): it has not learnt a chat "
                                 "template\n", loaded.config.method.c_str());
        input = core::chatPrompt(chatTemplate, *prompt);
    }
    const std::vector<core::TokenId> ids = loaded.tokenizer->encode(input.text);
    if (ids.empty())
        throw UsageError{"--prompt is empty: give at least one character to start from"};
    if (!chat)
        std::fputs(prompt->c_str(), stdout);
    std::fflush(stdout);
    // Stream decoded text as it comes; decode the whole continuation each time so multi-byte characters
    // split across byte tokens print correctly.
    std::vector<core::TokenId> generated;
    std::string printed;
    core::generate(loaded.model, ids, options, [&](core::TokenId id) {
        generated.push_back(id);
        std::string out = loaded.tokenizer->decode(generated);
        // A chat answer ends where the assistant's turn does (its suffix, e.g. the newline).
        const bool ended = core::cutAtAnswerEnd(out, input.answerEnd);
        if (out.size() > printed.size() && out.compare(0, printed.size(), printed) == 0) {
            std::fputs(out.c_str() + printed.size(), stdout);
            std::fflush(stdout);
            printed = out;
        }
        return !ended;
    });
    std::string out = loaded.tokenizer->decode(generated);
    core::cutAtAnswerEnd(out, input.answerEnd);
    if (out.size() > printed.size())
        std::fputs(out.c_str() + printed.size(), stdout);
    std::fputs("\n", stdout);
    return kExitOk;
}

} // namespace tb::cli
