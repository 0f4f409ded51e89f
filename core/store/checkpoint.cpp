// SPDX-License-Identifier: MIT
#include "core/store/checkpoint.h"

#include "core/common/error.h"
#include "core/io/safetensors.h"

#include <torch/torch.h>

#include <charconv>

namespace tb::core {
namespace fs = std::filesystem;

namespace {

constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optim.";
constexpr const char* kRngKey = "rng.torch_cpu";

std::string fmtExact(double v)
{
    char buf[64];
    const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, p);
}

const std::string& need(const std::map<std::string, std::string>& meta, const std::string& key, const fs::path& file)
{
    const auto it = meta.find(key);
    if (it == meta.end())
        throw InputError(file.string(), key, "is missing from the checkpoint's metadata");
    return it->second;
}

template <typename T>
T parseNumber(const std::string& text, const std::string& key, const fs::path& file)
{
    T v{};
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size())
        throw InputError(file.string(), key, "is not a number in the checkpoint's metadata: '" + text + "'");
    return v;
}

} // namespace

void saveCheckpoint(const fs::path& file, const Checkpoint& c)
{
    std::map<std::string, torch::Tensor> tensors;
    for (const auto& [name, t] : c.model)
        tensors[kModelPrefix + name] = t;
    for (const auto& [name, t] : c.optimizer)
        tensors[kOptimPrefix + name] = t;
    if (c.torchRngState.defined())
        tensors[kRngKey] = c.torchRngState;
    const std::map<std::string, std::string> meta = {
        {"format", kCheckpointFormat},
        {"config", toYaml(c.config)},
        {"vocab_size", std::to_string(c.config.model.vocabSize)},
        {"step", std::to_string(c.step)},
        {"best_val_loss", fmtExact(c.bestValLoss)},
        {"batch_rng_state", std::to_string(c.batchRngState)},
        {"elapsed_s", fmtExact(c.elapsedSeconds)},
        {"tokens_seen", std::to_string(c.tokensSeen)},
        {"tokenizer", c.tokenizer},
        {"corpus_hash", c.corpusHash},
    };
    writeSafetensors(file, tensors, meta);
}

Checkpoint loadCheckpoint(const fs::path& file)
{
    SafetensorsData data = readSafetensors(file);
    const auto& meta = data.metadata;
    const auto fmt = meta.find("format");
    if (fmt == meta.end() || fmt->second != kCheckpointFormat)
        throw InputError(file.string(), "format",
                         "is not a TuneBench checkpoint (expected format " + std::string(kCheckpointFormat) + ")");
    Checkpoint c;
    c.config = parseRunConfig(need(meta, "config", file), file.string() + " (config)");
    c.config.model.vocabSize = parseNumber<int64_t>(need(meta, "vocab_size", file), "vocab_size", file);
    c.step = parseNumber<int64_t>(need(meta, "step", file), "step", file);
    c.bestValLoss = parseNumber<double>(need(meta, "best_val_loss", file), "best_val_loss", file);
    c.batchRngState = parseNumber<uint64_t>(need(meta, "batch_rng_state", file), "batch_rng_state", file);
    c.elapsedSeconds = parseNumber<double>(need(meta, "elapsed_s", file), "elapsed_s", file);
    c.tokensSeen = parseNumber<int64_t>(need(meta, "tokens_seen", file), "tokens_seen", file);
    c.tokenizer = need(meta, "tokenizer", file);
    c.corpusHash = need(meta, "corpus_hash", file);
    const std::string modelPrefix = kModelPrefix;
    const std::string optimPrefix = kOptimPrefix;
    for (auto& [name, t] : data.tensors) {
        if (name.rfind(modelPrefix, 0) == 0)
            c.model[name.substr(modelPrefix.size())] = std::move(t);
        else if (name.rfind(optimPrefix, 0) == 0)
            c.optimizer[name.substr(optimPrefix.size())] = std::move(t);
        else if (name == kRngKey)
            c.torchRngState = std::move(t);
    }
    if (c.model.empty())
        throw InputError(file.string(), "model", "holds no model weights");
    // The metadata's model must be the one whose weights are in the file (adapters only add to them): a crafted
    // n_layer or block_size would otherwise make the caller build a model of any size before loadWeights notices.
    int64_t held = 0; // cannot overflow: every tensor's bytes are in the file
    for (const auto& [name, t] : c.model)
        held += t.numel();
    const GptConfig& m = c.config.model;
    if (const auto problems = m.validate(); !problems.empty())
        throw InputError(file.string() + " (config)", "", "describes an invalid model: " + problems.front());
    if (m.parameterCount() > held)
        throw InputError(file.string() + " (config)", "model",
                         "describes a model of " + std::to_string(m.parameterCount()) + " parameters (n_layer " +
                             std::to_string(m.nLayer) + ", n_embd " + std::to_string(m.nEmbd) + ", block_size " +
                             std::to_string(m.blockSize) + ", vocab_size " + std::to_string(m.vocabSize) +
                             "), but the checkpoint holds only " + std::to_string(held) +
                             " weights: its metadata does not match its tensors");
    return c;
}

} // namespace tb::core
