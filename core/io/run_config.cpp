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

struct KeySpec {
    const char* key;
    std::function<void(RunConfig&, const std::string&, const Origin&)> set;
    std::function<std::string(const RunConfig&)> get;
};

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
                if (!findKey(key))
                    throw InputError(origin, key, unknownKeyMessage(key), ko.line);
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
        if (value.empty() || value.find_first_of(":#{}[],&*!|>'\"%@`") != std::string::npos || value.front() == ' ' ||
            value.back() == ' ') {
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
