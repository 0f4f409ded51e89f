// SPDX-License-Identifier: MIT
// A saved comparison (the Compare panel's session): the models (run directories or checkpoints, with labels), the
// prompts, the sampling settings and each model's output for each prompt. Saved as JSON (atomically), reopened with
// every bad field reported as an InputError naming the file, line and field, and exported as Markdown or HTML
// (escaped). Torch-free, pure value types and functions; any thread.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tb::core {

/// How the models of one comparison get their random numbers.
enum class SeedMode {
    LockStep,    // every model gets the same seed: the same random stream, so differences come from the models
    Independent, // model i gets seed + i
};

struct CompareSettings {
    SeedMode seedMode = SeedMode::LockStep;
    double temperature = 0.8;
    int64_t topK = 0;            // 0 keeps every token
    double topP = 1.0;           // 1 keeps every token
    int64_t maxNewTokens = 200;
    double repetitionPenalty = 1.0;
    bool greedy = false;
    uint64_t seed = 1337;
    bool chatTemplate = false;   // wrap the prompt in a fine-tuned run's chat template
    bool operator==(const CompareSettings&) const = default;
};

/// The seed that model `modelIndex` samples with.
uint64_t compareSeed(const CompareSettings& settings, size_t modelIndex);

/// An empty string if the settings are valid, else what is wrong (naming the setting).
std::string validateCompareSettings(const CompareSettings& settings);

struct CompareModel {
    std::string path;                // a run directory or a checkpoint file
    std::string label;               // shown as the column's title
    std::string checkpoint = "best"; // for a run directory: "best" (else latest) or "latest"
    bool operator==(const CompareModel&) const = default;
};

/// One model's continuation of one prompt.
struct CompareOutput {
    std::string text;
    std::vector<TokenId> tokens;
    double tokensPerSecond = 0.0;    // generation only
    bool stopped = false;            // the user stopped it before max new tokens
    bool operator==(const CompareOutput&) const = default;
};

struct ComparePrompt {
    std::string prompt;
    std::vector<CompareOutput> outputs; // one per model, in model order; empty before the prompt was generated
    bool operator==(const ComparePrompt&) const = default;
};

struct CompareSession {
    std::vector<CompareModel> models; // 1 to kMaxCompareModels
    CompareSettings settings;
    std::vector<ComparePrompt> prompts;
    bool operator==(const CompareSession&) const = default;
};

inline constexpr size_t kMaxCompareModels = 4;

/// The session as JSON text (format "tunebench-compare", version 1), pretty-printed.
std::string compareSessionJson(const CompareSession& session);
/// Parses what compareSessionJson() writes; `origin` names the file in errors. Throws InputError naming the field
/// (e.g. "prompts[0].outputs[1].tokens") and, for syntax errors, the line.
CompareSession parseCompareSession(const std::string& text, const std::string& origin);
/// Atomic write (core/common/atomic_file.h). Throws Error on I/O failure.
void saveCompareSession(const CompareSession& session, const std::filesystem::path& file);
/// Throws InputError for an unreadable or bad file.
CompareSession loadCompareSession(const std::filesystem::path& file);

/// A Markdown document: the models, the settings, then per prompt each model's output in a fenced block (the fence is
/// longer than any backtick run in the text, so no output can break out of it).
std::string compareSessionMarkdown(const CompareSession& session);
/// A standalone HTML page with the outputs side by side in a table; every text is HTML-escaped.
std::string compareSessionHtml(const CompareSession& session);

/// &, <, >, " and ' as entities.
std::string escapeHtml(const std::string& text);

} // namespace tb::core
