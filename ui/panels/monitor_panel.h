// SPDX-License-Identifier: MIT
// The Monitor panel: live curves of one run (train and val loss on one chart, learning rate, gradient norm,
// tokens/s; for fine-tuning runs the forgetting meter, perplexity on the parent's text, on the loss chart's right
// axis, with before -> now in the header; the values a method adds by name, e.g. DPO's eval_rewards/*, on a chart with
// metric pickers, MetricChart), the point where val loss starts rising (core::overfitOnset), a progress bar with ETA and status, and
// the run controls (Start, Pause, Resume, Step one batch, Stop), which only emit *Requested signals.
//
// Data slots (onStarted, onStep, onEval, ...) take TrainingSession's values as they arrive and only append to the
// graphs' data containers; a timer redraws at most every kReplotIntervalMs (and not while hidden), so a run at
// full speed never makes the GUI thread late. showHistory() shows a finished or interrupted run's curves.
// GUI thread only.
#pragma once

#include "core/store/run_records.h"
#include "ui/bridge/metatypes.h"

#include <QString>
#include <QWidget>

#include <cstdint>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPTextElement;
class QCustomPlot;
class QPoint;
class QProgressBar;
class QSplitter;
class QTimer;
class QToolButton;

namespace tb::ui {

class ElidedLabel;
class MetricChart;
class RlAlertsView;
class RolloutsView;

class MonitorPanel : public QWidget {
    Q_OBJECT
public:
    /// What the controls allow. Idle: Start. Starting: Stop. Running: Pause, Stop. Pausing: Stop. Paused: Resume,
    /// Step, Stop. Stopping: nothing.
    enum class State { Idle, Starting, Running, Pausing, Paused, Stopping };
    Q_ENUM(State)
    enum class XAxis { Steps, Tokens, Epochs };
    Q_ENUM(XAxis)
    enum class Series {
        TrainLoss,
        TrainLossSmoothed,
        ValLoss,
        EvalTrainLoss,
        LearningRate,
        GradNorm,
        TokensPerSecond,
        ForgettingPerplexity
    };

    /// At most ~15 redraws a second.
    static constexpr int kReplotIntervalMs = 66;

    explicit MonitorPanel(QWidget* parent = nullptr);
    ~MonitorPanel() override;

    State state() const { return m_state; }
    XAxis xAxis() const { return m_xAxis; }
    bool isLogScale() const { return m_logScale; }
    /// Epochs need the train split's size (RunInfo::trainTokens or showHistory's trainTokens).
    bool canShowEpochs() const { return m_trainTokens > 0; }

    // Read-outs, for tests and export.
    int pointCount(Series series) const;
    /// The x (in the current axis unit) and y of point `index` of a series.
    QPointF point(Series series, int index) const;
    /// The step of the eval where val loss starts rising, if core::overfitOnset finds one.
    std::optional<int64_t> overfitStep() const { return m_overfitStep; }
    /// Where the overfit marker stands on the current x axis, if it is shown.
    std::optional<double> overfitMarkerX() const;
    QToolButton* startButton() const { return m_start; }
    QToolButton* pauseButton() const { return m_pause; }
    QToolButton* resumeButton() const { return m_resume; }
    QToolButton* stepButton() const { return m_step; }
    QToolButton* stopButton() const { return m_stop; }
    QString statusText() const;
    /// The status line's tooltip: what a finished run's summary says in full (both val losses named).
    QString statusDetails() const { return m_statusDetails; }
    /// The read-outs right of the status: losses, forgetting before -> now, throughput.
    QString numbersText() const;
    /// True while the loss chart shows the forgetting axis (a fine-tuning run with forgetting points).
    bool showsForgetting() const;
    int progressValue() const;
    int progressMaximum() const;
    /// Redraws done so far (the timer coalesces any number of updates into one).
    int replotCount() const { return m_replotCount; }
    QCustomPlot* lossPlot() const { return m_lossPlot; }
    /// What the loss axis measures for the current run's method (a DPO loss is not a cross-entropy).
    QString lossAxisLabel() const;
    /// The chart of the method's named metrics (hidden while there is none).
    MetricChart* metricChart() const { return m_metricChart; }
    /// RL runs: the plain-language alerts over the charts (core::rl::rlAlerts on the named metrics; hidden while
    /// there is none), recomputed at each redraw.
    RlAlertsView* alertsView() const { return m_alerts; }
    /// RL runs: the rollout samples table beside the method metrics' chart (hidden while empty; its owner feeds
    /// it). Clicking a point of that chart selects that step's samples.
    RolloutsView* rolloutsView() const { return m_rollouts; }

public slots:
    void setState(tb::ui::MonitorPanel::State state);
    void setXAxis(tb::ui::MonitorPanel::XAxis axis);
    void setLogScale(bool on);
    /// The run about to be shown (before onStarted or showHistory): its method labels the loss axis, and
    /// `evalBatches` (train.eval_iters) names what an evaluation's val loss is measured on.
    void setRunKind(const QString& method, int64_t evalBatches);

    /// A run (re)started: a new run clears the charts; a resumed one keeps the points up to its start step.
    void onStarted(const tb::core::RunInfo& info);
    void onStep(const tb::core::StepMetrics& metrics);
    void onEval(const tb::core::EvalMetrics& metrics);
    void onPaused(qint64 step);
    void onFinished(tb::core::TrainOutcome outcome, const tb::core::RunSummary& summary);
    void onFailed(const QString& message);

    /// Replaces the curves with a stored run's points (the registry's or metrics.jsonl's). `trainTokens` (the
    /// train split's size) enables the epoch axis; 0 when unknown.
    void showHistory(const std::vector<tb::core::MetricPoint>& points, int64_t trainTokens = 0);
    void clear();
    /// Redraws now if anything changed (tests, export); normally the timer does it.
    void flushReplot();

signals:
    /// The panel is in Starting now; the owner answers with onStarted(), onFailed() or setState(Idle).
    void startRequested();
    /// The panel is in Pausing now; onPaused() moves it to Paused.
    void pauseRequested();
    /// Continue a paused run. The panel is in Running now.
    void resumeRequested();
    /// One more step of a paused run (or pause a running one). The panel waits in Pausing for onPaused().
    void stepRequested();
    /// The panel is in Stopping now; onFinished() or onFailed() ends it.
    void stopRequested();
    void xAxisChanged(tb::ui::MonitorPanel::XAxis axis);
    void logScaleChanged(bool on);

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    /// One curve: its raw points (so the x unit can change) and the graph that shows them.
    struct Curve {
        QCPGraph* graph = nullptr;
        std::vector<int64_t> steps;
        std::vector<int64_t> tokens;
        std::vector<double> values;
    };

    void buildUi();
    QCustomPlot* makePlot(const QString& title, bool legend);
    void applyPalette();
    /// The hover tooltip: each graph's value at the point nearest to the cursor.
    void showValuesAt(QCustomPlot* plot, const QPoint& pos);
    void add(Series series, int64_t step, int64_t tokens, double value);
    void addTrainLoss(int64_t step, int64_t tokens, double loss);
    void rebuildGraphs();
    void truncateAfter(int64_t step);
    void resetData();
    double xOf(int64_t step, int64_t tokens) const;
    int64_t tokensAt(int64_t step) const;
    void updateOverfit();
    void updateXAxisChoices();
    void updateControls();
    void updateRanges();
    void updateStatus();
    void updateForgettingAxis();
    /// Shows the row of the method chart and the rollout samples while either has something.
    void updateMethodRow();
    void scheduleReplot();
    void replotNow(bool immediately);
    void placeOverfitMarker();
    /// "10 batches" (train.eval_iters), or "the eval batches" when the run's setting is unknown.
    QString evalBatchesText() const;
    Curve& curve(Series series);
    const Curve& curve(Series series) const;

    // Widgets.
    QToolButton* m_start = nullptr;
    QToolButton* m_pause = nullptr;
    QToolButton* m_resume = nullptr;
    QToolButton* m_step = nullptr;
    QToolButton* m_stop = nullptr;
    QComboBox* m_xAxisBox = nullptr;
    QCheckBox* m_logBox = nullptr;
    QProgressBar* m_progress = nullptr;
    ElidedLabel* m_status = nullptr;
    ElidedLabel* m_numbers = nullptr;
    QCustomPlot* m_lossPlot = nullptr;
    QCPTextElement* m_lossTitle = nullptr;
    QCustomPlot* m_lrPlot = nullptr;
    QCustomPlot* m_gradPlot = nullptr;
    QCustomPlot* m_speedPlot = nullptr;
    QCPItemStraightLine* m_overfitLine = nullptr;
    QCPItemText* m_overfitLabel = nullptr;
    QCPGraph* m_overfitPoint = nullptr;
    MetricChart* m_metricChart = nullptr;
    QSplitter* m_methodRow = nullptr; // the method chart | the rollout samples
    RlAlertsView* m_alerts = nullptr;
    RolloutsView* m_rollouts = nullptr;
    QTimer* m_replotTimer = nullptr;

    // Data.
    std::vector<Curve> m_curves; // indexed by Series
    double m_smoothed = 0;       // debiased EMA state of the train loss
    int m_smoothedCount = 0;
    std::optional<int64_t> m_overfitStep;
    int64_t m_tokensPerStep = 0;
    int64_t m_trainTokens = 0;
    int64_t m_maxSteps = 0;
    std::optional<core::StepMetrics> m_lastStep;
    std::optional<core::EvalMetrics> m_lastEval;
    std::optional<double> m_forgettingFinal; // the summary's after-training value, once the run ended

    // View.
    State m_state = State::Idle;
    XAxis m_xAxis = XAxis::Steps;
    bool m_logScale = false;
    bool m_followData = true; // false after the user zooms or drags; a double click returns to it
    bool m_dirty = false;
    bool m_settingRanges = false; // the panel, not the user, is moving the axes
    int64_t m_pausedStep = 0;
    int m_replotCount = 0;
    QString m_statusMessage;
    QString m_statusDetails;
    bool m_statusIsError = false;
    QString m_method = QStringLiteral("pretrain");
    int64_t m_evalBatches = 0;
};

} // namespace tb::ui
