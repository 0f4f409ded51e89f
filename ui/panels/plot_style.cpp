// SPDX-License-Identifier: MIT
#include "ui/panels/plot_style.h"

#include <QVariant>

#include <algorithm>
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

constexpr const char* kScaleProperty = "tbPlotScale";

/// `value` at scale `scale`, given the scale-1 value kept in `holder`'s properties under `key`. A value that is not
/// the one this function set last was set by a panel and becomes the new scale-1 value.
double scaled(QObject* holder, const char* key, double value, double scale)
{
    const QByteArray baseKey = QByteArray("tbBase_") + key;
    const QByteArray lastKey = QByteArray("tbLast_") + key;
    const QVariant last = holder->property(lastKey.constData());
    double base = holder->property(baseKey.constData()).toDouble();
    if (!last.isValid() || std::abs(last.toDouble() - value) > 1e-6) {
        base = value;
        holder->setProperty(baseKey.constData(), base);
    }
    const double result = base * scale;
    holder->setProperty(lastKey.constData(), result);
    return result;
}

QFont scaledFont(QObject* holder, const char* key, QFont font, double scale)
{
    if (font.pointSizeF() > 0)
        font.setPointSizeF(scaled(holder, key, font.pointSizeF(), scale));
    else if (font.pixelSize() > 0)
        font.setPixelSize(std::max(1, int(std::lround(scaled(holder, key, font.pixelSize(), scale)))));
    return font;
}

QPen scaledPen(QObject* holder, const char* key, QPen pen, double scale)
{
    if (pen.style() != Qt::NoPen)
        pen.setWidthF(scaled(holder, key, pen.widthF() > 0 ? pen.widthF() : 1.0, scale));
    return pen;
}

void rescale(QCustomPlot* plot)
{
    const double s = plotScale(plot);
    for (QCPAxisRect* rect : plot->axisRects())
        for (QCPAxis* axis : rect->axes()) {
            axis->setTickLabelFont(scaledFont(axis, "tick", axis->tickLabelFont(), s));
            axis->setLabelFont(scaledFont(axis, "label", axis->labelFont(), s));
        }
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i)
        if (auto* title = qobject_cast<QCPTextElement*>(plot->plotLayout()->elementAt(i)))
            title->setFont(scaledFont(title, "font", title->font(), s));
    if (plot->legend) {
        plot->legend->setFont(scaledFont(plot->legend, "font", plot->legend->font(), s));
        // Items are made with the legend's font, which is scaled already.
        for (int i = 0; i < plot->legend->itemCount(); ++i)
            if (QCPAbstractLegendItem* item = plot->legend->item(i))
                item->setFont(plot->legend->font());
    }
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* p = plot->plottable(i);
        p->setPen(scaledPen(p, "pen", p->pen(), s));
    }
    for (int i = 0; i < plot->itemCount(); ++i) {
        QCPAbstractItem* item = plot->item(i);
        if (auto* text = qobject_cast<QCPItemText*>(item)) {
            // A text item made after the scale was set took the plot's (scaled) widget font: note its scale-1 size.
            if (!text->property("tbLast_font").isValid() && text->font() == plot->font() && s != 1.0 &&
                text->font().pointSizeF() > 0) {
                text->setProperty("tbBase_font", text->font().pointSizeF() / s);
                text->setProperty("tbLast_font", text->font().pointSizeF());
            }
            text->setFont(scaledFont(text, "font", text->font(), s));
        }
        else if (auto* line = qobject_cast<QCPItemStraightLine*>(item))
            line->setPen(scaledPen(line, "pen", line->pen(), s));
        else if (auto* segment = qobject_cast<QCPItemLine*>(item))
            segment->setPen(scaledPen(segment, "pen", segment->pen(), s));
        else if (auto* tracer = qobject_cast<QCPItemTracer*>(item))
            tracer->setPen(scaledPen(tracer, "pen", tracer->pen(), s));
    }
}

} // namespace

void setPlotScale(QCustomPlot* plot, double scale)
{
    plot->setProperty(kScaleProperty, scale);
    if (!plot->property("tbScaleHooked").toBool()) {
        plot->setProperty("tbScaleHooked", true);
        // Before the layout is computed, so new fonts size the margins of this very replot.
        QObject::connect(plot, &QCustomPlot::beforeReplot, plot, [plot] { rescale(plot); });
    }
    // The margins (and so the plot's minimum size) now, also for a hidden plot, which does not lay itself out
    // until it is shown: the window's size checks need them.
    rescale(plot);
    for (auto phase : {QCPLayoutElement::upPreparation, QCPLayoutElement::upMargins, QCPLayoutElement::upLayout})
        plot->plotLayout()->update(phase);
    plot->updateGeometry();
    plot->replot();
}

double plotScale(const QCustomPlot* plot)
{
    const QVariant v = plot->property(kScaleProperty);
    return v.isValid() ? v.toDouble() : 1.0;
}

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
