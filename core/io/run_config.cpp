// SPDX-License-Identifier: MIT
#include "core/io/run_config.h"
#include "core/io/run_config_keys.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/data/chat_template.h"
#include "core/io/yaml_limits.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <sstream>
#include <string_view>

namespace tb::core {
namespace fs = std::filesystem;

using namespace config_keys;

namespace {

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

/// The reward source and the grpo / ppo keys of an RL run.
void validateRl(const RunConfig& c, std::vector<std::string>& problems)
{
    const std::string& m = c.method;
    const RewardSourceConfig& r = c.reward;
    if (r.modelWeight < 0.0)
        problems.push_back("reward.model_weight must not be negative (it is " + fmtDouble(r.modelWeight) + ")");
    if (r.goldWeight < 0.0)
        problems.push_back("reward.gold_weight must not be negative (it is " + fmtDouble(r.goldWeight) + ")");
    const bool modelSource = !r.model.empty() && r.modelWeight > 0.0;
    if (!modelSource && !(r.goldWeight > 0.0))
        problems.push_back(m + " needs reward.model or reward.gold_weight > 0" +
                           (r.model.empty() ? std::string() : " (reward.model_weight is 0)"));
    const auto positiveInt = [&](const std::string& key, int64_t v, int64_t least) {
        if (v < least)
            problems.push_back(key + " must be at least " + std::to_string(least) + " (it is " + std::to_string(v) +
                               ")");
    };
    const auto notNegative = [&](const std::string& key, double v) {
        if (!(v >= 0.0))
            problems.push_back(key + " must not be negative (it is " + fmtDouble(v) + ")");
    };
    const auto positive = [&](const std::string& key, double v) {
        if (!(v > 0.0))
            problems.push_back(key + " must be positive (it is " + fmtDouble(v) + ")");
    };
    const auto inUnit = [&](const std::string& key, double v) {
        if (!(v > 0.0 && v < 1.0))
            problems.push_back(key + " must be in (0, 1) (it is " + fmtDouble(v) + ")");
    };
    if (m == "grpo") {
        const GrpoConfig& g = c.grpo;
        positiveInt("grpo.rollout_prompts", g.rolloutPrompts, 1);
        positiveInt("grpo.group_size", g.groupSize, 2);
        positiveInt("grpo.max_new_tokens", g.maxNewTokens, 1);
        notNegative("grpo.kl_coef", g.klCoef);
        inUnit("grpo.epsilon", g.epsilon);
        positive("grpo.temperature", g.temperature);
        if (g.lossType != "grpo" && g.lossType != "bnpo" && g.lossType != "dr_grpo")
            problems.push_back("grpo.loss_type '" + g.lossType + "' is unknown (expected grpo, bnpo or dr_grpo)");
        if (g.adapter != "none" && g.adapter != "lora")
            problems.push_back("grpo.adapter '" + g.adapter + "' is unknown (expected none or lora)");
    } else {
        const PpoConfig& p = c.ppo;
        positiveInt("ppo.rollout_prompts", p.rolloutPrompts, 2);
        positiveInt("ppo.max_new_tokens", p.maxNewTokens, 1);
        notNegative("ppo.kl_coef", p.klCoef);
        notNegative("ppo.kl_target", p.klTarget);
        positive("ppo.kl_horizon", p.klHorizon);
        if (!(p.gamma >= 0.0 && p.gamma <= 1.0))
            problems.push_back("ppo.gamma must be in [0, 1] (it is " + fmtDouble(p.gamma) + ")");
        if (!(p.lam >= 0.0 && p.lam <= 1.0))
            problems.push_back("ppo.lam must be in [0, 1] (it is " + fmtDouble(p.lam) + ")");
        inUnit("ppo.cliprange", p.cliprange);
        positive("ppo.cliprange_value", p.cliprangeValue);
        notNegative("ppo.vf_coef", p.vfCoef);
        positiveInt("ppo.epochs", p.epochs, 1);
        positiveInt("ppo.minibatches", p.minibatches, 1);
        if (p.minibatches >= 1 && p.rolloutPrompts >= 1 && p.rolloutPrompts % p.minibatches != 0)
            problems.push_back("ppo.minibatches (" + std::to_string(p.minibatches) +
                               ") must divide ppo.rollout_prompts (" + std::to_string(p.rolloutPrompts) + ")");
        notNegative("ppo.missing_eos_penalty", p.missingEosPenalty);
        positive("ppo.temperature", p.temperature);
        if (p.adapter != "none" && p.adapter != "lora")
            problems.push_back("ppo.adapter '" + p.adapter + "' is unknown (expected none or lora)");
    }
}

} // namespace

std::vector<std::string> RunConfig::validate() const
{
    std::vector<std::string> problems;
    if (method != "pretrain" && method != "sft" && method != "lora" && method != "prompt_tuning" && method != "dpo" &&
        method != "reward_model" && !isRl())
        problems.push_back("method '" + method +
                           "' is unknown (expected pretrain, sft, lora, prompt_tuning, dpo, reward_model, grpo or ppo)");
    if (isFineTuning()) {
        if (initFrom.empty())
            problems.push_back("init_from is not set: method " + method +
                               " fine-tunes a parent model; name its run directory or checkpoint");
        if (data.train.empty())
            problems.push_back("data.train is not set: name the dataset to fine-tune on");
        if (sft.lossOn != "completion" && sft.lossOn != "all")
            problems.push_back("sft.loss_on '" + sft.lossOn + "' is unknown (expected completion or all)");
        try {
            ChatTemplate::parse(sft.chatTemplate);
        } catch (const InputError& e) {
            problems.push_back("sft.chat_template " + e.message());
        }
        try {
            parseReplacements(data.replace);
        } catch (const InputError& e) {
            problems.push_back("data.replace " + e.message());
        }
    }
    if (method == "dpo") {
        if (!(dpo.beta > 0.0))
            problems.push_back("dpo.beta must be positive (it is " + fmtDouble(dpo.beta) + ")");
        if (dpo.adapter != "none" && dpo.adapter != "lora")
            problems.push_back("dpo.adapter '" + dpo.adapter + "' is unknown (expected none or lora)");
    }
    if (method == "reward_model" && rewardModel.adapter != "none" && rewardModel.adapter != "lora")
        problems.push_back("reward_model.adapter '" + rewardModel.adapter + "' is unknown (expected none or lora)");
    if (isRl())
        validateRl(*this, problems);
    if (usesLora()) {
        if (lora.r < 1)
            problems.push_back("lora.r must be at least 1 (it is " + std::to_string(lora.r) + ")");
        if (!(lora.alpha > 0.0))
            problems.push_back("lora.alpha must be positive (it is " + fmtDouble(lora.alpha) + ")");
        if (!(lora.dropout >= 0.0 && lora.dropout < 1.0))
            problems.push_back("lora.dropout must be in [0, 1) (it is " + fmtDouble(lora.dropout) + ")");
        if (lora.targets.empty())
            problems.push_back("lora.targets is empty: name at least one of q, k, v, attn_out, mlp_in, mlp_out");
        for (const auto& t : lora.targets)
            if (std::find(loraTargetNames().begin(), loraTargetNames().end(), t) == loraTargetNames().end())
                problems.push_back("lora.targets has '" + t + "' (expected q, k, v, attn_out, mlp_in or mlp_out)");
    }
    if (method == "prompt_tuning" && promptTuning.numVirtualTokens < 1)
        problems.push_back("prompt_tuning.num_virtual_tokens must be at least 1 (it is " +
                           std::to_string(promptTuning.numVirtualTokens) + ")");
    for (auto& p : model.validate())
        problems.push_back(std::move(p));
    for (auto& p : train.validate())
        problems.push_back(std::move(p));
    if (data.corpus.empty() && !isFineTuning())
        problems.push_back("data.corpus is not set: name a text or JSONL file to train on");
    if (!(data.valFraction >= 0.0 && data.valFraction < 1.0))
        problems.push_back("data.val_fraction must be in [0, 1) (it is " + fmtDouble(data.valFraction) + ")");
    else if (data.valFraction == 0.0)
        problems.push_back("data.val_fraction is 0: a run needs a validation split to measure progress");
    const bool sentencePiece = tokenizer.kind == "bpe" || tokenizer.kind == "unigram";
    if (tokenizer.kind != "char" && tokenizer.kind != "byte" && !sentencePiece)
        problems.push_back("tokenizer.kind '" + tokenizer.kind + "' is unknown (expected char, byte, bpe or unigram)");
    if (sentencePiece) {
        // <unk>, the newline piece and, with byte fallback, 256 byte pieces come first; the corpus's characters
        // are checked when the tokenizer is trained.
        const int64_t fixed = tokenizer.byteFallback ? 258 : 2;
        if (tokenizer.vocabSize != 0 && tokenizer.vocabSize <= fixed)
            problems.push_back("tokenizer.vocab_size must exceed " + std::to_string(fixed) + " for " + tokenizer.kind +
                               (tokenizer.byteFallback ? " with byte fallback (256 byte pieces, <unk> and the newline)"
                                                       : " (<unk> and the newline)") +
                               " (it is " + std::to_string(tokenizer.vocabSize) + "; 0 picks 1000)");
        if (!(tokenizer.characterCoverage > 0.0 && tokenizer.characterCoverage <= 1.0))
            problems.push_back("tokenizer.character_coverage must be in (0, 1] (it is " +
                               fmtDouble(tokenizer.characterCoverage) + ")");
    }
    if (tokenizer.vocabSize < 0)
        problems.push_back("tokenizer.vocab_size must not be negative (it is " + std::to_string(tokenizer.vocabSize) +
                           ")");
    if (tokenizer.unknown != "unk" && tokenizer.unknown != "error")
        problems.push_back("tokenizer.unknown '" + tokenizer.unknown + "' is unknown (expected unk or error)");
    return problems;
}

namespace {

/// A key must be a plain name: `{"n_layer": 2,,}` gives yaml-cpp an empty (null) key, which would read as "null".
void requireScalarKey(const YAML::Node& key, const std::string& section, const std::string& origin)
{
    if (key.IsScalar() && !key.Scalar().empty())
        return;
    const int64_t line = key.Mark().line >= 0 ? key.Mark().line + 1 : -1;
    throw InputError(origin, section,
                     key.IsNull() || key.IsScalar()
                         ? "has an empty key (a stray comma, or a ':' with nothing before it?)"
                         : "has a list or mapping where a key name belongs",
                     line);
}

} // namespace

RunConfig parseRunConfig(const std::string& text, const std::string& origin, const fs::path& baseDir)
{
    checkYamlLimits(text, origin); // size and alias expansion, before yaml-cpp builds the tree
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
        requireScalarKey(top.first, "", origin);
        const std::string section = top.first.as<std::string>();
        const YAML::Node& value = top.second;
        Origin o{origin, lineOf(top.first), baseDir};
        if (value.IsMap()) {
            if (section == "method")
                throw InputError(origin, section, "must be a single value such as pretrain", o.line);
            for (const auto& kv : value) {
                requireScalarKey(kv.first, section, origin);
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

std::vector<ConfigKeyInfo> configKeyInfo()
{
    const RunConfig defaults;
    std::vector<ConfigKeyInfo> infos;
    for (const auto& s : keySpecs()) {
        ConfigKeyInfo info{s.key, s.type, s.get(defaults), s.help, {}};
        std::string_view choices = s.choices;
        while (!choices.empty()) {
            const auto bar = choices.find('|');
            info.choices.emplace_back(choices.substr(0, bar));
            choices = bar == std::string_view::npos ? std::string_view() : choices.substr(bar + 1);
        }
        infos.push_back(std::move(info));
    }
    return infos;
}

std::string configValue(const RunConfig& config, const std::string& key)
{
    const KeySpec* spec = findKey(key);
    if (!spec)
        throw InputError("", key, unknownKeyMessage(key));
    return spec->get(config);
}

std::string configReferenceMarkdown()
{
    std::string out = "| key | default | what it does and why this default |\n|---|---|---|\n";
    for (const auto& info : configKeyInfo()) {
        std::string help = info.description;
        // A table cell: escape '|'; <unk> is not an HTML tag. Skip past each replacement.
        for (size_t i = 0; (i = help.find_first_of("|<", i)) != std::string::npos;) {
            const std::string escaped = help[i] == '|' ? "\\|" : "&lt;";
            help.replace(i, 1, escaped);
            i += escaped.size();
        }
        const std::string value = info.defaultValue.empty() ? "(empty)" : "`" + info.defaultValue + "`";
        out += "| `" + info.key + "` | " + value + " | " + help + " |\n";
    }
    return out;
}

} // namespace tb::core
