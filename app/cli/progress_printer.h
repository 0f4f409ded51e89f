// SPDX-License-Identifier: MIT
// The CLI's TrainingObserver: a one-line progress bar with loss, throughput and ETA on a terminal, plain log lines
// otherwise, and an eval line at every evaluation. Runs on the training thread (the CLI's only thread).
#pragma once

#include "core/train/training_observer.h"

#include <functional>
#include <string>

namespace tb::cli {

class ProgressPrinter : public core::TrainingObserver {
public:
    ProgressPrinter();
    /// Called at each evaluation to print a sample (the demo uses it); may be empty.
    void setSampler(std::function<std::string()> sampler) { m_sampler = std::move(sampler); }

    void onStart(const core::RunInfo& info) override;
    void onStep(const core::StepMetrics& m) override;
    void onEval(const core::EvalMetrics& m) override;
    void onCheckpoint(const core::CheckpointInfo& c) override;
    void onLog(core::LogLevel level, const std::string& message) override;

private:
    std::string m_rlValues; // RL methods: " reward R kl K gold G" of the last step that had them
    void clearLine();
    bool m_tty;
    bool m_lineOpen = false;
    double m_smoothedTokensPerSecond = 0;
    double m_lastPlainPrint = -1;
    std::function<std::string()> m_sampler;
};

std::string formatDuration(double seconds);
std::string formatCount(double n);

} // namespace tb::cli
