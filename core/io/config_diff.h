// SPDX-License-Identifier: MIT
// Which config keys differ between runs, for the Runs panel's diff view. Keys come from the one key table in
// run_config_keys.cpp (through toYaml and configKeys), so a new key shows up here without any change. Values are
// compared as toYaml writes them, so "6e-4" and "0.0006" are equal. Thread-safe (pure functions).
#pragma once

#include "core/io/run_config.h"

#include <string>
#include <utility>
#include <vector>

namespace tb::core {

/// One key whose value is not the same in every config; values[i] belongs to config i.
struct ConfigDiffRow {
    std::string key;                  // e.g. "train.learning_rate"
    std::vector<std::string> values;  // as toYaml writes them, unquoted
};

/// Every documented key with its value, in the documented order.
std::vector<std::pair<std::string, std::string>> configValues(const RunConfig& config);

/// The keys, in documented order, whose values differ between the configs. Empty for fewer than two configs.
std::vector<ConfigDiffRow> diffConfigs(const std::vector<RunConfig>& configs);

/// The same for configs stored as YAML text (RunRecord::configYaml). origins[i], when given, names text i in the
/// InputError thrown for text that does not parse.
std::vector<ConfigDiffRow> diffConfigYaml(const std::vector<std::string>& yamlTexts,
                                          const std::vector<std::string>& origins = {});

} // namespace tb::core
