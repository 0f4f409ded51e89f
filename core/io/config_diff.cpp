// SPDX-License-Identifier: MIT
#include "core/io/config_diff.h"

#include "core/common/error.h"


namespace tb::core {

std::vector<std::pair<std::string, std::string>> configValues(const RunConfig& config)
{
    // The key table's own getters (list keys in their one-line --set form), so every key is covered.
    std::vector<std::pair<std::string, std::string>> values;
    for (const std::string& key : configKeys())
        values.emplace_back(key, configValue(config, key));
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
