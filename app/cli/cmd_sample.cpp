// SPDX-License-Identifier: MIT
// sample: generate text from a run's checkpoint.
#include "cli_args.h"
#include "commands.h"
#include "sample_args.h"

#include "core/common/error.h"
#include "core/common/runtime.h"
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
    const Args a(args, {"prompt", "max-new-tokens", "temperature", "top-k", "top-p", "seed", "threads"},
                 {"greedy", "latest"});
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

    core::LoadedModel loaded = core::loadModel(a.positional().front(), !a.has("latest"));
    const std::vector<core::TokenId> ids = loaded.tokenizer->encode(*prompt);
    if (ids.empty())
        throw UsageError{"--prompt is empty: give at least one character to start from"};
    std::fputs(prompt->c_str(), stdout);
    std::fflush(stdout);
    // Stream decoded text as it comes; decode the whole continuation each time so multi-byte characters
    // split across byte tokens print correctly.
    std::vector<core::TokenId> generated;
    std::string printed;
    core::generate(loaded.model, ids, options, [&](core::TokenId id) {
        generated.push_back(id);
        const std::string text = loaded.tokenizer->decode(generated);
        if (text.size() > printed.size() && text.compare(0, printed.size(), printed) == 0) {
            std::fputs(text.c_str() + printed.size(), stdout);
            std::fflush(stdout);
            printed = text;
        }
        return true;
    });
    const std::string text = loaded.tokenizer->decode(generated);
    if (text.size() > printed.size())
        std::fputs(text.c_str() + printed.size(), stdout);
    std::fputs("\n", stdout);
    return kExitOk;
}

} // namespace tb::cli
