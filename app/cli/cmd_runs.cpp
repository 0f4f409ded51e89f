// SPDX-License-Identifier: MIT
// runs: list a project's runs from its registry, as a table or as JSON.
#include "cli_args.h"
#include "commands.h"

#include "core/common/error.h"
#include "core/store/run_registry.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

namespace tb::cli {

const char* const kRunsHelp = R"(usage: tunebench-cli runs --project DIR [--json]

Lists the runs of a project folder, newest first: id, name, status, method, steps and best validation
loss. A run whose process died (killed, crashed, power cut) is shown as interrupted; continue it with
`tunebench-cli resume --project DIR RUN_ID`.

  --project DIR     the project folder (it holds tunebench.db)
  --json            print a JSON array with every field instead of a table
)";

namespace {

nlohmann::json optionalNumber(const std::optional<double>& v)
{
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json toJson(const core::RunRecord& r)
{
    return {{"id", r.id},
            {"name", r.name},
            {"status", core::toString(r.status)},
            {"method", r.method},
            {"steps", r.steps},
            {"max_steps", r.maxSteps},
            {"best_val_loss", optionalNumber(r.bestValLoss)},
            {"final_val_loss", optionalNumber(r.finalValLoss)},
            {"wall_seconds", r.wallSeconds},
            {"tokens_per_second", r.tokensPerSecond},
            {"parameter_count", r.parameterCount},
            {"parent_run_id", r.parentRunId.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.parentRunId)},
            {"created_at", r.createdAt},
            {"updated_at", r.updatedAt},
            {"run_dir", r.runDir.string()},
            {"error", r.error}};
}

} // namespace

int runRuns(const std::vector<std::string>& args)
{
    const Args a(args, {"project"}, {"json"});
    if (!a.positional().empty())
        throw UsageError{"unexpected argument '" + a.positional().front() + "'"};
    const auto project = a.value("project");
    if (!project)
        throw UsageError{"--project DIR is required"};
    if (!core::RunRegistry::isProject(*project))
        throw core::InputError(*project, "--project", "is not a TuneBench project (it has no tunebench.db)");
    core::RunRegistry registry(*project);
    registry.markInterruptedRuns(); // status is true: a dead process's run is not "running"
    const std::vector<core::RunRecord> runs = registry.listRuns();

    if (a.has("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : runs)
            out.push_back(toJson(r));
        std::printf("%s\n", out.dump(2).c_str());
        return kExitOk;
    }
    if (runs.empty()) {
        std::printf("no runs in %s\n", registry.projectDir().c_str());
        return kExitOk;
    }
    size_t idWidth = 2, nameWidth = 4;
    for (const auto& r : runs) {
        idWidth = std::max(idWidth, r.id.size());
        nameWidth = std::max(nameWidth, std::min<size_t>(r.name.size(), 40));
    }
    std::printf("%-*s  %-*s  %-11s  %-8s  %13s  %8s\n", int(idWidth), "ID", int(nameWidth), "NAME", "STATUS",
                "METHOD", "STEPS", "BEST VAL");
    for (const auto& r : runs) {
        const std::string steps = std::to_string(r.steps) + "/" + std::to_string(r.maxSteps);
        char best[32] = "-";
        if (r.bestValLoss)
            std::snprintf(best, sizeof best, "%.4f", *r.bestValLoss);
        std::printf("%-*s  %-*s  %-11s  %-8s  %13s  %8s\n", int(idWidth), r.id.c_str(), int(nameWidth),
                    r.name.substr(0, 40).c_str(), core::toString(r.status).c_str(), r.method.c_str(), steps.c_str(),
                    best);
        if (r.status == core::RunStatus::Failed && !r.error.empty())
            std::printf("%*s  error: %s\n", int(idWidth), "", r.error.c_str());
    }
    return kExitOk;
}

} // namespace tb::cli
