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
    m_scale = scale;
    if (scale != 1.0)
        m_presentationScale = scale;
    apply();
    if (m_toggle) {
        const QSignalBlocker block(m_toggle);
        m_toggle->setChecked(isEnabled());
    }
    emit scaleChanged(m_scale);
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
