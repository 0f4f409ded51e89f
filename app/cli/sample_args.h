// SPDX-License-Identifier: MIT
// The sampling options that `sample` and `compare` share: --max-new-tokens, --temperature, --top-k, --top-p,
// --seed and --greedy, read into core::SampleOptions (defaults where absent), and the one check both commands make.
#pragma once

#include "cli_args.h"

#include "core/eval/generate.h"

namespace tb::cli {

core::SampleOptions readSampleOptions(const Args& a);

/// Throws UsageError for options core::validateSampleOptions() rejects, and for a temperature that is not greater
/// than 0 unless --greedy (which ignores it; 0 is then allowed).
void checkSampleOptions(const core::SampleOptions& options);

} // namespace tb::cli
