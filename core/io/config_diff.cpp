// SPDX-License-Identifier: MIT
#include "core/io/config_diff.h"

#include "core/common/error.h"

#include <yaml-cpp/yaml.h>

namespace tb::core {

std::vector<std::pair<std::string, std::string>> configValues(const RunConfig& config)
{
    // toYaml writes every key of the key table; reading it back with yaml-cpp undoes its quoting.
    const YAML::Node root = YAML::Load(toYaml(config));
    std::vector<std::pair<std::string, std::string>> values;
    for (const std::string& key : configKeys()) {
        const auto dot = key.find('.');
        const YAML::Node node = dot == std::string::npos ? root[key] : root[key.substr(0, dot)][key.substr(dot + 1)];
        if (!node || !node.IsScalar())
            throw Error("config_diff: toYaml did not write key '" + key + "'");
        values.emplace_back(key, node.Scalar());
    }
    return values;
}

std::vector<ConfigDiffRow> diffConfigs(const std::vector<RunConfig>& configs)
{
    std::vector<ConfigDiffRow> rows;
    if (configs.size() < 2)
        return rows;
    std::vector<std::vector<std::pair<std::string, std::string>>> all;
    all.reserve(configs.size());
    for (const RunConfig& c : configs)
        all.push_back(configValues(c));
    const size_t keyCount = all.front().size();
    for (size_t k = 0; k < keyCount; ++k) {
        bool differs = false;
        for (size_t i = 1; i < all.size() && !differs; ++i)
            differs = all[i][k].second != all[0][k].second;
        if (!differs)
            continue;
        ConfigDiffRow row{all[0][k].first, {}};
        for (const auto& values : all)
            row.values.push_back(values[k].second);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<ConfigDiffRow> diffConfigYaml(const std::vector<std::string>& yamlTexts,
                                          const std::vector<std::string>& origins)
{
    std::vector<RunConfig> configs;
    configs.reserve(yamlTexts.size());
    for (size_t i = 0; i < yamlTexts.size(); ++i) {
        const std::string origin = i < origins.size() ? origins[i] : "config " + std::to_string(i + 1);
        configs.push_back(parseRunConfig(yamlTexts[i], origin));
    }
    return diffConfigs(configs);
}

} // namespace tb::core
