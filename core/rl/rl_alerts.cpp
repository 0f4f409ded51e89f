// SPDX-License-Identifier: MIT
#include "core/rl/rl_alerts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tb::core::rl {

namespace {

const MetricSeries* find(const MetricSeriesMap& series, const char* name)
{
    const auto it = series.find(name);
    if (it == series.end() || it->second.values.empty() || it->second.steps.size() != it->second.values.size())
        return nullptr;
    return &it->second;
}

double earlyMean(const std::vector<double>& values, int count)
{
    const size_t n = std::min(values.size(), size_t(std::max(count, 1)));
    double sum = 0;
    for (size_t i = 0; i < n; ++i)
        sum += values[i];
    return n == 0 ? 0.0 : sum / double(n);
}

/// The trailing mean of `s` at the last point whose step is <= `step`, or nothing when there is none.
std::optional<double> trailingMeanAt(const MetricSeries& s, int64_t step, int window)
{
    const auto end = std::upper_bound(s.steps.begin(), s.steps.end(), step);
    if (end == s.steps.begin())
        return std::nullopt;
    return trailingMean(s.values, size_t(end - s.steps.begin()) - 1, window);
}

/// Where the run of indices for which `holds` is true that ends at the last index starts; nothing when it does not
/// hold at the last index.
template <typename Holds>
std::optional<size_t> trailingRunStart(size_t count, Holds holds)
{
    if (count == 0 || !holds(count - 1))
        return std::nullopt;
    size_t start = count - 1;
    while (start > 0 && holds(start - 1))
        --start;
    return start;
}

std::string num(double v)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", v);
    return buffer;
}

} // namespace

double trailingMean(const std::vector<double>& values, size_t i, int window)
{
    if (values.empty())
        return 0.0;
    i = std::min(i, values.size() - 1);
    const size_t first = i + 1 >= size_t(std::max(window, 1)) ? i + 1 - size_t(std::max(window, 1)) : 0;
    double sum = 0;
    for (size_t k = first; k <= i; ++k)
        sum += values[k];
    return sum / double(i - first + 1);
}

std::optional<RlAlert> negativeKlAlert(const MetricSeriesMap& series, const RlAlertThresholds& t)
{
    const MetricSeries* kl = find(series, "objective/kl");
    if (!kl)
        return std::nullopt;
    const auto start = trailingRunStart(kl->values.size(), [&](size_t i) {
        return trailingMean(kl->values, i, t.window) < t.negativeKl;
    });
    if (!start)
        return std::nullopt;
    const double last = trailingMean(kl->values, kl->values.size() - 1, t.window);
    return RlAlert{RlAlertKind::NegativeKl, kl->steps[*start], "objective/kl",
                   "KL is negative (" + num(last) + " nats over the last points): the answers sampled are ones the "
                   "reference likes more than the policy; usually sampling settings that do not match "
                   "(temperature, top-k)."};
}

std::optional<RlAlert> ratioAlert(const MetricSeriesMap& series, const RlAlertThresholds& t)
{
    const MetricSeries* ratio = find(series, "val/ratio");
    if (!ratio)
        return std::nullopt;
    std::optional<size_t> first;
    size_t count = 0;
    size_t farthest = 0;
    double farthestDistance = -1;
    for (size_t i = 0; i < ratio->values.size(); ++i) {
        const double v = ratio->values[i];
        if (v >= t.ratioLow && v <= t.ratioHigh)
            continue;
        if (!first)
            first = i;
        ++count;
        // Distance from 1 on a log scale, so 0.5 and 2 are equally far.
        const double distance = v > 0 ? std::abs(std::log(v)) : INFINITY;
        if (distance > farthestDistance) {
            farthestDistance = distance;
            farthest = i;
        }
    }
    if (!first)
        return std::nullopt;
    return RlAlert{RlAlertKind::RatioOutOfRange, ratio->steps[*first], "val/ratio",
                   "val/ratio left [" + num(t.ratioLow) + ", " + num(t.ratioHigh) + "] in " + std::to_string(count) +
                       (count == 1 ? " iteration" : " iterations") + " (farthest: " + num(ratio->values[farthest]) +
                       " at step " + std::to_string(ratio->steps[farthest]) +
                       "): the policy moved too far in one iteration; lower the learning rate or the epochs per "
                       "rollout."};
}

std::optional<RlAlert> rewardHackingAlert(const MetricSeriesMap& series, const RlAlertThresholds& t)
{
    const MetricSeries* kl = find(series, "objective/kl");
    const MetricSeries* scores = find(series, "objective/scores");
    if (!kl || !scores)
        return std::nullopt;
    const double earlyKl = earlyMean(kl->values, t.earlyPoints);
    const double earlyScores = earlyMean(scores->values, t.earlyPoints);
    const auto holds = [&](size_t i) {
        const double klMean = trailingMean(kl->values, i, t.window);
        const auto scoreMean = trailingMeanAt(*scores, kl->steps[i], t.window);
        return klMean > t.klNats && klMean > t.klFactor * earlyKl && scoreMean && *scoreMean > earlyScores;
    };
    const auto start = trailingRunStart(kl->values.size(), holds);
    if (!start)
        return std::nullopt;
    const size_t last = kl->values.size() - 1;
    const double klNow = trailingMean(kl->values, last, t.window);
    const double scoresNow = *trailingMeanAt(*scores, kl->steps[last], t.window);
    std::string times;
    if (earlyKl > 0)
        times = ", " + num(klNow / earlyKl) + "x its early value";
    std::string message = "The reward is rising (objective/scores " + num(earlyScores) + " -> " + num(scoresNow) +
                          ") by drifting far from the parent (KL " + num(klNow) + " nats" + times +
                          "): possible reward hacking; look at the samples.";
    if (const MetricSeries* gold = find(series, "objective/gold")) {
        const double earlyGold = earlyMean(gold->values, t.earlyPoints);
        const auto goldNow = trailingMeanAt(*gold, kl->steps[last], t.window);
        if (goldNow && *goldNow < earlyGold)
            message += " The gold score is falling meanwhile (" + num(earlyGold) + " -> " + num(*goldNow) +
                       "): the policy is exploiting the reward model's mistakes.";
    }
    return RlAlert{RlAlertKind::RewardHacking, kl->steps[*start], "objective/kl", message};
}

std::optional<RlAlert> entropyCollapseAlert(const MetricSeriesMap& series, const RlAlertThresholds& t)
{
    for (const char* name : {"objective/entropy", "policy/entropy_avg"}) {
        const MetricSeries* entropy = find(series, name);
        if (!entropy)
            continue;
        const double first = entropy->values.front();
        if (!(first > 0))
            continue;
        const auto start = trailingRunStart(entropy->values.size(), [&](size_t i) {
            return entropy->values[i] < t.entropyFraction * first;
        });
        if (!start)
            continue;
        const double now = entropy->values.back();
        return RlAlert{RlAlertKind::EntropyCollapse, entropy->steps[*start], name,
                       std::string("Answers have become nearly deterministic: ") + name + " fell to " + num(now) +
                           " (" + num(100.0 * now / first) + "% of its first value, " + num(first) +
                           "), so the policy samples almost the same answer every time and stops exploring."};
    }
    return std::nullopt;
}

const std::vector<std::string>& rlAlertMetricNames()
{
    static const std::vector<std::string> names = {"objective/kl", "objective/scores", "objective/gold",
                                                   "val/ratio", "objective/entropy", "policy/entropy_avg"};
    return names;
}

std::vector<RlAlert> rlAlerts(const MetricSeriesMap& series, const RlAlertThresholds& t)
{
    std::vector<RlAlert> out;
    for (auto alert : {negativeKlAlert(series, t), ratioAlert(series, t), rewardHackingAlert(series, t),
                       entropyCollapseAlert(series, t)})
        if (alert)
            out.push_back(std::move(*alert));
    return out;
}

} // namespace tb::core::rl
