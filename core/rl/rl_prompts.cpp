// SPDX-License-Identifier: MIT
#include "core/rl/rl_prompts.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/data/formats/dataset_reader.h"
#include "core/train/finetune.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <sstream>

namespace tb::core::rl {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// One prompt before rendering: its turns (the user's and system's), and whether it is a plain string.
struct RawPrompt {
    std::vector<Turn> turns;
    bool plain = false;
    int64_t line = 0;
};

bool isPromptListRecord(const json& j)
{
    return j.is_object() && j.contains("prompt") && j["prompt"].is_string() && !j.contains("completion") &&
           !j.contains("chosen") && !j.contains("rejected") && !j.contains("label");
}

/// A .txt file (one prompt a line) or JSONL of {"prompt": ...}; nothing when the file is neither (the dataset
/// loader reads it then).
std::optional<std::vector<RawPrompt>> readPromptList(const RunConfig& config, const std::string& text)
{
    const std::string& file = config.data.train;
    const std::string ext = fs::path(file).extension().string();
    const bool txt = ext == ".txt" && (config.data.format.empty() || config.data.format == "text");
    bool jsonl = false;
    if (!txt && config.data.format.empty()) {
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line))
            if (line.find_first_not_of(" \t\r") != std::string::npos) {
                const json j = json::parse(line, nullptr, false);
                jsonl = !j.is_discarded() && isPromptListRecord(j);
                break;
            }
    }
    if (!txt && !jsonl)
        return std::nullopt;
    std::vector<RawPrompt> out;
    std::istringstream in(text);
    std::string line;
    for (int64_t n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos)
            continue;
        if (txt) {
            out.push_back({{Turn{Role::User, line}}, false, n});
            continue;
        }
        const json j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            throw InputError(file, "data.train", "is not a JSON object (a prompt list has {\"prompt\": \"...\"} lines)",
                             n);
        if (!j.contains("prompt") || !j["prompt"].is_string())
            throw InputError(file, "data.train", "has no \"prompt\" string (a prompt list has {\"prompt\": \"...\"} lines)",
                             n);
        out.push_back({{Turn{Role::User, j["prompt"].get<std::string>()}}, false, n});
    }
    return out;
}

/// The prompt turns of a dataset record: a conversation's turns before its last assistant turn, the prompt of a
/// preference or KTO record, a document as one user turn.
RawPrompt promptOf(const DatasetRecord& r, const std::string& file)
{
    RawPrompt p;
    p.plain = r.plain;
    p.line = r.line;
    switch (r.kind) {
    case RecordKind::Document: p.turns = {Turn{Role::User, r.text}}; break;
    case RecordKind::Conversation: {
        auto end = r.turns.end();
        for (auto it = r.turns.begin(); it != r.turns.end(); ++it)
            if (it->role == Role::Assistant)
                end = it;
        p.turns.assign(r.turns.begin(), end);
        break;
    }
    case RecordKind::Preference:
    case RecordKind::Labelled: p.turns = r.turns; break;
    }
    const bool empty = std::all_of(p.turns.begin(), p.turns.end(), [](const Turn& t) {
        return t.content.find_first_not_of(" \t\n") == std::string::npos;
    });
    if (p.turns.empty() || empty)
        throw InputError(file, "data.train",
                         "record " + std::to_string(r.index) + " has no prompt: an RL run answers prompts, so every "
                         "record needs one (a user turn before the answer, a \"prompt\" field, or a line of text)",
                         r.line);
    return p;
}

std::string joinedText(const std::vector<Turn>& turns)
{
    std::string out;
    for (const Turn& t : turns) {
        if (t.role == Role::Assistant)
            continue;
        if (!out.empty())
            out += "\n";
        out += t.content;
    }
    return out;
}

/// The prompt as the policy sees it: the turns in the template followed by the assistant's prefix, or raw text.
std::string rendered(const RawPrompt& p, const ChatTemplate& chatTemplate, bool chat)
{
    if (!chat || p.plain)
        return joinedText(p.turns);
    std::string out;
    for (const Turn& t : p.turns) {
        const RoleFormat& f = chatTemplate.format(t.role);
        out += f.prefix + t.content + f.suffix;
    }
    return out + chatTemplate.format(Role::Assistant).prefix;
}

} // namespace

RlPrompts loadRlPrompts(const RunConfig& config, const Tokenizer& tokenizer, bool chat)
{
    RlPrompts out;
    const std::string& file = config.data.train;
    const std::string bytes = readFile(file);
    out.hash = hashHex(bytes);
    out.chat = chat;
    out.chatTemplate = ChatTemplate::parse(config.sft.chatTemplate);
    const auto replacements = parseReplacements(config.data.replace);
    std::vector<RawPrompt> raw;
    if (auto list = readPromptList(config, bytes)) {
        raw = std::move(*list);
    } else {
        Dataset dataset = loadTrainingDataset(config);
        for (const DatasetRecord& record : dataset.records)
            raw.push_back(promptOf(record, file));
    }
    if (raw.empty())
        throw InputError(file, "data.train", "holds no prompts: an RL run needs prompts to answer");
    std::vector<RlPrompt> kept;
    for (RawPrompt& p : raw) {
        for (Turn& t : p.turns)
            t.content = applyReplacements(t.content, replacements);
        RlPrompt prompt{joinedText(p.turns), {}};
        try {
            prompt.ids = tokenizer.encode(rendered(p, out.chatTemplate, chat));
        } catch (const InputError& e) {
            throw InputError(file, "data.train", "a prompt cannot be encoded: " + e.message(), p.line);
        }
        if (prompt.ids.empty())
            throw InputError(file, "data.train", "a prompt encodes to no tokens", p.line);
        const bool unknown = std::any_of(prompt.ids.begin(), prompt.ids.end(), [&](TokenId id) {
            return tokenizer.pieceKind(id) == PieceKind::Unknown;
        });
        if (unknown) {
            ++out.promptsWithUnknown;
            if (config.sft.skipUnspellable)
                continue;
        }
        kept.push_back(std::move(prompt));
    }
    out.promptsSkipped = config.sft.skipUnspellable ? out.promptsWithUnknown : 0;
    const std::vector<bool> held = heldOutExamples(config, static_cast<int64_t>(kept.size()),
                                                   static_cast<int64_t>(raw.size()), "prompt(s)", config.method);
    for (size_t i = 0; i < kept.size(); ++i)
        (held[i] ? out.val : out.train).push_back(std::move(kept[i]));
    return out;
}

} // namespace tb::core::rl
