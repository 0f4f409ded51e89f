// SPDX-License-Identifier: MIT
#include "ui/panels/metric_chart.h"

#include "ui/panels/plot_style.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tb::ui {

namespace {

QString noneLabel() { return MetricChart::tr("(none)"); }

/// Shown first, in this order, when present: an RL run's reward, its gold score and its KL.
const QStringList& preferredNames()
{
    static const QStringList names = {QStringLiteral("objective/scores"), QStringLiteral("objective/gold"),
                                      QStringLiteral("objective/kl")};
    return names;
}

/// The value range of `graph` within the x range `x`, padded; nothing when it has no point there.
bool fitAxis(QCPGraph* graph, QCPAxis* axis, const QCPRange& x)
{
    bool found = false;
    const QCPRange r = graph->getValueRange(found, QCP::sdBoth, x);
    if (!found)
        return false;
    const double pad = r.size() > 0 ? r.size() * 0.08 : std::max(std::abs(r.upper) * 0.05, 1e-6);
    axis->setRange(r.lower - pad, r.upper + pad);
    return true;
}

} // namespace

MetricChart::MetricChart(XOf xOf, QWidget* parent) : QWidget(parent), m_xOf(std::move(xOf))
{
    setObjectName(QStringLiteral("metric chart"));
    m_leftPicker = new QComboBox(this);
    m_leftPicker->setObjectName(QStringLiteral("metric left"));
    m_leftPicker->setToolTip(tr("A value the training method adds, by its name in metrics.jsonl (left axis)"));
    m_rightPicker = new QComboBox(this);
    m_rightPicker->setObjectName(QStringLiteral("metric right"));
    m_rightPicker->setToolTip(tr("A second value on the right axis, or none"));
    m_rightPicker->addItem(noneLabel());
    for (QComboBox* box : {m_leftPicker, m_rightPicker}) {
        // Narrow (the window-fit rule): the chart shares its row with the rollout samples of RL runs.
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(6);
        connect(box, &QComboBox::currentIndexChanged, this, [this] { showPicked(); });
    }

    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(130);
    m_plot->setNoAntialiasingOnDrag(true);
    m_left = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    m_left->setPen(QPen(seriesColor::kGreen, 2));
    m_left->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    m_right = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_right->setPen(QPen(seriesColor::kPurple, 2, Qt::DashLine));
    m_right->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, 7));
    m_plot->yAxis2->setVisible(true);
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);

    connect(m_plot, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable* plottable, int index) {
        const QString name = plottable == m_left    ? m_leftPicker->currentText()
                             : plottable == m_right ? (m_rightPicker->currentIndex() > 0 ? m_rightPicker->currentText()
                                                                                         : QString())
                                                    : QString();
        // The graph holds the metric's points in order (fill() and add() skip none), so index i is point i.
        const auto it = m_points.find(name.toStdString());
        if (it != m_points.end() && index >= 0 && size_t(index) < it->second.steps.size())
            emit pointClicked(name, it->second.steps[size_t(index)]);
    });

    auto* pickers = new QHBoxLayout;
    pickers->setContentsMargins(0, 0, 0, 0);
    auto* title = new QLabel(tr("<b>Method metrics</b>"), this);
    pickers->addWidget(title);
    pickers->addSpacing(8);
    auto* leftLabel = new QLabel(tr("left:"), this);
    leftLabel->setBuddy(m_leftPicker);
    pickers->addWidget(leftLabel);
    pickers->addWidget(m_leftPicker);
    auto* rightLabel = new QLabel(tr("right:"), this);
    rightLabel->setBuddy(m_rightPicker);
    pickers->addWidget(rightLabel);
    pickers->addWidget(m_rightPicker);
    pickers->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(pickers);
    layout->addWidget(m_plot, 1);
    applyPalette();
    setVisible(false);
}

void MetricChart::add(const std::string& name, int64_t step, int64_t tokens, double value)
{
    if (!std::isfinite(value))
        return;
    auto [it, isNew] = m_points.try_emplace(name);
    it->second.steps.push_back(step);
    it->second.tokens.push_back(tokens);
    it->second.values.push_back(value);
    const QString qname = QString::fromStdString(name);
    if (isNew) {
        m_order.push_back(name);
        {
            const QSignalBlocker blockLeft(m_leftPicker);
            const QSignalBlocker blockRight(m_rightPicker);
            m_leftPicker->addItem(qname);
            m_rightPicker->addItem(qname);
            if (m_order.size() == 2)
                m_rightPicker->setCurrentText(qname);
            if (preferredNames().contains(qname))
                pickPreferred();
        }
        showPicked();
        if (isHidden()) {
            setVisible(true);
            makeRoomInSplitter(this);
        }
        return;
    }
    const double x = m_xOf(step, tokens);
    if (m_leftPicker->currentText() == qname)
        m_left->addData(x, value);
    if (m_rightPicker->currentText() == qname)
        m_right->addData(x, value);
}

void MetricChart::clear()
{
    m_points.clear();
    m_order.clear();
    {
        const QSignalBlocker blockLeft(m_leftPicker);
        const QSignalBlocker blockRight(m_rightPicker);
        m_leftPicker->clear();
        m_rightPicker->clear();
        m_rightPicker->addItem(noneLabel());
    }
    showPicked();
    setVisible(false);
}

void MetricChart::truncateAfter(int64_t step)
{
    for (auto& [name, p] : m_points) {
        const auto keep = static_cast<size_t>(std::upper_bound(p.steps.begin(), p.steps.end(), step) - p.steps.begin());
        p.steps.resize(keep);
        p.tokens.resize(keep);
        p.values.resize(keep);
    }
    rebuild();
}

void MetricChart::rebuild() { showPicked(); }

void MetricChart::fill(QCPGraph* graph, const QString& name)
{
    QVector<double> keys, values;
    const auto it = m_points.find(name.toStdString());
    if (it != m_points.end()) {
        const Points& p = it->second;
        for (size_t i = 0; i < p.values.size(); ++i) {
            keys.push_back(m_xOf(p.steps[i], p.tokens[i]));
            values.push_back(p.values[i]);
        }
    }
    graph->setData(keys, values, /*alreadySorted=*/true);
    graph->setName(name);
    if (it == m_points.end())
        graph->removeFromLegend();
    else
        graph->addToLegend();
}

void MetricChart::pickPreferred()
{
    QStringList present;
    for (const QString& name : preferredNames())
        if (m_points.count(name.toStdString()))
            present << name;
    if (present.size() >= 1)
        m_leftPicker->setCurrentText(present[0]);
    if (present.size() >= 2)
        m_rightPicker->setCurrentText(present[1]);
}

core::rl::MetricSeriesMap MetricChart::series(const std::vector<std::string>& names) const
{
    core::rl::MetricSeriesMap out;
    for (const std::string& name : names)
        if (const auto it = m_points.find(name); it != m_points.end())
            out[name] = {it->second.steps, it->second.values};
    return out;
}

void MetricChart::showPicked()
{
    fill(m_left, m_leftPicker->currentText());
    fill(m_right, m_rightPicker->currentText());
    m_plot->yAxis->setLabel(m_leftPicker->currentText());
    m_plot->yAxis2->setLabel(m_rightPicker->currentIndex() > 0 ? m_rightPicker->currentText() : QString());
    replot(false);
}

void MetricChart::followXRange(QCPAxis* axis)
{
    connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this](const QCPRange& range) {
        if (m_plot->xAxis->range() != range) {
            m_plot->xAxis->setRange(range);
            replot(false);
        }
    });
    m_plot->xAxis->setRange(axis->range());
}

void MetricChart::replot(bool immediately)
{
    const QCPRange x = m_plot->xAxis->range();
    if (!fitAxis(m_left, m_plot->yAxis, x))
        m_plot->yAxis->setRange(0, 1);
    if (!fitAxis(m_right, m_plot->yAxis2, x))
        m_plot->yAxis2->setRange(0, 1);
    m_plot->replot(immediately ? QCustomPlot::rpImmediateRefresh : QCustomPlot::rpQueuedReplot);
}

void MetricChart::applyPalette()
{
    applyPlotPalette(m_plot, palette());
}

QStringList MetricChart::names() const
{
    QStringList out;
    for (const auto& n : m_order)
        out << QString::fromStdString(n);
    return out;
}

QString MetricChart::leftName() const { return m_leftPicker->currentText(); }
QString MetricChart::rightName() const { return m_rightPicker->currentIndex() > 0 ? m_rightPicker->currentText() : QString(); }
void MetricChart::setLeftName(const QString& name) { m_leftPicker->setCurrentText(name); }
void MetricChart::setRightName(const QString& name) { m_rightPicker->setCurrentText(name.isEmpty() ? noneLabel() : name); }

int MetricChart::pointCount(int side) const { return (side == 0 ? m_left : m_right)->dataCount(); }

QPointF MetricChart::point(int side, int index) const
{
    const auto it = (side == 0 ? m_left : m_right)->data()->at(index);
    return {it->key, it->value};
}


void makeRoomInSplitter(QWidget* child)
{
    auto* splitter = qobject_cast<QSplitter*>(child->parentWidget());
    if (!splitter)
        return;
    const bool vertical = splitter->orientation() == Qt::Vertical;
    QList<int> sizes = splitter->sizes();
    const int index = splitter->indexOf(child);
    const QSize minimum = child->minimumSizeHint();
    // Side by side, a child squeezed to its minimum width is as bad as none: share a row whenever one appears.
    if (index < 0 || (vertical && sizes.value(index) >= std::max(minimum.height(), 1)))
        return;
    int total = 0;
    for (int size : sizes)
        total += size;
    if (total <= 0)
        return; // not laid out yet: the stretch factors share it
    QList<int> weights;
    for (int i = 0; i < sizes.size(); ++i)
        weights << (i == 0 ? 3 : 2);
    int weightSum = 0;
    for (int w : weights)
        weightSum += w;
    for (int i = 0; i < sizes.size(); ++i)
        sizes[i] = total * weights[i] / weightSum;
    splitter->setSizes(sizes);
}

} // namespace tb::ui
