// SPDX-License-Identifier: MIT
#include "core/store/vote_bias.h"

#include "core/common/rng.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace tb::core {

namespace {

/// The edges of the length-ratio bins (longer / shorter, lengths + 1); the last bin has no upper bound.
constexpr double kRatioEdges[] = {1.0, 1.1, 1.25, 1.5, 2.0};
/// The least variance of log2(length ratio) for a length slope: 0.1², i.e. ratios that differ by about 7%.
constexpr double kMinLogRatioVariance = 0.01;

std::optional<double> median(std::vector<double> values)
{
    if (values.empty())
        return std::nullopt;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// A vote's verdict about its two outputs, independent of the sides: the item is the prompt and both outputs, its
/// first output the smaller (run, output); the category 0 (first better), 1 (second better), 2 (tie), 3 (both bad),
/// or nullopt for a skip.
struct ItemRating {
    std::string item;
    std::optional<int> category;
};

ItemRating itemRating(const Vote& v)
{
    const bool aFirst = std::tie(v.a.run, v.a.output) <= std::tie(v.b.run, v.b.output);
    const VoteModel& first = aFirst ? v.a : v.b;
    const VoteModel& second = aFirst ? v.b : v.a;
    ItemRating r;
    const char sep = '\x1f';
    r.item = v.prompt + sep + first.run + sep + first.output + sep + second.run + sep + second.output;
    switch (v.verdict) {
    case Verdict::Left:
    case Verdict::Right: r.category = v.winnerLoser()->first == &first ? 0 : 1; break;
    case Verdict::Tie: r.category = 2; break;
    case Verdict::BothBad: r.category = 3; break;
    case Verdict::Skip: break;
    }
    return r;
}

/// Alpha of the units at `picked` (indices into units, repeats allowed); nullopt when undefined.
std::optional<double> alphaOf(const std::vector<std::vector<int>>& units, const std::vector<size_t>& picked)
{
    std::map<int, std::map<int, double>> coincidences;
    for (size_t u : picked) {
        const std::vector<int>& values = units[u];
        const double m = double(values.size());
        if (values.size() < 2)
            continue;
        for (size_t i = 0; i < values.size(); ++i)
            for (size_t j = 0; j < values.size(); ++j)
                if (i != j)
                    coincidences[values[i]][values[j]] += 1.0 / (m - 1.0);
    }
    std::map<int, double> totals;
    double n = 0.0, disagree = 0.0;
    for (const auto& [c, row] : coincidences)
        for (const auto& [k, o] : row) {
            totals[c] += o;
            n += o;
            if (c != k)
                disagree += o;
        }
    double expected = 0.0; // sum over c != k of n_c n_k
    for (const auto& [c, nc] : totals)
        for (const auto& [k, nk] : totals)
            if (c != k)
                expected += nc * nk;
    if (n <= 1.0 || expected <= 0.0)
        return std::nullopt;
    return 1.0 - (n - 1.0) * disagree / expected;
}

std::string percent(double share)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * share);
    return buf;
}

std::string interval(const Proportion& p)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, "95%% CI %.0f-%.0f%%", 100.0 * p.low, 100.0 * p.high);
    return buf;
}

std::string number(const char* format, double value)
{
    char buf[48];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

std::string ratioBin(const LengthBin& bin)
{
    return bin.highRatio > 0 ? number("%g", bin.lowRatio) + "-" + number("%g", bin.highRatio)
                             : number("%g", bin.lowRatio) + " or more";
}

std::string seconds(double ms) { return number("%.1f s", ms / 1000.0); }

} // namespace

std::optional<double> Proportion::rate() const
{
    if (trials == 0)
        return std::nullopt;
    return double(successes) / double(trials);
}

int Proportion::side(double value) const
{
    if (trials == 0)
        return 0;
    return low > value ? 1 : high < value ? -1 : 0;
}

Proportion wilson(int64_t successes, int64_t trials, double z)
{
    Proportion p;
    p.successes = successes;
    p.trials = trials;
    if (trials <= 0)
        return p;
    const double n = double(trials), phat = double(successes) / n, z2 = z * z;
    const double denominator = 1.0 + z2 / n;
    const double centre = (phat + z2 / (2.0 * n)) / denominator;
    const double half = z / denominator * std::sqrt(phat * (1.0 - phat) / n + z2 / (4.0 * n * n));
    p.low = std::max(0.0, centre - half);
    p.high = std::min(1.0, centre + half);
    return p;
}

Estimate cohensKappa(const std::vector<std::pair<int, int>>& ratings)
{
    Estimate e;
    e.n = int64_t(ratings.size());
    if (ratings.empty())
        return e;
    std::map<int, double> first, second;
    double agree = 0.0;
    for (const auto& [x, y] : ratings) {
        first[x] += 1.0;
        second[y] += 1.0;
        agree += x == y ? 1.0 : 0.0;
    }
    const double n = double(ratings.size());
    const double po = agree / n;
    double pe = 0.0;
    for (const auto& [c, count] : first)
        if (const auto it = second.find(c); it != second.end())
            pe += (count / n) * (it->second / n);
    if (pe >= 1.0)
        return e;
    const double kappa = (po - pe) / (1.0 - pe);
    const double se = std::sqrt(po * (1.0 - po) / (n * (1.0 - pe) * (1.0 - pe)));
    e.value = kappa;
    e.low = std::max(-1.0, kappa - kZ95 * se);
    e.high = std::min(1.0, kappa + kZ95 * se);
    return e;
}

Estimate krippendorffAlphaNominal(const std::vector<std::vector<int>>& units, int resamples, uint64_t seed)
{
    Estimate e;
    std::vector<size_t> pairable;
    for (size_t u = 0; u < units.size(); ++u)
        if (units[u].size() >= 2)
            pairable.push_back(u);
    e.n = int64_t(pairable.size());
    if (pairable.size() < 2)
        return e;
    e.value = alphaOf(units, pairable);
    if (!e.value)
        return e;
    SplitMix64 rng(seed);
    std::vector<double> draws;
    std::vector<size_t> picked(pairable.size());
    for (int r = 0; r < resamples; ++r) {
        for (size_t& p : picked)
            p = pairable[rng.below(pairable.size())];
        if (const auto a = alphaOf(units, picked))
            draws.push_back(*a);
    }
    if (draws.empty()) {
        e.low = e.high = *e.value;
        return e;
    }
    std::sort(draws.begin(), draws.end());
    const auto at = [&](double q) { return draws[size_t(std::lround(q * double(draws.size() - 1)))]; };
    e.low = std::min(at(0.025), *e.value);
    e.high = std::max(at(0.975), *e.value);
    return e;
}

VoteBias computeVoteBias(const std::vector<Vote>& votes)
{
    VoteBias bias;
    std::map<std::string, const Vote*> byId;
    std::vector<const Vote*> active;
    for (const Vote& v : votes)
        if (!v.retracted) {
            active.push_back(&v);
            byId[v.id] = &v;
        }
    bias.votes = int64_t(active.size());

    struct Tally {
        int64_t votes = 0, left = 0, decisive = 0, longer = 0, unequal = 0;
        std::vector<double> times;
    };
    Tally all;
    std::map<std::string, Tally> perAnnotator;
    const size_t binCount = std::size(kRatioEdges);
    std::vector<std::pair<int64_t, int64_t>> bins(binCount); // longer won, votes
    std::vector<std::pair<double, double>> points;           // log2 ratio, longer won
    std::map<std::string, std::map<std::string, int>> itemRatings; // item -> annotator -> first category
    int64_t repeats = 0, same = 0;
    for (const Vote* v : active) {
        Tally& mine = perAnnotator[v->annotator];
        for (Tally* t : {&all, &mine}) {
            ++t->votes;
            if (v->timeToVoteMs)
                t->times.push_back(double(*v->timeToVoteMs));
        }
        if (const auto wl = v->winnerLoser()) {
            const int64_t winner = wl->first->outputChars(), loser = wl->second->outputChars();
            for (Tally* t : {&all, &mine}) {
                ++t->decisive;
                t->left += v->verdict == Verdict::Left ? 1 : 0;
                if (winner != loser) {
                    ++t->unequal;
                    t->longer += winner > loser ? 1 : 0;
                }
            }
            if (winner == loser) {
                ++bias.equalLength;
            } else {
                const double ratio = (double(std::max(winner, loser)) + 1.0) / (double(std::min(winner, loser)) + 1.0);
                size_t bin = 0;
                while (bin + 1 < binCount && ratio >= kRatioEdges[bin + 1])
                    ++bin;
                bins[bin].first += winner > loser ? 1 : 0;
                ++bins[bin].second;
                points.emplace_back(std::log2(ratio), winner > loser ? 1.0 : 0.0);
            }
        }
        const ItemRating rating = itemRating(*v);
        if (!v->repeatOf.empty()) {
            const auto original = byId.find(v->repeatOf);
            if (original != byId.end()) {
                const ItemRating before = itemRating(*original->second);
                if (rating.category && before.category && before.item == rating.item) {
                    ++repeats;
                    same += *rating.category == *before.category ? 1 : 0;
                    const bool decisiveBoth = *rating.category <= 1 && *before.category <= 1;
                    bias.flips += decisiveBoth && *rating.category != *before.category ? 1 : 0;
                }
            }
        } else if (rating.category && !v->annotator.empty()) {
            itemRatings[rating.item].emplace(v->annotator, *rating.category); // keeps the first
        }
    }
    bias.decisive = all.decisive;
    bias.leftWins = wilson(all.left, all.decisive);
    bias.longerWins = wilson(all.longer, all.unequal);
    for (size_t b = 0; b < binCount; ++b)
        bias.lengthBins.push_back(
            {kRatioEdges[b], b + 1 < binCount ? kRatioEdges[b + 1] : 0.0, wilson(bins[b].first, bins[b].second)});
    bias.medianTimeToVoteMs = median(all.times);
    bias.consistent = wilson(same, repeats);

    // The slope of "the longer won" on log2(ratio), by least squares, with its classic standard error.
    bias.lengthSlope.n = int64_t(points.size());
    if (points.size() >= 3) {
        double mx = 0.0, my = 0.0;
        for (const auto& [x, y] : points) {
            mx += x;
            my += y;
        }
        mx /= double(points.size());
        my /= double(points.size());
        double sxx = 0.0, sxy = 0.0;
        for (const auto& [x, y] : points) {
            sxx += (x - mx) * (x - mx);
            sxy += (x - mx) * (y - my);
        }
        // A slope needs ratios that differ: a spread (standard deviation) of log2 ratio of at least 0.1.
        if (sxx / double(points.size()) >= kMinLogRatioVariance) {
            const double slope = sxy / sxx, intercept = my - slope * mx;
            double residuals = 0.0;
            for (const auto& [x, y] : points)
                residuals += (y - intercept - slope * x) * (y - intercept - slope * x);
            const double se = std::sqrt(residuals / double(points.size() - 2) / sxx);
            bias.lengthSlope.value = slope;
            bias.lengthSlope.low = slope - kZ95 * se;
            bias.lengthSlope.high = slope + kZ95 * se;
        }
    }

    // Agreement over the items that two or more named annotators rated.
    std::vector<std::vector<int>> units;
    std::set<std::string> raters;
    std::vector<std::map<std::string, int>> shared;
    for (const auto& [item, byAnnotator] : itemRatings) {
        if (byAnnotator.size() < 2)
            continue;
        shared.push_back(byAnnotator);
        std::vector<int>& unit = units.emplace_back();
        for (const auto& [name, category] : byAnnotator) {
            raters.insert(name);
            unit.push_back(category);
        }
    }
    bias.sharedItems = int64_t(units.size());
    bias.annotatorsRating = int64_t(raters.size());
    if (raters.size() == 2) {
        std::vector<std::pair<int, int>> pairs;
        for (const auto& byAnnotator : shared)
            pairs.emplace_back(byAnnotator.at(*raters.begin()), byAnnotator.at(*raters.rbegin()));
        bias.kappa = cohensKappa(pairs);
    }
    if (raters.size() >= 2)
        bias.alpha = krippendorffAlphaNominal(units);

    for (auto& [name, t] : perAnnotator)
        bias.annotators.push_back(
            {name, t.votes, wilson(t.left, t.decisive), wilson(t.longer, t.unequal), median(t.times)});
    return bias;
}

std::vector<BiasLine> biasReport(const VoteBias& b)
{
    std::vector<BiasLine> lines;
    {
        BiasLine l{"position", "Position bias", {}, {}, false};
        if (const auto rate = b.leftWins.rate()) {
            l.value = "Left side wins " + percent(*rate) + " of " + std::to_string(b.leftWins.trials) +
                      " decisive votes (" + interval(b.leftWins) + ")";
            const int side = b.leftWins.side(0.5);
            l.verdict = side > 0   ? "the raters favour the left side"
                        : side < 0 ? "the raters favour the right side"
                                   : "no clear position bias: the interval contains 50%";
            l.warning = side != 0;
        } else {
            l.value = "No decisive votes yet";
            l.verdict = "nothing to judge";
        }
        lines.push_back(l);
    }
    {
        BiasLine l{"length", "Length bias", {}, {}, false};
        if (const auto rate = b.longerWins.rate()) {
            l.value = "The longer output wins " + percent(*rate) + " of " + std::to_string(b.longerWins.trials) +
                      " decisive votes of unequal length (" + interval(b.longerWins) + ")";
            const int side = b.longerWins.side(0.5);
            l.verdict = side > 0   ? "the raters favour longer answers"
                        : side < 0 ? "the raters favour shorter answers"
                                   : "no clear length bias: the interval contains 50%";
            l.warning = side != 0;
        } else {
            l.value = "No decisive votes with outputs of different length yet";
            l.verdict = "nothing to judge";
        }
        lines.push_back(l);
    }
    for (const LengthBin& bin : b.lengthBins) {
        BiasLine l{"length_bin", "  length ratio " + ratioBin(bin), {}, {}, false};
        if (const auto rate = bin.longerWins.rate())
            l.value = "longer wins " + percent(*rate) + " of " + std::to_string(bin.longerWins.trials) + " (" +
                      interval(bin.longerWins) + ")";
        else
            l.value = "no votes";
        lines.push_back(l);
    }
    {
        BiasLine l{"length_slope", "Length trend", {}, {}, false};
        if (const auto& s = b.lengthSlope; s.value) {
            l.value = "Per doubling of the length ratio the longer output's win rate changes by " +
                      number("%+.0f", 100.0 * *s.value) + " points (95% CI " + number("%+.0f", 100.0 * s.low) +
                      " to " + number("%+.0f", 100.0 * s.high) + ")";
            l.verdict = s.low > 0    ? "the bigger the difference, the more the longer output wins"
                        : s.high < 0 ? "the bigger the difference, the more the shorter output wins"
                                     : "no clear trend with the size of the difference";
            l.warning = s.low > 0 || s.high < 0;
        } else {
            l.value = "Needs 3 or more decisive votes of unequal length whose length ratios differ (a spread of "
                      "log2 ratio of at least 0.1)";
            l.verdict = "nothing to judge";
        }
        lines.push_back(l);
    }
    {
        BiasLine l{"consistency", "Self-consistency", {}, {}, false};
        if (const auto rate = b.consistent.rate()) {
            l.value = "Same verdict on " + std::to_string(b.consistent.successes) + " of " +
                      std::to_string(b.consistent.trials) + " pairs shown again with sides swapped (" +
                      percent(*rate) + ", " + interval(b.consistent) + "); " + std::to_string(b.flips) +
                      (b.flips == 1 ? " flip" : " flips") + " to the other output";
            const Proportion& c = b.consistent;
            l.verdict = c.low >= 0.8    ? "the raters are consistent"
                        : c.high < 0.8  ? "the raters are inconsistent: under 80% same verdicts even at the top of "
                                          "the interval"
                        : *rate >= 0.8  ? "consistent so far; more repeats would make it surer"
                                        : "possibly inconsistent; more repeats would make it surer";
            if (b.flips > 0)
                l.verdict += "; a flip picked the same screen side both times, as a position bias would";
            l.warning = *rate < 0.8;
        } else {
            l.value = "No pair has been shown again yet";
            l.verdict = "set \"Re-show a pair every\" in the Rate tab to measure it";
        }
        lines.push_back(l);
    }
    const std::string notEnough = "Fewer than two named annotators rated the same outputs";
    const std::string howTo = "set an annotator name in the Rate tab; votes match when the prompt and both outputs "
                              "are the same (same models, prompt and seed)";
    {
        BiasLine l{"kappa", "Agreement (Cohen's kappa)", {}, {}, false};
        if (b.annotatorsRating > 2) {
            l.value = std::to_string(b.annotatorsRating) + " annotators";
            l.verdict = "kappa is for two: see Krippendorff's alpha";
        } else if (const auto& k = b.kappa; k.value) {
            l.value = "kappa " + number("%.2f", *k.value) + " over " + std::to_string(k.n) +
                      " outputs rated by both (95% CI " + number("%.2f", k.low) + " to " + number("%.2f", k.high) +
                      ")";
            const double v = *k.value; // Landis & Koch (1977)
            l.verdict = v < 0      ? "poor agreement (worse than chance)"
                        : v <= 0.2 ? "slight agreement"
                        : v <= 0.4 ? "fair agreement"
                        : v <= 0.6 ? "moderate agreement"
                        : v <= 0.8 ? "substantial agreement"
                                   : "almost perfect agreement";
            l.warning = v <= 0.4;
        } else {
            l.value = b.annotatorsRating == 2 ? "The two annotators always gave one and the same verdict"
                                              : notEnough;
            l.verdict = b.annotatorsRating == 2 ? "kappa is undefined" : howTo;
        }
        lines.push_back(l);
    }
    {
        BiasLine l{"alpha", "Agreement (Krippendorff's alpha)", {}, {}, false};
        if (const auto& a = b.alpha; a.value) {
            l.value = "alpha (nominal) " + number("%.2f", *a.value) + " over " + std::to_string(a.n) +
                      " outputs rated by " + std::to_string(b.annotatorsRating) + " annotators (95% CI " +
                      number("%.2f", a.low) + " to " + number("%.2f", a.high) + ")";
            l.verdict = *a.value >= 0.8     ? "reliable agreement"
                        : *a.value >= 0.667 ? "tentative agreement: draw only tentative conclusions"
                                            : "unreliable agreement (below 0.667)";
            l.warning = *a.value < 0.667;
        } else {
            l.value = b.annotatorsRating >= 2 ? "Too few shared outputs, or always the same verdict" : notEnough;
            l.verdict = b.annotatorsRating >= 2 ? "alpha is undefined" : howTo;
        }
        lines.push_back(l);
    }
    {
        BiasLine l{"time", "Time to vote", {}, {}, false};
        if (b.medianTimeToVoteMs) {
            l.value = "Median " + seconds(*b.medianTimeToVoteMs) + " from both outputs complete to the vote";
            l.warning = *b.medianTimeToVoteMs < 2000.0;
            l.verdict = l.warning ? "very quick: the raters may not read both outputs" : "time to read both";
        } else {
            l.value = "Not recorded (votes from before this was recorded)";
            l.verdict = "nothing to judge";
        }
        lines.push_back(l);
    }
    for (const AnnotatorBias& a : b.annotators) {
        BiasLine l{"annotator", "Annotator " + (a.name.empty() ? std::string("(no name)") : a.name), {}, {}, false};
        l.value = std::to_string(a.votes) + " vote(s)";
        if (const auto rate = a.leftWins.rate())
            l.value += "; left wins " + percent(*rate) + " (" + interval(a.leftWins) + ")";
        if (const auto rate = a.longerWins.rate())
            l.value += "; longer wins " + percent(*rate) + " (" + interval(a.longerWins) + ")";
        if (a.medianTimeToVoteMs)
            l.value += "; median time " + seconds(*a.medianTimeToVoteMs);
        const int side = a.leftWins.side(0.5), length = a.longerWins.side(0.5);
        std::vector<std::string> findings;
        if (side != 0)
            findings.push_back(side > 0 ? "favours the left side" : "favours the right side");
        if (length != 0)
            findings.push_back(length > 0 ? "favours longer answers" : "favours shorter answers");
        for (size_t i = 0; i < findings.size(); ++i)
            l.verdict += (i ? "; " : "") + findings[i];
        l.warning = !findings.empty();
        lines.push_back(l);
    }
    return lines;
}

} // namespace tb::core
