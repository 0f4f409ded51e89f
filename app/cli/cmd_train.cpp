// SPDX-License-Identifier: MIT
// pretrain / train / resume / demo: run the core Trainer with a progress printer, Ctrl-C as a stop request.
#include "cli_args.h"
#include "commands.h"
#include "progress_printer.h"

#include "app/resources_dir.h"
#include "core/common/error.h"
#include "core/store/registry_observer.h"
#include "core/store/run_registry.h"
#include "core/train/finetune.h"
#include "core/train/preflight.h"
#include "core/train/presets.h"
#include "core/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <thread>
#include <unistd.h>

namespace tb::cli {
namespace fs = std::filesystem;

const char* const kTrainHelp = R"(usage: tunebench-cli pretrain --config FILE [--set key=value ...] [--out DIR]
       tunebench-cli train --preset NAME [--config FILE] [--set key=value ...] [--out DIR]
       tunebench-cli pretrain --config FILE [--set key=value ...] --project DIR [--name NAME]
       tunebench-cli train    (the same options)

Trains a model as the config describes: method pretrain (from random weights on data.corpus), or fine-tunes
the model that init_from names on data.train with method sft (every weight), lora (low-rank adapters),
prompt_tuning (virtual tokens) or dpo (preference pairs), docs/fine-tuning.md, or trains a reward model on
preference pairs (method reward_model), or tunes a policy with reinforcement learning on its own answers to
data.train's prompts against reward.* (method grpo or ppo), docs/rlhf.md. `pretrain` accepts method pretrain
only.
Writes the run into DIR (default runs/<config name>-<time>):
config.yaml, metrics.jsonl, summary.json, tokenizer.json and checkpoints/{latest,best}.safetensors.
With --project, the run gets an id and lives in <project>/runs/<id>, and the project's registry
(<project>/tunebench.db, created if needed) records its status, curves and checkpoints as it trains.

  --config FILE     YAML or JSON run config (keys: method, init_from, model.*, train.*, data.*, tokenizer.*,
                    sft.*, lora.*, prompt_tuning.*, dpo.*, reward_model.*, reward.*, grpo.*, ppo.*; see
                    docs/config.md)
  --preset NAME     a ready-made recipe applied over the config (or the defaults): grpo-gold, GRPO of a
                    fine-tuned demo model against the built-in gold scorer on the demo's instructions, e.g.
                    tunebench-cli train --preset grpo-gold --set init_from=runs/demo-sft --out runs/grpo
  --set KEY=VALUE   override one key, e.g. --set train.max_steps=200 (repeatable; relative paths are
                    resolved against the current folder)
  --out DIR         run directory to create (must not already hold a run)
  --project DIR     project folder to add the run to (instead of --out); see `tunebench-cli runs`
  --name NAME       the run's name in the project (default: method, parent and a counter,
                    e.g. "pretrain 1", "sft of pretrain 1")

Ctrl-C stops after the current step and saves a checkpoint; continue with `tunebench-cli resume DIR`.
Exit codes: 0 done, 1 training failed (e.g. the loss diverged), 2 bad input, 130 stopped.
)";

const char* const kResumeHelp = R"(usage: tunebench-cli resume DIR
       tunebench-cli resume --project DIR RUN_ID

Continues the run in DIR from its latest checkpoint with the same config, data and random state, so the
result equals an uninterrupted run. The corpus must be unchanged. When the run belongs to a project (DIR is
<project>/runs/<id>, or --project names it), the project's registry follows it: the run reads running
again, then completed, stopped or failed.
)";

const char* const kDemoHelp = R"(usage: tunebench-cli demo [--out DIR] [--steps N] [--threads N]

Step 1 of the built-in demo: trains a small character-level model (resources/demo/demo.yaml) on the
built-in demo corpus (about a minute on a 2-core laptop CPU) and prints a sample at every evaluation, so you
can watch it go from noise to words.

  --out DIR      run directory to create (default: runs/demo-<date>-<time>)
  --steps N      training steps (default: 800, demo.yaml's train.max_steps)
  --threads N    CPU threads (default: 0, every core)

Step 2 fine-tunes it on the demo's instruction set, so it answers short questions and stops:
  tunebench-cli train --config resources/demo/finetune_demo.yaml --set init_from=DIR --out runs/demo-sft
  tunebench-cli sample runs/demo-sft --chat --greedy --prompt "Who are you?"
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

/// `recorder` (a project run) records into the registry and forwards to the printer; otherwise the printer alone.
int runTrainer(core::Trainer& trainer, ProgressPrinter& printer, core::RegistryObserver* recorder = nullptr)
{
    std::stop_source stop;
    core::TrainResult result;
    {
        InterruptGuard guard(stop);
        result = recorder ? recorder->train(trainer, stop.get_token()) : trainer.run(printer, stop.get_token());
    }
    printSummary(result, trainer.runDirectory().root());
    switch (result.outcome) {
    case core::TrainOutcome::Completed: return kExitOk;
    case core::TrainOutcome::Stopped:
        if (recorder)
            std::printf("resume with: tunebench-cli resume --project %s %s\n",
                        recorder->registry().projectDir().c_str(), recorder->runId().c_str());
        else
            std::printf("resume with: tunebench-cli resume %s\n", trainer.runDirectory().root().c_str());
        return kExitInterrupted;
    case core::TrainOutcome::Failed: return kExitFailed;
    }
    return kExitFailed;
}

/// Where a pre-flight finding comes from: the `--set` that gave its key (or, for the memory estimate, a model key or
/// the batch size), a fine-tuning parent's metadata for the model and tokenizer it imposes, else the config file.
std::string findingSource(const core::Finding& f, const std::string& configFile,
                          const std::vector<std::string>& overrides, const std::string& parentConfig)
{
    if (!parentConfig.empty() && (f.key.starts_with("model.") || f.key.starts_with("tokenizer.")))
        return parentConfig;
    const bool memory = f.key == "train.batch_size" && f.message.find(" of memory") != std::string::npos;
    std::string sets;
    for (const auto& s : overrides) {
        const std::string key = s.substr(0, s.find('='));
        if (!memory && key == f.key)
            return "--set " + s; // the value the finding is about came from the command line alone
        if (memory && (key == f.key || key.starts_with("model.")))
            sets += " and --set " + s;
    }
    std::string source = configFile;
    if (memory && !parentConfig.empty())
        source += " with the model of " + parentConfig;
    return source + sets;
}

/// Prints pre-flight warnings and refuses pre-flight errors (exit 2). Config problems that validate() finds are
/// left to Trainer::create, which names them all in one message.
void checkPreflight(const core::RunConfig& configIn, const std::string& configFile,
                    const std::vector<std::string>& overrides)
{
    if (!configIn.validate().empty())
        return;
    core::RunConfig config = configIn;
    std::optional<core::FineTuneDataCounts> data;
    std::string parentConfig; // "<checkpoint> (config)" when the model's shape is a parent's
    if (config.isFineTuning()) {
        // The model's shape is the parent's; a parent that cannot be read is left to Trainer::create to report.
        try {
            const core::ParentModel parent = core::loadParent(config.initFrom);
            core::inheritFromParent(config, parent.config);
            parentConfig = parent.checkpoint.string() + " (config)";
            const auto tokenizer = core::loadTokenizer(parent.tokenizer, parent.checkpoint.string() + " (tokenizer)");
            data = core::fineTuneDataCounts(config, *tokenizer, core::fineTuneRowLength(config));
        } catch (const core::Error&) {
            return;
        }
        if (!data->problem.empty())
            data.reset(); // Trainer::create reports it, naming the file
    }
    const auto findings = core::preflight(config, core::probeMachine(), std::nullopt, data);
    for (const auto& f : findings)
        if (f.severity == core::Severity::Warning)
            std::fprintf(stderr, "warning: %s: %s\n", f.key.c_str(), f.message.c_str());
    for (const auto& f : findings)
        if (f.severity == core::Severity::Error)
            throw core::InputError(findingSource(f, configFile, overrides, parentConfig), f.key, f.message);
}

core::RunConfig configFromArgs(const Args& a)
{
    const auto file = a.value("config");
    const auto presetName = a.value("preset");
    if (!file && !presetName)
        throw UsageError{"--config FILE (or --preset NAME) is required"};
    core::RunConfig config = file ? core::loadRunConfig(*file) : core::RunConfig{};
    if (presetName) {
        const core::ModelPreset* preset = core::findMethodPreset(*presetName);
        if (!preset) {
            std::string known;
            for (const auto& p : core::methodPresets())
                known += (known.empty() ? "" : ", ") + p.name;
            throw core::InputError("--preset", *presetName, "is not a preset (known: " + known + ")");
        }
        config = core::applyPreset(config, *preset);
        // The preset's prompts: the demo's instructions, unless --set data.train names others.
        config.data.train = (fs::path(resourcesDir()) / "demo" / "instructions.jsonl").string();
    }
    for (const auto& s : a.values("set"))
        core::applyOverride(config, s);
    return config;
}

/// The project that holds `runDir` (<project>/runs/<id> of a registered run), if any.
std::optional<std::pair<fs::path, std::string>> projectOfRun(const fs::path& runDir)
{
    const fs::path dir = fs::absolute(runDir).lexically_normal();
    const fs::path parent = (dir.has_filename() ? dir : dir.parent_path()).parent_path();
    if (parent.filename() != core::RunRegistry::kRunsFolderName || !core::RunRegistry::isProject(parent.parent_path()))
        return std::nullopt;
    const core::RunRegistry registry(parent.parent_path());
    if (const auto id = registry.findRunByDirectory(dir))
        return std::make_pair(parent.parent_path(), *id);
    return std::nullopt;
}

} // namespace

int runTrain(const std::vector<std::string>& args, const std::string& commandName)
{
    const Args a(args, {"config", "preset", "set", "out", "project", "name"}, {});
    if (!a.positional().empty())
        throw UsageError{"unexpected argument '" + a.positional().front() + "'"};
    core::RunConfig config = configFromArgs(a);
    if (commandName == "pretrain" && config.method != "pretrain")
        throw core::InputError(a.value("config").value_or("--preset"), "method",
                               "is '" + config.method + "', but `pretrain` runs method pretrain; use `train`");
    if (a.has("project") && a.has("out"))
        throw UsageError{"--out and --project exclude each other (a project's runs live in <project>/runs/<id>)"};
    if (a.has("name") && !a.has("project"))
        throw UsageError{"--name needs --project"};
    const std::string configName = a.value("config").value_or("--preset " + a.value("preset").value_or(""));
    checkPreflight(config, configName, a.values("set"));
    ProgressPrinter printer;
    if (const auto project = a.value("project")) {
        auto recorder = core::RegistryObserver::createRun(*project, config, a.value("name").value_or(""), &printer);
        std::unique_ptr<core::Trainer> trainer;
        try {
            trainer = core::Trainer::create(config, recorder->runDirectory());
        } catch (...) {
            try {
                recorder->discard(); // bad input leaves nothing behind, in the registry or on disk
            } catch (...) {
            }
            throw;
        }
        std::printf("run %s in project %s\n", recorder->runId().c_str(), recorder->registry().projectDir().c_str());
        std::fflush(stdout);
        return runTrainer(*trainer, printer, recorder.get());
    }
    const std::string stem = a.value("config") ? fs::path(*a.value("config")).stem().string() : *a.value("preset");
    const fs::path out = a.value("out").value_or((fs::path("runs") / (stem + "-" + timestampForPath())).string());
    auto trainer = core::Trainer::create(config, out);
    return runTrainer(*trainer, printer);
}

int runResume(const std::vector<std::string>& args)
{
    const Args a(args, {"project"}, {});
    if (a.positional().size() != 1)
        throw UsageError{a.has("project") ? "resume --project DIR takes exactly one run id"
                                          : "resume takes exactly one run directory"};
    ProgressPrinter printer;
    std::unique_ptr<core::RegistryObserver> recorder;
    fs::path runDir = a.positional().front();
    if (const auto project = a.value("project")) {
        if (!core::RunRegistry::isProject(*project))
            throw core::InputError(*project, "--project", "is not a TuneBench project (it has no tunebench.db)");
        recorder = core::RegistryObserver::openRun(*project, a.positional().front(), &printer);
        runDir = recorder->runDirectory();
    } else if (const auto owner = projectOfRun(runDir)) {
        recorder = core::RegistryObserver::openRun(owner->first, owner->second, &printer);
    }
    // If the trainer cannot be built, an opened run keeps its status (nothing was trained).
    auto trainer = core::Trainer::resume(runDir);
    return runTrainer(*trainer, printer, recorder.get());
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
    const int code = runTrainer(*trainer, printer);
    if (code == kExitOk) {
        const fs::path finetune = fs::path(resourcesDir()) / "demo" / "finetune_demo.yaml";
        const std::string tuned = out.string() + "-sft";
        std::printf("\nStep 2: fine-tune this model on the demo's instruction set (about half a minute), then ask it:\n"
                    "  tunebench-cli train --config %s --set init_from=%s --out %s\n"
                    "  tunebench-cli sample %s --chat --greedy --prompt \"Who are you?\"\n",
                    finetune.c_str(), out.c_str(), tuned.c_str(), tuned.c_str());
    }
    return code;
}

std::string resourcesDir() { return tb::app::resourcesDir(); }

} // namespace tb::cli
