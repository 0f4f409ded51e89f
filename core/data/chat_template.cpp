// SPDX-License-Identifier: MIT
#include "core/data/chat_template.h"

#include "core/common/error.h"

#include <optional>

namespace tb::core {

namespace {

constexpr const char* kBuiltinTemplate =
    "[[system]]System: {content}\\n[[user]]User: {content}\\n[[assistant]]Assistant: {content}\\n";
constexpr std::string_view kContent = "{content}";

size_t roleIndex(Role role) { return static_cast<size_t>(role); }

std::optional<Role> sectionRole(std::string_view name)
{
    for (Role r : {Role::System, Role::User, Role::Assistant, Role::Tool})
        if (name == roleName(r))
            return r;
    return std::nullopt;
}

/// Decodes the escapes of one section's text and drops layout line breaks. `{content}` is kept as a marker
/// ('\0' can never appear in UTF-8 text from a dataset, so it stands for the slot).
std::string decodeSection(std::string_view raw, const std::string& origin, const std::string& field,
                          std::string_view section)
{
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        const char ch = raw[i];
        if (ch == '\n' || ch == '\r')
            continue;
        if (raw.substr(i, kContent.size()) == kContent) {
            out += '\0';
            i += kContent.size() - 1;
            continue;
        }
        if (ch != '\\') {
            out += ch;
            continue;
        }
        if (i + 1 == raw.size())
            throw InputError(origin, field, "section [[" + std::string(section) + "]] ends with a lone backslash");
        switch (const char e = raw[++i]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case '\\':
        case '{':
        case '[': out += e; break;
        default:
            throw InputError(origin, field,
                             "section [[" + std::string(section) + "]] has an unknown escape \\" + std::string(1, e) +
                                 " (known: \\n, \\t, \\\\, \\{, \\[)");
        }
    }
    return out;
}

} // namespace

ChatTemplate ChatTemplate::builtin() { return parse(kBuiltinTemplate); }

ChatTemplate ChatTemplate::parse(const std::string& textIn, const std::string& origin, const std::string& field)
{
    const std::string text = textIn.empty() ? std::string(kBuiltinTemplate) : textIn;
    ChatTemplate t;
    t.m_text = text;
    std::array<bool, 4> seen{};
    size_t pos = 0;
    // Skip leading layout line breaks; anything else before the first section is a mistake.
    while (pos < text.size() && (text[pos] == '\n' || text[pos] == '\r' || text[pos] == ' '))
        ++pos;
    if (text.compare(pos, 2, "[[") != 0)
        throw InputError(origin, field,
                         "must start with a section such as [[user]] (sections: [[system]], [[user]], [[assistant]], "
                         "[[tool]]; see docs/fine-tuning.md)");
    while (pos < text.size()) {
        const size_t close = text.find("]]", pos + 2);
        if (close == std::string::npos)
            throw InputError(origin, field, "has a section header without its closing ]]");
        const std::string name = text.substr(pos + 2, close - pos - 2);
        const auto role = sectionRole(name);
        if (!role)
            throw InputError(origin, field,
                             "has an unknown section [[" + name + "]] (known: system, user, assistant, tool)");
        if (seen[roleIndex(*role)])
            throw InputError(origin, field, "has the section [[" + name + "]] twice");
        seen[roleIndex(*role)] = true;
        // The section runs to the next unescaped "[[" (an escaped one is "\[").
        size_t end = close + 2;
        while (end < text.size()) {
            if (text[end] == '\\') {
                end += 2;
                continue;
            }
            if (text.compare(end, 2, "[[") == 0)
                break;
            ++end;
        }
        end = std::min(end, text.size());
        const std::string body = decodeSection(std::string_view(text).substr(close + 2, end - close - 2), origin,
                                               field, name);
        const size_t slot = body.find('\0');
        if (slot == std::string::npos)
            throw InputError(origin, field, "section [[" + name + "]] has no {content} slot for the turn's text");
        if (body.find('\0', slot + 1) != std::string::npos)
            throw InputError(origin, field, "section [[" + name + "]] has {content} more than once");
        t.m_formats[roleIndex(*role)] = {body.substr(0, slot), body.substr(slot + 1)};
        pos = end;
    }
    if (!seen[roleIndex(Role::Assistant)])
        throw InputError(origin, field,
                         "has no [[assistant]] section: the model needs to know where its answer goes");
    if (!seen[roleIndex(Role::User)])
        throw InputError(origin, field, "has no [[user]] section");
    for (Role r : {Role::System, Role::Tool})
        if (!seen[roleIndex(r)])
            t.m_formats[roleIndex(r)] = t.m_formats[roleIndex(Role::User)];
    return t;
}

const RoleFormat& ChatTemplate::format(Role role) const { return m_formats[roleIndex(role)]; }

std::string ChatTemplate::promptFor(const std::string& userText) const
{
    const RoleFormat& u = format(Role::User);
    return u.prefix + userText + u.suffix + format(Role::Assistant).prefix;
}

std::string ChatTemplate::answerEnd() const
{
    const std::string& suffix = format(Role::Assistant).suffix;
    const size_t nl = suffix.find('\n');
    return nl == std::string::npos ? suffix : suffix.substr(0, nl + 1);
}

LossOn parseLossOn(const std::string& text)
{
    if (text == "completion")
        return LossOn::Completion;
    if (text == "all")
        return LossOn::All;
    throw InputError("config", "sft.loss_on", "'" + text + "' is unknown (expected completion or all)");
}

RenderedExample renderRecord(const DatasetRecord& record, const ChatTemplate& chatTemplate, LossOn lossOn,
                             const std::string& file)
{
    RenderedExample out;
    auto append = [&](const std::string& s, bool counted) {
        out.text += s;
        out.lossMask.insert(out.lossMask.end(), s.size(), counted || lossOn == LossOn::All ? 1 : 0);
    };
    switch (record.kind) {
    case RecordKind::Document:
        append(record.text, true);
        return out;
    case RecordKind::Preference:
    case RecordKind::Labelled:
        throw InputError(file, "data.train",
                         "record " + std::to_string(record.index) + " is a " +
                             std::string(recordKindName(record.kind)) +
                             " record (chosen/rejected or labelled answers); supervised fine-tuning needs "
                             "conversations or prompt/completion pairs",
                         record.line);
    case RecordKind::Conversation: break;
    }
    bool hasAssistant = false;
    for (const Turn& turn : record.turns) {
        const bool assistant = turn.role == Role::Assistant;
        hasAssistant = hasAssistant || assistant;
        if (record.plain) {
            append(turn.content, assistant);
            continue;
        }
        const RoleFormat& f = chatTemplate.format(turn.role);
        append(f.prefix, false);
        append(turn.content, assistant);
        append(f.suffix, assistant);
    }
    if (!hasAssistant)
        throw InputError(file, "data.train",
                         "record " + std::to_string(record.index) +
                             " has no assistant turn or completion: there is nothing to learn from it",
                         record.line);
    return out;
}

std::vector<Replacement> parseReplacements(const std::vector<std::string>& items, const std::string& origin)
{
    std::vector<Replacement> out;
    for (const auto& item : items) {
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw InputError(origin, "data.replace",
                             "item '" + item + "' must look like placeholder=text, e.g. {{name}}=TuneBench");
        out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    return out;
}

std::string applyReplacements(std::string text, const std::vector<Replacement>& replacements)
{
    for (const auto& [from, to] : replacements)
        for (size_t i = 0; (i = text.find(from, i)) != std::string::npos; i += to.size())
            text.replace(i, from.size(), to);
    return text;
}

void applyReplacements(DatasetRecord& record, const std::vector<Replacement>& replacements)
{
    if (replacements.empty())
        return;
    record.text = applyReplacements(std::move(record.text), replacements);
    for (auto* turns : {&record.turns, &record.chosen, &record.rejected, &record.completion})
        for (Turn& t : *turns)
            t.content = applyReplacements(std::move(t.content), replacements);
}

} // namespace tb::core
