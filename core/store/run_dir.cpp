// SPDX-License-Identifier: MIT
#include "core/store/run_dir.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <ctime>
#include <sstream>
#include <utility>

namespace tb::core {
namespace fs = std::filesystem;
using nlohmann::json;

std::string toString(RunStatus s)
{
    switch (s) {
    case RunStatus::Running: return "running";
    case RunStatus::Completed: return "completed";
    case RunStatus::Stopped: return "stopped";
    case RunStatus::Failed: return "failed";
    case RunStatus::Interrupted: return "interrupted";
    }
    return "unknown";
}

namespace {

RunStatus parseStatus(const std::string& s, const fs::path& file)
{
    for (RunStatus r : {RunStatus::Running, RunStatus::Completed, RunStatus::Stopped, RunStatus::Failed,
                        RunStatus::Interrupted})
        if (toString(r) == s)
            return r;
    throw InputError(file.string(), "status", "unknown run status '" + s + "'");
}

json optionalNumber(const std::optional<double>& v)
{
    return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

} // namespace

std::string utcTimestamp()
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

RunDirectory::RunDirectory(fs::path root) : m_root(std::move(root)) {}

void RunDirectory::writeConfig(const RunConfig& config) const { writeFileAtomically(configFile(), toYaml(config)); }

void RunDirectory::writeSummary(const RunSummary& s) const
{
    json j = {
        {"status", toString(s.status)},
        {"method", s.method},
        {"steps", s.steps},
        {"max_steps", s.maxSteps},
        {"best_val_loss", optionalNumber(s.bestValLoss)},
        {"final_val_loss", optionalNumber(s.finalValLoss)},
        {"wall_seconds", s.wallSeconds},
        {"tokens_per_second", s.tokensPerSecond},
        {"tokens_seen", s.tokensSeen},
        {"parameters", s.parameterCount},
        {"started_at", s.startedAt},
        {"updated_at", s.updatedAt.empty() ? utcTimestamp() : s.updatedAt},
        {"tunebench_version", TB_VERSION},
    };
    if (s.trainableParameters > 0)
        j["trainable_parameters"] = s.trainableParameters;
    if (!s.parentRun.empty())
        j["parent_run"] = s.parentRun;
    if (!s.parentCheckpoint.empty())
        j["parent_checkpoint"] = s.parentCheckpoint;
    for (const auto& [key, value] : {std::pair{"forgetting_before", &s.forgettingBefore},
                                     std::pair{"forgetting_after", &s.forgettingAfter},
                                     std::pair{"adapter_kl", &s.adapterKl},
                                     std::pair{"adapter_top1_agreement", &s.adapterTop1Agreement},
                                     std::pair{"reward_accuracy", &s.rewardAccuracy},
                                     std::pair{"reward_margin", &s.rewardMargin},
                                     std::pair{"reward_length_correlation", &s.rewardLengthCorrelation}})
        if (*value)
            j[key] = optionalNumber(*value);
    if (!s.rewardInput.empty())
        j["reward_input"] = s.rewardInput;
    if (!s.error.empty())
        j["error"] = s.error;
    writeFileAtomically(summaryFile(), j.dump(2) + "\n");
}

void RunDirectory::appendMetrics(const json& record) const { appendLine(metricsFile(), record.dump()); }

void RunDirectory::appendSamples(const SampleSet& set) const
{
    json samples = json::array();
    for (const auto& s : set.samples)
        samples.push_back({{"prompt", s.prompt}, {"text", s.text}});
    // Byte-level sampling may cut a UTF-8 sequence; replace rather than throw so a sample never ends a run.
    appendLine(samplesFile(), json{{"step", set.step}, {"samples", samples}}.dump(-1, ' ', false,
                                                                                    json::error_handler_t::replace));
}

void RunDirectory::appendRollouts(const RolloutSampleSet& set) const
{
    json samples = json::array();
    for (const auto& s : set.samples) {
        json j{{"prompt", s.prompt}, {"response", s.response}, {"reward", s.reward}, {"kl", s.kl}};
        if (s.gold)
            j["gold"] = *s.gold;
        j["ended"] = s.ended;
        samples.push_back(std::move(j));
    }
    appendLine(rolloutsFile(), json{{"step", set.step}, {"samples", samples}}.dump(-1, ' ', false,
                                                                                     json::error_handler_t::replace));
}

RunSummary RunDirectory::readSummary() const
{
    const fs::path file = summaryFile();
    json j;
    try {
        j = json::parse(readFile(file));
    } catch (const json::exception& e) {
        throw InputError(file.string(), "", std::string("is not valid JSON: ") + e.what());
    }
    RunSummary s;
    try {
        s.status = parseStatus(j.at("status").get<std::string>(), file);
        s.method = j.value("method", "pretrain");
        s.steps = j.value("steps", int64_t{0});
        s.maxSteps = j.value("max_steps", int64_t{0});
        if (j.contains("best_val_loss") && j["best_val_loss"].is_number())
            s.bestValLoss = j["best_val_loss"].get<double>();
        if (j.contains("final_val_loss") && j["final_val_loss"].is_number())
            s.finalValLoss = j["final_val_loss"].get<double>();
        s.wallSeconds = j.value("wall_seconds", 0.0);
        s.tokensPerSecond = j.value("tokens_per_second", 0.0);
        s.tokensSeen = j.value("tokens_seen", int64_t{0});
        s.parameterCount = j.value("parameters", int64_t{0});
        s.trainableParameters = j.value("trainable_parameters", int64_t{0});
        s.parentRun = j.value("parent_run", "");
        s.parentCheckpoint = j.value("parent_checkpoint", "");
        s.rewardInput = j.value("reward_input", "");
        for (const auto& [key, value] : {std::pair{"forgetting_before", &s.forgettingBefore},
                                         std::pair{"forgetting_after", &s.forgettingAfter},
                                         std::pair{"adapter_kl", &s.adapterKl},
                                         std::pair{"adapter_top1_agreement", &s.adapterTop1Agreement},
                                         std::pair{"reward_accuracy", &s.rewardAccuracy},
                                         std::pair{"reward_margin", &s.rewardMargin},
                                     std::pair{"reward_length_correlation", &s.rewardLengthCorrelation}})
            if (j.contains(key) && j[key].is_number())
                *value = j[key].get<double>();
        s.error = j.value("error", "");
        s.startedAt = j.value("started_at", "");
        s.updatedAt = j.value("updated_at", "");
    } catch (const json::exception& e) {
        throw InputError(file.string(), "", std::string("has a missing or mistyped field: ") + e.what());
    }
    return s;
}

namespace {

/// Every complete JSON object line of a journal file; none if it is missing.
std::vector<json> readJsonLines(const fs::path& file)
{
    std::vector<json> out;
    std::error_code ec;
    if (!fs::exists(file, ec))
        return out;
    std::istringstream in(readFile(file));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!j.is_discarded() && j.is_object())
            out.push_back(std::move(j));
    }
    return out;
}

void truncateJsonLinesAfter(const fs::path& file, int64_t step)
{
    std::error_code ec;
    if (!fs::exists(file, ec))
        return;
    std::string kept;
    for (const auto& j : readJsonLines(file))
        if (j.value("step", int64_t{0}) <= step)
            kept += j.dump() + "\n";
    writeFileAtomically(file, kept);
}

} // namespace

std::vector<json> RunDirectory::readMetrics() const { return readJsonLines(metricsFile()); }

std::vector<SampleSet> RunDirectory::readSamples() const
{
    std::vector<SampleSet> out;
    for (const auto& j : readJsonLines(samplesFile())) {
        const auto step = j.find("step");
        const auto samples = j.find("samples");
        if (step == j.end() || !step->is_number_integer() || samples == j.end() || !samples->is_array())
            continue;
        SampleSet set;
        set.step = step->get<int64_t>();
        for (const auto& s : *samples) {
            if (!s.is_object() || !s.value("prompt", json()).is_string() || !s.value("text", json()).is_string())
                continue;
            set.samples.push_back({s.at("prompt").get<std::string>(), s.at("text").get<std::string>()});
        }
        out.push_back(std::move(set));
    }
    return out;
}

std::vector<RolloutSampleSet> RunDirectory::readRollouts() const
{
    std::vector<RolloutSampleSet> out;
    for (const auto& j : readJsonLines(rolloutsFile())) {
        const auto step = j.find("step");
        const auto samples = j.find("samples");
        if (step == j.end() || !step->is_number_integer() || samples == j.end() || !samples->is_array())
            continue;
        RolloutSampleSet set;
        set.step = step->get<int64_t>();
        for (const auto& s : *samples) {
            if (!s.is_object() || !s.value("prompt", json()).is_string() || !s.value("response", json()).is_string()
                || !s.value("reward", json()).is_number() || !s.value("kl", json()).is_number())
                continue;
            RolloutSample r;
            r.prompt = s.at("prompt").get<std::string>();
            r.response = s.at("response").get<std::string>();
            r.reward = s.at("reward").get<double>();
            r.kl = s.at("kl").get<double>();
            if (s.value("gold", json()).is_number())
                r.gold = s.at("gold").get<double>();
            r.ended = s.value("ended", json()).is_boolean() ? s.at("ended").get<bool>() : true;
            set.samples.push_back(std::move(r));
        }
        out.push_back(std::move(set));
    }
    return out;
}

void RunDirectory::truncateMetricsAfter(int64_t step) const { truncateJsonLinesAfter(metricsFile(), step); }

void RunDirectory::truncateSamplesAfter(int64_t step) const { truncateJsonLinesAfter(samplesFile(), step); }

void RunDirectory::truncateRolloutsAfter(int64_t step) const { truncateJsonLinesAfter(rolloutsFile(), step); }

} // namespace tb::core
