// SPDX-License-Identifier: MIT
#include "app/gui_bench.h"

#include "core/io/run_config.h"
#include "ui/bridge/training_session.h"
#include "ui/main_window.h"
#include "ui/panels/run_setup_panel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

namespace tb::app {

namespace {

constexpr int kTimerMs = 10;

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<size_t>(p * double(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

} // namespace

bool startGuiBenchmark(tb::ui::MainWindow& window, const QString& configFile, const QString& projectDir)
{
    core::RunConfig config;
    try {
        config = core::loadRunConfig(configFile.toStdString());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return false;
    }
    if (!window.openProject(projectDir, true)) {
        std::fprintf(stderr, "error: cannot open the project %s\n", qPrintable(projectDir));
        return false;
    }
    window.runSetupPanel()->setConfig(config);

    struct State {
        QElapsedTimer clock;
        double cpuAtStart = 0;
        qint64 lastMs = -1;
        std::vector<double> lateness;
    };
    auto state = std::make_shared<State>();
    auto* timer = new QTimer(&window);
    timer->setTimerType(Qt::PreciseTimer);
    timer->setInterval(kTimerMs);
    QObject::connect(timer, &QTimer::timeout, &window, [state] {
        const qint64 now = state->clock.elapsed();
        if (state->lastMs >= 0)
            state->lateness.push_back(double(std::max<qint64>(0, now - state->lastMs - kTimerMs)));
        state->lastMs = now;
    });
    auto report = [state, timer](const QString& status, double tokensPerSecond) {
        timer->stop();
        std::printf("status %s\n", qPrintable(status));
        std::printf("timer_samples %zu\n", state->lateness.size());
        std::printf("lateness_p50_ms %.2f\n", percentile(state->lateness, 0.50));
        std::printf("lateness_p99_ms %.2f\n", percentile(state->lateness, 0.99));
        std::printf("lateness_max_ms %.2f\n", percentile(state->lateness, 1.0));
        std::printf("tokens_per_second %.1f\n", tokensPerSecond);
        // How much of one core the GUI thread used while the run trained (it competes with the training threads).
        const double wall = double(state->clock.elapsed()) / 1000.0;
        std::printf("gui_thread_cpu_share %.3f\n", wall > 0 ? (threadCpuSeconds() - state->cpuAtStart) / wall : 0.0);
        std::fflush(stdout);
        QTimer::singleShot(0, qApp, &QApplication::quit);
    };
    QObject::connect(window.session(), &ui::TrainingSession::started, &window, [state, timer] {
        state->clock.start();
        state->cpuAtStart = threadCpuSeconds();
        timer->start();
    });
    QObject::connect(window.session(), &ui::TrainingSession::finished, &window,
                     [report](core::TrainOutcome, const core::RunSummary& summary) {
                         report(QString::fromStdString(core::toString(summary.status)), summary.tokensPerSecond);
                     });
    QObject::connect(window.session(), &ui::TrainingSession::failed, &window,
                     [report](const QString& message) { report(QStringLiteral("failed: ") + message, 0); });
    QTimer::singleShot(0, &window, [&window] { window.startTraining(); });
    return true;
}

} // namespace tb::app
