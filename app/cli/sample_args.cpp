// SPDX-License-Identifier: MIT
#include "sample_args.h"

#include "commands.h"

#include <cmath>

namespace tb::cli {

core::SampleOptions readSampleOptions(const Args& a)
{
    core::SampleOptions options;
    options.maxNewTokens = a.intValue("max-new-tokens").value_or(options.maxNewTokens);
    options.temperature = a.doubleValue("temperature").value_or(options.temperature);
    options.topK = a.intValue("top-k").value_or(options.topK);
    options.topP = a.doubleValue("top-p").value_or(options.topP);
    options.seed = static_cast<uint64_t>(a.intValue("seed").value_or(static_cast<long long>(options.seed)));
    options.greedy = a.has("greedy");
    return options;
}

void checkSampleOptions(const core::SampleOptions& options)
{
    // Core reads a temperature <= 0 as greedy; on the command line --greedy says so, so anything else is a mistake.
    if (!(options.temperature > 0) && !(options.greedy && options.temperature == 0))
        throw UsageError{"--temperature must be greater than 0 (use --greedy for deterministic output)"};
    if (const std::string problem = core::validateSampleOptions(options); !problem.empty())
        throw UsageError{"invalid sampling options: " + problem};
}

} // namespace tb::cli
