// SPDX-License-Identifier: MIT
#include "core/io/model_export.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/io/safetensors.h"
#include "core/model/lora.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

namespace tb::core {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kConfigFile = "config.json";
constexpr const char* kAdapterFile = "adapter_model.safetensors";
constexpr const char* kAdapterConfigFile = "adapter_config.json";
constexpr const char* kPeftPrefix = "base_model.model.";
constexpr const char* kTargetsMeta = "tunebench.lora_targets";

/// One adapter of the model: the Linear's module path ("transformer.h.0.attn.c_attn"), its target name ("q") and
/// the adapter, in registration order (per layer: q, k, v, attn_out, mlp_in, mlp_out).
struct NamedAdapter {
    std::string modulePath;
    std::string target;
    std::shared_ptr<LoraImpl> adapter;
};

std::vector<NamedAdapter> adaptersOf(const Gpt& model)
{
    std::vector<NamedAdapter> out;
    const std::string marker = ".lora_";
    for (const auto& item : model->named_modules()) {
        auto adapter = std::dynamic_pointer_cast<LoraImpl>(item.value());
        if (!adapter)
            continue;
        const std::string& name = item.key();
        const auto cut = name.rfind(marker);
        out.push_back({name.substr(0, cut), name.substr(cut + marker.size()), adapter});
    }
    return out;
}

bool isQkv(const std::string& target) { return target == "q" || target == "k" || target == "v"; }

std::string exactNumber(double v)
{
    char buf[64];
    const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, p);
}

void writeJson(const fs::path& file, const Json& json) { writeFileAtomically(file, json.dump(2) + "\n"); }

Json readJson(const fs::path& file)
{
    const std::string text = readFile(file);
    try {
        return Json::parse(text);
    } catch (const Json::exception& e) { // parse_error, or out_of_range for a number such as 1e999999
        throw InputError(file.string(), "", std::string("is not valid JSON: ") + e.what());
    }
}

template <typename T>
T field(const Json& json, const std::string& key, const fs::path& file)
{
    const auto it = json.find(key);
    if (it == json.end())
        throw InputError(file.string(), key, "is missing");
    try {
        return it->get<T>();
    } catch (const Json::exception&) {
        throw InputError(file.string(), key, "has the wrong type: " + it->dump());
    }
}

template <typename T>
T fieldOr(const Json& json, const std::string& key, T fallback, const fs::path& file)
{
    return json.contains(key) && !json.at(key).is_null() ? field<T>(json, key, file) : fallback;
}

/// Every base weight (no adapter), with the LoRA updates added unless the model has merged them already.
std::map<std::string, torch::Tensor> mergedWeights(const Gpt& model)
{
    std::map<std::string, torch::Tensor> out;
    for (const auto& item : model->named_parameters())
        if (item.key().find(".lora_") == std::string::npos)
            out[item.key()] = item.value().detach().to(torch::kCPU, torch::kFloat).clone();
    torch::NoGradGuard noGrad;
    for (const auto& a : adaptersOf(model)) {
        if (a.adapter->merged())
            continue;
        auto& weight = out.at(a.modulePath + ".weight");
        const int64_t r0 = a.adapter->rowStart();
        weight.slice(0, r0, r0 + a.adapter->rows()).add_(a.adapter->weightDelta().to(torch::kCPU, torch::kFloat));
    }
    return out;
}

std::vector<fs::path> exportFull(const LoadedModel& loaded, const fs::path& outDir)
{
    const Gpt& model = loaded.model;
    const GptConfig& c = model->config();
    Json tokenizer = {{"kind", loaded.tokenizer ? loaded.tokenizer->kind() : loaded.config.tokenizer.kind}};
    if (loaded.tokenizer) {
        const std::string serialized = loaded.tokenizer->serialize();
        tokenizer["vocab_size"] = loaded.tokenizer->vocabSize();
        tokenizer["serialized"] = Json::accept(serialized) ? Json::parse(serialized) : Json(serialized);
    }
    Json config = {
        {"architectures", {"GPT"}},
        {"architecture", "nanogpt"},
        {"model_type", "tunebench-gpt"},
        {"n_layer", c.nLayer},
        {"n_head", c.nHead},
        {"n_embd", c.nEmbd},
        {"n_positions", c.blockSize},
        {"block_size", c.blockSize},
        {"vocab_size", c.vocabSize},
        {"bias", c.bias},
        {"dropout", c.dropout},
        {"activation_function", "gelu"},
        {"layer_norm_epsilon", 1e-5},
        {"tie_word_embeddings", true},
        {"torch_dtype", "float32"},
        {"num_virtual_tokens", model->numVirtualTokens()},
        {"tokenizer", tokenizer},
        {"tunebench",
         {{"format", kExportFormatTag},
          {"method", loaded.config.method},
          {"lora_merged", model->loraEnabled()},
          {"step", loaded.step},
          {"source", loaded.checkpoint.string()},
          {"init_from", loaded.config.initFrom}}},
    };
    if (model->hasScoreHead()) {
        // A reward model: the scalar head (score_head.weight) replaces the lm_head's role, as in Hugging Face's
        // sequence classifiers (one label, read at the last token).
        config["architectures"] = {"GPTForSequenceClassification"};
        config["num_labels"] = 1;
    }
    fs::create_directories(outDir);
    writeSafetensors(outDir / kModelFile, mergedWeights(model), {{"format", "pt"}});
    writeJson(outDir / kConfigFile, config);
    return {outDir / kModelFile, outDir / kConfigFile};
}

std::vector<fs::path> exportPeft(const LoadedModel& loaded, const fs::path& outDir)
{
    const Gpt& model = loaded.model;
    if (!model->loraEnabled())
        throw InputError(loaded.checkpoint.string(), "method",
                         "is '" + loaded.config.method +
                             "': only LoRA runs export as PEFT adapters (export the whole model with --format "
                             "safetensors)");
    if (model->hasScoreHead())
        throw InputError(loaded.checkpoint.string(), "method",
                         "is a reward model: its score head is no LoRA adapter and would be lost; export the whole "
                         "model with --format safetensors");
    const LoraConfig& lora = model->loraConfig();
    const int64_t r = lora.r;
    const int64_t c = model->config().nEmbd;

    // Group the adapters by the Linear they update, keeping the registration order.
    std::vector<std::string> modules;
    std::map<std::string, std::vector<NamedAdapter>> byModule;
    for (auto& a : adaptersOf(model)) {
        if (!byModule.count(a.modulePath))
            modules.push_back(a.modulePath);
        byModule[a.modulePath].push_back(a);
    }
    std::map<std::string, torch::Tensor> tensors;
    int64_t qkvCount = 0;
    torch::NoGradGuard noGrad;
    for (const auto& path : modules) {
        const auto& list = byModule.at(path);
        const std::string key = kPeftPrefix + path;
        if (!isQkv(list.front().target)) {
            tensors[key + ".lora_A.weight"] = list.front().adapter->A.detach().to(torch::kCPU, torch::kFloat);
            tensors[key + ".lora_B.weight"] = list.front().adapter->B.detach().to(torch::kCPU, torch::kFloat);
            continue;
        }
        // The fused c_attn: one adapter of rank m·r. A stacks the A's; B holds each B in its rows and columns, so
        // B·A = Σ (each slice's B·A placed at its rows), exactly.
        const int64_t m = int64_t(list.size());
        qkvCount = m;
        std::vector<torch::Tensor> as;
        auto b = torch::zeros({3 * c, m * r});
        for (int64_t j = 0; j < m; ++j) {
            const auto& adapter = *list[size_t(j)].adapter;
            as.push_back(adapter.A.detach().to(torch::kCPU, torch::kFloat));
            b.slice(0, adapter.rowStart(), adapter.rowStart() + adapter.rows())
                .slice(1, j * r, (j + 1) * r)
                .copy_(adapter.B.detach());
        }
        tensors[key + ".lora_A.weight"] = torch::cat(as, 0);
        tensors[key + ".lora_B.weight"] = b;
    }

    const auto has = [&lora](const char* t) {
        return std::find(lora.targets.begin(), lora.targets.end(), t) != lora.targets.end();
    };
    Json targetModules = Json::array();
    if (qkvCount > 0)
        targetModules.push_back("c_attn");
    // c_proj is the name of both attn.c_proj and mlp.c_proj: qualify it when only one of them is adapted.
    if (has("attn_out") && has("mlp_out"))
        targetModules.push_back("c_proj");
    else if (has("attn_out"))
        targetModules.push_back("attn.c_proj");
    if (has("mlp_in"))
        targetModules.push_back("c_fc");
    if (has("mlp_out") && !has("attn_out"))
        targetModules.push_back("mlp.c_proj");
    Json rankPattern = Json::object();
    Json alphaPattern = Json::object();
    if (qkvCount > 1) { // rank m·r with alpha m·alpha keeps the scale alpha / r exact
        rankPattern["c_attn"] = qkvCount * r;
        alphaPattern["c_attn"] = double(qkvCount) * lora.alpha;
    }
    std::string targets;
    for (const auto& t : loraTargetNames())
        if (has(t.c_str()))
            targets += (targets.empty() ? "" : ",") + t;
    const Json config = {
        {"peft_type", "LORA"},
        {"task_type", "CAUSAL_LM"},
        {"base_model_name_or_path", loaded.config.initFrom},
        {"r", r},
        {"lora_alpha", lora.alpha},
        {"lora_dropout", lora.dropout},
        {"target_modules", targetModules},
        {"rank_pattern", rankPattern},
        {"alpha_pattern", alphaPattern},
        {"bias", "none"},
        {"fan_in_fan_out", false},
        {"use_rslora", false},
        {"use_dora", false},
        {"init_lora_weights", true},
        {"inference_mode", true},
        {"modules_to_save", nullptr},
        {"layers_to_transform", nullptr},
        {"revision", nullptr},
    };
    fs::create_directories(outDir);
    writeSafetensors(outDir / kAdapterFile, tensors,
                     {{"format", "pt"},
                      {kTargetsMeta, targets},
                      {"tunebench.lora_r", std::to_string(r)},
                      {"tunebench.lora_alpha", exactNumber(lora.alpha)},
                      {"tunebench.format", kExportFormatTag}});
    writeJson(outDir / kAdapterConfigFile, config);
    return {outDir / kAdapterFile, outDir / kAdapterConfigFile};
}

LoadedModel importFull(const fs::path& dir)
{
    const fs::path configFile = dir / kConfigFile;
    const Json json = readJson(configFile);
    if (!json.is_object())
        throw InputError(configFile.string(), "", "must be a JSON object");
    const std::string architecture = fieldOr<std::string>(json, "architecture", "", configFile);
    if (architecture != "nanogpt")
        throw InputError(configFile.string(), "architecture",
                         "is '" + architecture + "': only TuneBench's nanogpt exports can be imported");
    LoadedModel out;
    GptConfig& c = out.config.model;
    c.nLayer = field<int64_t>(json, "n_layer", configFile);
    c.nHead = field<int64_t>(json, "n_head", configFile);
    c.nEmbd = field<int64_t>(json, "n_embd", configFile);
    c.blockSize = fieldOr<int64_t>(json, "block_size", field<int64_t>(json, "n_positions", configFile), configFile);
    c.vocabSize = field<int64_t>(json, "vocab_size", configFile);
    c.bias = field<bool>(json, "bias", configFile);
    c.dropout = fieldOr<double>(json, "dropout", 0.0, configFile);
    if (const auto problems = c.validate(); !problems.empty())
        throw InputError(configFile.string(), "", "describes an invalid model: " + problems.front());
    const int64_t virtualTokens = fieldOr<int64_t>(json, "num_virtual_tokens", 0, configFile);
    if (virtualTokens < 0 || virtualTokens >= c.blockSize)
        throw InputError(configFile.string(), "num_virtual_tokens", "must be in [0, block_size)");
    if (json.contains("tokenizer") && json.at("tokenizer").contains("serialized")) {
        const Json& serialized = json.at("tokenizer").at("serialized");
        try {
            out.tokenizer = loadTokenizer(serialized.is_string() ? serialized.get<std::string>() : serialized.dump());
        } catch (const std::exception& e) {
            throw InputError(configFile.string(), "tokenizer.serialized", std::string("is not a tokenizer: ") +
                                                                              e.what());
        }
        out.config.tokenizer.kind = out.tokenizer->kind();
    }
    if (json.contains("tunebench") && json.at("tunebench").is_object())
        out.step = fieldOr<int64_t>(json.at("tunebench"), "step", 0, configFile);

    const fs::path weightsFile = dir / kModelFile;
    const SafetensorsData data = readSafetensors(weightsFile);
    int64_t held = 0; // bounded by the file's size
    for (const auto& [name, t] : data.tensors)
        held += t.numel();
    if (c.parameterCount() > held) // before building it: a crafted n_layer would take any amount of memory
        throw InputError(configFile.string(), "",
                         "describes a model of " + std::to_string(c.parameterCount()) + " parameters, but " +
                             weightsFile.filename().string() + " holds only " + std::to_string(held) + " weights");
    out.model = Gpt(c);
    if (virtualTokens > 0) {
        out.model->enablePromptTuning(virtualTokens);
        out.config.method = "prompt_tuning";
        out.config.promptTuning.numVirtualTokens = virtualTokens;
    }
    if (data.tensors.count("score_head.weight")) { // a reward model's export
        out.model->enableScoreHead();
        out.config.method = "reward_model";
    }
    loadWeights(out.model, data.tensors, weightsFile);
    const auto params = out.model->named_parameters();
    for (const auto& [name, t] : data.tensors)
        if (!params.contains(name))
            throw InputError(weightsFile.string(), name, "is not a parameter of the model config.json describes");
    out.checkpoint = weightsFile;
    out.model->eval();
    return out;
}

bool isFullExport(const fs::path& dir)
{
    std::error_code ec;
    return fs::is_regular_file(dir / kConfigFile, ec) && fs::is_regular_file(dir / kModelFile, ec);
}

LoadedModel importPeft(const fs::path& dir, const fs::path& baseIn)
{
    const fs::path configFile = dir / kAdapterConfigFile;
    const fs::path weightsFile = dir / kAdapterFile;
    const Json json = readJson(configFile);
    if (!json.is_object())
        throw InputError(configFile.string(), "", "must be a JSON object");
    if (const auto type = field<std::string>(json, "peft_type", configFile); type != "LORA")
        throw InputError(configFile.string(), "peft_type", "is '" + type + "': only LORA adapters can be imported");
    if (fieldOr<bool>(json, "fan_in_fan_out", false, configFile))
        throw InputError(configFile.string(), "fan_in_fan_out", "is true: nanoGPT's Linear layers need false");
    if (const auto bias = fieldOr<std::string>(json, "bias", "none", configFile); bias != "none")
        throw InputError(configFile.string(), "bias", "is '" + bias + "': only adapters without biases (none)");
    LoraConfig lora;
    lora.r = field<int64_t>(json, "r", configFile);
    lora.alpha = field<double>(json, "lora_alpha", configFile);
    lora.dropout = fieldOr<double>(json, "lora_dropout", 0.0, configFile);

    const SafetensorsData data = readSafetensors(weightsFile);
    const auto targetsIt = data.metadata.find(kTargetsMeta);
    if (targetsIt == data.metadata.end())
        throw InputError(weightsFile.string(), std::string("__metadata__.") + kTargetsMeta,
                         "is missing: only adapters exported by TuneBench can be imported (it records how c_attn "
                         "splits into q, k and v)");
    lora.targets.clear();
    for (size_t start = 0; start <= targetsIt->second.size();) {
        const size_t comma = std::min(targetsIt->second.find(',', start), targetsIt->second.size());
        lora.targets.push_back(targetsIt->second.substr(start, comma - start));
        start = comma + 1;
    }

    fs::path basePath = baseIn;
    if (basePath.empty())
        basePath = fieldOr<std::string>(json, "base_model_name_or_path", "", configFile);
    if (basePath.empty())
        throw InputError(configFile.string(), "base_model_name_or_path",
                         "is empty: name the base model (its run directory, checkpoint or export)");
    LoadedModel out = isFullExport(basePath) ? importFull(basePath) : loadModel(basePath);
    if (out.model->loraEnabled() || out.model->numVirtualTokens() > 0)
        throw InputError(basePath.string(), "method",
                         "is '" + out.config.method + "': the base of a LoRA adapter must be a plain model");
    try {
        out.model->enableLora(lora);
    } catch (const Error& e) {
        throw InputError(configFile.string(), "", e.what());
    }

    const double scale = lora.alpha / double(lora.r);
    const int64_t c = out.model->config().nEmbd;
    std::set<std::string> used;
    const auto tensor = [&](const std::string& key, std::vector<int64_t> shape) {
        const auto it = data.tensors.find(key);
        if (it == data.tensors.end())
            throw InputError(weightsFile.string(), key, "is missing");
        if (it->second.sizes() != torch::IntArrayRef(shape))
            throw InputError(weightsFile.string(), key, "has the wrong shape for this base model");
        used.insert(key);
        return it->second.to(torch::kFloat);
    };
    std::vector<std::string> modules;
    std::map<std::string, std::vector<NamedAdapter>> byModule;
    for (auto& a : adaptersOf(out.model)) {
        if (!byModule.count(a.modulePath))
            modules.push_back(a.modulePath);
        byModule[a.modulePath].push_back(a);
    }
    const Json rankPattern = fieldOr<Json>(json, "rank_pattern", Json::object(), configFile);
    const Json alphaPattern = fieldOr<Json>(json, "alpha_pattern", Json::object(), configFile);
    torch::NoGradGuard noGrad;
    for (const auto& path : modules) {
        const auto& list = byModule.at(path);
        const std::string key = kPeftPrefix + path;
        const auto& first = *list.front().adapter;
        const int64_t in = first.A.size(1);
        if (!isQkv(list.front().target)) {
            first.A.copy_(tensor(key + ".lora_A.weight", {lora.r, in}));
            first.B.copy_(tensor(key + ".lora_B.weight", {first.rows(), lora.r}));
            continue;
        }
        const int64_t m = int64_t(list.size());
        const double rank = fieldOr<double>(rankPattern, "c_attn", double(lora.r), configFile);
        const double alpha = fieldOr<double>(alphaPattern, "c_attn", lora.alpha, configFile);
        if (std::abs(alpha / rank - scale) > 1e-12 * scale)
            throw InputError(configFile.string(), "alpha_pattern.c_attn",
                             "gives c_attn a scale alpha/r different from the other modules' " + exactNumber(scale));
        const auto a = tensor(key + ".lora_A.weight", {m * lora.r, c});
        auto b = tensor(key + ".lora_B.weight", {3 * c, m * lora.r}).clone();
        for (int64_t j = 0; j < m; ++j) {
            auto& adapter = *list[size_t(j)].adapter;
            auto block = b.slice(0, adapter.rowStart(), adapter.rowStart() + adapter.rows())
                             .slice(1, j * lora.r, (j + 1) * lora.r);
            adapter.A.copy_(a.slice(0, j * lora.r, (j + 1) * lora.r));
            adapter.B.copy_(block);
            block.zero_();
        }
        if (b.abs().max().item<double>() != 0.0)
            throw InputError(weightsFile.string(), key + ".lora_B.weight",
                             "has values outside the q/k/v blocks its metadata names; it cannot be split");
    }
    for (const auto& [key, t] : data.tensors)
        if (!used.count(key))
            throw InputError(weightsFile.string(), key, "is not a LoRA weight of the targets " + targetsIt->second);
    out.config.method = "lora";
    out.config.lora = lora;
    out.config.initFrom = basePath.string();
    out.checkpoint = weightsFile;
    out.model->eval();
    return out;
}

} // namespace

ExportFormat parseExportFormat(const std::string& name, const std::string& origin)
{
    if (name == "safetensors")
        return ExportFormat::Safetensors;
    if (name == "peft")
        return ExportFormat::Peft;
    throw InputError(origin, "format", "is '" + name + "' (expected safetensors or peft)");
}

std::vector<fs::path> exportLoadedModel(const LoadedModel& loaded, const fs::path& outDir, ExportFormat format,
                                        bool allowNonFinite)
{
    if (!allowNonFinite) {
        torch::NoGradGuard noGrad;
        for (const auto& item : loaded.model->named_parameters()) {
            const int64_t bad = (~torch::isfinite(item.value())).sum().item<int64_t>();
            if (bad > 0)
                throw InputError(loaded.checkpoint.string(), item.key(),
                                 "holds " + std::to_string(bad) +
                                     " NaN or infinite values: every tool that loads the export would compute "
                                     "garbage (pass --allow-non-finite to export it anyway)");
        }
    }
    return format == ExportFormat::Safetensors ? exportFull(loaded, outDir) : exportPeft(loaded, outDir);
}

std::vector<fs::path> exportModel(const fs::path& runDirOrCheckpoint, const fs::path& outDir, ExportFormat format,
                                  bool preferBest, bool allowNonFinite)
{
    std::error_code ec;
    if (fs::exists(outDir, ec) && !fs::is_directory(outDir, ec))
        throw InputError(outDir.string(), "--out", "exists and is not a directory");
    const LoadedModel loaded = loadModel(runDirOrCheckpoint, preferBest);
    return exportLoadedModel(loaded, outDir, format, allowNonFinite);
}

LoadedModel importModel(const fs::path& dir, const fs::path& base)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError(dir.string(), "", "is not a directory");
    if (fs::is_regular_file(dir / kAdapterConfigFile, ec))
        return importPeft(dir, base);
    if (isFullExport(dir))
        return importFull(dir);
    throw InputError(dir.string(), "",
                     "holds neither config.json + model.safetensors (a model) nor adapter_config.json + "
                     "adapter_model.safetensors (a LoRA adapter)");
}

bool isExportFolder(const std::filesystem::path& path)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec))
        return false;
    return std::filesystem::exists(path / "adapter_config.json", ec) ||
           (std::filesystem::exists(path / "config.json", ec) && std::filesystem::exists(path / "model.safetensors", ec));
}

LoadedModel loadModelOrExport(const std::filesystem::path& path, bool preferBest)
{
    return isExportFolder(path) ? importModel(path) : loadModel(path, preferBest);
}

} // namespace tb::core
