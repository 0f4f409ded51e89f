// SPDX-License-Identifier: MIT
#include "core/lesson/lesson.h"

#include "core/common/error.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace tb::core {

namespace {

namespace fs = std::filesystem;

int64_t lineOf(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : -1; }

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

/// Reads one mapping, checking its keys against `known`; `where` prefixes the field ("step 2: action").
class Reader {
public:
    /// `prefix` goes before each key in errors: "" (the lesson), "step 2: ", "step 2: action.".
    Reader(const std::string& file, std::string prefix, const YAML::Node& node, std::vector<std::string> known)
        : m_file(file), m_prefix(std::move(prefix)), m_node(node)
    {
        if (!node.IsMap()) {
            std::string name = m_prefix;
            while (!name.empty() && (name.back() == ' ' || name.back() == '.' || name.back() == ':'))
                name.pop_back();
            throw InputError(file, name.empty() ? "(lesson)" : name, "must be a mapping of keys", lineOf(node));
        }
        for (const auto& item : node) {
            const std::string key = item.first.Scalar();
            if (std::find(known.begin(), known.end(), key) == known.end())
                throw InputError(file, field(key), "unknown key (known keys: " + joined(known) + ")",
                                 lineOf(item.first));
        }
    }

    std::string field(const std::string& key) const { return m_prefix + key; }
    bool has(const std::string& key) const { return bool(m_node[key]); }
    YAML::Node node(const std::string& key) const { return m_node[key]; }
    int64_t line(const std::string& key) const { return has(key) ? lineOf(m_node[key]) : lineOf(m_node); }

    std::string text(const std::string& key, bool required) const
    {
        const YAML::Node value = m_node[key];
        if (!value || value.IsNull()) {
            if (required)
                throw InputError(m_file, field(key), "is missing", lineOf(m_node));
            return {};
        }
        if (!value.IsScalar())
            throw InputError(m_file, field(key), "must be a single text, not a list or mapping", lineOf(value));
        if (required && value.Scalar().empty())
            throw InputError(m_file, field(key), "must not be empty", lineOf(value));
        return value.Scalar();
    }

    std::vector<std::string> list(const std::string& key) const
    {
        const YAML::Node value = m_node[key];
        if (!value || value.IsNull())
            return {};
        if (value.IsScalar())
            return {value.Scalar()};
        if (!value.IsSequence())
            throw InputError(m_file, field(key), "must be a list of texts", lineOf(value));
        std::vector<std::string> items;
        for (const auto& item : value) {
            if (!item.IsScalar())
                throw InputError(m_file, field(key), "must be a list of texts, not of lists or mappings", lineOf(item));
            items.push_back(item.Scalar());
        }
        return items;
    }

    bool flag(const std::string& key, bool fallback) const
    {
        const std::string v = text(key, false);
        if (v.empty())
            return fallback;
        if (v == "true" || v == "yes" || v == "on")
            return true;
        if (v == "false" || v == "no" || v == "off")
            return false;
        throw InputError(m_file, field(key), "must be true or false, got '" + v + "'", line(key));
    }

    int64_t number(const std::string& key, int64_t fallback, int64_t min, int64_t max) const
    {
        const std::string v = text(key, false);
        if (v.empty())
            return fallback;
        size_t used = 0;
        int64_t n = 0;
        try {
            n = std::stoll(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != v.size() || n < min || n > max)
            throw InputError(m_file, field(key),
                             "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                                 ", got '" + v + "'",
                             line(key));
        return n;
    }

private:
    std::string m_file;
    std::string m_prefix;
    YAML::Node m_node;
};

/// `set:` as a list of "key=value" or a mapping of key: value.
std::vector<std::string> overrides(const Reader& r, const std::string& file)
{
    const YAML::Node value = r.node("set");
    if (!value || value.IsNull())
        return {};
    if (value.IsMap()) {
        std::vector<std::string> items;
        for (const auto& item : value) {
            if (!item.second.IsScalar())
                throw InputError(file, r.field("set." + item.first.Scalar()), "must be a single value",
                                 lineOf(item.second));
            items.push_back(item.first.Scalar() + "=" + item.second.Scalar());
        }
        return items;
    }
    return r.list("set");
}

std::string stepField(size_t step, const std::string& field) { return "step " + std::to_string(step + 1) + ": " + field; }

LessonRun parseRun(const YAML::Node& node, const std::string& where, const std::string& file, const fs::path& folder,
                   const LessonOptions& options)
{
    const Reader r(file, where + ".", node, {"name", "config", "preset", "parent", "set"});
    LessonRun run;
    run.line = lineOf(node);
    run.name = r.text("name", true);
    const std::string config = r.text("config", false);
    run.preset = r.text("preset", false);
    if (config.empty() == run.preset.empty())
        throw InputError(file, where, "needs exactly one of config (a run config file) or preset (a built-in one)",
                         run.line);
    if (!config.empty()) {
        run.config = fs::path(config).is_absolute() ? fs::path(config) : folder / config;
        if (!fs::is_regular_file(run.config))
            throw InputError(file, r.field("config"), "'" + run.config.lexically_normal().string() + "' does not exist",
                             r.line("config"));
    } else {
        std::vector<std::string> names;
        for (const auto& [name, path] : lessonPresets()) {
            names.push_back(name);
            if (name == run.preset)
                run.config = options.resourcesDir / path;
        }
        if (run.config.empty())
            throw InputError(file, r.field("preset"), "unknown preset '" + run.preset + "' (known: " + joined(names) + ")",
                             r.line("preset"));
        if (options.resourcesDir.empty() || !fs::is_regular_file(run.config))
            throw InputError(file, r.field("preset"),
                             "the built-in file of preset '" + run.preset + "' is not there ('" +
                                 run.config.string() + "')",
                             r.line("preset"));
    }
    run.config = run.config.lexically_normal();
    run.parent = r.text("parent", false);
    run.set = overrides(r, file);
    // The config must parse and the overrides apply: a lesson with a broken config fails when it is opened, not in
    // front of the class.
    RunConfig resolved;
    try {
        resolved = loadRunConfig(run.config);
    } catch (const InputError& e) {
        throw InputError(file, r.field(config.empty() ? "preset" : "config"), e.what(),
                         r.line(config.empty() ? "preset" : "config"));
    }
    for (const std::string& item : run.set) {
        try {
            applyOverride(resolved, item);
        } catch (const InputError& e) {
            throw InputError(file, r.field("set"), e.what(), r.line("set"));
        }
    }
    if (resolved.isFineTuning() && run.parent.empty() && resolved.initFrom.empty())
        throw InputError(file, r.field("parent"),
                         "is missing: method " + resolved.method + " fine-tunes a parent; name a lesson run", run.line);
    if (!resolved.isFineTuning() && !run.parent.empty())
        throw InputError(file, r.field("parent"), "is set, but the config's method pretrain has no parent",
                         r.line("parent"));
    return run;
}

LessonAction parseAction(const YAML::Node& node, const std::string& where, const std::string& file)
{
    const Reader r(file, where + ".", node,
                   {"train", "compare", "sample", "prompts", "chat", "greedy", "max_tokens", "memorization", "label"});
    LessonAction action;
    int kinds = 0;
    for (const char* key : {"train", "compare", "sample"})
        kinds += r.has(key) ? 1 : 0;
    if (kinds != 1)
        throw InputError(file, where, "needs exactly one of train, compare or sample", lineOf(node));
    if (r.has("train")) {
        action.kind = LessonActionKind::Train;
        action.runs = {r.text("train", true)};
    } else if (r.has("sample")) {
        action.kind = LessonActionKind::Sample;
        action.runs = {r.text("sample", true)};
    } else {
        action.kind = LessonActionKind::Compare;
        action.runs = r.list("compare");
        if (action.runs.size() < 2 || action.runs.size() > 4)
            throw InputError(file, r.field("compare"), "must name 2 to 4 runs", r.line("compare"));
    }
    action.prompts = r.list("prompts");
    if (action.kind == LessonActionKind::Train && !action.prompts.empty())
        throw InputError(file, r.field("prompts"), "belongs to compare or sample, not train", r.line("prompts"));
    if (action.kind != LessonActionKind::Train && action.prompts.empty())
        throw InputError(file, r.field("prompts"), "is missing: " + toString(action.kind) + " needs at least one prompt",
                         lineOf(node));
    action.chat = r.flag("chat", false);
    action.greedy = r.flag("greedy", true);
    action.maxTokens = r.number("max_tokens", 120, 1, 2000);
    action.memorization = r.flag("memorization", false);
    action.label = r.text("label", false);
    return action;
}

} // namespace

const std::vector<std::string>& lessonPanelNames()
{
    static const std::vector<std::string> names{"data", "run_setup", "tokenizer", "samples",
                                                "runs", "monitor",   "compare",   "rate"};
    return names;
}

const std::vector<std::pair<std::string, std::string>>& lessonPresets()
{
    static const std::vector<std::pair<std::string, std::string>> presets{
        {"demo", "demo/demo.yaml"}, {"finetune_demo", "demo/finetune_demo.yaml"}};
    return presets;
}

std::string toString(LessonActionKind kind)
{
    switch (kind) {
    case LessonActionKind::Train: return "train";
    case LessonActionKind::Compare: return "compare";
    case LessonActionKind::Sample: return "sample";
    case LessonActionKind::None: break;
    }
    return "none";
}

RunConfig lessonRunConfig(const LessonRun& run, const fs::path& parentDir, const std::vector<std::string>& extra)
{
    RunConfig config = loadRunConfig(run.config);
    for (const std::string& item : run.set)
        applyOverride(config, item);
    for (const std::string& item : extra)
        applyOverride(config, item);
    if (!parentDir.empty())
        config.initFrom = parentDir.string();
    return config;
}

const LessonRun* Lesson::findRun(const std::string& name, size_t upToStep) const
{
    for (size_t s = 0; s <= upToStep && s < steps.size(); ++s)
        for (const LessonRun& run : steps[s].runs)
            if (run.name == name)
                return &run;
    return nullptr;
}

std::vector<const LessonRun*> Lesson::runsNeeded(size_t step) const
{
    std::vector<const LessonRun*> out;
    if (step >= steps.size())
        return out;
    // Parents first: the chain of each run, then the run, each once.
    auto add = [&](const std::string& name, auto&& self) -> void {
        const LessonRun* run = findRun(name, step);
        if (!run || std::find(out.begin(), out.end(), run) != out.end())
            return;
        if (!run->parent.empty())
            self(run->parent, self);
        out.push_back(run);
    };
    for (const LessonRun& run : steps[step].runs)
        add(run.name, add);
    for (const std::string& name : steps[step].action.runs)
        add(name, add);
    return out;
}

Lesson parseLesson(const std::string& text, const fs::path& file, const LessonOptions& options)
{
    const std::string origin = file.string();
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw InputError(origin, "", "is not valid YAML: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : -1);
    }
    if (!root || root.IsNull())
        throw InputError(origin, "", "is empty: expected a lesson with title, concept and steps");
    const Reader top(origin, "", root, {"title", "concept", "summary", "steps"});
    Lesson lesson;
    lesson.file = file;
    lesson.title = top.text("title", true);
    lesson.conceptName = top.text("concept", true);
    lesson.summary = top.text("summary", false);
    const YAML::Node steps = top.node("steps");
    if (!steps || !steps.IsSequence() || steps.size() == 0)
        throw InputError(origin, "steps", "must be a list of at least one step", top.line("steps"));
    const fs::path folder = file.parent_path();
    const auto& panels = lessonPanelNames();
    for (size_t i = 0; i < steps.size(); ++i) {
        const YAML::Node node = steps[i];
        const Reader r(origin, stepField(i, ""), node,
                       {"title", "text", "runs", "show", "lock", "action", "question", "observe"});
        auto field = [&](const std::string& key) { return stepField(i, key); };
        LessonStep step;
        step.line = lineOf(node);
        step.title = r.text("title", false);
        step.text = r.text("text", true);
        if (const YAML::Node runs = r.node("runs"); runs && !runs.IsNull()) {
            if (!runs.IsSequence())
                throw InputError(origin, field("runs"), "must be a list of runs", lineOf(runs));
            for (size_t k = 0; k < runs.size(); ++k) {
                LessonRun run = parseRun(runs[k], field("runs[" + std::to_string(k) + "]"), origin, folder, options);
                for (size_t s = 0; s <= i; ++s)
                    for (const LessonRun& other : s == i ? step.runs : lesson.steps[s].runs)
                        if (other.name == run.name)
                            throw InputError(origin, field("runs[" + std::to_string(k) + "].name"),
                                             "'" + run.name + "' is already declared in step " + std::to_string(s + 1),
                                             run.line);
                if (!run.parent.empty()) {
                    const bool known =
                        lesson.findRun(run.parent, i) ||
                        std::any_of(step.runs.begin(), step.runs.end(), [&](const auto& o) { return o.name == run.parent; });
                    if (!known)
                        throw InputError(origin, field("runs[" + std::to_string(k) + "].parent"),
                                         "names '" + run.parent + "', a run no earlier step or run declares", run.line);
                }
                step.runs.push_back(std::move(run));
            }
        }
        for (const char* key : {"show", "lock"}) {
            std::vector<std::string> names = r.list(key);
            for (const std::string& name : names)
                if (std::find(panels.begin(), panels.end(), name) == panels.end())
                    throw InputError(origin, field(key),
                                     "unknown panel '" + name + "' (known: " + joined(panels) + ")", r.line(key));
            (std::string(key) == "show" ? step.show : step.lock) = std::move(names);
        }
        if (r.has("action")) {
            step.action = parseAction(r.node("action"), field("action"), origin);
            const std::string key = toString(step.action.kind);
            for (const std::string& name : step.action.runs) {
                const bool known =
                    lesson.findRun(name, i) ||
                    std::any_of(step.runs.begin(), step.runs.end(), [&](const auto& o) { return o.name == name; });
                if (!known)
                    throw InputError(origin, field("action." + key),
                                     "names '" + name + "', a run that neither this step nor an earlier one declares",
                                     lineOf(r.node("action")));
            }
        }
        step.question = r.text("question", false);
        step.observe = r.text("observe", false);
        if (!step.observe.empty() && step.question.empty())
            throw InputError(origin, field("question"), "is missing: observe answers a question", step.line);
        lesson.steps.push_back(std::move(step));
    }
    return lesson;
}

Lesson loadLesson(const fs::path& file, const LessonOptions& options)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw InputError(file.string(), "", "cannot be read (missing or not permitted)");
    std::ostringstream text;
    text << in.rdbuf();
    return parseLesson(text.str(), file, options);
}

std::vector<fs::path> lessonFiles(const fs::path& folder)
{
    std::vector<fs::path> files;
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        return files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml" || ext == ".json"))
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace tb::core
