// SPDX-License-Identifier: MIT
// The config key table behind run_config.cpp: one KeySpec per key (how to set and get it from text, its type for
// editors, its help), and the lookups the parser, `--set`, toYaml and the docs share. Internal to core/io: include it
// from run_config*.cpp only. Torch-free.
#pragma once

#include "core/io/run_config.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tb::core::config_keys {

/// Where a value came from, for error messages.
struct Origin {
    std::string file;
    int64_t line = -1;
    std::filesystem::path baseDir; // relative paths are resolved against this
};

using KeyType = ConfigKeyType;

/// One config key: how to set and get it, its type for editors, and its help text (what it does and why its
/// default). A new key needs all of them; tests check that every key has help.
struct KeySpec {
    const char* key;
    std::function<void(RunConfig&, const std::string&, const Origin&)> set;
    std::function<std::string(const RunConfig&)> get;
    KeyType type = KeyType::Text;
    const char* help = "";
    const char* choices = ""; // Choice keys: the allowed values, separated by '|'
    // List keys only (see listKey): YAML gives them a sequence (a lone scalar is a one-item list) and toYaml
    // writes a flow sequence; `set`/`get` use the one-line `--set` form of listOverrideItems/listOverrideText.
    std::function<void(RunConfig&, const std::vector<std::string>&, const Origin&)> setList = {};
    std::function<std::vector<std::string>(const RunConfig&)> getList = {};

    bool isList() const { return static_cast<bool>(setList); }
};

/// Every key, in the order of docs/config.md.
const std::vector<KeySpec>& keySpecs();
/// The key's spec, or nullptr.
const KeySpec* findKey(const std::string& key);
/// The keys of a section ("train"), without the prefix, comma-separated.
std::string knownKeysIn(const std::string& section);
/// "unknown key (known keys in ...)" for a key that is not in the table.
std::string unknownKeyMessage(const std::string& key);
/// Sets one key from its text form; InputError (file, key, line) for an unknown key or a bad value.
void setKey(RunConfig& config, const std::string& key, const std::string& value, const Origin& o);
/// The shortest text that reads back as exactly `v`, with a ".0" when it would look like an integer.
std::string fmtDouble(double v);

} // namespace tb::core::config_keys
