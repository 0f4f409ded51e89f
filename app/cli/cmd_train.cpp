// SPDX-License-Identifier: MIT
// pretrain / train / resume / demo: run the core Trainer with a progress printer, Ctrl-C as a stop request.
#include "cli_args.h"
#include "commands.h"
#include "progress_printer.h"

#include "core/common/error.h"
#include "core/train/preflight.h"
#include "core/train/trainer.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace tb::cli {
namespace fs = std::filesystem;

const char* const kTrainHelp = R"(usage: tunebench-cli pretrain --config FILE [--set key=value ...] [--out DIR]
       tunebench-cli train    --config FILE [--set key=value ...] [--out DIR]

Trains a model as the config describes and writes the run into DIR (default runs/<config name>-<time>):
config.yaml, metrics.jsonl, summary.json, tokenizer.json and checkpoints/{latest,best}.safetensors.

  --config FILE     YAML or JSON run config (keys: model.*, train.*, data.*, tokenizer.*; see docs/config.md)
  --set KEY=VALUE   override one key, e.g. --set train.max_steps=200 (repeatable; relative paths are
                    resolved against the current folder)
  --out DIR         run directory to create (must not already hold a run)

Ctrl-C stops after the current step and saves a checkpoint; continue with `tunebench-cli resume DIR`.
Exit codes: 0 done, 1 training failed (e.g. the loss diverged), 2 bad input, 130 stopped.
)";

const char* const kResumeHelp = R"(usage: tunebench-cli resume DIR

Continues the run in DIR from its latest checkpoint with the same config, data and random state, so the
result equals an uninterrupted run. The corpus must be unchanged.
)";

const char* const kDemoHelp = R"(usage: tunebench-cli demo [--out DIR] [--steps N] [--threads N]

Trains a small character-level model on the built-in demo corpus (about 1-2 minutes on a laptop CPU) and
prints a sample at every evaluation, so you can watch it go from noise to words.
)";

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void handleInterrupt(int) { g_interrupted.store(true); }

/// Turns SIGINT/SIGTERM into a stop request: the handler only sets an atomic; a watcher thread forwards it.
class InterruptGuard {
public:
    explicit InterruptGuard(std::stop_source& source)
        : m_watcher([&source](std::stop_token done) {
              while (!done.stop_requested()) {
                  if (g_interrupted.load()) {
                      source.request_stop();
                      return;
                  }
                  std::this_thread::sleep_for(std::chrono::milliseconds(50));
              }
          })
    {
        std::signal(SIGINT, handleInterrupt);
        std::signal(SIGTERM, handleInterrupt);
    }
    ~InterruptGuard()
    {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }

private:
    std::jthread m_watcher;
};

std::string timestampForPath()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    return buf;
}

void printSummary(const core::TrainResult& r, const fs::path& dir)
{
    const auto& s = r.summary;
    std::printf("status: %s\n", core::toString(s.status).c_str());
    std::printf("steps: %lld/%lld\n", static_cast<long long>(s.steps), static_cast<long long>(s.maxSteps));
    if (s.bestValLoss)
        std::printf("best val loss: %.4f\n", *s.bestValLoss);
    if (s.finalValLoss)
        std::printf("final val loss (whole split): %.4f\n", *s.finalValLoss);
    std::printf("wall time: %s, %s tokens/s\n", formatDuration(s.wallSeconds).c_str(),
                formatCount(s.tokensPerSecond).c_str());
    if (!s.error.empty())
        std::printf("error: %s\n", s.error.c_str());
    std::printf("run: %s\n", dir.string().c_str());
}

int runTrainer(core::Trainer& trainer, ProgressPrinter& printer)
{
    std::stop_source stop;
    core::TrainResult result;
    {
        InterruptGuard guard(stop);
        result = trainer.run(printer, stop.get_token());
    }
    printSummary(result, trainer.runDirectory().root());
    switch (result.outcome) {
    case core::TrainOutcome::Completed: return kExitOk;
    case core::TrainOutcome::Stopped:
        std::printf("resume with: tunebench-cli resume %s\n", trainer.runDirectory().root().c_str());
        return kExitInterrupted;
    case core::TrainOutcome::Failed: return kExitFailed;
    }
    return kExitFailed;
}

/// Prints pre-flight warnings and refuses pre-flight errors (exit 2). Config problems that validate() finds are
/// left to Trainer::create, which names them all in one message.
void checkPreflight(const core::RunConfig& config, const std::string& configFile)
{
    if (!config.validate().empty())
        return;
    const auto findings = core::preflight(config, core::probeMachine());
    for (const auto& f : findings)
        if (f.severity == core::Severity::Warning)
            std::fprintf(stderr, "warning: %s: %s\n", f.key.c_str(), f.message.c_str());
    for (const auto& f : findings)
        if (f.severity == core::Severity::Error)
            throw core::InputError(configFile, f.key, f.message);
}

core::RunConfig configFromArgs(const Args& a)
{
    const auto file = a.value("config");
    if (!file)
        throw UsageError{"--config FILE is required"};
    core::RunConfig config = core::loadRunConfig(*file);
    for (const auto& s : a.values("set"))
        core::applyOverride(config, s);
    return config;
}

} // namespace

int runTrain(const std::vector<std::string>& args, const std::string& commandName)
{
    const Args a(args, {"config", "set", "out"}, {});
    if (!a.positional().empty())
        throw UsageError{"unexpected argument '" + a.positional().front() + "'"};
    core::RunConfig config = configFromArgs(a);
    if (commandName == "pretrain" && config.method != "pretrain")
        throw core::InputError(*a.value("config"), "method",
                               "is '" + config.method + "', but `pretrain` runs method pretrain; use `train`");
    const fs::path out = a.value("out").value_or(
        (fs::path("runs") / (fs::path(*a.value("config")).stem().string() + "-" + timestampForPath())).string());
    checkPreflight(config, *a.value("config"));
    auto trainer = core::Trainer::create(config, out);
    ProgressPrinter printer;
    return runTrainer(*trainer, printer);
}

int runResume(const std::vector<std::string>& args)
{
    const Args a(args, {}, {});
    if (a.positional().size() != 1)
        throw UsageError{"resume takes exactly one run directory"};
    auto trainer = core::Trainer::resume(a.positional().front());
    ProgressPrinter printer;
    return runTrainer(*trainer, printer);
}

int runDemo(const std::vector<std::string>& args)
{
    const Args a(args, {"out", "steps", "threads"}, {});
    const fs::path configFile = fs::path(resourcesDir()) / "demo" / "demo.yaml";
    core::RunConfig config = core::loadRunConfig(configFile);
    if (const auto steps = a.intValue("steps"))
        config.train.maxSteps = *steps;
    if (const auto threads = a.intValue("threads"))
        config.train.threads = *threads;
    const fs::path out = a.value("out").value_or((fs::path("runs") / ("demo-" + timestampForPath())).string());
    std::printf("TuneBench demo: a %lld-layer character-level GPT learns the built-in demo corpus.\n",
                static_cast<long long>(config.model.nLayer));
    std::fflush(stdout); // progress goes to stderr; keep this line first when both are piped
    auto trainer = core::Trainer::create(config, out);
    ProgressPrinter printer;
    core::Trainer* t = trainer.get();
    printer.setSampler([t] {
        std::string text = t->sample("The ", 160, 0.8, 7);
        for (size_t i = 0; (i = text.find('\n', i)) != std::string::npos; i += 11)
            text.replace(i, 1, "\n          ");
        return "The " + text;
    });
    return runTrainer(*trainer, printer);
}

std::string resourcesDir()
{
    if (const char* env = std::getenv("TB_RESOURCES_DIR"); env && *env)
        return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "tunebench";
        if (fs::exists(installed / "demo" / "demo.yaml", ec))
            return installed.string();
    }
    return TB_SOURCE_RESOURCES_DIR;
}

} // namespace tb::cli
