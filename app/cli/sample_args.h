// SPDX-License-Identifier: MIT
// The sampling options that `sample` and `compare` share: --max-new-tokens, --temperature, --top-k, --top-p,
// --seed and --greedy, read into core::SampleOptions (defaults where absent). Each command validates them itself.
#pragma once

#include "cli_args.h"

#include "core/eval/generate.h"

namespace tb::cli {

core::SampleOptions readSampleOptions(const Args& a);

} // namespace tb::cli
