// SPDX-License-Identifier: MIT
// Plain-language alerts for RL runs (PPO, GRPO), computed from a run's metric series by name (TRL's names, as
// metrics.jsonl and the registry store them; docs/rlhf.md, "Alerts"): a negative KL, val/ratio far from 1, the
// reward rising while the KL explodes (reward hacking; with the gold score falling when there is one), and a
// collapsed entropy. Each alert says what it means in one or two sentences and the step where its pattern started.
// Torch-free pure functions; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tb::core::rl {

/// One metric's points in step order.
struct MetricSeries {
    std::vector<int64_t> steps;
    std::vector<double> values;
};

/// Series by metric name (objective/kl, val/ratio, ...).
using MetricSeriesMap = std::map<std::string, MetricSeries>;

enum class RlAlertKind { NegativeKl, RatioOutOfRange, RewardHacking, EntropyCollapse };

struct RlAlert {
    RlAlertKind kind = RlAlertKind::NegativeKl;
    int64_t step = 0;    // where the pattern started
    std::string metric;  // the series it was seen in
    std::string message; // plain language, whole sentences
};

/// The thresholds (docs/rlhf.md lists them).
struct RlAlertThresholds {
    int window = 5;                   // "the last few points": a trailing mean over this many points
    double negativeKl = -0.01;        // objective/kl's trailing mean below this: negative KL
    double ratioLow = 0.8;            // val/ratio outside [ratioLow, ratioHigh]: moved too far in one iteration
    double ratioHigh = 1.25;
    int earlyPoints = 3;              // "early value": the mean of a series' first points
    double klFactor = 3.0;            // reward hacking: the KL's trailing mean above klFactor x its early mean ...
    double klNats = 5.0;              // ... and above this many nats, while the scores' trailing mean is above
                                      // their early mean
    double entropyFraction = 0.1;     // entropy below this share of its first value: collapsed
};

/// objective/kl's trailing mean below thresholds.negativeKl at the last point. The step is where the trailing mean
/// last went below it.
std::optional<RlAlert> negativeKlAlert(const MetricSeriesMap& series, const RlAlertThresholds& t = {});
/// Any val/ratio point outside [ratioLow, ratioHigh]: the step of the first one; the message counts them and
/// gives the farthest.
std::optional<RlAlert> ratioAlert(const MetricSeriesMap& series, const RlAlertThresholds& t = {});
/// At the last point, objective/scores above its early mean while objective/kl is above both klFactor x its early
/// mean and klNats (trailing means). The step is where that started. When objective/gold is logged and its
/// trailing mean is below its early mean, the message says the gold score is falling.
std::optional<RlAlert> rewardHackingAlert(const MetricSeriesMap& series, const RlAlertThresholds& t = {});
/// objective/entropy (else policy/entropy_avg) below entropyFraction x its first value at the last point, with a
/// positive first value. The step is where it went below.
std::optional<RlAlert> entropyCollapseAlert(const MetricSeriesMap& series, const RlAlertThresholds& t = {});

/// The metric names the alerts read.
const std::vector<std::string>& rlAlertMetricNames();

/// Every alert that fires, in the order above.
std::vector<RlAlert> rlAlerts(const MetricSeriesMap& series, const RlAlertThresholds& t = {});

/// Mean of values[max(0, i - window + 1) .. i].
double trailingMean(const std::vector<double>& values, size_t i, int window);

} // namespace tb::core::rl
