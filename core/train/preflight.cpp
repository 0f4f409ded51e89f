// SPDX-License-Identifier: MIT
#include "core/train/preflight.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace tb::core {
namespace {

// Learning rates outside this range are legal but rarely what anyone wants for AdamW on small GPTs.
constexpr double kHighLearningRate = 1e-2;
constexpr double kLowLearningRate = 1e-5;
// Warn when the estimate takes more than this share of the available memory (the estimate is rough).
constexpr double kMemoryWarnShare = 0.5;

std::string num(int64_t v) { return std::to_string(v); }

std::string shortNumber(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

/// The key a validate() message is about: the earliest key named in it.
std::string keyNamedIn(const std::string& message)
{
    std::string best;
    size_t bestPos = std::string::npos;
    for (const auto& key : configKeys()) {
        const size_t pos = message.find(key);
        if (pos < bestPos || (pos == bestPos && pos != std::string::npos && key.size() > best.size())) {
            bestPos = pos;
            best = key;
        }
    }
    return best;
}

/// Pre-flight's findings about a fine-tuning run's data.train (fineTuneDataCounts).
template <typename Add>
void addDataFindings(const FineTuneDataCounts& d, Add add)
{
    if (!d.problem.empty()) {
        add(Severity::Error, "data.train", d.problem);
        return;
    }
    const std::string items = d.pairs ? "preference pairs" : "records";
    const int64_t kept = d.records - d.skipped;
    if (d.skipped > 0 && 2 * d.skipped > d.records)
        add(Severity::Warning, "data.train",
            num(d.skipped) + " of the " + num(d.records) + " " + items +
                " have characters the parent's tokenizer cannot spell and are skipped: only " + num(kept) +
                " remain to learn from. Use data in the parent's alphabet, or a parent with a byte-level or "
                "subword tokenizer");
    else if (d.skipped > 0)
        add(Severity::Info, "data.train",
            num(d.skipped) + " of the " + num(d.records) + " " + items +
                " have characters the parent's tokenizer cannot spell and are skipped");
    if (d.cut > 0)
        add(Severity::Warning, "data.train",
            num(d.cut) + " of the " + num(kept) + " " + items +
                " are longer than the model's context and are cut: the model never sees their ends, so it does "
                "not learn where an answer stops. Use shorter examples or a parent with a longer context "
                "(model.block_size)");
    if (d.valRecords < kMinValRecords)
        add(Severity::Warning, "data.val_fraction",
            "the validation split holds only " + num(d.valRecords) + " " + items +
                ": its loss says little about answers the model has not seen. Hold out at least " +
                num(kMinValRecords) + " (more data or a larger data.val_fraction)");
    if (d.pairs && kept < kMinDpoPairs)
        add(Severity::Warning, "data.train",
            "DPO on only " + num(kept) + " preference pairs mostly memorises them; about " + num(kMinDpoPairs) +
                " or more teach a preference (rate more outputs, or use fewer steps)");
}

} // namespace

std::string toString(Severity severity)
{
    switch (severity) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "info";
    }
    return "info";
}

std::string formatBytes(int64_t bytes)
{
    const char* units[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 6) {
        v /= 1000.0;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

MachineInfo probeMachine()
{
    MachineInfo m;
    m.cores = static_cast<int>(std::thread::hardware_concurrency());
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("MemAvailable:", 0) != 0)
            continue;
        std::istringstream fields(line.substr(13));
        long long kb = 0;
        if (fields >> kb)
            m.availableMemoryBytes = kb * 1024;
        break;
    }
    return m;
}

std::vector<Finding> preflight(const RunConfig& config, const MachineInfo& machine,
                               const std::optional<TokenSplit>& corpus, const std::optional<FineTuneDataCounts>& data)
{
    std::vector<Finding> out;
    auto add = [&](Severity s, std::string key, std::string message) {
        out.push_back({s, std::move(key), std::move(message)});
    };
    const auto& m = config.model;
    const auto& t = config.train;

    for (const auto& problem : config.validate())
        add(Severity::Error, keyNamedIn(problem), problem);

    if (corpus && corpus->tokens > 0) {
        const int64_t need = m.blockSize + 1;
        // Subword counts are estimated before the tokenizer exists: a too-small split is then only likely, and the
        // run itself refuses it once the real counts are known.
        const Severity tooSmall = corpus->estimated ? Severity::Warning : Severity::Error;
        const std::string about = corpus->estimated ? "about " : "";
        if (corpus->valTokens < need && config.data.valFraction > 0)
            add(tooSmall, "model.block_size",
                "the validation split has " + about + num(corpus->valTokens) + " tokens, fewer than block_size + 1 = " +
                    num(need) + ": use a larger corpus, a smaller block size or a larger data.val_fraction");
        if (corpus->trainTokens < need)
            add(tooSmall, "model.block_size",
                "the training split has " + about + num(corpus->trainTokens) + " tokens, fewer than block_size + 1 = " +
                    num(need) + ": use a larger corpus or a smaller block size");
        else if (t.batchSize * m.blockSize > corpus->trainTokens)
            add(Severity::Warning, "train.batch_size",
                "one batch (" + num(t.batchSize) + " x " + num(m.blockSize) + " = " + num(t.batchSize * m.blockSize) +
                    " tokens) is larger than the whole training split (" + num(corpus->trainTokens) +
                    " tokens): every step sees the same text, so the model will memorise it");
        if (corpus->trainTokens > 0 && t.maxSteps > 0) {
            const double epochs = double(t.tokensPerStep(m.blockSize)) * double(t.maxSteps) /
                                  double(corpus->trainTokens);
            char buf[160];
            std::snprintf(buf, sizeof buf, "the run reads the training split about %.1f times (epochs)", epochs);
            add(Severity::Info, "train.max_steps", buf);
        }
    }

    if (data)
        addDataFindings(*data, add);

    if (machine.availableMemoryBytes > 0 && m.validate().empty() && t.batchSize >= 1) {
        GptConfig sized = m;
        if (corpus && corpus->vocabSize > 0)
            sized.vocabSize = corpus->vocabSize;
        const int64_t bytes = sized.estimateTrainingBytes(t.batchSize);
        const std::string what = "training needs about " + formatBytes(bytes) + " of memory, and " +
                                 formatBytes(machine.availableMemoryBytes) + " are available";
        if (bytes > machine.availableMemoryBytes)
            add(Severity::Error, "train.batch_size",
                what + ": use a smaller batch, block size or model, or turn on train.activation_checkpointing");
        else if (double(bytes) > kMemoryWarnShare * double(machine.availableMemoryBytes))
            add(Severity::Warning, "train.batch_size", what + ": other programs may run short");
    }

    if (t.maxSteps >= 1 && t.warmupSteps >= t.maxSteps)
        add(Severity::Warning, "train.warmup_steps",
            "warmup (" + num(t.warmupSteps) + " steps) is not shorter than the run (" + num(t.maxSteps) +
                " steps): the learning rate never reaches its peak");
    if (t.maxSteps >= 1 && t.evalInterval > t.maxSteps)
        add(Severity::Warning, "train.eval_interval",
            "eval_interval (" + num(t.evalInterval) + ") is longer than the run (" + num(t.maxSteps) +
                " steps): the val loss is measured only at the start and at the end");
    if (machine.cores > 0 && t.threads > machine.cores)
        add(Severity::Warning, "train.threads",
            num(t.threads) + " threads on a machine with " + std::to_string(machine.cores) +
                " cores: more threads than cores slows training down; 0 uses every core");
    if (t.learningRate > kHighLearningRate)
        add(Severity::Warning, "train.learning_rate",
            "a learning rate of " + shortNumber(t.learningRate) +
                " is unusually high for AdamW: the loss may diverge (small GPTs train well at 1e-3 to 5e-3)");
    else if (t.learningRate > 0 && t.learningRate < kLowLearningRate)
        add(Severity::Warning, "train.learning_rate",
            "a learning rate of " + shortNumber(t.learningRate) +
                " is unusually low: the model will learn very slowly (small GPTs train well at 1e-3 to 5e-3)");

    std::stable_sort(out.begin(), out.end(),
                     [](const Finding& a, const Finding& b) { return int(a.severity) < int(b.severity); });
    return out;
}

bool hasErrors(const std::vector<Finding>& findings)
{
    return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.severity == Severity::Error; });
}

} // namespace tb::core
