// SPDX-License-Identifier: MIT
// The files of one run directory: config.yaml (the resolved config), metrics.jsonl (append-only journal, one JSON
// object a line, TRL/LLaMA-Factory key names), samples.jsonl (append-only, one probe SampleSet a line),
// rollouts.jsonl (RL methods: append-only, one RolloutSampleSet a line),
// summary.json (rewritten atomically), tokenizer.json and checkpoints/{latest,best}.safetensors. Used by one writer thread at a time; readers may read concurrently.
#pragma once

#include "core/io/run_config.h"
#include "core/train/training_observer.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tb::core {

/// Interrupted is never written by a run itself: the project registry gives it to a run whose process died.
enum class RunStatus { Running, Completed, Stopped, Failed, Interrupted };
std::string toString(RunStatus s);

struct RunSummary {
    RunStatus status = RunStatus::Running;
    std::string method;
    int64_t steps = 0;
    int64_t maxSteps = 0;
    std::optional<double> bestValLoss;
    std::optional<double> finalValLoss;
    double wallSeconds = 0;
    double tokensPerSecond = 0;
    int64_t tokensSeen = 0;
    int64_t parameterCount = 0;
    int64_t trainableParameters = 0;               // fine-tuning: what the optimizer updates (adapters only for LoRA)
    std::string parentRun;                         // fine-tuning: the parent run directory
    std::string parentCheckpoint;                  // fine-tuning: the checkpoint the run started from
    std::optional<double> forgettingBefore;        // perplexity on the parent's held-out text before tuning
    std::optional<double> forgettingAfter;         // ... and at the end
    std::optional<double> adapterKl;               // mean KL(tuned || base) on the probe prompts after training
    std::optional<double> adapterTop1Agreement;    // share of positions where tuned and base agree on the top token
    std::optional<double> rewardAccuracy;          // DPO, reward_model: share of held-out pairs whose chosen reward wins, at the end
    std::optional<double> rewardMargin;            // DPO: mean chosen - rejected reward on the held-out pairs, at the end
                                                   // (reward_model: the same for its scores)
    std::optional<double> rewardLengthCorrelation; // reward_model: correlation of score and answer length, at the end
    std::string rewardInput;                       // reward_model: "raw" (plain pairs) or "chat template"
    std::string error;      // set when status is Failed
    std::string startedAt;  // ISO 8601 UTC
    std::string updatedAt;
};

/// One answer of an RL rollout as kept in rollouts.jsonl (ppo, grpo): the reward the policy was trained on, the
/// answer's summed KL to the reference, the gold score when one is logged and whether the answer ended (end token
/// or stop string) rather than running out of tokens.
struct RolloutSample {
    std::string prompt;
    std::string response;
    double reward = 0.0;
    double kl = 0.0;
    std::optional<double> gold;
    bool ended = true;
};
struct RolloutSampleSet {
    int64_t step = 0;
    std::vector<RolloutSample> samples;
};

class RunDirectory {
public:
    explicit RunDirectory(std::filesystem::path root);

    const std::filesystem::path& root() const { return m_root; }
    std::filesystem::path configFile() const { return m_root / "config.yaml"; }
    std::filesystem::path metricsFile() const { return m_root / "metrics.jsonl"; }
    std::filesystem::path summaryFile() const { return m_root / "summary.json"; }
    std::filesystem::path samplesFile() const { return m_root / "samples.jsonl"; }
    std::filesystem::path rolloutsFile() const { return m_root / "rollouts.jsonl"; }
    std::filesystem::path tokenizerFile() const { return m_root / "tokenizer.json"; }
    std::filesystem::path checkpointDir() const { return m_root / "checkpoints"; }
    std::filesystem::path latestCheckpoint() const { return checkpointDir() / "latest.safetensors"; }
    std::filesystem::path bestCheckpoint() const { return checkpointDir() / "best.safetensors"; }

    void writeConfig(const RunConfig& config) const;
    void writeSummary(const RunSummary& summary) const;
    void appendMetrics(const nlohmann::json& record) const;
    /// One line {"step": N, "samples": [{"prompt": ..., "text": ...}, ...]}.
    void appendSamples(const SampleSet& samples) const;
    /// One line {"step": N, "samples": [{"prompt", "response", "reward", "kl", "gold" (absent if none), "ended"}]}.
    void appendRollouts(const RolloutSampleSet& rollouts) const;

    /// Throws InputError naming the file if it is missing or malformed.
    RunSummary readSummary() const;
    /// Every complete line of metrics.jsonl (a torn last line after a crash is skipped).
    std::vector<nlohmann::json> readMetrics() const;
    /// Every complete line of samples.jsonl in file order (none if the file is missing; a torn or malformed line
    /// is skipped, as in readMetrics).
    std::vector<SampleSet> readSamples() const;
    /// Every complete line of rollouts.jsonl in file order, as readSamples (a malformed sample is skipped too).
    std::vector<RolloutSampleSet> readRollouts() const;

    /// Removes metrics lines with a step greater than `step` (used when resuming from an earlier checkpoint, so
    /// the journal matches the state being resumed). Rewrites the file atomically.
    void truncateMetricsAfter(int64_t step) const;
    /// The same for samples.jsonl.
    void truncateSamplesAfter(int64_t step) const;
    /// The same for rollouts.jsonl.
    void truncateRolloutsAfter(int64_t step) const;

private:
    std::filesystem::path m_root;
};

/// Current UTC time as "2026-11-29T14:53:33Z".
std::string utcTimestamp();

} // namespace tb::core
