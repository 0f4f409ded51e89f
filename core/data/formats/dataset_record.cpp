// SPDX-License-Identifier: MIT
#include "core/data/formats/dataset_record.h"

namespace tb::core {

std::string_view roleName(Role role)
{
    switch (role) {
    case Role::System: return "system";
    case Role::User: return "user";
    case Role::Assistant: return "assistant";
    case Role::Tool: return "tool";
    }
    return "user";
}

std::string_view recordKindName(RecordKind kind)
{
    switch (kind) {
    case RecordKind::Document: return "document";
    case RecordKind::Conversation: return "conversation";
    case RecordKind::Preference: return "preference";
    case RecordKind::Labelled: return "labelled";
    }
    return "document";
}

bool DatasetRecord::sameContent(const DatasetRecord& other) const
{
    return kind == other.kind && text == other.text && turns == other.turns && chosen == other.chosen &&
           rejected == other.rejected && completion == other.completion && label == other.label &&
           plain == other.plain;
}

namespace {

void appendTurns(std::string& out, const std::vector<Turn>& turns)
{
    for (const Turn& turn : turns) {
        if (!out.empty())
            out.push_back('\n');
        out += turn.content;
    }
}

} // namespace

std::string recordText(const DatasetRecord& record)
{
    std::string out = record.text;
    appendTurns(out, record.turns);
    appendTurns(out, record.chosen);
    appendTurns(out, record.rejected);
    appendTurns(out, record.completion);
    return out;
}

} // namespace tb::core
