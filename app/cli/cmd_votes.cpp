// SPDX-License-Identifier: MIT
// votes: a project's blind A/B votes (the Rate tab's votes.jsonl) as a preference dataset (optionally de-biased),
// summarised per model pair with Bradley-Terry ratings, or checked for bias (position, length, consistency,
// agreement).
#include "cli_args.h"
#include "commands.h"

#include "core/common/error.h"
#include "core/store/vote_bias.h"
#include "core/store/vote_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

namespace tb::cli {

const char* const kVotesHelp = R"(usage: tunebench-cli votes export PROJECT_DIR --out FILE [--balance-sides]
                                 [--balance-length] [--max-length-ratio R] [--seed N]
       tunebench-cli votes summary PROJECT_DIR [--json]
       tunebench-cli votes bias PROJECT_DIR|VOTES_FILE [--json]

The blind A/B votes of a project (cast in the workbench's Rate tab, kept in PROJECT_DIR/votes.jsonl).

  export     write the votes as a preference dataset: JSON Lines of {"prompt", "chosen", "rejected"}, chosen
             being the preferred output (the `preference` format; fine-tune with it or check it with
             `tunebench-cli data check FILE`). Ties, "both bad", skips and retracted (undone) votes are left out.
  summary    per pair of models: wins, losses, ties, "both bad", skips and the win rate (ties count half);
             per model a Bradley-Terry rating on the Elo scale (mean 0); how often the side shown left won.
  bias       bias in the votes, each with a 95% confidence interval and a verdict in words: position bias (the
             left side's win rate), length bias (the longer output's win rate, by length ratio, and its trend),
             self-consistency (pairs shown again with sides swapped), agreement between annotators (Cohen's
             kappa, Krippendorff's alpha), time to vote, and the same per annotator. See docs/rating.md.

  --out FILE              the preference file to write (export; written atomically)
  --balance-sides         export: drop pairs (at random) until the side shown left won exactly half of them
  --balance-length        export: drop pairs (at random) until chosen is the longer output in exactly half of
                          the pairs of unequal length
  --max-length-ratio R    export: drop pairs whose longer output has more than R times the characters of the
                          shorter (lengths + 1; R >= 1)
  --seed N                export: which pairs the balancing drops (default 1)
  --json                  print the summary or the bias statistics as JSON

Lines of votes.jsonl that cannot be read (a torn last line after a kill, a hand-edited line) are reported on
stderr with their line and field, and left out.
)";

namespace {

/// The votes of a project folder, or (`fileAllowed`) of a votes.jsonl file; unreadable lines are warned about.
core::VoteLog readProjectVotes(const std::string& project, bool fileAllowed = false)
{
    std::error_code ec;
    const bool folder = std::filesystem::is_directory(project, ec);
    if (!folder && !(fileAllowed && std::filesystem::is_regular_file(project, ec)))
        throw core::InputError(project, fileAllowed ? "PROJECT_DIR|VOTES_FILE" : "PROJECT_DIR",
                               fileAllowed ? "is neither a folder nor a file" : "is not a folder");
    const core::VoteLog log = (folder ? core::VoteStore::forProject(project) : core::VoteStore(project)).read();
    for (const core::VoteProblem& p : log.problems)
        std::fprintf(stderr, "warning: %s\n", p.describe().c_str());
    return log;
}

int runExportVotes(const std::string& project, const std::string& out, const core::PreferenceExportOptions& options)
{
    const core::VoteLog log = readProjectVotes(project);
    const core::PreferenceExport e = core::exportPreferences(log.votes, out, options);
    std::printf("wrote %lld preference pair(s) to %s\n", static_cast<long long>(e.pairs), out.c_str());
    std::printf("left out: %lld tie/both bad/skip, %lld retracted, %lld with identical outputs\n",
                static_cast<long long>(e.notDecisive), static_cast<long long>(e.retracted),
                static_cast<long long>(e.identical));
    if (options.maxLengthRatio > 0 || options.balanceSides || options.balanceLength)
        std::printf("de-biasing dropped: %lld over the length ratio, %lld to balance sides, %lld to balance lengths\n",
                    static_cast<long long>(e.droppedLengthRatio), static_cast<long long>(e.droppedSideBalance),
                    static_cast<long long>(e.droppedLengthBalance));
    return kExitOk;
}

nlohmann::json proportionJson(const core::Proportion& p)
{
    const auto rate = p.rate();
    return {{"successes", p.successes}, {"trials", p.trials},
            {"rate", rate ? nlohmann::json(*rate) : nlohmann::json(nullptr)},
            {"ci_low", p.low}, {"ci_high", p.high}};
}

nlohmann::json estimateJson(const core::Estimate& e)
{
    if (!e.value)
        return nullptr;
    return {{"value", *e.value}, {"ci_low", e.low}, {"ci_high", e.high}, {"n", e.n}};
}

nlohmann::json optionalJson(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

int runBias(const std::string& source, bool asJson)
{
    const core::VoteLog log = readProjectVotes(source, true);
    const core::VoteBias b = core::computeVoteBias(log.votes);
    const std::vector<core::BiasLine> report = core::biasReport(b);
    if (asJson) {
        nlohmann::json bins = nlohmann::json::array(), annotators = nlohmann::json::array(),
                       lines = nlohmann::json::array();
        for (const core::LengthBin& bin : b.lengthBins)
            bins.push_back({{"low_ratio", bin.lowRatio},
                            {"high_ratio", bin.highRatio > 0 ? nlohmann::json(bin.highRatio) : nlohmann::json(nullptr)},
                            {"longer_wins", proportionJson(bin.longerWins)}});
        for (const core::AnnotatorBias& a : b.annotators)
            annotators.push_back({{"name", a.name},
                                  {"votes", a.votes},
                                  {"left_wins", proportionJson(a.leftWins)},
                                  {"longer_wins", proportionJson(a.longerWins)},
                                  {"median_time_to_vote_ms", optionalJson(a.medianTimeToVoteMs)}});
        for (const core::BiasLine& l : report)
            lines.push_back({{"key", l.key}, {"title", l.title}, {"value", l.value}, {"verdict", l.verdict},
                             {"warning", l.warning}});
        const nlohmann::json out = {
            {"votes", b.votes},
            {"decisive", b.decisive},
            {"position", {{"left_wins", proportionJson(b.leftWins)}}},
            {"length",
             {{"longer_wins", proportionJson(b.longerWins)},
              {"equal_length", b.equalLength},
              {"bins", bins},
              {"slope_per_doubling", estimateJson(b.lengthSlope)}}},
            {"consistency", {{"same_verdict", proportionJson(b.consistent)}, {"flips", b.flips}}},
            {"agreement",
             {{"annotators", b.annotatorsRating},
              {"shared_items", b.sharedItems},
              {"cohens_kappa", estimateJson(b.kappa)},
              {"krippendorff_alpha", estimateJson(b.alpha)}}},
            {"median_time_to_vote_ms", optionalJson(b.medianTimeToVoteMs)},
            {"annotators", annotators},
            {"report", lines},
            {"unreadable_lines", log.problems.size()}};
        std::printf("%s\n", out.dump(2).c_str());
        return kExitOk;
    }
    std::printf("%lld vote(s), %lld decisive (95%% confidence intervals; docs/rating.md explains each number)\n\n",
                static_cast<long long>(b.votes), static_cast<long long>(b.decisive));
    std::printf("%-34s  %s\n", "STATISTIC", "VALUE / VERDICT");
    for (const core::BiasLine& l : report) {
        std::printf("%-34s  %s\n", l.title.c_str(), l.value.c_str());
        if (!l.verdict.empty())
            std::printf("%-34s  %s %s\n", "", l.warning ? "(!)" : "->", l.verdict.c_str());
    }
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
    const Args a(args, {"out", "max-length-ratio", "seed"}, {"json", "balance-sides", "balance-length"});
    const auto& pos = a.positional();
    if (pos.empty())
        throw UsageError{"say export, summary or bias"};
    if (pos.size() < 2)
        throw UsageError{"PROJECT_DIR is required"};
    if (pos.size() > 2)
        throw UsageError{"unexpected argument '" + pos[2] + "'"};
    if (pos[0] == "export") {
        const auto out = a.value("out");
        if (!out)
            throw UsageError{"--out FILE is required"};
        core::PreferenceExportOptions options;
        options.balanceSides = a.has("balance-sides");
        options.balanceLength = a.has("balance-length");
        if (const auto ratio = a.doubleValue("max-length-ratio")) {
            if (!(*ratio >= 1.0))
                throw UsageError{"--max-length-ratio must be at least 1"};
            options.maxLengthRatio = *ratio;
        }
        if (const auto seed = a.intValue("seed")) {
            if (*seed < 0)
                throw UsageError{"--seed must not be negative"};
            options.seed = uint64_t(*seed);
        }
        return runExportVotes(pos[1], *out, options);
    }
    if (pos[0] == "summary")
        return runSummary(pos[1], a.has("json"));
    if (pos[0] == "bias")
        return runBias(pos[1], a.has("json"));
    throw UsageError{"unknown votes command '" + pos[0] + "' (export, summary or bias)"};
}

} // namespace tb::cli
