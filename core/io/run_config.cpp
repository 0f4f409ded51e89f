// SPDX-License-Identifier: MIT
#include "core/io/run_config.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <sstream>

namespace tb::core {
namespace fs = std::filesystem;

namespace {

/// Where a value came from, for error messages.
struct Origin {
    std::string file;
    int64_t line = -1;
    fs::path baseDir; // relative paths are resolved against this
};

int64_t parseInt(const std::string& key, const std::string& text, const Origin& o)
{
    int64_t v = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end)
        throw InputError(o.file, key, "must be a whole number, got '" + text + "'", o.line);
    return v;
}

double parseDouble(const std::string& key, const std::string& text, const Origin& o)
{
    // std::from_chars for double is available in GCC 11+; accept forms like 1e-3 and 6.0e-4.
    double v = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || !std::isfinite(v))
        throw InputError(o.file, key, "must be a number, got '" + text + "'", o.line);
    return v;
}

bool parseBool(const std::string& key, const std::string& text, const Origin& o)
{
    if (text == "true" || text == "True" || text == "yes" || text == "on" || text == "1")
        return true;
    if (text == "false" || text == "False" || text == "no" || text == "off" || text == "0")
        return false;
    throw InputError(o.file, key, "must be true or false, got '" + text + "'", o.line);
}

std::string resolvePath(const std::string& text, const Origin& o)
{
    if (text.empty())
        return text;
    fs::path p(text);
    if (p.is_relative() && !o.baseDir.empty())
        p = o.baseDir / p;
    return p.lexically_normal().string();
}

std::string fmtDouble(double v)
{
    std::ostringstream ss;
    ss.precision(17);
    ss << v;
    std::string s = ss.str();
    // Prefer the shortest text that reads back exactly.
    for (int prec = 1; prec <= 17; ++prec) {
        std::ostringstream t;
        t.precision(prec);
        t << v;
        if (std::stod(t.str()) == v) {
            s = t.str();
            break;
        }
    }
    if (s.find_first_of(".eEn") == std::string::npos)
        s += ".0";
    return s;
}

using ScalarSetter = std::function<void(RunConfig&, const std::string&, const Origin&)>;
using ScalarGetter = std::function<std::string(const RunConfig&)>;
using ListSetter = std::function<void(RunConfig&, const std::vector<std::string>&, const Origin&)>;
using ListGetter = std::function<std::vector<std::string>(const RunConfig&)>;

/// One documented key. A scalar key has set/get only. A list key also has setList/getList: YAML gives it a
/// sequence (a lone scalar is a one-item list), toYaml writes a flow sequence, and `set`/`get` use the one-line
/// `--set` form of listOverrideItems / listOverrideText.
struct KeySpec {
    KeySpec(const char* k, ScalarSetter s, ScalarGetter g) : key(k), set(std::move(s)), get(std::move(g)) {}
    KeySpec(const char* k, ListSetter s, ListGetter g);

    const char* key;
    ScalarSetter set;
    ScalarGetter get;
    ListSetter setList;
    ListGetter getList;

    bool isList() const { return static_cast<bool>(setList); }
};

/// Splits a `--set` list value: items are separated by '|'; inside an item `\|` is a literal bar, `\n` a
/// newline, `\t` a tab and `\\` a backslash. An empty value is the empty list.
std::vector<std::string> listOverrideItems(const std::string& key, const std::string& text, const Origin& o)
{
    std::vector<std::string> items;
    if (text.empty())
        return items;
    std::string item;
    for (size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '|') {
            items.push_back(std::move(item));
            item.clear();
        } else if (ch != '\\') {
            item += ch;
        } else if (i + 1 == text.size()) {
            throw InputError(o.file, key, "ends with a lone backslash; write \\\\ for a backslash", o.line);
        } else {
            switch (const char e = text[++i]) {
            case 'n': item += '\n'; break;
            case 't': item += '\t'; break;
            case '|':
            case '\\': item += e; break;
            default:
                throw InputError(o.file, key,
                                 std::string("has an unknown escape \\") + e +
                                     " (known: \\n newline, \\t tab, \\| bar, \\\\ backslash)",
                                 o.line);
            }
        }
    }
    items.push_back(std::move(item));
    return items;
}

/// The inverse of listOverrideItems.
std::string listOverrideText(const std::vector<std::string>& items)
{
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += '|';
        for (const char ch : items[i]) {
            switch (ch) {
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '|': out += "\\|"; break;
            case '\\': out += "\\\\"; break;
            default: out += ch;
            }
        }
    }
    return out;
}

KeySpec::KeySpec(const char* k, ListSetter s, ListGetter g) : key(k), setList(std::move(s)), getList(std::move(g))
{
    set = [k, setItems = setList](RunConfig& c, const std::string& v, const Origin& o) {
        setItems(c, listOverrideItems(k, v, o), o);
    };
    get = [getItems = getList](const RunConfig& c) { return listOverrideText(getItems(c)); };
}

#define TB_INT_KEY(name, field)                                                                                         \
    KeySpec{name, [](RunConfig& c, const std::string& v, const Origin& o) { c.field = parseInt(name, v, o); },         \
            [](const RunConfig& c) { return std::to_string(c.field); }}
#define TB_DOUBLE_KEY(name, field)                                                                                      \
    KeySpec{name, [](RunConfig& c, const std::string& v, const Origin& o) { c.field = parseDouble(name, v, o); },      \
            [](const RunConfig& c) { return fmtDouble(c.field); }}

const std::vector<KeySpec>& keySpecs()
{
    static const std::vector<KeySpec> specs = {
        KeySpec{"method",
                [](RunConfig& c, const std::string& v, const Origin&) { c.method = v; },
                [](const RunConfig& c) { return c.method; }},
        TB_INT_KEY("model.n_layer", model.nLayer),
        TB_INT_KEY("model.n_head", model.nHead),
        TB_INT_KEY("model.n_embd", model.nEmbd),
        TB_INT_KEY("model.block_size", model.blockSize),
        TB_DOUBLE_KEY("model.dropout", model.dropout),
        KeySpec{"model.bias",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.model.bias = parseBool("model.bias", v, o); },
                [](const RunConfig& c) { return std::string(c.model.bias ? "true" : "false"); }},
        TB_INT_KEY("train.batch_size", train.batchSize),
        TB_INT_KEY("train.grad_accum", train.gradAccum),
        TB_INT_KEY("train.max_steps", train.maxSteps),
        TB_DOUBLE_KEY("train.learning_rate", train.learningRate),
        TB_DOUBLE_KEY("train.min_lr", train.minLr),
        TB_INT_KEY("train.warmup_steps", train.warmupSteps),
        TB_INT_KEY("train.lr_decay_steps", train.lrDecaySteps),
        TB_DOUBLE_KEY("train.weight_decay", train.weightDecay),
        TB_DOUBLE_KEY("train.beta1", train.beta1),
        TB_DOUBLE_KEY("train.beta2", train.beta2),
        TB_DOUBLE_KEY("train.grad_clip", train.gradClip),
        TB_INT_KEY("train.eval_interval", train.evalInterval),
        TB_INT_KEY("train.eval_iters", train.evalIters),
        KeySpec{"train.seed",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    const int64_t s = parseInt("train.seed", v, o);
                    if (s < 0)
                        throw InputError(o.file, "train.seed", "must not be negative, got '" + v + "'", o.line);
                    c.train.seed = static_cast<uint64_t>(s);
                },
                [](const RunConfig& c) { return std::to_string(c.train.seed); }},
        TB_INT_KEY("train.threads", train.threads),
        KeySpec{"train.precision",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    if (!parsePrecision(v, c.train.precision))
                        throw InputError(o.file, "train.precision", "must be fp32 or bf16, got '" + v + "'", o.line);
                },
                [](const RunConfig& c) { return toString(c.train.precision); }},
        TB_INT_KEY("train.log_interval", train.logInterval),
        KeySpec{"train.probe_prompts",
                ListSetter([](RunConfig& c, const std::vector<std::string>& v, const Origin&) {
                    c.train.probePrompts = v;
                }),
                ListGetter([](const RunConfig& c) { return c.train.probePrompts; })},
        TB_INT_KEY("train.probe_tokens", train.probeTokens),
        KeySpec{"train.activation_checkpointing",
                [](RunConfig& c, const std::string& v, const Origin& o) {
                    c.train.activationCheckpointing = parseBool("train.activation_checkpointing", v, o);
                },
                [](const RunConfig& c) { return std::string(c.train.activationCheckpointing ? "true" : "false"); }},
        KeySpec{"data.corpus",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.data.corpus = resolvePath(v, o); },
                [](const RunConfig& c) { return c.data.corpus; }},
        TB_DOUBLE_KEY("data.val_fraction", data.valFraction),
        KeySpec{"data.cache_dir",
                [](RunConfig& c, const std::string& v, const Origin& o) { c.data.cacheDir = resolvePath(v, o); },
                [](const RunConfig& c) { return c.data.cacheDir; }},
        KeySpec{"tokenizer.kind",
                [](RunConfig& c, const std::string& v, const Origin&) { c.tokenizer.kind = v; },
                [](const RunConfig& c) { return c.tokenizer.kind; }},
        KeySpec{"tokenizer.unknown",
                [](RunConfig& c, const std::string& v, const Origin&) { c.tokenizer.unknown = v; },
                [](const RunConfig& c) { return c.tokenizer.unknown; }},
        TB_INT_KEY("tokenizer.vocab_size", tokenizer.vocabSize),
    };
    return specs;
}

#undef TB_INT_KEY
#undef TB_DOUBLE_KEY

const KeySpec* findKey(const std::string& key)
{
    for (const auto& s : keySpecs())
        if (key == s.key)
            return &s;
    return nullptr;
}

std::string knownKeysIn(const std::string& section)
{
    std::string out;
    for (const auto& s : keySpecs()) {
        const std::string k = s.key;
        if (k.rfind(section + ".", 0) == 0) {
            if (!out.empty())
                out += ", ";
            out += k.substr(section.size() + 1);
        }
    }
    return out;
}

std::string unknownKeyMessage(const std::string& key)
{
    const auto dot = key.find('.');
    if (dot != std::string::npos) {
        const std::string known = knownKeysIn(key.substr(0, dot));
        if (!known.empty())
            return "unknown key (known keys in " + key.substr(0, dot) + ": " + known + ")";
    }
    return "unknown key (known sections: method, model, train, data, tokenizer)";
}

void setKey(RunConfig& config, const std::string& key, const std::string& value, const Origin& o)
{
    const KeySpec* spec = findKey(key);
    if (!spec)
        throw InputError(o.file, key, unknownKeyMessage(key), o.line);
    spec->set(config, value, o);
}

int64_t lineOf(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : -1; }

/// A list key's YAML value: a sequence of scalars, a lone scalar (one item) or nothing (no items).
std::vector<std::string> listItems(const std::string& key, const YAML::Node& node, const std::string& origin,
                                   int64_t keyLine)
{
    std::vector<std::string> items;
    if (node.IsNull())
        return items;
    if (node.IsScalar())
        return {node.Scalar()};
    if (!node.IsSequence())
        throw InputError(origin, key, "must be a list of strings, e.g. [\"ROMEO:\", \"\\n\"]", keyLine);
    for (const auto& item : node) {
        if (!item.IsScalar())
            throw InputError(origin, key, "must be a list of strings, not of lists or mappings", lineOf(item));
        items.push_back(item.Scalar());
    }
    return items;
}

} // namespace

std::vector<std::string> RunConfig::validate() const
{
    std::vector<std::string> problems;
    if (method != "pretrain")
        problems.push_back("method '" + method + "' is not supported yet (supported: pretrain)");
    for (auto& p : model.validate())
        problems.push_back(std::move(p));
    for (auto& p : train.validate())
        problems.push_back(std::move(p));
    if (data.corpus.empty())
        problems.push_back("data.corpus is not set: name a text or JSONL file to train on");
    if (!(data.valFraction >= 0.0 && data.valFraction < 1.0))
        problems.push_back("data.val_fraction must be in [0, 1) (it is " + fmtDouble(data.valFraction) + ")");
    else if (data.valFraction == 0.0)
        problems.push_back("data.val_fraction is 0: a run needs a validation split to measure progress");
    if (tokenizer.kind != "char" && tokenizer.kind != "byte")
        problems.push_back("tokenizer.kind '" + tokenizer.kind + "' is unknown (expected char or byte)");
    if (tokenizer.unknown != "unk" && tokenizer.unknown != "error")
        problems.push_back("tokenizer.unknown '" + tokenizer.unknown + "' is unknown (expected unk or error)");
    return problems;
}

RunConfig parseRunConfig(const std::string& text, const std::string& origin, const fs::path& baseDir)
{
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw InputError(origin, "", "is not valid YAML or JSON: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : -1);
    }
    RunConfig config;
    if (root.IsNull())
        throw InputError(origin, "", "is empty: expected a config with model, train, data and tokenizer sections");
    if (!root.IsMap())
        throw InputError(origin, "", "must be a mapping of sections (model, train, data, tokenizer)", lineOf(root));
    for (const auto& top : root) {
        const std::string section = top.first.as<std::string>();
        const YAML::Node& value = top.second;
        Origin o{origin, lineOf(top.first), baseDir};
        if (value.IsMap()) {
            if (section == "method")
                throw InputError(origin, section, "must be a single value such as pretrain", o.line);
            for (const auto& kv : value) {
                const std::string key = section + "." + kv.first.as<std::string>();
                Origin ko{origin, lineOf(kv.first), baseDir};
                const KeySpec* spec = findKey(key);
                if (!spec)
                    throw InputError(origin, key, unknownKeyMessage(key), ko.line);
                if (spec->isList()) {
                    spec->setList(config, listItems(key, kv.second, origin, ko.line), ko);
                    continue;
                }
                if (!kv.second.IsScalar())
                    throw InputError(origin, key, "must be a single value, not a list or mapping", ko.line);
                setKey(config, key, kv.second.Scalar(), ko);
            }
        } else if (value.IsScalar()) {
            if (!findKey(section)) {
                const std::string known = knownKeysIn(section);
                throw InputError(origin, section,
                                 known.empty() ? unknownKeyMessage(section) : "must be a section with keys " + known,
                                 o.line);
            }
            setKey(config, section, value.Scalar(), o);
        } else if (value.IsNull()) {
            if (!knownKeysIn(section).empty())
                continue; // an empty section keeps the defaults
            throw InputError(origin, section, unknownKeyMessage(section), o.line);
        } else {
            throw InputError(origin, section, "must be a mapping of keys", o.line);
        }
    }
    return config;
}

RunConfig loadRunConfig(const fs::path& file)
{
    const std::string text = readFile(file);
    return parseRunConfig(text, file.string(), fs::absolute(file).parent_path());
}

void applyOverride(RunConfig& config, const std::string& assignment)
{
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw InputError("--set", assignment, "must look like key=value, e.g. train.max_steps=100");
    const std::string key = assignment.substr(0, eq);
    std::string value = assignment.substr(eq + 1);
    Origin o{"--set", -1, fs::current_path()};
    setKey(config, key, value, o);
}

std::string toYaml(const RunConfig& config)
{
    std::ostringstream out;
    std::string section;
    for (const auto& spec : keySpecs()) {
        const std::string key = spec.key;
        const auto dot = key.find('.');
        std::string value = spec.get(config);
        if (spec.isList()) {
            YAML::Emitter e;
            e << YAML::Flow << YAML::BeginSeq;
            for (const auto& item : spec.getList(config))
                e << YAML::DoubleQuoted << item;
            e << YAML::EndSeq;
            value = e.c_str();
        } else if (value.empty() || value.find_first_of(":#{}[],&*!|>'\"%@`") != std::string::npos ||
                   value.front() == ' ' || value.back() == ' ') {
            YAML::Emitter e;
            e << YAML::DoubleQuoted << value;
            value = e.c_str();
        }
        if (dot == std::string::npos) {
            out << key << ": " << value << "\n";
            continue;
        }
        const std::string s = key.substr(0, dot);
        if (s != section) {
            out << s << ":\n";
            section = s;
        }
        out << "  " << key.substr(dot + 1) << ": " << value << "\n";
    }
    return out.str();
}

std::vector<std::string> configKeys()
{
    std::vector<std::string> keys;
    for (const auto& s : keySpecs())
        keys.emplace_back(s.key);
    return keys;
}

} // namespace tb::core
