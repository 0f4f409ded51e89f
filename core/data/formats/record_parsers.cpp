// SPDX-License-Identifier: MIT
#include "core/data/corpus.h"
#include "core/data/formats/record_parsers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace tb::core::detail {
namespace {

using nlohmann::json;

constexpr const char* kWrongType = "wrong type";
constexpr const char* kMissing = "missing field";
constexpr const char* kEmpty = "empty string";
constexpr const char* kUnknownRole = "unknown role";
constexpr const char* kBadConversation = "bad conversation";
constexpr const char* kPromptsDisagree = "prompts disagree";
constexpr const char* kIdentical = "identical pair";

[[noreturn]] void fail(const std::string& field, const std::string& message, const char* reason)
{
    throw RecordError{field, message, reason};
}

bool isBlank(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

/// Reads record[key] for a field the format requires; `expected` is "a string", "a list of turns"...
const json& require(const json& record, const std::string& key, const std::string& expected)
{
    const auto it = record.find(key);
    if (it == record.end())
        fail(key, "missing; expected " + expected, kMissing);
    return *it;
}

const json* optional(const json& record, const std::string& key)
{
    const auto it = record.find(key);
    return it == record.end() || it->is_null() ? nullptr : &*it;
}

std::string stringValue(const json& value, const std::string& field, bool allowEmpty)
{
    if (!value.is_string())
        fail(field, "expected a string, got " + describeJsonType(value), kWrongType);
    std::string text = normaliseNewlines(value.get<std::string>());
    if (!allowEmpty && isBlank(text))
        fail(field, std::string("expected a non-empty string, got ") + (text.empty() ? "an empty one" : "only whitespace"),
             kEmpty);
    return text;
}

std::string lower(std::string text)
{
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// ---- turns -----------------------------------------------------------------------------------------------------

std::optional<Role> shareGptRole(const std::string& from)
{
    const std::string f = lower(from);
    if (f == "human" || f == "user")
        return Role::User;
    if (f == "gpt" || f == "assistant" || f == "chatgpt" || f == "bard" || f == "bing" || f == "model" ||
        f == "function_call")
        return Role::Assistant;
    if (f == "system")
        return Role::System;
    if (f == "observation" || f == "tool")
        return Role::Tool;
    return std::nullopt;
}

std::optional<Role> messageRole(const std::string& role)
{
    const std::string r = lower(role);
    if (r == "user")
        return Role::User;
    if (r == "assistant" || r == "model")
        return Role::Assistant;
    if (r == "system" || r == "developer")
        return Role::System;
    if (r == "tool" || r == "function")
        return Role::Tool;
    return std::nullopt;
}

/// One ShareGPT turn {from, value}.
Turn shareGptTurn(const json& item, const std::string& path)
{
    if (!item.is_object())
        fail(path, "expected a turn object like {\"from\": \"human\", \"value\": \"...\"}, got " + describeJsonType(item),
             kWrongType);
    const json& from = require(item, "from", "a role such as \"human\" or \"gpt\"");
    if (!from.is_string())
        fail(path + ".from", "expected a string, got " + describeJsonType(from), kWrongType);
    const auto role = shareGptRole(from.get<std::string>());
    if (!role)
        fail(path + ".from",
             "expected one of human, gpt, system, observation, function_call; got \"" + from.get<std::string>() + "\"",
             kUnknownRole);
    const auto it = item.find("value");
    if (it == item.end())
        fail(path + ".value", "missing; expected a string", kMissing);
    return Turn{*role, stringValue(*it, path + ".value", false)};
}

/// Content of an OpenAI message: a string or a list of typed parts; text parts are joined with "\n".
std::string messageContent(const json& content, const std::string& path)
{
    if (content.is_string())
        return stringValue(content, path, false);
    if (!content.is_array())
        fail(path, "expected a string or a list of parts like {\"type\": \"text\", \"text\": \"...\"}, got " +
                       describeJsonType(content),
             kWrongType);
    if (content.empty())
        fail(path, "expected a string or a non-empty list of text parts, got an empty list", kEmpty);
    std::string text;
    for (size_t i = 0; i < content.size(); ++i) {
        const std::string partPath = path + "[" + std::to_string(i) + "]";
        const json& part = content[i];
        if (!part.is_object())
            fail(partPath, "expected a part object like {\"type\": \"text\", \"text\": \"...\"}, got " +
                               describeJsonType(part),
                 kWrongType);
        const auto type = part.find("type");
        if (type == part.end() || !type->is_string())
            fail(partPath + ".type", "expected \"text\"", type == part.end() ? kMissing : kWrongType);
        if (type->get<std::string>() != "text")
            fail(partPath + ".type",
                 "only text parts are supported, got \"" + type->get<std::string>() + "\"", kWrongType);
        // OpenAI's parts hold "text"; LLaMA-Factory's newer layout writes {"type": "text", "value": "..."}.
        const char* key = part.contains("text") || !part.contains("value") ? "text" : "value";
        const auto value = part.find(key);
        if (value == part.end())
            fail(partPath + ".text", "missing; expected a string (or \"value\")", kMissing);
        if (!text.empty())
            text.push_back('\n');
        text += stringValue(*value, partPath + "." + key, false);
    }
    return text;
}

Turn messageTurn(const json& item, const std::string& path)
{
    if (!item.is_object())
        fail(path, "expected a message object like {\"role\": \"user\", \"content\": \"...\"}, got " +
                       describeJsonType(item),
             kWrongType);
    const auto role = item.find("role");
    if (role == item.end())
        fail(path + ".role", "missing; expected one of system, user, assistant, tool", kMissing);
    if (!role->is_string())
        fail(path + ".role", "expected a string, got " + describeJsonType(*role), kWrongType);
    const auto mapped = messageRole(role->get<std::string>());
    if (!mapped)
        fail(path + ".role",
             "expected one of system, user, assistant, tool; got \"" + role->get<std::string>() + "\"", kUnknownRole);
    const auto content = item.find("content");
    if (content == item.end())
        fail(path + ".content", "missing; expected a string", kMissing);
    return Turn{*mapped, messageContent(*content, path + ".content")};
}

enum class TurnStyle { ShareGpt, Messages };

std::vector<Turn> turnList(const json& value, const std::string& path, TurnStyle style)
{
    const char* example = style == TurnStyle::ShareGpt ? "[{\"from\": \"human\", \"value\": \"...\"}, ...]"
                                                       : "[{\"role\": \"user\", \"content\": \"...\"}, ...]";
    if (!value.is_array())
        fail(path, std::string("expected a list of turns like ") + example + ", got " + describeJsonType(value),
             kWrongType);
    if (value.empty())
        fail(path, "expected at least one turn, got an empty list", kEmpty);
    std::vector<Turn> turns;
    turns.reserve(value.size());
    for (size_t i = 0; i < value.size(); ++i) {
        const std::string itemPath = path + "[" + std::to_string(i) + "]";
        turns.push_back(style == TurnStyle::ShareGpt ? shareGptTurn(value[i], itemPath) : messageTurn(value[i], itemPath));
    }
    return turns;
}

std::string turnField(const std::string& path, size_t index, TurnStyle style)
{
    return path + "[" + std::to_string(index) + "]" + (style == TurnStyle::ShareGpt ? ".from" : ".role");
}

/// A conversation for SFT: a system turn only first, and at least one assistant turn to learn from.
void checkConversation(const std::vector<Turn>& turns, const std::string& path, TurnStyle style, bool needAssistant)
{
    for (size_t i = 1; i < turns.size(); ++i)
        if (turns[i].role == Role::System)
            fail(turnField(path, i, style), "a system turn may only come first", kBadConversation);
    if (needAssistant &&
        std::none_of(turns.begin(), turns.end(), [](const Turn& t) { return t.role == Role::Assistant; }))
        fail(path, "has no assistant turn; expected at least one answer to learn from", kBadConversation);
}

/// An optional top-level "system" string, put first.
void addSystem(std::vector<Turn>& turns, const json& record, const FieldNames& names)
{
    const std::string key = names.key("system");
    if (const json* system = optional(record, key)) {
        std::string text = stringValue(*system, key, true);
        if (!isBlank(text)) {
            if (!turns.empty() && turns.front().role == Role::System)
                fail(key, "given both as a key and as the first turn", kBadConversation);
            turns.insert(turns.begin(), Turn{Role::System, std::move(text)});
        }
    }
}

// ---- formats ---------------------------------------------------------------------------------------------------

DatasetRecord parseJsonlText(const json& record, const FieldNames& names)
{
    const std::string key = names.key("text");
    DatasetRecord out;
    out.kind = RecordKind::Document;
    out.text = stringValue(require(record, key, "a string"), key, false);
    return out;
}

DatasetRecord parseAlpaca(const json& record, const FieldNames& names)
{
    const std::string instructionKey = names.key("instruction");
    const std::string inputKey = names.key("input");
    const std::string outputKey = names.key("output");
    const std::string historyKey = names.key("history");
    std::string instruction = stringValue(require(record, instructionKey, "a string"), instructionKey, true);
    std::string input;
    if (const json* value = optional(record, inputKey))
        input = stringValue(*value, inputKey, true);
    std::string output = stringValue(require(record, outputKey, "a string"), outputKey, false);
    if (isBlank(instruction) && isBlank(input))
        fail(instructionKey, "expected a non-empty string (or a non-empty \"" + inputKey + "\"), got " +
                                 (instruction.empty() ? "an empty one" : "only whitespace"),
             kEmpty);

    DatasetRecord out;
    out.kind = RecordKind::Conversation;
    if (const json* history = optional(record, historyKey)) {
        if (!history->is_array())
            fail(historyKey, "expected a list of [instruction, answer] pairs, got " + describeJsonType(*history),
                 kWrongType);
        for (size_t i = 0; i < history->size(); ++i) {
            const std::string path = historyKey + "[" + std::to_string(i) + "]";
            const json& pair = (*history)[i];
            if (!pair.is_array() || pair.size() != 2)
                fail(path, "expected a pair [instruction, answer], got " + describeJsonType(pair), kWrongType);
            out.turns.push_back(Turn{Role::User, stringValue(pair[0], path + "[0]", false)});
            out.turns.push_back(Turn{Role::Assistant, stringValue(pair[1], path + "[1]", false)});
        }
    }
    std::string user = isBlank(instruction) ? input : (isBlank(input) ? instruction : instruction + "\n" + input);
    out.turns.push_back(Turn{Role::User, std::move(user)});
    out.turns.push_back(Turn{Role::Assistant, std::move(output)});
    addSystem(out.turns, record, names);
    return out;
}

DatasetRecord parseShareGpt(const json& record, const FieldNames& names)
{
    const std::string key = names.key("conversations");
    DatasetRecord out;
    out.kind = RecordKind::Conversation;
    out.turns = turnList(require(record, key, "a list of turns"), key, TurnStyle::ShareGpt);
    checkConversation(out.turns, key, TurnStyle::ShareGpt, true);
    addSystem(out.turns, record, names);
    return out;
}

DatasetRecord parseMessages(const json& record, const FieldNames& names)
{
    const std::string key = names.key("messages");
    DatasetRecord out;
    out.kind = RecordKind::Conversation;
    out.turns = turnList(require(record, key, "a list of messages"), key, TurnStyle::Messages);
    checkConversation(out.turns, key, TurnStyle::Messages, true);
    return out;
}

/// A TRL prompt or answer: a string (plain) or a message list (conversational).
struct Side {
    bool plain = false;
    std::vector<Turn> turns;
};

Side side(const json& value, const std::string& key, Role plainRole)
{
    if (value.is_string())
        return Side{true, {Turn{plainRole, stringValue(value, key, false)}}};
    if (value.is_array())
        return Side{false, turnList(value, key, TurnStyle::Messages)};
    fail(key, "expected a string or a list of messages, got " + describeJsonType(value), kWrongType);
}

void requireSameStyle(const Side& first, const std::string& firstKey, const Side& second, const std::string& key)
{
    if (first.plain != second.plain)
        fail(key,
             std::string("expected ") + (first.plain ? "a string" : "a list of messages") + " like \"" + firstKey +
                 "\", got " + (second.plain ? "a string" : "a list of messages"),
             kWrongType);
}

DatasetRecord parsePromptCompletion(const json& record, const FieldNames& names)
{
    const std::string promptKey = names.key("prompt");
    const std::string completionKey = names.key("completion");
    const Side prompt = side(require(record, promptKey, "a string or a list of messages"), promptKey, Role::User);
    const Side completion =
        side(require(record, completionKey, "a string or a list of messages"), completionKey, Role::Assistant);
    requireSameStyle(prompt, promptKey, completion, completionKey);
    DatasetRecord out;
    out.kind = RecordKind::Conversation;
    out.plain = prompt.plain;
    out.turns = prompt.turns;
    out.turns.insert(out.turns.end(), completion.turns.begin(), completion.turns.end());
    if (!out.plain)
        checkConversation(out.turns, promptKey, TurnStyle::Messages, true);
    return out;
}

void rejectIdentical(const std::vector<Turn>& chosen, const std::vector<Turn>& rejected, const std::string& chosenKey,
                     const std::string& rejectedKey)
{
    if (chosen == rejected)
        fail(rejectedKey, "is identical to \"" + chosenKey + "\"; a pair needs two different answers", kIdentical);
}

DatasetRecord parsePreference(const json& record, const FieldNames& names)
{
    const std::string promptKey = names.key("prompt");
    const std::string chosenKey = names.key("chosen");
    const std::string rejectedKey = names.key("rejected");
    const Side prompt = side(require(record, promptKey, "a string or a list of messages"), promptKey, Role::User);
    const Side chosen = side(require(record, chosenKey, "a string or a list of messages"), chosenKey, Role::Assistant);
    const Side rejected =
        side(require(record, rejectedKey, "a string or a list of messages"), rejectedKey, Role::Assistant);
    requireSameStyle(prompt, promptKey, chosen, chosenKey);
    requireSameStyle(prompt, promptKey, rejected, rejectedKey);
    rejectIdentical(chosen.turns, rejected.turns, chosenKey, rejectedKey);
    DatasetRecord out;
    out.kind = RecordKind::Preference;
    out.plain = prompt.plain;
    out.turns = prompt.turns;
    out.chosen = chosen.turns;
    out.rejected = rejected.turns;
    return out;
}

/// Splits two full conversations into the shared prompt and two answers (TRL's implicit prompt).
DatasetRecord splitImplicitPair(std::vector<Turn> chosen, std::vector<Turn> rejected, const std::string& chosenKey,
                                const std::string& rejectedKey, const char* turnSuffix)
{
    rejectIdentical(chosen, rejected, chosenKey, rejectedKey);
    size_t shared = 0;
    while (shared < chosen.size() && shared < rejected.size() && chosen[shared] == rejected[shared])
        ++shared;
    auto field = [&](const std::string& key, size_t i) { return key + "[" + std::to_string(i) + "]" + turnSuffix; };
    if (shared == chosen.size() || shared == rejected.size()) {
        const bool chosenShort = shared == chosen.size();
        fail(chosenShort ? chosenKey : rejectedKey,
             "has no answer of its own: all its turns are also in \"" + (chosenShort ? rejectedKey : chosenKey) + "\"",
             kPromptsDisagree);
    }
    for (const auto* side : {&chosen, &rejected}) {
        if ((*side)[shared].role != Role::Assistant) {
            const std::string& key = side == &chosen ? chosenKey : rejectedKey;
            fail(field(key, shared),
                 "the prompts of \"" + chosenKey + "\" and \"" + rejectedKey + "\" disagree at turn " +
                     std::to_string(shared + 1) + "; expected the same prompt and then different assistant answers",
                 kPromptsDisagree);
        }
    }
    if (shared == 0)
        fail(rejectedKey, "shares no prompt with \"" + chosenKey + "\"", kPromptsDisagree);
    DatasetRecord out;
    out.kind = RecordKind::Preference;
    out.turns.assign(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(shared));
    out.chosen.assign(chosen.begin() + static_cast<std::ptrdiff_t>(shared), chosen.end());
    out.rejected.assign(rejected.begin() + static_cast<std::ptrdiff_t>(shared), rejected.end());
    return out;
}

/// Length of the longest common prefix of two UTF-8 strings, never cutting a character.
size_t commonPrefix(const std::string& a, const std::string& b)
{
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n])
        ++n;
    while (n > 0 && n < a.size() && (static_cast<unsigned char>(a[n]) & 0xC0) == 0x80)
        --n;
    return n;
}

DatasetRecord parsePreferenceImplicit(const json& record, const FieldNames& names)
{
    const std::string chosenKey = names.key("chosen");
    const std::string rejectedKey = names.key("rejected");
    const Side chosen = side(require(record, chosenKey, "a string or a list of messages"), chosenKey, Role::User);
    const Side rejected =
        side(require(record, rejectedKey, "a string or a list of messages"), rejectedKey, Role::User);
    requireSameStyle(chosen, chosenKey, rejected, rejectedKey);
    if (!chosen.plain)
        return splitImplicitPair(chosen.turns, rejected.turns, chosenKey, rejectedKey, ".role");

    const std::string& a = chosen.turns.front().content;
    const std::string& b = rejected.turns.front().content;
    if (a == b)
        fail(rejectedKey, "is identical to \"" + chosenKey + "\"; a pair needs two different answers", kIdentical);
    const size_t shared = commonPrefix(a, b);
    if (shared == 0)
        fail(rejectedKey, "shares no prompt with \"" + chosenKey + "\" (an implicit pair starts with the same text)",
             kPromptsDisagree);
    if (shared == a.size() || shared == b.size())
        fail(shared == a.size() ? chosenKey : rejectedKey, "has no answer of its own after the shared prompt",
             kPromptsDisagree);
    DatasetRecord out;
    out.kind = RecordKind::Preference;
    out.plain = true;
    out.turns = {Turn{Role::User, a.substr(0, shared)}};
    out.chosen = {Turn{Role::Assistant, a.substr(shared)}};
    out.rejected = {Turn{Role::Assistant, b.substr(shared)}};
    return out;
}

constexpr std::string_view kHuman = "\n\nHuman:";
constexpr std::string_view kAssistant = "\n\nAssistant:";

/// "\n\nHuman: hi\n\nAssistant: hello" -> [user "hi", assistant "hello"].
std::vector<Turn> hhTranscript(const json& value, const std::string& key)
{
    const std::string text = stringValue(value, key, false);
    const char* expected = "expected a transcript of \"\\n\\nHuman: ...\" and \"\\n\\nAssistant: ...\" turns";
    std::vector<Turn> turns;
    size_t pos = text.find(kHuman);
    if (pos == std::string::npos)
        fail(key, std::string(expected) + ", found no \"\\n\\nHuman:\"", kWrongType);
    if (!isBlank(std::string_view(text).substr(0, pos)))
        fail(key, std::string(expected) + ", found text before the first \"\\n\\nHuman:\"", kWrongType);
    while (pos != std::string::npos) {
        const bool human = text.compare(pos, kHuman.size(), kHuman) == 0;
        const size_t start = pos + (human ? kHuman.size() : kAssistant.size());
        const size_t nextHuman = text.find(kHuman, start);
        const size_t nextAssistant = text.find(kAssistant, start);
        const size_t next = std::min(nextHuman, nextAssistant);
        std::string content = text.substr(start, next == std::string::npos ? std::string::npos : next - start);
        if (!content.empty() && content.front() == ' ')
            content.erase(0, 1);
        turns.push_back(Turn{human ? Role::User : Role::Assistant, std::move(content)});
        pos = next;
    }
    if (turns.back().role != Role::Assistant)
        fail(key, std::string(expected) + ", but it does not end with an \"\\n\\nAssistant:\" turn", kBadConversation);
    if (isBlank(turns.back().content))
        fail(key, "the last \"\\n\\nAssistant:\" turn is empty; expected an answer", kEmpty);
    return turns;
}

DatasetRecord parseHhRlhf(const json& record, const FieldNames& names)
{
    const std::string chosenKey = names.key("chosen");
    const std::string rejectedKey = names.key("rejected");
    std::vector<Turn> chosen = hhTranscript(require(record, chosenKey, "a transcript string"), chosenKey);
    std::vector<Turn> rejected = hhTranscript(require(record, rejectedKey, "a transcript string"), rejectedKey);
    return splitImplicitPair(std::move(chosen), std::move(rejected), chosenKey, rejectedKey, "");
}

DatasetRecord parseLlamaFactoryPreference(const json& record, const FieldNames& names)
{
    const std::string key = names.key("conversations");
    const std::string chosenKey = names.key("chosen");
    const std::string rejectedKey = names.key("rejected");
    DatasetRecord out;
    out.kind = RecordKind::Preference;
    out.turns = turnList(require(record, key, "a list of turns"), key, TurnStyle::ShareGpt);
    checkConversation(out.turns, key, TurnStyle::ShareGpt, false);
    for (const auto& [field, target] : {std::pair{chosenKey, &out.chosen}, std::pair{rejectedKey, &out.rejected}}) {
        const Turn turn = shareGptTurn(require(record, field, "a turn {\"from\": \"gpt\", \"value\": \"...\"}"), field);
        if (turn.role != Role::Assistant)
            fail(field + ".from", "expected an answer (\"gpt\"), got a " + std::string(roleName(turn.role)) + " turn",
                 kBadConversation);
        target->push_back(turn);
    }
    rejectIdentical(out.chosen, out.rejected, chosenKey, rejectedKey);
    addSystem(out.turns, record, names);
    return out;
}

bool parseLabel(const json& value, const std::string& key, bool fromCsv)
{
    if (value.is_boolean())
        return value.get<bool>();
    if (fromCsv && value.is_string()) {
        const std::string text = lower(value.get<std::string>());
        if (text == "true" || text == "1")
            return true;
        if (text == "false" || text == "0")
            return false;
    }
    fail(key, "expected true or false, got " + describeJsonType(value), kWrongType);
}

DatasetRecord parseKto(const json& record, const FieldNames& names, bool fromCsv)
{
    const std::string promptKey = names.key("prompt");
    const std::string messagesKey = names.key("messages");
    const std::string completionKey = names.key("completion");
    const std::string labelKey = names.key("label");
    Side prompt;
    std::string usedKey = promptKey;
    if (record.contains(promptKey)) {
        prompt = side(record.at(promptKey), promptKey, Role::User);
    } else if (record.contains(messagesKey)) {
        usedKey = messagesKey;
        prompt = Side{false, turnList(record.at(messagesKey), messagesKey, TurnStyle::Messages)};
    } else {
        fail(promptKey, "missing; expected a string or a list of messages (or \"" + messagesKey + "\")", kMissing);
    }
    Side completion;
    if (!record.contains(completionKey) && usedKey == messagesKey) {
        // LLaMA-Factory's KTO layout: the answer is the conversation's last turn, an assistant's.
        if (prompt.turns.size() < 2 || prompt.turns.back().role != Role::Assistant)
            fail(messagesKey, "without \"" + completionKey +
                                  "\", the last message must be the assistant's answer that \"" + labelKey +
                                  "\" rates, after at least one message before it",
                 kBadConversation);
        completion = Side{false, {prompt.turns.back()}};
        prompt.turns.pop_back();
    } else {
        completion =
            side(require(record, completionKey, "a string or a list of messages"), completionKey, Role::Assistant);
        requireSameStyle(prompt, usedKey, completion, completionKey);
    }
    DatasetRecord out;
    out.kind = RecordKind::Labelled;
    out.plain = prompt.plain;
    out.turns = prompt.turns;
    out.completion = completion.turns;
    out.label = parseLabel(require(record, labelKey, "true or false"), labelKey, fromCsv);
    return out;
}

bool has(const json& record, const FieldNames& names, const char* field)
{
    return record.contains(names.key(field));
}

} // namespace

std::string FieldNames::key(const std::string& field) const
{
    const auto it = m_map.find(field);
    return it == m_map.end() ? field : it->second;
}

std::string describeJsonType(const json& value)
{
    switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return value.empty() ? "an empty object" : "an object";
    case json::value_t::array: return value.empty() ? "an empty list" : "a list";
    case json::value_t::string: return value.get_ref<const std::string&>().empty() ? "an empty string" : "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return std::string("a ") + value.type_name();
    }
}

DatasetRecord parseRecord(DatasetFormat format, const json& record, const FieldNames& names, bool fromCsv)
{
    if (!record.is_object())
        throw RecordError{"", "expected a JSON object, got " + describeJsonType(record), "not an object"};
    switch (format) {
    case DatasetFormat::JsonlText: return parseJsonlText(record, names);
    case DatasetFormat::Alpaca: return parseAlpaca(record, names);
    case DatasetFormat::ShareGpt: return parseShareGpt(record, names);
    case DatasetFormat::Messages: return parseMessages(record, names);
    case DatasetFormat::PromptCompletion: return parsePromptCompletion(record, names);
    case DatasetFormat::Preference: return parsePreference(record, names);
    case DatasetFormat::PreferenceImplicit: return parsePreferenceImplicit(record, names);
    case DatasetFormat::LlamaFactoryPreference: return parseLlamaFactoryPreference(record, names);
    case DatasetFormat::HhRlhf: return parseHhRlhf(record, names);
    case DatasetFormat::Kto: return parseKto(record, names, fromCsv);
    case DatasetFormat::Auto:
    case DatasetFormat::Text: break;
    }
    throw RecordError{"", "this format has no JSON records", "wrong format"};
}

std::optional<DatasetFormat> detectRecordFormat(const json& record, const FieldNames& names)
{
    if (!record.is_object())
        return std::nullopt;
    if (has(record, names, "chosen") && has(record, names, "rejected")) {
        if (has(record, names, "conversations"))
            return DatasetFormat::LlamaFactoryPreference;
        if (has(record, names, "prompt"))
            return DatasetFormat::Preference;
        const json& chosen = record.at(names.key("chosen"));
        if (chosen.is_string() && chosen.get_ref<const std::string&>().find(kHuman) != std::string::npos &&
            chosen.get_ref<const std::string&>().find(kAssistant) != std::string::npos)
            return DatasetFormat::HhRlhf;
        return DatasetFormat::PreferenceImplicit;
    }
    // TRL's unpaired layout, or LLaMA-Factory's (messages ending in the rated answer, and a boolean label).
    if (has(record, names, "label") && (has(record, names, "completion") || has(record, names, "messages")))
        return DatasetFormat::Kto;
    if (has(record, names, "conversations"))
        return DatasetFormat::ShareGpt;
    if (has(record, names, "messages"))
        return DatasetFormat::Messages;
    if (has(record, names, "instruction") && has(record, names, "output"))
        return DatasetFormat::Alpaca;
    if (has(record, names, "prompt") && has(record, names, "completion"))
        return DatasetFormat::PromptCompletion;
    if (has(record, names, "text"))
        return DatasetFormat::JsonlText;
    return std::nullopt;
}

} // namespace tb::core::detail
