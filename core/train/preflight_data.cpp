// SPDX-License-Identifier: MIT
// Pre-flight's look at a fine-tuning run's data: data.train loaded exactly as the run will load it (finetune.h,
// dpo.h, core/rl/rl_prompts.h), counted for the findings in preflight.cpp.
#include "core/train/preflight.h"

#include "core/common/error.h"
#include "core/rl/rl_prompts.h"
#include "core/train/dpo.h"
#include "core/train/finetune.h"

namespace tb::core {

int64_t fineTuneRowLength(const RunConfig& config)
{
    return config.model.blockSize - (config.method == "prompt_tuning" ? config.promptTuning.numVirtualTokens : 0);
}

FineTuneDataCounts fineTuneDataCounts(const RunConfig& config, const Tokenizer& tokenizer, int64_t rowLength)
{
    FineTuneDataCounts out;
    try {
        if (config.isRl()) {
            const rl::RlPrompts p = rl::loadRlPrompts(config, tokenizer, false);
            out.valRecords = static_cast<int64_t>(p.val.size());
            out.skipped = p.promptsSkipped;
            out.records = static_cast<int64_t>(p.train.size() + p.val.size()) + p.promptsSkipped;
        } else if (config.method == "dpo") {
            const DpoData d = loadDpoData(config, tokenizer, rowLength);
            out.pairs = true;
            out.valRecords = static_cast<int64_t>(d.val.size());
            out.skipped = d.pairsSkipped;
            out.cut = d.truncatedPairs;
            out.records = static_cast<int64_t>(d.train.size() + d.val.size()) + d.pairsSkipped + d.pairsCutAway;
        } else {
            const SftData d = loadSftData(config, tokenizer, rowLength);
            out.valRecords = d.valExamples;
            out.skipped = d.examplesSkipped;
            out.cut = d.truncatedRows;
            out.records = d.trainExamples + d.valExamples + d.examplesSkipped;
        }
    } catch (const InputError& e) {
        out = {};
        out.pairs = config.method == "dpo";
        out.problem = e.what();
    }
    return out;
}

} // namespace tb::core
