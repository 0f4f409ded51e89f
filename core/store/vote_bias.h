// SPDX-License-Identifier: MIT
// Bias in a project's blind A/B votes (docs/rating.md, "Bias in the votes"): position bias (how often the side
// shown left wins), length bias (how often the longer output wins, in bins of the length ratio, and the slope of
// that win rate against the log length ratio), self-consistency (pairs shown again with sides swapped: same verdict
// or a flip) and agreement between annotators (Cohen's kappa for two, Krippendorff's alpha, nominal, for two or
// more). Every number comes with a 95% confidence interval: Wilson for proportions, a normal approximation for the
// slope and for kappa, a percentile bootstrap over items for alpha. biasReport() words the verdicts for the CLI and
// the Rate tab's Bias view. Torch- and Qt-free, pure functions.
#pragma once

#include "core/store/vote_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tb::core {

/// z for a two-sided 95% interval.
inline constexpr double kZ95 = 1.959963984540054;

/// A share with its Wilson score interval.
struct Proportion {
    int64_t successes = 0;
    int64_t trials = 0;
    double low = 0.0, high = 1.0; // the 95% interval; [0, 1] without trials
    std::optional<double> rate() const;
    /// The interval lies wholly above (1) or below (-1) `value`, or contains it (0); 0 without trials.
    int side(double value) const;
};
/// successes / trials with the Wilson score interval for `z` (Wilson 1927).
Proportion wilson(int64_t successes, int64_t trials, double z = kZ95);

/// An estimate with a 95% interval; value is nullopt when it cannot be computed (too little or no varied data).
struct Estimate {
    std::optional<double> value;
    double low = 0.0, high = 0.0;
    int64_t n = 0; // the items (or votes) it rests on
};

/// Cohen's kappa of two raters' nominal ratings of the same items (pairs of category codes). The interval is
/// kappa ± 1.96 · sqrt(po (1 - po) / (n (1 - pe)^2)) (Cohen 1960's large-sample approximation), clipped to
/// [-1, 1]. nullopt without items or when pe = 1 (both raters always gave the same one category).
Estimate cohensKappa(const std::vector<std::pair<int, int>>& ratings);

/// Krippendorff's alpha for nominal data. Each unit lists the values its raters gave (missing ratings left out);
/// units with fewer than two values cannot be paired and are left out. The interval is the 2.5 and 97.5
/// percentiles of alpha over `resamples` bootstrap resamples of the units (SplitMix64(seed)). nullopt with fewer
/// than two pairable units or when every value is the same.
Estimate krippendorffAlphaNominal(const std::vector<std::vector<int>>& units, int resamples = 1000,
                                  uint64_t seed = 1);

/// How often the longer output won among decisive votes whose length ratio lies in [lowRatio, highRatio).
struct LengthBin {
    double lowRatio = 1.0, highRatio = 0.0; // highRatio 0: no upper bound
    Proportion longerWins;
};

struct AnnotatorBias {
    std::string name;            // "" for votes without a name
    int64_t votes = 0;           // active votes
    Proportion leftWins;         // of the decisive ones
    Proportion longerWins;       // of the decisive ones of unequal length
    std::optional<double> medianTimeToVoteMs;
};

struct VoteBias {
    int64_t votes = 0;    // active votes
    int64_t decisive = 0; // left or right
    // Position: the side shown left won (decisive votes, repeats included).
    Proportion leftWins;
    // Length, in characters (lengths + 1 for ratios): the longer output won (decisive votes of unequal length).
    Proportion longerWins;
    int64_t equalLength = 0; // decisive votes whose outputs have the same length (not in longerWins)
    std::vector<LengthBin> lengthBins;
    /// Least-squares slope of "the longer won" (0/1) on log2(longer / shorter): the change in the longer output's
    /// win rate per doubling of the length ratio; normal-approximation interval (slope ± 1.96 · its standard error).
    /// Needs 3 votes and a spread (standard deviation) of log2 ratio of at least 0.1.
    Estimate lengthSlope;
    // Self-consistency: repeat votes (repeat_of an active vote) where neither vote is a skip.
    Proportion consistent; // the same verdict about the two outputs both times
    int64_t flips = 0;     // both decisive, the other output won: the rater picked the same screen side twice
    // Agreement: items (the same prompt and the same two outputs) rated by two or more named annotators.
    int64_t annotatorsRating = 0; // named annotators with at least one such item
    int64_t sharedItems = 0;
    Estimate kappa;               // exactly two such annotators
    Estimate alpha;               // two or more
    std::optional<double> medianTimeToVoteMs;
    std::vector<AnnotatorBias> annotators; // by name
};

/// The bias statistics of the active (not retracted) votes.
VoteBias computeVoteBias(const std::vector<Vote>& votes);

/// One statistic in plain words.
struct BiasLine {
    std::string key;       // "position", "length", "length_slope", "consistency", "kappa", "alpha", "time"
    std::string title;     // "Position bias"
    std::string value;     // "Left side wins 68% of 100 decisive votes (95% CI 58-77%)"
    std::string verdict;   // "the raters favour the left side"
    bool warning = false;  // the verdict is a bias or a problem
};

/// The statistics worded for people, in a fixed order (a statistic without data says why).
std::vector<BiasLine> biasReport(const VoteBias& bias);

} // namespace tb::core
