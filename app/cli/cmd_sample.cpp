// SPDX-License-Identifier: MIT
// sample: generate text from a run's checkpoint.
#include "cli_args.h"
#include "commands.h"
#include "sample_args.h"

#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/data/chat_template.h"
#include "core/eval/generate.h"
#include "core/store/model_loader.h"

#include <cstdio>

namespace tb::cli {

const char* const kSampleHelp = R"(usage: tunebench-cli sample RUN_DIR|CHECKPOINT --prompt TEXT [options]

Generates text from a trained model (a run's best checkpoint, else its latest, or a checkpoint file).

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

core::SampleOptions readSampleOptions(const Args& a)
{
    core::SampleOptions options;
    options.maxNewTokens = a.intValue("max-new-tokens").value_or(options.maxNewTokens);
    options.temperature = a.doubleValue("temperature").value_or(options.temperature);
    options.topK = a.intValue("top-k").value_or(options.topK);
    options.topP = a.doubleValue("top-p").value_or(options.topP);
    options.seed = static_cast<uint64_t>(a.intValue("seed").value_or(static_cast<long long>(options.seed)));
    options.greedy = a.has("greedy");
    return options;
}

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
    if (options.maxNewTokens < 0)
        throw UsageError{"--max-new-tokens must not be negative"};
    if (!(options.temperature > 0))
        throw UsageError{"--temperature must be greater than 0 (use --greedy for deterministic output)"};
    if (options.topK < 0)
        throw UsageError{"--top-k must not be negative"};
    if (!(options.topP > 0 && options.topP <= 1))
        throw UsageError{"--top-p must be in (0, 1]"};
    core::configureThreads(a.intValue("threads").value_or(0));

    if (a.has("template") && !a.has("chat"))
        throw UsageError{"--template needs --chat"};
    core::LoadedModel loaded = core::loadModel(a.positional().front(), !a.has("latest"));
    const bool chat = a.has("chat");
    std::string text = *prompt;
    std::string answerEnd;
    if (chat) {
        const std::string& trained = loaded.config.sft.chatTemplate;
        const std::string chosen = a.value("template").value_or(trained);
        const auto chatTemplate = core::ChatTemplate::parse(chosen, "--template", "--template");
        if (chatTemplate.text() != core::ChatTemplate::parse(trained).text())
            std::fprintf(stderr, "warning: --template differs from the chat template this run was trained with; "
                                 "the answers may suffer\n");
        if (!loaded.config.isFineTuning())
            std::fprintf(stderr, "warning: this run was not fine-tuned (method %s): it has not learnt a chat "
                                 "template\n", loaded.config.method.c_str());
        text = chatTemplate.promptFor(*prompt);
        answerEnd = chatTemplate.answerEnd();
    }
    const std::vector<core::TokenId> ids = loaded.tokenizer->encode(text);
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
        const size_t end = answerEnd.empty() ? std::string::npos : out.find(answerEnd);
        if (end != std::string::npos)
            out.resize(end);
        if (out.size() > printed.size() && out.compare(0, printed.size(), printed) == 0) {
            std::fputs(out.c_str() + printed.size(), stdout);
            std::fflush(stdout);
            printed = out;
        }
        return end == std::string::npos;
    });
    std::string out = loaded.tokenizer->decode(generated);
    if (const size_t end = answerEnd.empty() ? std::string::npos : out.find(answerEnd); end != std::string::npos)
        out.resize(end);
    if (out.size() > printed.size())
        std::fputs(out.c_str() + printed.size(), stdout);
    std::fputs("\n", stdout);
    return kExitOk;
}

} // namespace tb::cli
