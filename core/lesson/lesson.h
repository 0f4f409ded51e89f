// SPDX-License-Identifier: MIT
// A guided lesson (docs/lessons.md): a YAML file with a title, the concept it teaches, a summary and steps. Each
// step has Markdown text, the runs it needs (created from a run config, or reused when the project already has a
// run of that name), the panels it shows and locks, an optional action the workbench does for the teacher (train a
// run, compare runs on prompts, sample a run), and a question for the class with the observation to look for.
// Parsing checks everything it can without a project: unknown keys, missing fields, configs that do not exist or do
// not parse, overrides, and actions or parents naming runs that no earlier step declares. Errors are InputErrors
// naming the file, the line, and the field as "step 3: action.run". Torch- and Qt-free; pure functions.
#pragma once

#include "core/io/run_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace tb::core {

/// A run a step needs. `name` is the run's name in the project: a run of that name that completed is reused.
struct LessonRun {
    std::string name;
    std::filesystem::path config;   // absolute: the lesson-relative path or the preset's file, resolved
    std::string preset;             // the built-in preset it came from ("demo", "finetune_demo"), else empty
    std::string parent;             // fine-tuning: the lesson run whose folder becomes init_from
    std::vector<std::string> set;   // "key=value" overrides, applied in order
    int64_t line = -1;
};

enum class LessonActionKind { None, Train, Compare, Sample };

struct LessonAction {
    LessonActionKind kind = LessonActionKind::None;
    std::vector<std::string> runs;    // train/sample: one run; compare: 2-4 runs (columns in this order)
    std::vector<std::string> prompts; // compare/sample: at least one
    bool chat = false;                // wrap the prompt in a tuned run's chat template
    bool greedy = true;               // greedy decoding, so the class sees the same text every time
    int64_t maxTokens = 120;
    bool memorization = false;        // turn on Compare's check: spans copied from the training text highlighted
    std::string label;                // the button's text; a default per kind when empty
};

struct LessonStep {
    std::string title;                // optional, shown above the text
    std::string text;                 // Markdown
    std::vector<LessonRun> runs;      // runs this step declares (and needs)
    std::vector<std::string> show;    // panels brought to the front
    std::vector<std::string> lock;    // panels disabled while the step is on
    LessonAction action;
    std::string question;             // for the class
    std::string observe;              // what to look for; shown after "Reveal"
    int64_t line = -1;
};

struct Lesson {
    std::filesystem::path file;
    std::string title;
    std::string conceptName;      // the key "concept"
    std::string summary;
    std::vector<LessonStep> steps;

    /// The run called `name` declared by step `upToStep` or an earlier one (0-based), else nullptr.
    const LessonRun* findRun(const std::string& name, size_t upToStep) const;
    /// Every run that step `step` needs, in the order they must be trained: the runs it declares and the runs its
    /// action names, each after its parent chain.
    std::vector<const LessonRun*> runsNeeded(size_t step) const;
};

/// Where built-in presets live: "<resourcesDir>/demo/demo.yaml" for preset demo and so on. Empty: no presets.
struct LessonOptions {
    std::filesystem::path resourcesDir;
};

/// The panels a step may show or lock (data, run_setup, tokenizer, samples, runs, monitor, compare, rate).
const std::vector<std::string>& lessonPanelNames();
/// The built-in presets a run may name instead of a config file, with their files relative to the resources dir.
const std::vector<std::pair<std::string, std::string>>& lessonPresets();

/// Parses lesson text; `file` names it in errors and relative config paths resolve against its folder.
Lesson parseLesson(const std::string& text, const std::filesystem::path& file, const LessonOptions& options = {});
/// Reads and parses a lesson file. Throws InputError (file, line, field) for any problem.
Lesson loadLesson(const std::filesystem::path& file, const LessonOptions& options = {});

/// The lesson files (*.yaml, *.yml, *.json) directly in `folder`, sorted by file name; none when it does not exist.
std::vector<std::filesystem::path> lessonFiles(const std::filesystem::path& folder);

/// The run config of `run`: its file, its overrides, and `parentDir` as init_from when it has a parent. Extra
/// overrides (`extra`, e.g. a test's tiny sizes) come last. Throws InputError naming the lesson run.
RunConfig lessonRunConfig(const LessonRun& run, const std::filesystem::path& parentDir = {},
                          const std::vector<std::string>& extra = {});

std::string toString(LessonActionKind kind);

} // namespace tb::core
