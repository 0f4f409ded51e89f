// SPDX-License-Identifier: MIT
#include "core/eval/compare_session.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace tb::core {

namespace {

constexpr const char* kFormat = "tunebench-compare";
constexpr int kVersion = 1;

using Json = nlohmann::json;

const char* seedModeName(SeedMode mode) { return mode == SeedMode::LockStep ? "lock-step" : "independent"; }

/// Reads one typed field of a JSON object; every mistake names `path`.
class Reader {
public:
    explicit Reader(std::string origin) : m_origin(std::move(origin)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& message) const
    {
        throw InputError(m_origin, field, message);
    }

    const Json& member(const Json& object, const std::string& key, const std::string& path) const
    {
        const auto it = object.find(key);
        if (it == object.end())
            fail(path, "is missing");
        return *it;
    }

    std::string string(const Json& object, const std::string& key, const std::string& path) const
    {
        const Json& v = member(object, key, path);
        if (!v.is_string())
            fail(path, "must be a string");
        return v.get<std::string>();
    }

    double number(const Json& object, const std::string& key, const std::string& path) const
    {
        const Json& v = member(object, key, path);
        if (!v.is_number())
            fail(path, "must be a number");
        const double d = v.get<double>();
        if (!std::isfinite(d))
            fail(path, "must be finite");
        return d;
    }

    int64_t integer(const Json& object, const std::string& key, const std::string& path) const
    {
        const Json& v = member(object, key, path);
        if (!v.is_number_integer())
            fail(path, "must be an integer");
        return v.get<int64_t>();
    }

    bool boolean(const Json& object, const std::string& key, const std::string& path) const
    {
        const Json& v = member(object, key, path);
        if (!v.is_boolean())
            fail(path, "must be true or false");
        return v.get<bool>();
    }

    const Json& array(const Json& object, const std::string& key, const std::string& path) const
    {
        const Json& v = member(object, key, path);
        if (!v.is_array())
            fail(path, "must be a list");
        return v;
    }

    const Json& object(const Json& parent, const std::string& key, const std::string& path) const
    {
        const Json& v = member(parent, key, path);
        if (!v.is_object())
            fail(path, "must be an object");
        return v;
    }

private:
    std::string m_origin;
};

std::string numberText(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

std::string settingsLine(const CompareSettings& s)
{
    std::string line = "seed " + std::to_string(s.seed) + " (" + seedModeName(s.seedMode) + ")";
    if (s.greedy) {
        line += ", greedy";
    } else {
        line += ", temperature " + numberText(s.temperature);
        line += ", top-k " + (s.topK > 0 ? std::to_string(s.topK) : std::string("off"));
        line += ", top-p " + numberText(s.topP);
    }
    line += ", repetition penalty " + numberText(s.repetitionPenalty);
    line += ", max new tokens " + std::to_string(s.maxNewTokens);
    line += s.chatTemplate ? ", chat template on" : ", chat template off";
    return line;
}

std::string outputFooter(const CompareOutput& o)
{
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%zu tokens, %.1f tokens/s%s", o.tokens.size(), o.tokensPerSecond,
                  o.stopped ? ", stopped" : "");
    return buffer;
}

std::string fenceFor(const std::string& text)
{
    size_t longest = 0, run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string markdownInline(const std::string& text)
{
    // Labels and paths go into headings and list items: escape the characters Markdown would act on.
    std::string out;
    for (char c : text) {
        if (std::string_view("\\`*_[]<>#|").find(c) != std::string_view::npos)
            out += '\\';
        out += c == '\n' ? ' ' : c;
    }
    return out;
}

} // namespace

uint64_t compareSeed(const CompareSettings& settings, size_t modelIndex)
{
    return settings.seedMode == SeedMode::LockStep ? settings.seed : settings.seed + modelIndex;
}

std::string validateCompareSettings(const CompareSettings& s)
{
    if (!(s.temperature >= 0) || !std::isfinite(s.temperature))
        return "temperature must be 0 or more";
    if (!s.greedy && s.temperature <= 0)
        return "temperature must be greater than 0 (or turn on greedy)";
    if (s.topK < 0)
        return "top_k must not be negative";
    if (!(s.topP > 0 && s.topP <= 1))
        return "top_p must be in (0, 1]";
    if (s.maxNewTokens < 1)
        return "max_new_tokens must be at least 1";
    if (!(s.repetitionPenalty > 0) || !std::isfinite(s.repetitionPenalty))
        return "repetition_penalty must be greater than 0";
    return {};
}

std::string compareSessionJson(const CompareSession& session)
{
    Json models = Json::array();
    for (const CompareModel& m : session.models)
        models.push_back({{"path", m.path}, {"label", m.label}, {"checkpoint", m.checkpoint}});
    const CompareSettings& s = session.settings;
    const Json settings = {{"seed_mode", seedModeName(s.seedMode)},
                           {"temperature", s.temperature},
                           {"top_k", s.topK},
                           {"top_p", s.topP},
                           {"max_new_tokens", s.maxNewTokens},
                           {"repetition_penalty", s.repetitionPenalty},
                           {"greedy", s.greedy},
                           {"seed", s.seed},
                           {"chat_template", s.chatTemplate}};
    Json prompts = Json::array();
    for (const ComparePrompt& p : session.prompts) {
        Json outputs = Json::array();
        for (const CompareOutput& o : p.outputs)
            outputs.push_back({{"text", o.text},
                               {"tokens", o.tokens},
                               {"tokens_per_second", o.tokensPerSecond},
                               {"stopped", o.stopped}});
        prompts.push_back({{"prompt", p.prompt}, {"outputs", outputs}});
    }
    const Json root = {{"format", kFormat}, {"version", kVersion}, {"models", models}, {"settings", settings},
                       {"prompts", prompts}};
    // Invalid UTF-8 (a byte-level model cut inside a character) is written as U+FFFD rather than refused.
    return root.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

CompareSession parseCompareSession(const std::string& text, const std::string& origin)
{
    Json root;
    try {
        root = Json::parse(text);
    } catch (const Json::parse_error& e) {
        const size_t byte = std::min(e.byte, text.size());
        const int64_t line = 1 + std::count(text.begin(), text.begin() + std::ptrdiff_t(byte > 0 ? byte - 1 : 0), '\n');
        throw InputError(origin, "", "is not valid JSON", line);
    } catch (const Json::exception& e) { // out_of_range: a number such as 1e999999
        throw InputError(origin, "", std::string("is not valid JSON: ") + e.what());
    }
    const Reader r(origin);
    if (!root.is_object())
        r.fail("", "must hold a JSON object");
    if (r.string(root, "format", "format") != kFormat)
        r.fail("format", std::string("must be \"") + kFormat + "\" (this is not a saved comparison)");
    if (const int64_t version = r.integer(root, "version", "version"); version != kVersion)
        r.fail("version", "is " + std::to_string(version) + "; this TuneBench reads version " +
                              std::to_string(kVersion));

    CompareSession session;
    const Json& models = r.array(root, "models", "models");
    if (models.empty() || models.size() > kMaxCompareModels)
        r.fail("models", "must list 1 to " + std::to_string(kMaxCompareModels) + " models");
    for (size_t i = 0; i < models.size(); ++i) {
        const std::string path = "models[" + std::to_string(i) + "]";
        if (!models[i].is_object())
            r.fail(path, "must be an object");
        CompareModel m;
        m.path = r.string(models[i], "path", path + ".path");
        if (m.path.empty())
            r.fail(path + ".path", "must not be empty");
        m.label = r.string(models[i], "label", path + ".label");
        m.checkpoint = r.string(models[i], "checkpoint", path + ".checkpoint");
        if (m.checkpoint != "best" && m.checkpoint != "latest")
            r.fail(path + ".checkpoint", "must be \"best\" or \"latest\", got \"" + m.checkpoint + "\"");
        session.models.push_back(std::move(m));
    }

    const Json& s = r.object(root, "settings", "settings");
    CompareSettings& st = session.settings;
    const std::string mode = r.string(s, "seed_mode", "settings.seed_mode");
    if (mode != "lock-step" && mode != "independent")
        r.fail("settings.seed_mode", "must be \"lock-step\" or \"independent\", got \"" + mode + "\"");
    st.seedMode = mode == "lock-step" ? SeedMode::LockStep : SeedMode::Independent;
    st.temperature = r.number(s, "temperature", "settings.temperature");
    st.topK = r.integer(s, "top_k", "settings.top_k");
    st.topP = r.number(s, "top_p", "settings.top_p");
    st.maxNewTokens = r.integer(s, "max_new_tokens", "settings.max_new_tokens");
    st.repetitionPenalty = r.number(s, "repetition_penalty", "settings.repetition_penalty");
    st.greedy = r.boolean(s, "greedy", "settings.greedy");
    const Json& seed = r.member(s, "seed", "settings.seed");
    if (!seed.is_number_unsigned())
        r.fail("settings.seed", "must be a non-negative integer");
    st.seed = seed.get<uint64_t>();
    st.chatTemplate = r.boolean(s, "chat_template", "settings.chat_template");
    if (const std::string problem = validateCompareSettings(st); !problem.empty())
        r.fail("settings." + problem.substr(0, problem.find(' ')), problem);

    const Json& prompts = r.array(root, "prompts", "prompts");
    for (size_t i = 0; i < prompts.size(); ++i) {
        const std::string path = "prompts[" + std::to_string(i) + "]";
        if (!prompts[i].is_object())
            r.fail(path, "must be an object");
        ComparePrompt p;
        p.prompt = r.string(prompts[i], "prompt", path + ".prompt");
        const Json& outputs = r.array(prompts[i], "outputs", path + ".outputs");
        if (outputs.size() > session.models.size())
            r.fail(path + ".outputs", "has " + std::to_string(outputs.size()) + " outputs for " +
                                          std::to_string(session.models.size()) + " models");
        for (size_t j = 0; j < outputs.size(); ++j) {
            const std::string opath = path + ".outputs[" + std::to_string(j) + "]";
            if (!outputs[j].is_object())
                r.fail(opath, "must be an object");
            CompareOutput o;
            o.text = r.string(outputs[j], "text", opath + ".text");
            const Json& tokens = r.array(outputs[j], "tokens", opath + ".tokens");
            for (const Json& t : tokens) {
                if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > INT32_MAX)
                    r.fail(opath + ".tokens", "must hold token ids (integers from 0)");
                o.tokens.push_back(TokenId(t.get<int64_t>()));
            }
            o.tokensPerSecond = r.number(outputs[j], "tokens_per_second", opath + ".tokens_per_second");
            if (o.tokensPerSecond < 0)
                r.fail(opath + ".tokens_per_second", "must not be negative");
            o.stopped = r.boolean(outputs[j], "stopped", opath + ".stopped");
            p.outputs.push_back(std::move(o));
        }
        session.prompts.push_back(std::move(p));
    }
    return session;
}

void saveCompareSession(const CompareSession& session, const std::filesystem::path& file)
{
    writeFileAtomically(file, compareSessionJson(session));
}

CompareSession loadCompareSession(const std::filesystem::path& file)
{
    return parseCompareSession(readFile(file), file.string());
}

std::string compareSessionMarkdown(const CompareSession& session)
{
    std::ostringstream out;
    out << "# Comparison\n\n";
    for (size_t i = 0; i < session.models.size(); ++i) {
        const CompareModel& m = session.models[i];
        out << "- **" << markdownInline(m.label) << "**: `" << m.path << "` (" << m.checkpoint << " checkpoint)\n";
    }
    out << "\nSettings: " << settingsLine(session.settings) << "\n";
    for (size_t p = 0; p < session.prompts.size(); ++p) {
        const ComparePrompt& prompt = session.prompts[p];
        const std::string promptFence = fenceFor(prompt.prompt);
        out << "\n## Prompt " << p + 1 << "\n\n" << promptFence << "\n" << prompt.prompt << "\n" << promptFence << "\n";
        for (size_t i = 0; i < prompt.outputs.size(); ++i) {
            const CompareOutput& o = prompt.outputs[i];
            const std::string fence = fenceFor(o.text);
            out << "\n### " << markdownInline(i < session.models.size() ? session.models[i].label : "?") << "\n\n"
                << fence << "\n" << o.text << "\n" << fence << "\n\n" << outputFooter(o) << "\n";
        }
    }
    return out.str();
}

std::string escapeHtml(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string compareSessionHtml(const CompareSession& session)
{
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Comparison</title>\n<style>\n"
           "body { font-family: sans-serif; margin: 2em; }\n"
           "table { border-collapse: collapse; width: 100%; table-layout: fixed; }\n"
           "th, td { border: 1px solid #bbb; padding: 0.5em; vertical-align: top; text-align: left; }\n"
           "pre { white-space: pre-wrap; margin: 0; font-family: monospace; }\n"
           ".prompt { background: #eef; }\n.meta { color: #666; font-size: 90%; }\n"
           "</style>\n</head>\n<body>\n<h1>Comparison</h1>\n<ul>\n";
    for (const CompareModel& m : session.models)
        out << "<li><b>" << escapeHtml(m.label) << "</b>: <code>" << escapeHtml(m.path) << "</code> ("
            << escapeHtml(m.checkpoint) << " checkpoint)</li>\n";
    out << "</ul>\n<p class=\"meta\">Settings: " << escapeHtml(settingsLine(session.settings)) << "</p>\n";
    for (size_t p = 0; p < session.prompts.size(); ++p) {
        const ComparePrompt& prompt = session.prompts[p];
        out << "<h2>Prompt " << p + 1 << "</h2>\n<pre class=\"prompt\">" << escapeHtml(prompt.prompt)
            << "</pre>\n<table>\n<tr>";
        for (size_t i = 0; i < prompt.outputs.size(); ++i)
            out << "<th>" << escapeHtml(i < session.models.size() ? session.models[i].label : "?") << "</th>";
        out << "</tr>\n<tr>";
        for (const CompareOutput& o : prompt.outputs)
            out << "<td><pre>" << escapeHtml(o.text) << "</pre><p class=\"meta\">" << escapeHtml(outputFooter(o))
                << "</p></td>";
        out << "</tr>\n</table>\n";
    }
    out << "</body>\n</html>\n";
    return out.str();
}

} // namespace tb::core
