// SPDX-License-Identifier: MIT
#include "cli_args.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tb::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& valueOptions,
           const std::vector<std::string>& flagOptions)
{
    auto contains = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() < 3 || a.rfind("--", 0) != 0) {
            m_positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> inlineValue;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (contains(flagOptions, name)) {
            if (inlineValue)
                throw UsageError{"--" + name + " takes no value"};
            m_values.emplace(name, "");
        } else if (contains(valueOptions, name)) {
            if (inlineValue) {
                m_values.emplace(name, *inlineValue);
            } else {
                if (i + 1 >= argv.size())
                    throw UsageError{"--" + name + " needs a value"};
                m_values.emplace(name, argv[++i]);
            }
        } else {
            throw UsageError{"unknown option --" + name};
        }
    }
}

bool Args::has(const std::string& option) const { return m_values.count(option) > 0; }

std::optional<std::string> Args::value(const std::string& option) const
{
    const auto range = m_values.equal_range(option);
    if (range.first == range.second)
        return std::nullopt;
    return std::prev(range.second)->second; // the last one wins
}

std::vector<std::string> Args::values(const std::string& option) const
{
    std::vector<std::string> out;
    const auto range = m_values.equal_range(option);
    for (auto it = range.first; it != range.second; ++it)
        out.push_back(it->second);
    return out;
}

std::optional<long long> Args::intValue(const std::string& option) const
{
    const auto v = value(option);
    if (!v)
        return std::nullopt;
    long long out = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size())
        throw UsageError{"--" + option + " must be a whole number, got '" + *v + "'"};
    return out;
}

std::optional<double> Args::doubleValue(const std::string& option) const
{
    const auto v = value(option);
    if (!v)
        return std::nullopt;
    double out = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size() || !std::isfinite(out))
        throw UsageError{"--" + option + " must be a number, got '" + *v + "'"};
    return out;
}

} // namespace tb::cli
