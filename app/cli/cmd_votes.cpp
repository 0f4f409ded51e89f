// SPDX-License-Identifier: MIT
// votes: a project's blind A/B votes (the Rate tab's votes.jsonl) as a preference dataset, or summarised per model
// pair with Bradley-Terry ratings.
#include "cli_args.h"
#include "commands.h"

#include "core/common/error.h"
#include "core/store/vote_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

namespace tb::cli {

const char* const kVotesHelp = R"(usage: tunebench-cli votes export PROJECT_DIR --out FILE
       tunebench-cli votes summary PROJECT_DIR [--json]

The blind A/B votes of a project (cast in the workbench's Rate tab, kept in PROJECT_DIR/votes.jsonl).

  export     write the votes as a preference dataset: JSON Lines of {"prompt", "chosen", "rejected"}, chosen
             being the preferred output (the `preference` format; fine-tune with it or check it with
             `tunebench-cli data check FILE`). Ties, "both bad", skips and retracted (undone) votes are left out.
  summary    per pair of models: wins, losses, ties, "both bad", skips and the win rate (ties count half);
             per model a Bradley-Terry rating on the Elo scale (mean 0); how often the side shown left won.

  --out FILE        the preference file to write (export; written atomically)
  --json            print the summary as JSON

Lines of votes.jsonl that cannot be read (a torn last line after a kill, a hand-edited line) are reported on
stderr with their line and field, and left out.
)";

namespace {

core::VoteLog readProjectVotes(const std::string& project)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(project, ec))
        throw core::InputError(project, "PROJECT_DIR", "is not a folder");
    const core::VoteLog log = core::VoteStore::forProject(project).read();
    for (const core::VoteProblem& p : log.problems)
        std::fprintf(stderr, "warning: %s\n", p.describe().c_str());
    return log;
}

int runExportVotes(const std::string& project, const std::string& out)
{
    const core::VoteLog log = readProjectVotes(project);
    const core::PreferenceExport e = core::exportPreferences(log.votes, out);
    std::printf("wrote %lld preference pair(s) to %s\n", static_cast<long long>(e.pairs), out.c_str());
    std::printf("left out: %lld tie/both bad/skip, %lld retracted, %lld with identical outputs\n",
                static_cast<long long>(e.notDecisive), static_cast<long long>(e.retracted),
                static_cast<long long>(e.identical));
    return kExitOk;
}

int runSummary(const std::string& project, bool asJson)
{
    const core::VoteLog log = readProjectVotes(project);
    const core::VoteSummary s = core::summarizeVotes(log.votes);
    std::map<std::string, std::string> names;
    for (const core::ModelRating& m : s.models)
        names[m.run] = m.name;
    if (asJson) {
        nlohmann::json pairs = nlohmann::json::array(), models = nlohmann::json::array();
        for (const core::PairTally& t : s.pairs) {
            const auto rate = t.aWinRate();
            pairs.push_back({{"a", t.a},
                             {"b", t.b},
                             {"a_wins", t.aWins},
                             {"b_wins", t.bWins},
                             {"ties", t.ties},
                             {"both_bad", t.bothBad},
                             {"skips", t.skips},
                             {"a_win_rate", rate ? nlohmann::json(*rate) : nlohmann::json(nullptr)}});
        }
        for (const core::ModelRating& m : s.models)
            models.push_back({{"run", m.run},
                              {"name", m.name},
                              {"wins", m.wins},
                              {"losses", m.losses},
                              {"ties", m.ties},
                              {"bradley_terry_elo", m.rating}});
        const nlohmann::json out = {{"votes", s.votes},         {"retracted", s.retracted},
                                    {"left_wins", s.leftWins},  {"right_wins", s.rightWins},
                                    {"pairs", pairs},           {"models", models},
                                    {"unreadable_lines", log.problems.size()}};
        std::printf("%s\n", out.dump(2).c_str());
        return kExitOk;
    }
    if (s.votes == 0) {
        std::printf("no votes in %s\n", core::VoteStore::forProject(project).file().c_str());
        return kExitOk;
    }
    std::printf("%lld vote(s), %lld retracted; the side shown left won %lld of %lld decisive votes\n\n",
                static_cast<long long>(s.votes), static_cast<long long>(s.retracted),
                static_cast<long long>(s.leftWins), static_cast<long long>(s.leftWins + s.rightWins));
    auto label = [&](const std::string& run) {
        const std::string& name = names[run];
        return name.empty() || name == run ? run : name + " (" + run + ")";
    };
    std::printf("%-32s  %-32s  %5s  %5s  %5s  %8s  %5s  %9s\n", "MODEL A", "MODEL B", "A WIN", "B WIN", "TIES",
                "BOTH BAD", "SKIPS", "A WIN RATE");
    for (const core::PairTally& t : s.pairs) {
        const auto rate = t.aWinRate();
        char rateText[16] = "-";
        if (rate)
            std::snprintf(rateText, sizeof rateText, "%.1f%%", 100.0 * *rate);
        std::printf("%-32s  %-32s  %5lld  %5lld  %5lld  %8lld  %5lld  %9s\n", label(t.a).substr(0, 32).c_str(),
                    label(t.b).substr(0, 32).c_str(), static_cast<long long>(t.aWins),
                    static_cast<long long>(t.bWins), static_cast<long long>(t.ties),
                    static_cast<long long>(t.bothBad), static_cast<long long>(t.skips), rateText);
    }
    std::printf("\nBradley-Terry rating (Elo scale, mean 0; one virtual tie per pair):\n");
    std::printf("%-40s  %8s  %5s  %6s  %5s\n", "MODEL", "RATING", "WINS", "LOSSES", "TIES");
    for (const core::ModelRating& m : s.models)
        std::printf("%-40s  %8.1f  %5lld  %6lld  %5lld\n", label(m.run).substr(0, 40).c_str(), m.rating,
                    static_cast<long long>(m.wins), static_cast<long long>(m.losses),
                    static_cast<long long>(m.ties));
    return kExitOk;
}

} // namespace

int runVotes(const std::vector<std::string>& args)
{
    const Args a(args, {"out"}, {"json"});
    const auto& pos = a.positional();
    if (pos.empty())
        throw UsageError{"say export or summary"};
    if (pos.size() < 2)
        throw UsageError{"PROJECT_DIR is required"};
    if (pos.size() > 2)
        throw UsageError{"unexpected argument '" + pos[2] + "'"};
    if (pos[0] == "export") {
        const auto out = a.value("out");
        if (!out)
            throw UsageError{"--out FILE is required"};
        return runExportVotes(pos[1], *out);
    }
    if (pos[0] == "summary")
        return runSummary(pos[1], a.has("json"));
    throw UsageError{"unknown votes command '" + pos[0] + "' (export or summary)"};
}

} // namespace tb::cli
