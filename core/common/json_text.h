// SPDX-License-Identifier: MIT
// Helpers for reporting nlohmann::json exceptions about a user's file in plain words. No JSON library here: they
// work on the exception's what() and the text that was parsed. Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tb::core {

/// what() without nlohmann's "[json.exception.parse_error.101] " prefix.
std::string jsonErrorDetail(std::string_view what);

/// A number in a JSON text that does not fit a double (nlohmann's out_of_range 406, "number overflow parsing
/// '1e999999'"): where it is and the key it is the value of.
struct JsonNumberOverflow {
    std::string number;  // as written, e.g. "1e999999"
    size_t offset = 0;   // byte offset of the number in `text`
    std::string key;     // the object key it is the value of; "" for an array element or a top-level value
};

/// Finds the number named by an out_of_range 406 `what` in `text`; nullopt when `what` is another error or the
/// number cannot be found.
std::optional<JsonNumberOverflow> findJsonNumberOverflow(std::string_view what, std::string_view text);

/// "a number out of range (1e999999): it does not fit a 64-bit float"
std::string describeJsonNumberOverflow(const JsonNumberOverflow& overflow);

} // namespace tb::core
