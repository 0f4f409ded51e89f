// SPDX-License-Identifier: MIT
#include "ui/panels/plot_style.h"

#include <cmath>

namespace tb::ui {

namespace {

QColor mix(const QColor& a, const QColor& b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

void styleAxis(QCPAxis* axis, const QColor& text, const QColor& line, const QColor& grid, const QColor& subGrid)
{
    axis->setBasePen(QPen(line, 1));
    axis->setTickPen(QPen(line, 1));
    axis->setSubTickPen(QPen(line, 1));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->grid()->setPen(QPen(grid, 1, Qt::SolidLine));
    axis->grid()->setSubGridPen(QPen(subGrid, 1, Qt::DotLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
}

} // namespace

void applyPlotPalette(QCustomPlot* plot, const QPalette& palette)
{
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const QColor window = palette.color(QPalette::Window);
    const QColor line = mix(base, text, 0.45);
    const QColor grid = mix(base, text, 0.12);
    const QColor subGrid = mix(base, text, 0.06);

    plot->setBackground(QBrush(window));
    for (QCPAxisRect* rect : plot->axisRects()) {
        rect->setBackground(QBrush(base));
        for (QCPAxis* axis : rect->axes())
            styleAxis(axis, text, line, grid, subGrid);
    }
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i)
        if (auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->elementAt(i)))
            title->setTextColor(palette.color(QPalette::WindowText));
    if (plot->legend) {
        QColor legendBack = base;
        legendBack.setAlpha(225);
        plot->legend->setBrush(QBrush(legendBack));
        plot->legend->setBorderPen(QPen(line, 1));
        plot->legend->setTextColor(text);
    }
}

QString SiAxisTicker::getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision)
{
    if (std::abs(tick) < 1000.0)
        return QCPAxisTicker::getTickLabel(tick, locale, formatChar, precision);
    return siNumber(tick);
}

QString siNumber(double value)
{
    static const char* const kSuffix[] = {"", "k", "M", "G", "T"};
    double v = value;
    int i = 0;
    while (std::abs(v) >= 999.5 && i < 4) {
        v /= 1000.0;
        ++i;
    }
    // Three significant digits, without trailing zeros: 1.2k, 12k, 120k.
    const int decimals = std::abs(v) >= 100 ? 0 : std::abs(v) >= 10 ? 1 : 2;
    QString s = QString::number(v, 'f', i == 0 && v == std::round(v) ? 0 : decimals);
    if (s.contains('.')) {
        while (s.endsWith('0'))
            s.chop(1);
        if (s.endsWith('.'))
            s.chop(1);
    }
    return s + QLatin1String(kSuffix[i]);
}

QString humanDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("–");
    const auto total = static_cast<long long>(std::llround(seconds));
    if (total < 60)
        return QStringLiteral("%1 s").arg(total);
    if (total < 3600)
        return QStringLiteral("%1 min %2 s").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min").arg(total / 3600).arg((total % 3600) / 60, 2, 10, QLatin1Char('0'));
}

} // namespace tb::ui
