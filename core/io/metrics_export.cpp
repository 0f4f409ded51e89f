// SPDX-License-Identifier: MIT
#include "core/io/metrics_export.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/store/run_dir.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <map>
#include <optional>

namespace tb::core {
namespace {

constexpr const char* kColumns = "step,loss,eval_loss,learning_rate,grad_norm,tokens_per_second,elapsed_s,tokens_seen,"
                                 "forgetting_perplexity,eval_rewards/accuracies,eval_rewards/margins";

std::string number(double v)
{
    // The shortest text that reads back exactly, in Python's repr style: fixed notation for exponents in
    // [-4, 16) (0.0006, 1500000), scientific otherwise (1e-05).
    char buf[64];
    const auto sciResult = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
    if (sciResult.ec != std::errc())
        return {};
    const std::string sci(buf, sciResult.ptr);
    const auto e = sci.find('e');
    const int exponent = e == std::string::npos ? 0 : std::stoi(sci.substr(e + 1));
    if (!std::isfinite(v) || exponent < -4 || exponent >= 16)
        return sci;
    const auto fixedResult = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    return fixedResult.ec == std::errc() ? std::string(buf, fixedResult.ptr) : sci;
}

std::string number(const std::optional<double>& v) { return v ? number(*v) : std::string(); }

void appendRow(std::string& out, const MetricPoint& p, const RewardsByStep& rewards)
{
    StepRewards r;
    if (p.evalLoss)
        if (const auto it = rewards.find(p.step); it != rewards.end())
            r = it->second;
    out += std::to_string(p.step);
    for (const auto* v : {&p.loss, &p.evalLoss, &p.learningRate, &p.gradNorm, &p.tokensPerSecond}) {
        out += ',';
        out += number(*v);
    }
    out += ',';
    out += number(p.elapsedSeconds);
    out += ',';
    out += std::to_string(p.tokensSeen);
    const std::optional<double>* extra[] = {&p.forgettingPerplexity, &r.accuracy, &r.margin};
    for (const auto* v : extra) {
        out += ',';
        out += number(*v);
    }
    out += '\n';
}

} // namespace

std::string csvField(const std::string& value)
{
    if (value.find_first_of(",\"\r\n") == std::string::npos)
        return value;
    std::string out = "\"";
    for (const char c : value) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string metricsCsv(const std::vector<MetricPoint>& points, const RewardsByStep& rewards)
{
    std::string out = kColumns;
    out += '\n';
    for (const MetricPoint& p : points)
        appendRow(out, p, rewards);
    return out;
}

std::string metricsCsv(const std::vector<RunMetrics>& runs)
{
    std::string out = "run,";
    out += kColumns;
    out += '\n';
    for (const RunMetrics& run : runs) {
        const std::string name = csvField(run.runName) + ',';
        for (const MetricPoint& p : run.points) {
            out += name;
            appendRow(out, p, run.rewards);
        }
    }
    return out;
}

RewardsByStep readJournalRewards(const std::filesystem::path& runDir)
{
    RewardsByStep rewards;
    for (const nlohmann::json& line : RunDirectory(runDir).readMetrics()) {
        const auto read = [&](const char* key) -> std::optional<double> {
            const auto it = line.find(key);
            return it != line.end() && it->is_number() ? std::optional<double>(it->get<double>()) : std::nullopt;
        };
        const auto step = line.find("step");
        if (step == line.end() || !step->is_number_integer())
            continue;
        const auto accuracy = read("eval_rewards/accuracies");
        const auto margin = read("eval_rewards/margins");
        if (accuracy || margin)
            rewards[step->get<int64_t>()] = {accuracy, margin};
    }
    return rewards;
}

void writeMetricsCsv(const std::filesystem::path& file, const std::vector<MetricPoint>& points,
                     const RewardsByStep& rewards)
{
    writeFileAtomically(file, metricsCsv(points, rewards));
}

void writeMetricsCsv(const std::filesystem::path& file, const std::vector<RunMetrics>& runs)
{
    writeFileAtomically(file, metricsCsv(runs));
}

std::vector<std::vector<std::string>> parseCsv(const std::string& text, const std::string& origin)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;     // inside a quoted field
    bool rowStarted = false; // the current row has at least one character
    int64_t line = 1;
    int64_t quoteLine = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n')
                    ++line;
                field += c;
            }
            continue;
        }
        if (c == '"' && field.empty()) {
            quoted = true;
            quoteLine = line;
            rowStarted = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            rowStarted = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
            rowStarted = false;
            ++line;
        } else {
            field += c;
            rowStarted = true;
        }
    }
    if (quoted)
        throw InputError(origin, "", "a quoted field is not closed", quoteLine);
    if (rowStarted) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace tb::core
