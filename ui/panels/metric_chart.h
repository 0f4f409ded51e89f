// SPDX-License-Identifier: MIT
// The Monitor's chart of the values a training method adds by name (core::NamedMetric: DPO's eval_rewards/*, a
// reward model's eval_accuracy and eval_margin, ...): two pickers choose the metric on the left and on the right
// axis, so a new method's values are plotted without a new series. It keeps every named value it was given, so the
// pickers can switch at any time; it hides itself while there is none. Its x range follows another chart's axis
// (the Monitor's loss chart) and its x unit comes from the Monitor's xOf. RL runs' reward curves come first: the
// first of objective/scores, objective/gold, objective/kl to arrive goes on the left, the next on the right.
// Clicking a point emits pointClicked() with its metric and step (the Monitor selects that step's rollout samples).
// GUI thread only.
#pragma once

#include "core/rl/rl_alerts.h"

#include <QPointF>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

class QCPAxis;
class QCPGraph;
class QComboBox;
class QCustomPlot;

namespace tb::ui {

class MetricChart : public QWidget {
    Q_OBJECT
public:
    /// x of a point from its step and tokens seen (the Monitor's current axis unit).
    using XOf = std::function<double(int64_t step, int64_t tokens)>;

    MetricChart(XOf xOf, QWidget* parent = nullptr);

    /// Appends a point of metric `name` (steps in increasing order per metric). A new name joins the pickers; the
    /// first two names fill the left and right axes.
    void add(const std::string& name, int64_t step, int64_t tokens, double value);
    void clear();
    /// Drops the points after `step` (a resumed run goes on from its checkpoint).
    void truncateAfter(int64_t step);
    /// Recomputes every x (the x unit changed, or tokens per step became known).
    void rebuild();
    /// Keeps this chart's x range equal to `axis`'s.
    void followXRange(QCPAxis* axis);
    /// Redraws (fits the value axes to the data in view).
    void replot(bool immediately);
    void applyPalette();

    // Read-outs, for tests.
    QStringList names() const;
    QString leftName() const;
    QString rightName() const; // empty: none
    void setLeftName(const QString& name);
    void setRightName(const QString& name);
    /// Points of the shown graph on the left (0) or right (1) axis.
    int pointCount(int side) const;
    QPointF point(int side, int index) const;
    QCustomPlot* plot() const { return m_plot; }
    /// The points of the metrics named (those present), by name (for core::rl::rlAlerts).
    core::rl::MetricSeriesMap series(const std::vector<std::string>& names) const;

signals:
    /// The user clicked point `step` of the curve of `name`.
    void pointClicked(const QString& name, qint64 step);

private:
    struct Points {
        std::vector<int64_t> steps;
        std::vector<int64_t> tokens;
        std::vector<double> values;
    };

    void showPicked();
    /// Puts the preferred names present (RL reward curves) on the left and right axes.
    void pickPreferred();
    void fill(QCPGraph* graph, const QString& name);

    XOf m_xOf;
    QCustomPlot* m_plot = nullptr;
    QCPGraph* m_left = nullptr;
    QCPGraph* m_right = nullptr;
    QComboBox* m_leftPicker = nullptr;
    QComboBox* m_rightPicker = nullptr;
    std::map<std::string, Points> m_points;
    std::vector<std::string> m_order; // names in the order they first arrived
};

/// Gives `child` of a splitter a share of it when it first appears (a splitter gives a child that appears after the
/// layout settled no room): the first child 3 parts, every other 2, as the Monitor shares its charts. A vertical
/// splitter is left alone while the child has its minimum height; a horizontal one is always shared.
void makeRoomInSplitter(QWidget* child);

} // namespace tb::ui
