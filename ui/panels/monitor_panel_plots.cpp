// SPDX-License-Identifier: MIT
// MonitorPanel's plots: the charts it builds, the value tooltip, graphs rebuilt for the x axis, ranges, the
// overfit marker, the forgetting axis and the throttled replot. Data handling and controls are in monitor_panel.cpp.
#include "ui/panels/monitor_panel.h"

#include "core/eval/overfit.h"
#include "ui/panels/metric_chart.h"
#include "ui/panels/rl_alerts_view.h"
#include "ui/panels/plot_style.h"

#include <qcustomplot.h>

#include <QLabel>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tb::ui {

QCustomPlot* MonitorPanel::makePlot(const QString& title, bool legend)
{
    auto* plot = new QCustomPlot(this);
    plot->setNoAntialiasingOnDrag(true);
    plot->setMouseTracking(true); // hover tooltips
    plot->plotLayout()->insertRow(0);
    QFont titleFont = font();
    titleFont.setBold(true);
    auto* titleElement = new QCPTextElement(plot, title, titleFont);
    plot->plotLayout()->addElement(0, 0, titleElement);
    if (legend)
        m_lossTitle = titleElement;
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->axisRect()->setRangeDrag(Qt::Horizontal);
    plot->axisRect()->setRangeZoom(Qt::Horizontal);
    connect(plot, &QCustomPlot::mouseMove, this,
            [this, plot](QMouseEvent* event) { showValuesAt(plot, event->pos()); });
    if (legend) {
        plot->legend->setVisible(true);
        // The legend gets its own row between the title and the chart, entries side by side in a smaller font:
        // inside the chart it covered the curves on a 720-pixel-high screen.
        QFont legendFont = font();
        legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
        plot->legend->setFont(legendFont);
        plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        plot->legend->setWrap(3);
        plot->legend->setBorderPen(Qt::NoPen);
        plot->legend->setBrush(Qt::NoBrush);
        plot->legend->setRowSpacing(0);
        plot->plotLayout()->insertRow(1);
        plot->plotLayout()->addElement(1, 0, plot->legend); // takes it out of the axis rect's inset layout
        plot->plotLayout()->setRowStretchFactor(1, 0.001);
        plot->legend->setMargins(QMargins(4, 0, 4, 0));
    }
    // All charts share the x range; a range change the panel did not make is the user's zoom or drag.
    connect(plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            [this, plot](const QCPRange& range) {
                if (!m_settingRanges)
                    m_followData = false;
                for (QCustomPlot* other : {m_lossPlot, m_lrPlot, m_gradPlot, m_speedPlot}) {
                    if (other && other != plot && other->xAxis->range() != range) {
                        other->xAxis->setRange(range);
                        other->replot(QCustomPlot::rpQueuedReplot);
                    }
                }
            });
    connect(plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        m_followData = true;
        scheduleReplot();
    });
    return plot;
}

void MonitorPanel::showValuesAt(QCustomPlot* plot, const QPoint& pos)
{
    if (!plot->axisRect()->rect().contains(pos)) {
        QToolTip::hideText();
        return;
    }
    const double x = plot->xAxis->pixelToCoord(pos.x());
    QStringList lines;
    std::optional<double> at;
    for (int i = 0; i < plot->graphCount(); ++i) {
        QCPGraph* g = plot->graph(i);
        if (g == m_overfitPoint || g->data()->isEmpty())
            continue;
        // The point nearest to the cursor along x.
        auto it = g->data()->findBegin(x, false);
        if (it == g->data()->constEnd() || (it != g->data()->constBegin() && x - (it - 1)->key < it->key - x))
            it = it == g->data()->constBegin() ? it : it - 1;
        if (!at)
            at = it->key;
        lines << QStringLiteral("%1: %2").arg(g->name(), QString::number(it->value, 'g', 5));
    }
    if (!at) {
        QToolTip::hideText();
        return;
    }
    const QString where = m_xAxis == XAxis::Steps    ? tr("step %1").arg(qint64(std::llround(*at)))
                          : m_xAxis == XAxis::Tokens ? tr("%1 tokens").arg(siNumber(*at))
                                                     : tr("epoch %1").arg(QString::number(*at, 'f', 3));
    lines.prepend(QStringLiteral("<b>%1</b>").arg(where));
    lines << QStringLiteral("<i>%1</i>").arg(tr("drag or scroll to pan and zoom; double-click to follow the run"));
    QToolTip::showText(plot->mapToGlobal(pos), lines.join(QStringLiteral("<br>")), plot);
}

void MonitorPanel::rebuildGraphs()
{
    for (Curve& c : m_curves) {
        QVector<double> keys, values;
        keys.reserve(qsizetype(c.values.size()));
        values.reserve(qsizetype(c.values.size()));
        for (size_t i = 0; i < c.values.size(); ++i) {
            // Eval points recorded before tokens per step was known get it now.
            const int64_t tokens = c.tokens[i] > 0 ? c.tokens[i] : tokensAt(c.steps[i]);
            keys.push_back(xOf(c.steps[i], tokens));
            values.push_back(c.values[i]);
        }
        c.graph->setData(keys, values, /*alreadySorted=*/true);
    }
    m_metricChart->rebuild();
    placeOverfitMarker();
}

void MonitorPanel::updateOverfit()
{
    const Curve& val = curve(Series::ValLoss);
    const auto onset = core::overfitOnset(val.values);
    m_overfitStep = onset ? std::optional<int64_t>(val.steps[*onset]) : std::nullopt;
    placeOverfitMarker();
}

void MonitorPanel::placeOverfitMarker()
{
    const bool shown = m_overfitStep.has_value();
    m_overfitLine->setVisible(shown);
    m_overfitLabel->setVisible(shown);
    m_overfitPoint->data()->clear();
    if (!shown) {
        m_overfitPoint->removeFromLegend();
        return;
    }
    const Curve& val = curve(Series::ValLoss);
    const auto it = std::find(val.steps.begin(), val.steps.end(), *m_overfitStep);
    const auto i = static_cast<size_t>(it - val.steps.begin());
    const int64_t tokens = val.tokens[i] > 0 ? val.tokens[i] : tokensAt(val.steps[i]);
    const double x = xOf(val.steps[i], tokens);
    m_overfitLine->point1->setCoords(x, 0);
    m_overfitLine->point2->setCoords(x, 1);
    m_overfitLabel->position->setCoords(x, 1.0);
    m_overfitLabel->setText(tr("val loss rising after step %1 (best %2)").arg(*m_overfitStep).arg(formatLoss(val.values[i])));
    m_overfitPoint->addData(x, val.values[i]);
    m_overfitPoint->addToLegend();
}

// --- drawing -------------------------------------------------------------------------------------------------------

void MonitorPanel::scheduleReplot()
{
    m_dirty = true;
    if (!m_replotTimer->isActive())
        m_replotTimer->start();
}

void MonitorPanel::flushReplot()
{
    m_replotTimer->stop();
    replotNow(true);
}

void MonitorPanel::replotNow(bool immediately)
{
    updateMethodRow(); // the method chart may have appeared or gone with the data
    if (!m_dirty)
        return;
    m_dirty = false;
    updateRanges();
    updateStatus();
    const auto priority = immediately ? QCustomPlot::rpImmediateRefresh : QCustomPlot::rpQueuedReplot;
    for (QCustomPlot* p : {m_lossPlot, m_lrPlot, m_gradPlot, m_speedPlot})
        p->replot(priority);
    m_metricChart->replot(immediately);
    m_alerts->setAlerts(core::rl::rlAlerts(m_metricChart->series(core::rl::rlAlertMetricNames())));
    ++m_replotCount;
}

void MonitorPanel::updateRanges()
{
    m_settingRanges = true;
    if (m_followData) {
        bool any = false;
        QCPRange x;
        for (const Curve& c : m_curves) {
            if (c.graph->data()->isEmpty())
                continue;
            const double lo = c.graph->data()->constBegin()->key;
            const double hi = (c.graph->data()->constEnd() - 1)->key;
            x = any ? QCPRange(std::min(x.lower, lo), std::max(x.upper, hi)) : QCPRange(lo, hi);
            any = true;
        }
        if (!any)
            x = QCPRange(0, m_xAxis == XAxis::Epochs ? 1.0 : m_xAxis == XAxis::Tokens ? 1000.0 : 10.0);
        else if (x.size() <= 0)
            x = QCPRange(x.lower - 1, x.upper + 1);
        for (QCustomPlot* p : {m_lossPlot, m_lrPlot, m_gradPlot, m_speedPlot})
            p->xAxis->setRange(x);
    }
    // Every value axis fits the data in view.
    for (QCustomPlot* p : {m_lossPlot, m_lrPlot, m_gradPlot, m_speedPlot}) {
        const bool log = p->yAxis->scaleType() == QCPAxis::stLogarithmic;
        bool any = false;
        QCPRange y;
        for (int i = 0; i < p->graphCount(); ++i) {
            if (p->graph(i)->valueAxis() != p->yAxis)
                continue; // the forgetting axis fits on its own below
            bool found = false;
            const QCPRange r = p->graph(i)->getValueRange(found, log ? QCP::sdPositive : QCP::sdBoth, p->xAxis->range());
            if (!found)
                continue;
            y = any ? QCPRange(std::min(y.lower, r.lower), std::max(y.upper, r.upper)) : r;
            any = true;
        }
        if (!any) {
            p->yAxis->setRange(log ? QCPRange(0.1, 10) : QCPRange(0, 1));
            continue;
        }
        if (log) {
            p->yAxis->setRange(y.lower / 1.08, y.upper * 1.08);
            // Log ticks (1, 10, 100) only help across decades; a loss curve within one keeps linear ticks.
            const bool decades = y.upper / y.lower > 20;
            const bool hasLogTicker = !p->yAxis->ticker().dynamicCast<QCPAxisTickerLog>().isNull();
            if (decades != hasLogTicker)
                p->yAxis->setTicker(decades ? QSharedPointer<QCPAxisTicker>(QSharedPointer<QCPAxisTickerLog>::create())
                                            : QSharedPointer<QCPAxisTicker>::create());
        } else {
            // Throughput starts at zero, so a steady run looks steady; the others fit their data.
            if (p == m_speedPlot)
                y.lower = std::min(0.0, y.lower);
            const double pad = y.size() > 0 ? y.size() * 0.06 : std::max(std::abs(y.upper) * 0.05, 1e-9);
            const double lower = y.lower >= 0 && y.lower - pad < 0 ? 0.0 : y.lower - pad;
            p->yAxis->setRange(lower, y.upper + pad);
            if (p->yAxis->ticker().dynamicCast<QCPAxisTickerLog>())
                p->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        }
    }
    updateForgettingAxis();
    m_settingRanges = false;
}

bool MonitorPanel::showsForgetting() const { return !curve(Series::ForgettingPerplexity).values.empty(); }

void MonitorPanel::updateForgettingAxis()
{
    const bool shown = showsForgetting();
    QCPAxis* axis = m_lossPlot->yAxis2;
    QCPGraph* graph = curve(Series::ForgettingPerplexity).graph;
    if (shown != axis->visible()) {
        axis->setVisible(shown);
        if (shown)
            graph->addToLegend();
        else
            graph->removeFromLegend();
        m_lossTitle->setText(shown ? tr("Task loss and forgetting") : tr("Loss"));
    }
    if (!shown)
        return;
    bool found = false;
    const QCPRange r = graph->getValueRange(found, QCP::sdBoth, m_lossPlot->xAxis->range());
    if (!found)
        return;
    const double pad = r.size() > 0 ? r.size() * 0.08 : std::max(std::abs(r.upper) * 0.05, 1e-6);
    axis->setRange(std::max(0.0, r.lower - pad), r.upper + pad);
}

} // namespace tb::ui
