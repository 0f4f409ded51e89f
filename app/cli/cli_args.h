// SPDX-License-Identifier: MIT
// A small command-line parser for tunebench-cli: positional arguments, --flag, --key value and --key=value, with
// repeatable options (--set). Unknown options are errors that name the option.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tb::cli {

class Args {
public:
    /// `valueOptions` take a value; `flagOptions` do not. Throws UsageError for unknown options or a missing value.
    Args(const std::vector<std::string>& argv, const std::vector<std::string>& valueOptions,
         const std::vector<std::string>& flagOptions);

    const std::vector<std::string>& positional() const { return m_positional; }
    bool has(const std::string& option) const;
    std::optional<std::string> value(const std::string& option) const;
    std::vector<std::string> values(const std::string& option) const;

    /// Typed accessors: throw UsageError("--opt must be a number ...") for bad values.
    std::optional<long long> intValue(const std::string& option) const;
    std::optional<double> doubleValue(const std::string& option) const;

private:
    std::vector<std::string> m_positional;
    std::multimap<std::string, std::string> m_values;
};

/// A mistake on the command line; the CLI prints it with the command's usage and exits 2.
struct UsageError {
    std::string message;
};

} // namespace tb::cli
