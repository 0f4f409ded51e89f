// SPDX-License-Identifier: MIT
#include "progress_printer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace tb::cli {

std::string formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return "?";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

std::string formatCount(double n)
{
    char buf[32];
    if (n >= 1e9)
        std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
    else if (n >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
    else if (n >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

ProgressPrinter::ProgressPrinter() : m_tty(::isatty(STDERR_FILENO) != 0) {}

void ProgressPrinter::clearLine()
{
    if (m_lineOpen) {
        std::fputs("\r\033[K", stderr);
        m_lineOpen = false;
    }
}

void ProgressPrinter::onStart(const core::RunInfo& info)
{
    std::fprintf(stderr, "%s %s parameters, vocabulary %lld, %s train / %s val tokens%s, %d thread%s\n",
                 info.startStep > 0 ? "resuming:" : "training:", formatCount(double(info.parameterCount)).c_str(),
                 static_cast<long long>(info.vocabSize), formatCount(double(info.trainTokens)).c_str(),
                 formatCount(double(info.valTokens)).c_str(), info.tokensFromCache ? " (cached)" : "", info.threads,
                 info.threads == 1 ? "" : "s");
    if (info.trainableParameters > 0 && info.trainableParameters != info.parameterCount)
        std::fprintf(stderr, "trainable: %s of %s parameters (%.2f%%)\n",
                     formatCount(double(info.trainableParameters)).c_str(),
                     formatCount(double(info.parameterCount)).c_str(),
                     100.0 * double(info.trainableParameters) / double(std::max<int64_t>(info.parameterCount, 1)));
    if (info.startStep > 0)
        std::fprintf(stderr, "continuing at step %lld of %lld\n", static_cast<long long>(info.startStep),
                     static_cast<long long>(info.maxSteps));
}

void ProgressPrinter::onStep(const core::StepMetrics& m)
{
    m_smoothedTokensPerSecond = m_smoothedTokensPerSecond == 0
                                    ? m.tokensPerSecond
                                    : 0.9 * m_smoothedTokensPerSecond + 0.1 * m.tokensPerSecond;
    const double fraction = m.maxSteps > 0 ? double(m.step) / double(m.maxSteps) : 0.0;
    if (const auto reward = core::findMetric(m.metrics, "objective/scores")) {
        char buf[96];
        const int n = std::snprintf(buf, sizeof buf, " reward %.3f kl %.3f", *reward,
                                    core::findMetric(m.metrics, "objective/kl").value_or(0.0));
        if (const auto gold = core::findMetric(m.metrics, "objective/gold"); gold && n > 0)
            std::snprintf(buf + n, sizeof buf - size_t(n), " gold %.3f", *gold);
        m_rlValues = buf;
    }
    if (m_tty) {
        constexpr int kWidth = 24;
        const int filled = static_cast<int>(fraction * kWidth);
        std::string bar(static_cast<size_t>(filled), '=');
        if (filled < kWidth)
            bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
        std::fprintf(stderr, "\r\033[Kstep %lld/%lld [%s] %3.0f%% loss %.4f%s lr %.2e %s tok/s ETA %s",
                     static_cast<long long>(m.step), static_cast<long long>(m.maxSteps), bar.c_str(), fraction * 100,
                     m.loss, m_rlValues.c_str(), m.learningRate, formatCount(m_smoothedTokensPerSecond).c_str(),
                     formatDuration(m.etaSeconds).c_str());
        std::fflush(stderr);
        m_lineOpen = true;
    } else if (m.elapsedSeconds - m_lastPlainPrint >= 10.0 || m.step == m.maxSteps) {
        m_lastPlainPrint = m.elapsedSeconds;
        std::fprintf(stderr, "step %lld/%lld loss %.4f%s lr %.2e %s tok/s elapsed %s ETA %s\n",
                     static_cast<long long>(m.step), static_cast<long long>(m.maxSteps), m.loss, m_rlValues.c_str(),
                     m.learningRate,
                     formatCount(m_smoothedTokensPerSecond).c_str(), formatDuration(m.elapsedSeconds).c_str(),
                     formatDuration(m.etaSeconds).c_str());
    }
}

namespace {

std::string fixed2(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

} // namespace

void ProgressPrinter::onEval(const core::EvalMetrics& m)
{
    clearLine();
    const std::string forgetting =
        m.forgettingPerplexity ? ", forgetting perplexity " + fixed2(*m.forgettingPerplexity) : std::string();
    // DPO and reward_model: the losses are the method's; the reward accuracy and margin on the held-out pairs
    // follow (a reward model also has the correlation of its score with answer length).
    char rewards[160] = "";
    if (m.rewardAccuracy && m.rewardMargin) {
        const int n = std::snprintf(rewards, sizeof rewards, ", reward accuracy %.3f, reward margin %.4f",
                                    *m.rewardAccuracy, *m.rewardMargin);
        if (const auto lengthBias = core::findMetric(m.metrics, "eval_length_correlation"); lengthBias && n > 0)
            std::snprintf(rewards + n, sizeof rewards - size_t(n), ", score-length correlation %.3f", *lengthBias);
    }
    // RL methods: the losses are minus the mean reward; say so with the reward (and gold) itself.
    if (const auto reward = core::findMetric(m.metrics, "eval_reward")) {
        const int n = std::snprintf(rewards, sizeof rewards, ", held-out reward %.3f", *reward);
        if (const auto gold = core::findMetric(m.metrics, "eval_gold"); gold && n > 0)
            std::snprintf(rewards + n, sizeof rewards - size_t(n), ", gold %.3f", *gold);
    }
    std::fprintf(stderr, "eval step %lld: train loss %.4f, val loss %.4f%s%s%s\n", static_cast<long long>(m.step),
                 m.trainLoss, m.valLoss, rewards, forgetting.c_str(), m.improved ? " (best so far)" : "");
    if (m_sampler) {
        const std::string text = m_sampler();
        std::fprintf(stderr, "  sample: %s\n", text.c_str());
    }
}

void ProgressPrinter::onCheckpoint(const core::CheckpointInfo&) {}

void ProgressPrinter::onLog(core::LogLevel level, const std::string& message)
{
    clearLine();
    const char* prefix = level == core::LogLevel::Error ? "error: " : level == core::LogLevel::Warning ? "warning: " : "";
    std::fprintf(stderr, "%s%s\n", prefix, message.c_str());
}

} // namespace tb::cli
