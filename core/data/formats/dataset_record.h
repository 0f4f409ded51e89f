// SPDX-License-Identifier: MIT
// The one internal form every dataset format is read into: plain documents, conversations, preference pairs and
// unpaired labelled completions (KTO), made of turns with a role and text content. Plain value types; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tb::core {

enum class Role { System, User, Assistant, Tool };

/// "system", "user", "assistant", "tool".
std::string_view roleName(Role role);

struct Turn {
    Role role = Role::User;
    std::string content; // UTF-8, CRLF normalised to LF

    bool operator==(const Turn&) const = default;
};

enum class RecordKind {
    Document,     // text: a plain document (pretraining)
    Conversation, // turns: system/user/assistant/tool turns (SFT)
    Preference,   // turns: the shared prompt; chosen / rejected: the two continuations (DPO, ORPO...)
    Labelled,     // turns: the prompt; completion: the answer; label: desirable or not (KTO)
};

/// "document", "conversation", "preference", "labelled".
std::string_view recordKindName(RecordKind kind);

/// One record. Which fields are used depends on `kind` (see RecordKind). Sources without roles (TRL's plain
/// string prompt/completion, implicit string preference pairs) set `plain`: the prompt is then one User turn and
/// each answer one Assistant turn, and a template should join them as raw text without role markers.
struct DatasetRecord {
    RecordKind kind = RecordKind::Document;
    std::string text;             // Document
    std::vector<Turn> turns;      // Conversation: every turn; Preference / Labelled: the prompt turns
    std::vector<Turn> chosen;     // Preference
    std::vector<Turn> rejected;   // Preference
    std::vector<Turn> completion; // Labelled
    bool label = false;           // Labelled: true = desirable
    bool plain = false;           // plain strings, no roles in the source
    int64_t index = 0;            // 0-based record index in the file (JSON array element, JSONL line, CSV row)
    int64_t line = 0;             // 1-based line where the record starts

    /// Same content (kind, text, turns, label, plain); index and line are ignored.
    bool sameContent(const DatasetRecord& other) const;
};

/// All the record's text in reading order (contents joined with "\n"); for a preference pair the prompt, the
/// chosen then the rejected answer. Used by the duplicate, overlap and length checks.
std::string recordText(const DatasetRecord& record);

} // namespace tb::core
