// SPDX-License-Identifier: MIT
// Export and import of trained models without pickle (docs/fine-tuning-export.md):
// - safetensors: `model.safetensors` (every weight under our nanoGPT names, LoRA merged into the base) and
//   `config.json` (GPT-2-like shape fields, the tokenizer, where the weights came from);
// - peft (LoRA runs only): `adapter_config.json` and `adapter_model.safetensors` in PEFT's layout, keys
//   `base_model.model.<module path>.lora_A.weight` / `.lora_B.weight`; the q/k/v adapters of the fused c_attn
//   become one c_attn adapter of rank (number of q/k/v targets)·r with per-module rank_pattern / alpha_pattern.
// importModel() reads either back into a model with the same logits. Any thread (pure functions on files).
#pragma once

#include "core/store/model_loader.h"

#include <filesystem>
#include <string>
#include <vector>

namespace tb::core {

enum class ExportFormat { Safetensors, Peft };

inline constexpr const char* kExportFormatTag = "tunebench.export/1";

/// "safetensors" or "peft"; throws InputError naming `origin` and the field otherwise.
ExportFormat parseExportFormat(const std::string& name, const std::string& origin = "--format");

/// Writes the export of a run directory (its best checkpoint if `preferBest` and one exists, else its latest) or a
/// checkpoint file into `outDir` (created if needed; the export's own files are replaced atomically). Returns the
/// files written. Throws InputError for a missing or foreign source, a peft export of a run that is not LoRA, or
/// (unless `allowNonFinite`) weights holding NaN or infinite values, naming the checkpoint and the parameter.
std::vector<std::filesystem::path> exportModel(const std::filesystem::path& runDirOrCheckpoint,
                                               const std::filesystem::path& outDir, ExportFormat format,
                                               bool preferBest = true, bool allowNonFinite = false);

/// The same for a model already loaded (as loadModel() returns it). `loaded.model` is not modified.
std::vector<std::filesystem::path> exportLoadedModel(const LoadedModel& loaded, const std::filesystem::path& outDir,
                                                     ExportFormat format, bool allowNonFinite = false);

/// Reads an export back. `dir` holds either config.json + model.safetensors (a full model) or adapter_config.json +
/// adapter_model.safetensors (a LoRA adapter written by exportModel); an adapter is applied to `base` (a run
/// directory, checkpoint or full-model export), or when `base` is empty to the adapter's base_model_name_or_path.
/// The model is in eval mode. Throws InputError naming the file and field for anything missing or inconsistent.
LoadedModel importModel(const std::filesystem::path& dir, const std::filesystem::path& base = {});

/// True when `path` is a folder holding an export (config.json + model.safetensors, or adapter_config.json).
bool isExportFolder(const std::filesystem::path& path);

/// What `sample` and `compare` load: an export folder through importModel() (an adapter on the base it names),
/// anything else through loadModel().
LoadedModel loadModelOrExport(const std::filesystem::path& path, bool preferBest = true);

} // namespace tb::core
