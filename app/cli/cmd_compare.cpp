// SPDX-License-Identifier: MIT
// compare: the same prompt and seed through several runs' models, side by side or as JSON lines.
#include "cli_args.h"
#include "commands.h"
#include "sample_args.h"

#include "core/common/runtime.h"
#include "core/data/chat_prompt.h"
#include "core/eval/generate.h"
#include "core/eval/next_token.h"
#include "core/io/model_export.h"
#include "core/store/model_loader.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace tb::cli {

const char* const kCompareHelp = R"(usage: tunebench-cli compare RUN_DIR... --prompt TEXT [options]

Each RUN_DIR may also be a checkpoint file or a folder written by `tunebench-cli export`.

Generates from each run's model with the same prompt and the same seed (lock-step: every model gets the same
random numbers) and prints the outputs side by side, or one after another when the terminal is narrow.

  --prompt TEXT            text to continue (required)
  --max-new-tokens N       tokens to generate per model (default 200)
  --temperature T          < 1 is more conservative, > 1 more surprising (default 0.8)
  --top-k K                sample only among the K most likely tokens (default 0 = all)
  --top-p P                sample from the smallest set of tokens whose probability reaches P (default 1)
  --repetition-penalty R   > 1 discourages tokens already in the text (default 1 = off)
  --seed S                 random seed shared by all models (default 1337)
  --greedy                 always take the most likely token
  --chat                   the prompt is a user turn in each fine-tuned run's chat template (sft.chat_template)
                           and its answer ends with its turn; a pretrained run, which learnt no template, gets
                           the raw prompt (the Compare tab's rule: core promptForRun)
  --no-cache               generate without the KV cache (same text, slower)
  --window sliding|chunked context past the block size: the last block_size tokens (default, as nanoGPT), or
                           restart from the last half when full (faster, less context)
  --checkpoint best|latest which checkpoint of each run (default best, else latest)
  --json                   one JSON object per model per line (JSON Lines) instead of text
  --probs K                with --json: the top-K next-token distribution at each generated position
  --width N                output width for side-by-side text (default: the terminal's)
  --threads N              CPU threads (default: all cores)
)";

namespace {

struct Output {
    std::string run;
    core::LoadedModel loaded;
    std::vector<core::TokenId> promptIds;
    std::string answerEnd; // --chat: the text ends where the assistant's turn does
    std::vector<core::TokenId> tokens;
    std::string text;
    double seconds = 0.0;
    nlohmann::json probs = nlohmann::json::array();
};

int terminalWidth()
{
    winsize ws{};
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    if (const char* columns = std::getenv("COLUMNS"); columns && std::atoi(columns) > 0)
        return std::atoi(columns);
    return 100;
}

/// Splits UTF-8 text into display lines of at most `width` code points (newlines end lines).
std::vector<std::string> wrap(const std::string& text, size_t width)
{
    std::vector<std::string> lines(1);
    size_t count = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            lines.emplace_back();
            count = 0;
            continue;
        }
        const bool lead = (c & 0xC0) != 0x80;
        if (lead && count == width) {
            lines.emplace_back();
            count = 0;
        }
        lines.back() += char(c);
        if (lead)
            ++count;
    }
    return lines;
}

size_t codePoints(const std::string& s)
{
    return size_t(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string padded(const std::string& s, size_t width) { return s + std::string(width - std::min(width, codePoints(s)), ' '); }

std::string footer(const Output& o)
{
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "[%zu tokens, %.1f tok/s]", o.tokens.size(),
                  o.seconds > 0 ? double(o.tokens.size()) / o.seconds : 0.0);
    return buffer;
}

std::string header(const Output& o)
{
    return std::filesystem::path(o.run).filename().string() + " (step " + std::to_string(o.loaded.step) + ")";
}

void printText(const std::vector<Output>& outputs, const std::string& prompt, int width)
{
    std::printf("prompt: %s\n\n", prompt.c_str());
    const size_t n = outputs.size();
    const int column = (width - 3 * int(n - 1)) / int(n);
    if (n == 1 || column < 24) {
        for (const Output& o : outputs)
            std::printf("=== %s ===\n%s\n%s\n\n", header(o).c_str(), o.text.c_str(), footer(o).c_str());
        return;
    }
    const size_t w = size_t(column);
    std::vector<std::vector<std::string>> columns;
    size_t rows = 0;
    for (const Output& o : outputs) {
        std::vector<std::string> lines = wrap(header(o), w);
        lines.push_back(std::string(w, '-'));
        for (auto& line : wrap(o.text, w))
            lines.push_back(std::move(line));
        lines.push_back(footer(o));
        rows = std::max(rows, lines.size());
        columns.push_back(std::move(lines));
    }
    for (size_t r = 0; r < rows; ++r) {
        std::string line;
        for (size_t c = 0; c < n; ++c) {
            const std::string cell = r < columns[c].size() ? columns[c][r] : std::string();
            line += c + 1 < n ? padded(cell, w) + " | " : cell;
        }
        std::printf("%s\n", line.c_str());
    }
}

nlohmann::json positionJson(const core::Tokenizer& tokenizer, const core::GeneratedToken& token, int64_t k)
{
    const auto dist = core::tokenDistribution(torch::softmax(token.logits.to(torch::kDouble), 0), k, token.id);
    nlohmann::json top = nlohmann::json::array();
    for (size_t i = 0; i < dist.ids.size(); ++i)
        top.push_back({{"token", dist.ids[i]}, {"text", tokenizer.tokenText(dist.ids[i])}, {"p", dist.probs[i]}});
    return {{"token", token.id}, {"text", tokenizer.tokenText(token.id)}, {"p", dist.chosenProb},
            {"rank", dist.chosenRank}, {"entropy", dist.entropy}, {"top", top}};
}

} // namespace

int runCompare(const std::vector<std::string>& args)
{
    const Args a(args,
                 {"prompt", "max-new-tokens", "temperature", "top-k", "top-p", "repetition-penalty", "seed", "window",
                  "checkpoint", "probs", "width", "threads"},
                 {"greedy", "no-cache", "json", "chat"});
    if (a.positional().empty())
        throw UsageError{"compare needs at least one run directory or checkpoint"};
    const auto prompt = a.value("prompt");
    if (!prompt)
        throw UsageError{"--prompt TEXT is required"};
    core::SampleOptions options = readSampleOptions(a);
    options.repetitionPenalty = a.doubleValue("repetition-penalty").value_or(options.repetitionPenalty);
    options.useCache = !a.has("no-cache");
    const std::string window = a.value("window").value_or("sliding");
    if (window != "sliding" && window != "chunked")
        throw UsageError{"--window must be 'sliding' or 'chunked', got '" + window + "'"};
    options.window = window == "chunked" ? core::ContextWindow::Chunked : core::ContextWindow::Sliding;
    const std::string checkpoint = a.value("checkpoint").value_or("best");
    if (checkpoint != "best" && checkpoint != "latest")
        throw UsageError{"--checkpoint must be 'best' or 'latest', got '" + checkpoint + "'"};
    const long long probs = a.intValue("probs").value_or(0);
    if (probs < 0)
        throw UsageError{"--probs must not be negative"};
    if (probs > 0 && !a.has("json"))
        throw UsageError{"--probs needs --json"};
    checkSampleOptions(options);
    const int width = int(a.intValue("width").value_or(terminalWidth()));
    core::configureThreads(a.intValue("threads").value_or(0));

    // Load every model first, so a bad run directory fails before any generation.
    std::vector<Output> outputs;
    for (const std::string& run : a.positional()) {
        Output o;
        o.run = run;
        o.loaded = core::loadModelOrExport(run, checkpoint == "best");
        const core::ChatPrompt input = core::promptForRun(o.loaded.config, *prompt, a.has("chat"));
        if (a.has("chat") && !o.loaded.config.isFineTuning())
            std::fprintf(stderr, "note: %s was not fine-tuned (method %s): it gets the raw prompt\n", run.c_str(),
                         o.loaded.config.method.c_str());
        o.promptIds = o.loaded.tokenizer->encode(input.text);
        o.answerEnd = input.answerEnd;
        if (o.promptIds.empty())
            throw UsageError{"--prompt is empty: give at least one character to start from"};
        outputs.push_back(std::move(o));
    }

    using Clock = std::chrono::steady_clock;
    for (Output& o : outputs) {
        Clock::duration inspecting{};
        const auto begin = Clock::now();
        // --chat: a tuned model's answer stops where its template's answer ends.
        core::Answer answer = core::generateAnswer(
            o.loaded.model, *o.loaded.tokenizer, o.promptIds, options, o.answerEnd, [&](const core::GeneratedToken& t) {
                if (probs > 0) {
                    const auto start = Clock::now();
                    o.probs.push_back(positionJson(*o.loaded.tokenizer, t, probs));
                    inspecting += Clock::now() - start;
                }
                return true;
            });
        o.seconds = std::chrono::duration<double>(Clock::now() - begin - inspecting).count();
        o.tokens = std::move(answer.tokens);
        o.text = std::move(answer.text);
    }

    if (!a.has("json")) {
        printText(outputs, *prompt, width);
        return kExitOk;
    }
    for (const Output& o : outputs) {
        nlohmann::json j = {{"run", o.run},
                            {"checkpoint", o.loaded.checkpoint.string()},
                            {"step", o.loaded.step},
                            {"prompt", *prompt},
                            {"prompt_tokens", o.promptIds},
                            {"text", o.text},
                            {"tokens", o.tokens},
                            {"new_tokens", o.tokens.size()},
                            {"seconds", o.seconds},
                            {"tokens_per_second", o.seconds > 0 ? double(o.tokens.size()) / o.seconds : 0.0},
                            {"seed", options.seed},
                            {"cache", options.useCache}};
        if (probs > 0)
            j["probs"] = o.probs;
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    return kExitOk;
}

} // namespace tb::cli
