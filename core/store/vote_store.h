// SPDX-License-Identifier: MIT
// A project's blind A/B votes: an append-only journal (`<project>/votes.jsonl`, one JSON object a line). Each vote
// is one line written with a single write() and fsync'ed before append() returns, so a recorded vote survives the
// app being killed; earlier lines are never rewritten. Undo appends a "retract" line naming the vote. Reading
// ignores a torn last line (a kill mid-write) and reports it, and reports any other bad line with its line and
// field, never throwing for content. The votes become a preference dataset (TRL explicit
// {"prompt","chosen","rejected"} JSONL, written atomically) and a per-pair summary with a Bradley-Terry rating.
// Torch-free and Qt-free; any thread. Concurrent appends from several processes are safe (O_APPEND, one write a
// line).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tb::core {

/// What the rater said, about the sides as shown (left is "A", right is "B").
enum class Verdict { Left, Right, Tie, BothBad, Skip };

/// "left", "right", "tie", "both_bad", "skip".
std::string_view verdictName(Verdict verdict);
std::optional<Verdict> parseVerdict(std::string_view name);

/// One of the two models of a vote and what it produced.
struct VoteModel {
    std::string run;        // the model's identity for the summary: the run id (or the path when not a run)
    std::string name;       // its display name when the vote was cast
    std::string path;       // the run directory or checkpoint file
    std::string checkpoint; // the checkpoint file that was loaded
    int64_t step = 0;       // its training step
    std::string promptText; // the prompt as this model got it (its chat template applied, or raw)
    std::string output;     // the generated text (without the prompt)
    /// Its length in tokens when known (the Rate tab knows; old votes do not).
    std::optional<int64_t> outputTokens = std::nullopt;
    /// Its length in Unicode characters (a malformed byte counts as one), written as "output_chars".
    int64_t outputChars() const;
    bool operator==(const VoteModel&) const = default;
};

/// The sampling of a vote's two generations (both used `seed`).
struct VoteSampling {
    uint64_t seed = 0;
    double temperature = 1.0;
    int64_t topK = 0;
    double topP = 1.0;
    int64_t maxNewTokens = 0;
    double repetitionPenalty = 1.0;
    bool greedy = false;
    bool chatTemplate = false;
    bool operator==(const VoteSampling&) const = default;
};

struct Vote {
    std::string id;              // unique (time + random)
    std::string time;            // UTC ISO 8601, e.g. 2026-11-29T23:59:01.123Z
    std::string prompt;          // the user's text
    VoteModel a;                 // the first model picked
    VoteModel b;                 // the second model picked
    bool aLeft = true;           // a was shown on the left ("A"); b on the right ("B")
    VoteSampling sampling;
    Verdict verdict = Verdict::Skip;
    std::string note;
    std::string annotator;       // who voted (the name set in the Rate tab); "" when not given (and in old votes)
    std::optional<int64_t> timeToVoteMs = std::nullopt; // ms from both outputs complete to the vote; old: unknown
    std::string repeatOf;        // the id of the earlier vote whose pair this one showed again, sides swapped
    bool retracted = false;      // read back: a later retract line names this vote (never written in the vote line)
    int64_t line = 0;            // read back: 1-based line of the journal

    const VoteModel& left() const { return aLeft ? a : b; }
    const VoteModel& right() const { return aLeft ? b : a; }
    /// The preferred and the other model, for a Left or Right verdict; nullopt otherwise.
    std::optional<std::pair<const VoteModel*, const VoteModel*>> winnerLoser() const;
    bool operator==(const Vote&) const = default;
};

/// A line of the journal that could not be used.
struct VoteProblem {
    std::string file;
    int64_t line = 0;     // 1-based
    std::string field;    // the JSON key, or "" for the whole line
    std::string message;
    bool tornTail = false; // the last line, without its newline: a write cut short by a kill

    /// `votes.jsonl: line 12: field "verdict": must be one of left, right, tie, both_bad, skip`
    std::string describe() const;
};

struct VoteLog {
    std::vector<Vote> votes;          // every vote line in file order, retracted ones flagged
    std::vector<VoteProblem> problems;
    int64_t retractions = 0;          // retract lines read

    /// The votes not retracted.
    std::vector<Vote> active() const;
};

/// The vote journal of one project. Cheap to construct; every call opens the file.
class VoteStore {
public:
    explicit VoteStore(std::filesystem::path file);
    /// `<project>/votes.jsonl`.
    static VoteStore forProject(const std::filesystem::path& projectDir);

    const std::filesystem::path& file() const { return m_file; }

    /// Appends `vote` as one line, fsync'ed. An empty id or time is filled in (and returned in the copy). If the
    /// file ends in a torn line, the new line starts on a line of its own. Throws Error on I/O failure.
    Vote append(Vote vote) const;
    /// Appends a retract line for `voteId`. Throws Error on I/O failure.
    void retract(const std::string& voteId) const;
    /// Reads the journal; a missing file is an empty log. Throws InputError only when the file cannot be read.
    VoteLog read() const;

private:
    void appendLine(const std::string& line) const;
    std::filesystem::path m_file;
};

/// The vote as its journal line (no newline).
std::string voteLine(const Vote& vote);
/// A fresh vote id: the time in milliseconds and 32 random bits, hex.
std::string newVoteId();
/// Now, UTC ISO 8601 with milliseconds.
std::string utcTimeMillis();

/// De-biasing of an export (docs/rating.md, "De-biased export"). Applied in this order: the length-ratio filter,
/// then side balancing, then length balancing; the balancing drops pairs chosen at random (SplitMix64(seed)).
struct PreferenceExportOptions {
    double maxLengthRatio = 0.0; // > 0 (at least 1): drop pairs whose longer output has more than this many times
                                 // the characters of the shorter (lengths + 1); 0: off
    bool balanceSides = false;   // drop pairs so that the side shown left won in exactly half of them
    bool balanceLength = false;  // drop pairs so that chosen is the longer output in half of the pairs of unequal
                                 // length (pairs of equal length are all kept)
    uint64_t seed = 1;           // which pairs the balancing drops
};

/// What an export wrote.
struct PreferenceExport {
    int64_t pairs = 0;       // lines written
    int64_t notDecisive = 0; // tie, both bad or skip
    int64_t retracted = 0;
    int64_t identical = 0;   // left or right, but both outputs are the same text: no preference to learn
    int64_t droppedLengthRatio = 0;   // beyond PreferenceExportOptions::maxLengthRatio
    int64_t droppedSideBalance = 0;   // by balanceSides
    int64_t droppedLengthBalance = 0; // by balanceLength
};

/// The active Left/Right votes as TRL explicit preference JSONL ({"prompt": user text, "chosen": preferred
/// output, "rejected": the other}), written atomically to `out` (core/common/atomic_file.h), in file order, less
/// what `options` drop. loadDataset reads it back as RecordKind::Preference. Throws InputError for a length ratio
/// below 1, Error on I/O failure.
PreferenceExport exportPreferences(const std::vector<Vote>& votes, const std::filesystem::path& out,
                                   const PreferenceExportOptions& options = {});

/// The tallies of one pair of models (a < b by run identity) over active votes.
struct PairTally {
    std::string a, b;         // run identities
    int64_t aWins = 0, bWins = 0, ties = 0, bothBad = 0, skips = 0;
    /// (aWins + ties / 2) / (aWins + bWins + ties); nullopt without such votes.
    std::optional<double> aWinRate() const;
};

struct ModelRating {
    std::string run;
    std::string name;      // the latest display name seen
    int64_t wins = 0, losses = 0, ties = 0;
    double rating = 0.0;   // Bradley-Terry strength on the Elo scale: 400 log10(p), mean 0 over rated models
};

struct VoteSummary {
    int64_t votes = 0;      // active votes
    int64_t retracted = 0;
    int64_t leftWins = 0;   // decisive votes for the side shown left, for position bias
    int64_t rightWins = 0;
    std::vector<PairTally> pairs;    // sorted by (a, b)
    std::vector<ModelRating> models; // sorted by rating, best first
};

/// Tallies per pair and fits a Bradley-Terry model (MM iterations, Hunter 2004) to the decisive votes and ties
/// (a tie is half a win each way), with one virtual tie per pair that met so a model that never lost stays finite.
VoteSummary summarizeVotes(const std::vector<Vote>& votes);

} // namespace tb::core
