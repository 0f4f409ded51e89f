// SPDX-License-Identifier: MIT
// Limits on a YAML (or JSON) config before yaml-cpp builds its tree: the document's size, and how much its aliases
// expand to. A few hundred bytes of nested aliases ("billion laughs") can stand for gigabytes once every alias is
// copied out, which is what reading the values, writing config.yaml or building prompts from them does. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tb::core {

inline constexpr int64_t kMaxConfigBytes = int64_t(4) << 20;         // a config is a few KB; 4 MiB is plenty
inline constexpr int64_t kMaxConfigExpandedBytes = int64_t(4) << 20; // scalars' bytes with every alias expanded

/// Throws InputError naming `origin` (and the line of the alias that passes the cap) when `text` is larger than
/// kMaxConfigBytes or expands to more than kMaxConfigExpandedBytes. A syntax error is left to the real parse.
void checkYamlLimits(std::string_view text, const std::string& origin);

} // namespace tb::core
