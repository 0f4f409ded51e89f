// SPDX-License-Identifier: MIT
// Shared look of the workbench's QCustomPlot charts: colours and fonts taken from the widget's QPalette (so light
// and dark desktop themes both work), a fixed series palette that reads on both, an axis ticker with SI suffixes
// (12k, 3.4M) and a human duration format. GUI thread only.
#pragma once

#include <qcustomplot.h>

#include <QColor>
#include <QPalette>
#include <QString>

namespace tb::ui {

/// Series colours (Tableau 10): distinguishable on light and dark backgrounds alike.
namespace seriesColor {
inline const QColor kBlue{0x4e, 0x79, 0xa7};
inline const QColor kOrange{0xf2, 0x8e, 0x2b};
inline const QColor kGreen{0x59, 0xa1, 0x4f};
inline const QColor kRed{0xe1, 0x57, 0x59};
inline const QColor kPurple{0xb0, 0x7a, 0xa1};
inline const QColor kTeal{0x76, 0xb7, 0xb2};
} // namespace seriesColor

/// Backgrounds, axes, grid, tick labels and legend from `palette` (Base, Text, Mid, ...). Call again on a
/// QEvent::PaletteChange. Does not replot.
void applyPlotPalette(QCustomPlot* plot, const QPalette& palette);

/// Presentation mode's scale for `plot`: tick labels, axis labels, legend, titles and text items get their own
/// size times `scale`, graph and item pens their own width times `scale`. The size each had at scale 1 is kept on
/// the object, and a pen or font a panel sets afresh (a redrawn graph) counts as its new scale-1 value: the plot
/// re-applies the scale before every replot, so curves drawn later follow. Replots.
void setPlotScale(QCustomPlot* plot, double scale);
/// The scale set on `plot` (1 when none).
double plotScale(const QCustomPlot* plot);

/// A loss as the panels show it: four decimals.
inline QString formatLoss(double v) { return QString::number(v, 'f', 4); }

/// Tick labels as 950, 12k, 3.4M, 1.2G: for token counts and throughput.
class SiAxisTicker : public QCPAxisTicker {
protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;
};

/// 12 345 678 -> "12.3M", 950 -> "950" (3 significant digits).
QString siNumber(double value);
/// "45 s", "3 min 12 s", "2 h 05 min".
QString humanDuration(double seconds);

} // namespace tb::ui
