// SPDX-License-Identifier: MIT
// The whole configuration of a run as read from YAML or JSON, with `--set key=value` overrides. Key names are the
// documented ones (model.n_layer, train.learning_rate, ...); unknown keys and bad values are InputErrors naming the
// file and the key. Thread-safe (pure functions).
#pragma once

#include "core/data/data_config.h"
#include "core/model/gpt_config.h"
#include "core/tokenizer/tokenizer_config.h"
#include "core/train/finetune_config.h"
#include "core/train/train_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace tb::core {

struct RunConfig {
    std::string method = "pretrain"; // pretrain | sft | lora | prompt_tuning | dpo | reward_model | grpo | ppo
    std::string initFrom;            // fine-tuning: the parent run directory or checkpoint file
    GptConfig model;
    TrainConfig train;
    DataConfig data;
    TokenizerConfig tokenizer;
    SftConfig sft;
    LoraConfig lora;
    PromptTuningConfig promptTuning;
    DpoConfig dpo;
    RewardModelConfig rewardModel;
    RewardSourceConfig reward; // grpo, ppo
    GrpoConfig grpo;
    PpoConfig ppo;

    bool isFineTuning() const { return method != "pretrain"; }
    /// An RL method: a policy trained on its own rollouts against a reward source (grpo, ppo).
    bool isRl() const { return method == "grpo" || method == "ppo"; }
    /// The run trains LoRA adapters on a frozen base: method lora, or dpo / reward_model / grpo / ppo with their
    /// adapter key set to lora.
    bool usesLora() const
    {
        return method == "lora" || (method == "dpo" && dpo.adapter == "lora") ||
               (method == "reward_model" && rewardModel.adapter == "lora") ||
               (method == "grpo" && grpo.adapter == "lora") || (method == "ppo" && ppo.adapter == "lora");
    }

    /// All problems of the whole config in plain words, each naming its key. Empty when valid.
    std::vector<std::string> validate() const;
};

/// Reads a YAML or JSON config file. Relative data paths are resolved against the config file's folder.
/// Throws InputError (file, key) for unreadable files, syntax errors, unknown keys and bad values.
RunConfig loadRunConfig(const std::filesystem::path& file);

/// Parses config text; `origin` names it in error messages.
RunConfig parseRunConfig(const std::string& text, const std::string& origin, const std::filesystem::path& baseDir = {});

/// Applies one "key=value" override (e.g. "train.max_steps=100"). Throws InputError naming the key.
void applyOverride(RunConfig& config, const std::string& assignment);

/// The config as YAML with every key, in the documented order. parseRunConfig(toYaml(c)) == c.
std::string toYaml(const RunConfig& config);

/// Every documented key, e.g. "model.n_layer" (for --help, completion and the GUI).
std::vector<std::string> configKeys();

/// How a key's value is written, so that an editor can pick a widget for it.
enum class ConfigKeyType { Text, Int, Number, Bool, Choice, Path };

/// One key of the key table, for tooltips, forms and docs/config.md.
struct ConfigKeyInfo {
    std::string key;                  // "train.learning_rate"
    ConfigKeyType type = ConfigKeyType::Text;
    std::string defaultValue;         // as toYaml writes it for a default RunConfig
    std::string description;          // what it does and why its default, in plain words
    std::vector<std::string> choices; // allowed values of a Choice key
};

/// Every key of the key table, in the documented order.
std::vector<ConfigKeyInfo> configKeyInfo();

/// The value of one key as toYaml writes it (unquoted). Throws InputError for an unknown key.
std::string configValue(const RunConfig& config, const std::string& key);

/// The key reference of docs/config.md (a Markdown table generated from the key table).
std::string configReferenceMarkdown();

} // namespace tb::core
