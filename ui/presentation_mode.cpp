// SPDX-License-Identifier: MIT
#include "ui/presentation_mode.h"

#include "ui/panels/plot_style.h"

#include <QAction>
#include <QApplication>
#include <QKeySequence>
#include <QMenu>
#include <QSettings>

#include <algorithm>
#include <cmath>

namespace tb::ui {

namespace {
const QString kEnabledKey = QStringLiteral("view/presentation");
const QString kScaleKey = QStringLiteral("view/presentationScale");
} // namespace

PresentationMode::PresentationMode(QObject* parent) : QObject(parent), m_baseFont(QApplication::font()) {}

PresentationMode::~PresentationMode()
{
    if (isEnabled())
        QApplication::setFont(m_baseFont);
}

void PresentationMode::addActions(QMenu* menu)
{
    m_toggle = menu->addAction(tr("&Presentation mode"));
    m_toggle->setObjectName(QStringLiteral("PresentationModeAction"));
    m_toggle->setCheckable(true);
    m_toggle->setChecked(isEnabled());
    m_toggle->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+P")));
    connect(m_toggle, &QAction::toggled, this, &PresentationMode::setEnabled);
    QAction* in = menu->addAction(tr("&Larger text"), this, &PresentationMode::zoomIn);
    // Ctrl+= is where "+" is without Shift on most layouts; Ctrl++ works on keypads.
    in->setShortcuts({QKeySequence(QStringLiteral("Ctrl+=")), QKeySequence(QStringLiteral("Ctrl++"))});
    QAction* out = menu->addAction(tr("&Smaller text"), this, &PresentationMode::zoomOut);
    out->setShortcut(QKeySequence(QStringLiteral("Ctrl+-")));
    QAction* reset = menu->addAction(tr("&Normal size"), this, &PresentationMode::reset);
    reset->setShortcut(QKeySequence(QStringLiteral("Ctrl+0")));
}

void PresentationMode::restore()
{
    QSettings settings;
    m_presentationScale = std::clamp(settings.value(kScaleKey, kDefaultScale).toDouble(), kMinScale, kMaxScale);
    if (m_presentationScale == 1.0)
        m_presentationScale = kDefaultScale;
    setEnabled(settings.value(kEnabledKey, false).toBool());
}

void PresentationMode::save() const
{
    QSettings settings;
    settings.setValue(kEnabledKey, isEnabled());
    settings.setValue(kScaleKey, isEnabled() ? m_scale : m_presentationScale);
}

void PresentationMode::setEnabled(bool on)
{
    setScale(on ? m_presentationScale : 1.0);
}

void PresentationMode::setScale(double scale)
{
    // Steps of 0.1 stay exact enough to come back to 1.
    scale = std::clamp(std::round(scale * 100.0) / 100.0, kMinScale, kMaxScale);
    if (scale == m_scale)
        return;
    bool limited = false;
    if (m_fits && scale > 1.0 && scale > m_scale) {
        // Up one step at a time, stopping at the last scale whose window fits the screen. A step whose room is
        // foreseen (from the last two steps) to run out is not tried: a font too large for a moment widens some
        // panels for good (hidden tabs keep their sizes), so a step too far is avoided where it can be seen.
        double fitting = m_scale;
        QSize slack = m_fits();
        QSize lastSlack = slack;
        bool first = true;
        while (fitting < scale) {
            const QSize foreseen = first ? slack : slack + (slack - lastSlack);
            if (slack.width() < 0 || slack.height() < 0 || foreseen.width() < 0 || foreseen.height() < 0) {
                limited = true;
                break;
            }
            m_scale = std::min(scale, std::round((fitting + kStep) * 100.0) / 100.0);
            apply();
            const QSize now = m_fits();
            if (now.width() < 0 || now.height() < 0) {
                limited = true;
                m_scale = fitting;
                apply();
                break;
            }
            lastSlack = slack;
            slack = now;
            first = false;
            fitting = m_scale;
        }
    } else {
        m_scale = scale;
        apply();
    }
    if (m_scale != 1.0)
        m_presentationScale = m_scale;
    if (m_toggle) {
        const QSignalBlocker block(m_toggle);
        m_toggle->setChecked(isEnabled());
    }
    emit scaleChanged(m_scale);
    if (limited)
        emit scaleLimited(m_scale);
}

void PresentationMode::apply()
{
    QFont font = m_baseFont;
    if (m_baseFont.pointSizeF() > 0)
        font.setPointSizeF(m_baseFont.pointSizeF() * m_scale);
    else
        font.setPixelSize(std::max(1, int(std::lround(m_baseFont.pixelSize() * m_scale))));
    QApplication::setFont(font);
    for (QWidget* widget : QApplication::allWidgets())
        if (auto* plot = qobject_cast<QCustomPlot*>(widget))
            setPlotScale(plot, m_scale);
}

} // namespace tb::ui
