// SPDX-License-Identifier: MIT
#include "ui/panels/monitor_panel.h"

#include "core/eval/overfit.h"
#include "ui/panels/elided_label.h"
#include "ui/panels/metric_chart.h"
#include "ui/panels/rl_alerts_view.h"
#include "ui/panels/rollouts_view.h"
#include "ui/panels/plot_style.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tb::ui {

namespace {

constexpr double kSmoothing = 0.9; // EMA weight of the past for the smoothed train loss (debiased)
constexpr int kSeriesCount = 8;

} // namespace

MonitorPanel::MonitorPanel(QWidget* parent) : QWidget(parent), m_curves(kSeriesCount)
{
    buildUi();
    m_replotTimer = new QTimer(this);
    m_replotTimer->setSingleShot(true);
    m_replotTimer->setInterval(kReplotIntervalMs);
    connect(m_replotTimer, &QTimer::timeout, this, [this] {
        if (isVisible())
            replotNow(false);
        // else: stays dirty; showEvent() schedules the redraw.
    });
    applyPalette();
    updateXAxisChoices();
    updateControls();
    updateStatus();
    scheduleReplot(); // the empty charts get their ranges on the first show
}

MonitorPanel::~MonitorPanel() = default;

void MonitorPanel::buildUi()
{
    auto makeButton = [this](QStyle::StandardPixmap icon, const QString& text, const QString& tip) {
        auto* b = new QToolButton(this);
        b->setIcon(style()->standardIcon(icon));
        b->setText(text);
        b->setToolTip(tip);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        return b;
    };
    m_start = makeButton(QStyle::SP_MediaPlay, tr("Start"), tr("Start training with the current setup"));
    m_pause = makeButton(QStyle::SP_MediaPause, tr("Pause"), tr("Pause after the step in progress"));
    m_resume = makeButton(QStyle::SP_MediaPlay, tr("Resume"), tr("Continue the paused run"));
    m_step = makeButton(QStyle::SP_MediaSkipForward, tr("Step"),
                        tr("Train exactly one more batch (optimizer step), then pause again"));
    m_stop = makeButton(QStyle::SP_MediaStop, tr("Stop"),
                        tr("Stop after the step in progress and save a checkpoint; the run can be resumed later"));
    connect(m_start, &QToolButton::clicked, this, [this] {
        setState(State::Starting);
        emit startRequested();
    });
    connect(m_pause, &QToolButton::clicked, this, [this] {
        setState(State::Pausing);
        emit pauseRequested();
    });
    connect(m_resume, &QToolButton::clicked, this, [this] {
        setState(State::Running);
        emit resumeRequested();
    });
    connect(m_step, &QToolButton::clicked, this, [this] {
        setState(State::Pausing);
        emit stepRequested();
    });
    connect(m_stop, &QToolButton::clicked, this, [this] {
        setState(State::Stopping);
        emit stopRequested();
    });

    m_xAxisBox = new QComboBox(this);
    m_xAxisBox->addItems({tr("Steps"), tr("Tokens"), tr("Epochs")});
    m_xAxisBox->setToolTip(tr("Unit of the x axis: optimizer steps, training tokens seen, or passes over the "
                              "training split"));
    connect(m_xAxisBox, &QComboBox::activated, this, [this](int index) { setXAxis(static_cast<XAxis>(index)); });
    m_logBox = new QCheckBox(tr("Log scale"), this);
    m_logBox->setToolTip(tr("Logarithmic loss axis: late, small improvements stay visible"));
    connect(m_logBox, &QCheckBox::toggled, this, &MonitorPanel::setLogScale);

    // Two short rows, so the panel fits beside the docks on a laptop screen: the run buttons, then the progress
    // bar with the axis choices.
    auto* controls = new QHBoxLayout;
    for (QToolButton* b : {m_start, m_pause, m_resume, m_step, m_stop})
        controls->addWidget(b);
    controls->addStretch(1);

    m_progress = new QProgressBar(this);
    m_progress->setTextVisible(true);
    m_progress->setMinimumWidth(120);
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addSpacing(8);
    auto* xLabel = new QLabel(tr("X axis:"), this);
    xLabel->setBuddy(m_xAxisBox);
    progressRow->addWidget(xLabel);
    progressRow->addWidget(m_xAxisBox);
    progressRow->addSpacing(8);
    progressRow->addWidget(m_logBox);

    // One line each, cut with "…" when the panel is narrow (the whole text is in the tooltip): a finished run's
    // summary must not wrap into a column that pushes the charts down.
    m_status = new ElidedLabel(this);
    m_status->setObjectName(QStringLiteral("monitorStatus"));
    m_numbers = new ElidedLabel(this);
    m_numbers->setObjectName(QStringLiteral("monitorNumbers"));
    m_numbers->setExtraToolTip(tr("Latest losses and throughput. The val loss is the last evaluation's, on the fixed "
                                  "eval batches (train.eval_iters), as on the chart; a completed run's status also "
                                  "gives the val loss over the whole val split. Fine-tuning runs add the forgetting "
                                  "meter: perplexity on held-out text of the parent's pretraining corpus, at the first "
                                  "evaluation and now; a rise is what tuning costs the model's earlier skills."));
    m_numbers->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 3);
    statusRow->addWidget(m_numbers, 2);

    m_lossPlot = makePlot(tr("Loss"), true);
    m_lrPlot = makePlot(tr("Learning rate"), false);
    m_gradPlot = makePlot(tr("Gradient norm (before clipping)"), false);
    m_speedPlot = makePlot(tr("Throughput (tokens/s)"), false);
    m_lossPlot->yAxis->setLabel(lossAxisLabel());
    m_speedPlot->yAxis->setTicker(QSharedPointer<SiAxisTicker>::create());
    m_lossPlot->setMinimumHeight(130); // with Runs below, the Monitor fits a 720-pixel-high screen

    auto graph = [](QCustomPlot* plot, const QString& name, const QColor& color, double width) {
        QCPGraph* g = plot->addGraph();
        g->setName(name);
        g->setPen(QPen(color, width));
        return g;
    };
    QColor faint = seriesColor::kBlue;
    faint.setAlpha(70);
    curve(Series::TrainLoss).graph = graph(m_lossPlot, tr("train loss (each step)"), faint, 1);
    curve(Series::TrainLossSmoothed).graph = graph(m_lossPlot, tr("train loss (smoothed)"), seriesColor::kBlue, 2);
    QCPGraph* evalTrain = graph(m_lossPlot, tr("train loss (eval batches)"), seriesColor::kGreen, 1.5);
    evalTrain->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 5));
    curve(Series::EvalTrainLoss).graph = evalTrain;
    QCPGraph* val = graph(m_lossPlot, tr("val loss"), seriesColor::kOrange, 2);
    curve(Series::ValLoss).graph = val;
    curve(Series::LearningRate).graph = graph(m_lrPlot, tr("learning rate"), seriesColor::kPurple, 1.5);
    curve(Series::GradNorm).graph = graph(m_gradPlot, tr("gradient norm"), seriesColor::kTeal, 1);
    curve(Series::TokensPerSecond).graph = graph(m_speedPlot, tr("tokens/s"), seriesColor::kBlue, 1);

    // Fine-tuning: the forgetting meter on the loss chart's right axis, so task loss and forgetting read together.
    // Short: the axis label must fit the chart's height on a small screen; the legend entry says it in full.
    m_lossPlot->yAxis2->setLabel(tr("forgetting (ppl)"));
    m_lossPlot->yAxis2->setVisible(false);
    QCPGraph* forgetting = m_lossPlot->addGraph(m_lossPlot->xAxis, m_lossPlot->yAxis2);
    forgetting->setName(tr("forgetting (perplexity on parent's text)"));
    forgetting->setPen(QPen(seriesColor::kPurple, 2, Qt::DashLine));
    forgetting->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(seriesColor::kPurple, 2), Qt::NoBrush, 7));
    forgetting->removeFromLegend();
    curve(Series::ForgettingPerplexity).graph = forgetting;

    m_overfitPoint = m_lossPlot->addGraph();
    m_overfitPoint->setName(tr("val loss starts rising"));
    m_overfitPoint->setLineStyle(QCPGraph::lsNone);
    m_overfitPoint->setPen(QPen(seriesColor::kRed, 2));
    m_overfitPoint->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(seriesColor::kRed, 2), Qt::NoBrush, 15));
    m_overfitPoint->removeFromLegend();
    m_overfitLine = new QCPItemStraightLine(m_lossPlot);
    m_overfitLine->setPen(QPen(seriesColor::kRed, 1, Qt::DashLine));
    m_overfitLine->setVisible(false);
    m_overfitLabel = new QCPItemText(m_lossPlot);
    m_overfitLabel->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_overfitLabel->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_overfitLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    m_overfitLabel->setPadding(QMargins(4, 2, 4, 2));
    m_overfitLabel->setColor(seriesColor::kRed);
    m_overfitLabel->setVisible(false);

    auto* small = new QWidget(this);
    auto* smallRow = new QHBoxLayout(small);
    smallRow->setContentsMargins(0, 0, 0, 0);
    smallRow->setSpacing(4);
    for (QCustomPlot* p : {m_lrPlot, m_gradPlot, m_speedPlot}) {
        p->setMinimumHeight(80);
        smallRow->addWidget(p);
    }
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_lossPlot);
    splitter->addWidget(small);
    // The method's named metrics (DPO's rewards, a reward model's accuracy and margin); shown once one arrives.
    m_metricChart = new MetricChart(
        [this](int64_t step, int64_t tokens) { return xOf(step, tokens > 0 ? tokens : tokensAt(step)); }, this);
    m_metricChart->followXRange(m_lossPlot->xAxis);
    // RL runs: their rollout samples beside that chart (no extra height on a small screen); a click on a curve
    // point selects that step's. The row is shown while either is.
    m_methodRow = new QSplitter(Qt::Horizontal, splitter);
    m_methodRow->setChildrenCollapsible(false);
    m_metricChart->setParent(m_methodRow);
    m_methodRow->addWidget(m_metricChart);
    m_rollouts = new RolloutsView(m_methodRow);
    m_methodRow->addWidget(m_rollouts);
    m_methodRow->setStretchFactor(0, 3);
    m_methodRow->setStretchFactor(1, 2);
    m_methodRow->setVisible(false);
    splitter->addWidget(m_methodRow);
    connect(m_metricChart, &MetricChart::pointClicked, m_rollouts,
            [this](const QString&, qint64 step) { m_rollouts->selectStep(step); });
    connect(m_rollouts, &RolloutsView::samplesChanged, this, &MonitorPanel::updateMethodRow);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setStretchFactor(2, 2);
    splitter->setChildrenCollapsible(false);
    m_alerts = new RlAlertsView(this);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addLayout(progressRow);
    layout->addLayout(statusRow);
    layout->addWidget(m_alerts);
    layout->addWidget(splitter, 1);
}

void MonitorPanel::applyPalette()
{
    for (QCustomPlot* p : {m_lossPlot, m_lrPlot, m_gradPlot, m_speedPlot})
        applyPlotPalette(p, palette());
    const QColor base = palette().color(QPalette::Base);
    curve(Series::ValLoss).graph->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(seriesColor::kOrange, 2), QBrush(base), 7));
    QColor labelBack = base;
    labelBack.setAlpha(210);
    m_overfitLabel->setBrush(QBrush(labelBack));
    if (m_metricChart)
        m_metricChart->applyPalette();
}

MonitorPanel::Curve& MonitorPanel::curve(Series series) { return m_curves[static_cast<size_t>(series)]; }

const MonitorPanel::Curve& MonitorPanel::curve(Series series) const
{
    return m_curves[static_cast<size_t>(series)];
}

int MonitorPanel::pointCount(Series series) const { return curve(series).graph->dataCount(); }

QPointF MonitorPanel::point(Series series, int index) const
{
    const auto it = curve(series).graph->data()->at(index);
    return {it->key, it->value};
}

std::optional<double> MonitorPanel::overfitMarkerX() const
{
    if (!m_overfitLine->visible())
        return std::nullopt;
    return m_overfitLine->point1->coords().x();
}

QString MonitorPanel::statusText() const { return m_status->text(); }
QString MonitorPanel::numbersText() const { return m_numbers->text(); }
int MonitorPanel::progressValue() const { return m_progress->value(); }
int MonitorPanel::progressMaximum() const { return m_progress->maximum(); }

// --- state -----------------------------------------------------------------------------------------------------

void MonitorPanel::setState(State state)
{
    m_state = state;
    updateControls();
    updateStatus();
}

QString MonitorPanel::lossAxisLabel() const
{
    // Short: an axis label longer than the chart is high is cut at both ends on a laptop screen.
    if (m_method == QLatin1String("dpo"))
        return tr("DPO loss (nats)");
    if (m_method == QLatin1String("grpo") || m_method == QLatin1String("ppo"))
        return tr("RL loss; val = -reward"); // an RL run's "val loss" is minus its held-out reward
    return tr("loss (nats/token)");
}

void MonitorPanel::setRunKind(const QString& method, int64_t evalBatches)
{
    m_method = method.isEmpty() ? QStringLiteral("pretrain") : method;
    m_evalBatches = evalBatches;
    m_lossPlot->yAxis->setLabel(lossAxisLabel());
    updateStatus();
    scheduleReplot();
}

QString MonitorPanel::evalBatchesText() const
{
    if (m_evalBatches <= 0)
        return tr("the eval batches");
    return m_evalBatches == 1 ? tr("1 batch") : tr("%1 batches").arg(m_evalBatches);
}

void MonitorPanel::updateControls()
{
    m_start->setEnabled(m_state == State::Idle);
    m_pause->setEnabled(m_state == State::Running);
    m_resume->setEnabled(m_state == State::Paused);
    m_step->setEnabled(m_state == State::Paused);
    m_stop->setEnabled(m_state == State::Starting || m_state == State::Running || m_state == State::Pausing ||
                       m_state == State::Paused);
}

void MonitorPanel::setXAxis(XAxis axis)
{
    if (axis == XAxis::Epochs && !canShowEpochs())
        axis = XAxis::Steps;
    {
        const QSignalBlocker block(m_xAxisBox);
        m_xAxisBox->setCurrentIndex(static_cast<int>(axis));
    }
    if (axis == m_xAxis)
        return;
    m_xAxis = axis;
    const QString label = axis == XAxis::Steps ? tr("step") : axis == XAxis::Tokens ? tr("tokens") : tr("epoch");
    QSharedPointer<QCPAxisTicker> ticker;
    if (axis == XAxis::Tokens)
        ticker = QSharedPointer<SiAxisTicker>::create();
    else
        ticker = QSharedPointer<QCPAxisTicker>::create();
    for (QCustomPlot* p : {m_lossPlot, m_lrPlot, m_gradPlot, m_speedPlot}) {
        p->xAxis->setTicker(ticker);
        p->xAxis->setLabel(p == m_lossPlot ? label : QString());
    }
    rebuildGraphs();
    m_followData = true;
    scheduleReplot();
    emit xAxisChanged(axis);
}

void MonitorPanel::setLogScale(bool on)
{
    {
        const QSignalBlocker block(m_logBox);
        m_logBox->setChecked(on);
    }
    if (on == m_logScale)
        return;
    m_logScale = on;
    m_lossPlot->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    scheduleReplot();
    emit logScaleChanged(on);
}

void MonitorPanel::updateXAxisChoices()
{
    if (auto* model = qobject_cast<QStandardItemModel*>(m_xAxisBox->model()))
        if (QStandardItem* epochs = model->item(static_cast<int>(XAxis::Epochs)))
            epochs->setEnabled(canShowEpochs());
    if (m_xAxis == XAxis::Epochs && !canShowEpochs())
        setXAxis(XAxis::Steps);
}

// --- data --------------------------------------------------------------------------------------------------------

int64_t MonitorPanel::tokensAt(int64_t step) const { return step * m_tokensPerStep; }

double MonitorPanel::xOf(int64_t step, int64_t tokens) const
{
    switch (m_xAxis) {
    case XAxis::Steps: return double(step);
    case XAxis::Tokens: return double(tokens);
    case XAxis::Epochs: return m_trainTokens > 0 ? double(tokens) / double(m_trainTokens) : 0.0;
    }
    return double(step);
}

void MonitorPanel::add(Series series, int64_t step, int64_t tokens, double value)
{
    if (!std::isfinite(value))
        return; // a NaN would cut the line; the run's failure is reported by status instead
    Curve& c = curve(series);
    c.steps.push_back(step);
    c.tokens.push_back(tokens);
    c.values.push_back(value);
    c.graph->addData(xOf(step, tokens), value); // appends: keys arrive in order
}

void MonitorPanel::addTrainLoss(int64_t step, int64_t tokens, double loss)
{
    if (!std::isfinite(loss))
        return;
    add(Series::TrainLoss, step, tokens, loss);
    m_smoothed = kSmoothing * m_smoothed + (1.0 - kSmoothing) * loss;
    ++m_smoothedCount;
    add(Series::TrainLossSmoothed, step, tokens, m_smoothed / (1.0 - std::pow(kSmoothing, m_smoothedCount)));
}

void MonitorPanel::onStarted(const core::RunInfo& info)
{
    if (info.startStep == 0)
        resetData();
    else
        truncateAfter(info.startStep); // the resumed run replaces what came after its checkpoint
    m_tokensPerStep = info.tokensPerStep;
    m_trainTokens = info.trainTokens;
    m_maxSteps = info.maxSteps;
    m_pausedStep = info.startStep;
    m_statusMessage.clear();
    m_statusDetails.clear();
    m_statusIsError = false;
    updateXAxisChoices();
    rebuildGraphs(); // tokens per step may be new
    setState(State::Running);
    scheduleReplot();
}

void MonitorPanel::onStep(const core::StepMetrics& m)
{
    if (m_tokensPerStep == 0 && m.step > 0)
        m_tokensPerStep = m.tokensSeen / m.step;
    addTrainLoss(m.step, m.tokensSeen, m.loss);
    add(Series::LearningRate, m.step, m.tokensSeen, m.learningRate);
    add(Series::GradNorm, m.step, m.tokensSeen, m.gradNorm);
    add(Series::TokensPerSecond, m.step, m.tokensSeen, m.tokensPerSecond);
    for (const auto& v : m.metrics)
        m_metricChart->add(v.name, m.step, m.tokensSeen, v.value);
    m_lastStep = m;
    m_maxSteps = m.maxSteps;
    scheduleReplot();
}

void MonitorPanel::onEval(const core::EvalMetrics& m)
{
    add(Series::ValLoss, m.step, tokensAt(m.step), m.valLoss);
    add(Series::EvalTrainLoss, m.step, tokensAt(m.step), m.trainLoss);
    if (m.forgettingPerplexity)
        add(Series::ForgettingPerplexity, m.step, tokensAt(m.step), *m.forgettingPerplexity);
    for (const auto& v : m.metrics)
        m_metricChart->add(v.name, m.step, tokensAt(m.step), v.value);
    m_lastEval = m;
    updateOverfit();
    scheduleReplot();
}

void MonitorPanel::onPaused(qint64 step)
{
    m_pausedStep = step;
    setState(State::Paused);
}

void MonitorPanel::onFinished(core::TrainOutcome outcome, const core::RunSummary& summary)
{
    m_statusIsError = false;
    if (!summary.method.empty()) {
        m_method = QString::fromStdString(summary.method);
        m_lossPlot->yAxis->setLabel(lossAxisLabel());
    }
    // One compact line (cut with "…" when narrow); the tooltip says each number in full.
    QStringList details;
    switch (outcome) {
    case core::TrainOutcome::Completed:
        m_statusMessage = tr("Completed %1 steps in %2").arg(summary.steps).arg(humanDuration(summary.wallSeconds));
        details << m_statusMessage + QLatin1Char('.');
        if (summary.finalValLoss) {
            m_statusMessage += tr(" · whole val split %1").arg(formatLoss(*summary.finalValLoss));
            details << tr("Val loss over the whole val split, after the last step: %1 (summary.json's "
                          "final_val_loss). The val loss beside it is the last evaluation's, on %2 (the chart's "
                          "points), so the two differ a little.")
                           .arg(formatLoss(*summary.finalValLoss), evalBatchesText());
        }
        break;
    case core::TrainOutcome::Stopped:
        m_statusMessage = tr("Stopped at step %1; the checkpoint is saved").arg(summary.steps);
        details << m_statusMessage + tr(". Resume it from Runs.");
        break;
    case core::TrainOutcome::Failed:
        m_statusMessage = tr("Failed: %1").arg(QString::fromStdString(summary.error));
        details << m_statusMessage;
        m_statusIsError = true;
        break;
    }
    if (summary.forgettingAfter)
        m_forgettingFinal = summary.forgettingAfter;
    if (summary.forgettingBefore && summary.forgettingAfter && outcome != core::TrainOutcome::Failed) {
        const QString before = QString::number(*summary.forgettingBefore, 'f', 2);
        const QString after = QString::number(*summary.forgettingAfter, 'f', 2);
        m_statusMessage += tr(" · forgetting %1 → %2 ppl").arg(before, after);
        details << tr("Forgetting: perplexity on held-out text of the parent's corpus went from %1 (first "
                      "evaluation) to %2 (end).")
                       .arg(before, after);
    }
    if (summary.rewardAccuracy && summary.rewardMargin && outcome != core::TrainOutcome::Failed)
        details << tr("DPO on the held-out pairs: reward accuracy %1%, margin %2.")
                       .arg(QString::number(*summary.rewardAccuracy * 100.0, 'f', 1),
                            QString::number(*summary.rewardMargin, 'f', 4));
    m_statusDetails = details.join(QLatin1Char('\n'));
    if (summary.maxSteps > 0)
        m_maxSteps = summary.maxSteps;
    setState(State::Idle);
    scheduleReplot();
}

void MonitorPanel::onFailed(const QString& message)
{
    m_statusMessage = tr("Failed: %1").arg(message);
    m_statusDetails = m_statusMessage;
    m_statusIsError = true;
    setState(State::Idle);
}

void MonitorPanel::showHistory(const std::vector<core::MetricPoint>& points, int64_t trainTokens)
{
    resetData();
    m_trainTokens = trainTokens;
    for (const auto& p : points)
        if (p.step > 0 && p.tokensSeen > 0)
            m_tokensPerStep = p.tokensSeen / p.step;
    // Points in step order; a point may carry a step's values, an eval's or both.
    for (const auto& p : points) {
        const int64_t tokens = p.tokensSeen > 0 ? p.tokensSeen : tokensAt(p.step);
        if (p.loss)
            addTrainLoss(p.step, tokens, *p.loss);
        if (p.learningRate)
            add(Series::LearningRate, p.step, tokens, *p.learningRate);
        if (p.gradNorm)
            add(Series::GradNorm, p.step, tokens, *p.gradNorm);
        if (p.tokensPerSecond)
            add(Series::TokensPerSecond, p.step, tokens, *p.tokensPerSecond);
        if (p.evalLoss)
            add(Series::ValLoss, p.step, tokens, *p.evalLoss);
        if (p.evalTrainLoss)
            add(Series::EvalTrainLoss, p.step, tokens, *p.evalTrainLoss);
        if (p.forgettingPerplexity)
            add(Series::ForgettingPerplexity, p.step, tokens, *p.forgettingPerplexity);
        for (const auto& v : p.values)
            m_metricChart->add(v.name, p.step, tokens, v.value);
        if (p.loss) {
            core::StepMetrics s;
            s.step = p.step;
            s.loss = *p.loss;
            s.tokensPerSecond = p.tokensPerSecond.value_or(0.0);
            s.elapsedSeconds = p.elapsedSeconds;
            m_lastStep = s;
        }
        if (p.evalLoss) {
            core::EvalMetrics e;
            e.step = p.step;
            e.valLoss = *p.evalLoss;
            e.bestValLoss = m_lastEval ? std::min(m_lastEval->bestValLoss, *p.evalLoss) : *p.evalLoss;
            e.metrics = p.values;
            // The named values the numbers line reads (a stored DPO or reward-model run).
            e.rewardAccuracy = core::findMetric(p.values, "eval_rewards/accuracies");
            if (!e.rewardAccuracy)
                e.rewardAccuracy = core::findMetric(p.values, "eval_accuracy");
            e.rewardMargin = core::findMetric(p.values, "eval_rewards/margins");
            if (!e.rewardMargin)
                e.rewardMargin = core::findMetric(p.values, "eval_margin");
            m_lastEval = e;
        }
    }
    m_maxSteps = m_lastStep ? std::max(m_maxSteps, m_lastStep->step) : 0;
    updateXAxisChoices();
    updateOverfit();
    m_followData = true;
    scheduleReplot();
}

void MonitorPanel::clear()
{
    resetData();
    m_statusMessage.clear();
    m_statusDetails.clear();
    m_statusIsError = false;
    updateXAxisChoices();
    setState(State::Idle);
    scheduleReplot();
}

void MonitorPanel::resetData()
{
    for (Curve& c : m_curves) {
        c.steps.clear();
        c.tokens.clear();
        c.values.clear();
        c.graph->data()->clear();
    }
    m_smoothed = 0;
    m_smoothedCount = 0;
    m_tokensPerStep = 0;
    m_trainTokens = 0;
    m_maxSteps = 0;
    m_pausedStep = 0;
    m_lastStep.reset();
    m_lastEval.reset();
    m_forgettingFinal.reset();
    m_followData = true;
    m_metricChart->clear();
    m_alerts->setAlerts({});
    m_rollouts->clear();
    updateOverfit();
}

void MonitorPanel::updateMethodRow()
{
    const bool show = !m_metricChart->isHidden() || !m_rollouts->isHidden();
    if (show == !m_methodRow->isHidden())
        return;
    m_methodRow->setVisible(show);
    if (show)
        makeRoomInSplitter(m_methodRow);
}

void MonitorPanel::truncateAfter(int64_t step)
{
    for (Curve& c : m_curves) {
        const auto keep = static_cast<size_t>(std::upper_bound(c.steps.begin(), c.steps.end(), step) - c.steps.begin());
        c.steps.resize(keep);
        c.tokens.resize(keep);
        c.values.resize(keep);
    }
    // The smoothed curve restarts from the kept raw losses.
    Curve& smooth = curve(Series::TrainLossSmoothed);
    const Curve& raw = curve(Series::TrainLoss);
    smooth.values.clear();
    m_smoothed = 0;
    m_smoothedCount = 0;
    for (double loss : raw.values) {
        m_smoothed = kSmoothing * m_smoothed + (1.0 - kSmoothing) * loss;
        ++m_smoothedCount;
        smooth.values.push_back(m_smoothed / (1.0 - std::pow(kSmoothing, m_smoothedCount)));
    }
    smooth.steps = raw.steps;
    smooth.tokens = raw.tokens;
    if (m_lastStep && m_lastStep->step > step)
        m_lastStep.reset();
    if (m_lastEval && m_lastEval->step > step)
        m_lastEval.reset();
    m_metricChart->truncateAfter(step);
    rebuildGraphs();
    updateOverfit();
}

void MonitorPanel::updateStatus()
{
    const int64_t step = m_lastStep ? m_lastStep->step : 0;
    m_progress->setMaximum(int(std::max<int64_t>(m_maxSteps, 1)));
    m_progress->setValue(int(std::min<int64_t>(step, std::max<int64_t>(m_maxSteps, 1))));
    m_progress->setFormat(m_maxSteps > 0 ? tr("step %1 of %2 (%p%)").arg(step).arg(m_maxSteps) : tr("no run"));

    QString status;
    switch (m_state) {
    case State::Idle: status = m_statusMessage.isEmpty() ? tr("Ready") : m_statusMessage; break;
    case State::Starting: status = tr("Starting: loading the corpus and building the model…"); break;
    case State::Running:
        status = m_lastStep ? tr("Running · ETA %1 · %2 elapsed")
                                  .arg(humanDuration(m_lastStep->etaSeconds), humanDuration(m_lastStep->elapsedSeconds))
                            : tr("Running: first evaluation…");
        break;
    case State::Pausing: status = tr("Pausing after the step in progress…"); break;
    case State::Paused: status = tr("Paused after step %1").arg(m_pausedStep); break;
    case State::Stopping: status = tr("Stopping: saving a checkpoint…"); break;
    }
    m_status->setText(status);
    m_status->setExtraToolTip(m_state == State::Idle ? m_statusDetails : QString());
    QPalette pal = palette();
    if (m_statusIsError && m_state == State::Idle)
        pal.setColor(QPalette::WindowText, seriesColor::kRed);
    m_status->setPalette(pal);

    QStringList numbers;
    if (m_lastStep)
        numbers << tr("train loss %1").arg(formatLoss(m_lastStep->loss));
    if (m_lastEval)
        numbers << tr("val loss %1 (last eval, %2; best %3)")
                       .arg(formatLoss(m_lastEval->valLoss), evalBatchesText(), formatLoss(m_lastEval->bestValLoss));
    if (m_lastEval && m_lastEval->rewardAccuracy && m_lastEval->rewardMargin) // DPO, reward model: held-out pairs
        numbers << tr("reward accuracy %1%, margin %2")
                       .arg(QString::number(*m_lastEval->rewardAccuracy * 100.0, 'f', 1),
                            QString::number(*m_lastEval->rewardMargin, 'f', 4));
    if (m_lastEval) // a reward model's known bias: how much its score follows answer length
        if (const auto lengthBias = core::findMetric(m_lastEval->metrics, "eval_length_correlation"))
            numbers << tr("score-length correlation %1").arg(QString::number(*lengthBias, 'f', 2));
    if (const Curve& f = curve(Series::ForgettingPerplexity); !f.values.empty())
        numbers << tr("forgetting %1 → %2 ppl")
                       .arg(QString::number(f.values.front(), 'f', 2),
                            QString::number(m_forgettingFinal.value_or(f.values.back()), 'f', 2));
    if (m_lastStep && m_lastStep->tokensPerSecond > 0)
        numbers << tr("%1 tokens/s").arg(siNumber(m_lastStep->tokensPerSecond));
    m_numbers->setText(numbers.join(QStringLiteral("  ·  ")));
}

void MonitorPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_lossPlot) {
        applyPalette();
        scheduleReplot();
    }
}

void MonitorPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_dirty)
        scheduleReplot();
}

} // namespace tb::ui
