// SPDX-License-Identifier: MIT
#include "ui/panels/elided_label.h"

#include <QEvent>
#include <QPainter>

#include <algorithm>

namespace tb::ui {

namespace {
constexpr int kMinimumChars = 6; // what stays readable when the label is squeezed: "Compl…"
}

ElidedLabel::ElidedLabel(QWidget* parent) : QFrame(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void ElidedLabel::setText(const QString& text)
{
    // One line: line breaks would be drawn as nothing.
    QString line = text;
    line.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (line == m_text)
        return;
    m_text = line;
    updateGeometry();
    updateToolTip();
    update();
}

void ElidedLabel::setExtraToolTip(const QString& tip)
{
    m_extraTip = tip;
    updateToolTip();
}

void ElidedLabel::setAlignment(Qt::Alignment alignment)
{
    m_alignment = alignment;
    update();
}

bool ElidedLabel::isElided() const
{
    return fontMetrics().horizontalAdvance(m_text) > contentsRect().width();
}

QSize ElidedLabel::sizeHint() const
{
    const QMargins m = contentsMargins();
    return {fontMetrics().horizontalAdvance(m_text) + m.left() + m.right() + 2,
            fontMetrics().height() + m.top() + m.bottom()};
}

QSize ElidedLabel::minimumSizeHint() const
{
    const QMargins m = contentsMargins();
    const int chars = fontMetrics().averageCharWidth() * kMinimumChars;
    return {std::min(chars, sizeHint().width()), fontMetrics().height() + m.top() + m.bottom()};
}

void ElidedLabel::paintEvent(QPaintEvent* event)
{
    QFrame::paintEvent(event);
    QPainter painter(this);
    const QRect r = contentsRect();
    const QString shown = fontMetrics().elidedText(m_text, Qt::ElideRight, r.width());
    painter.setPen(palette().color(isEnabled() ? QPalette::Active : QPalette::Disabled, foregroundRole()));
    painter.drawText(r, int(m_alignment) | Qt::TextSingleLine, shown);
}

void ElidedLabel::resizeEvent(QResizeEvent* event)
{
    QFrame::resizeEvent(event);
    updateToolTip();
}

void ElidedLabel::changeEvent(QEvent* event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        updateGeometry();
        updateToolTip();
    }
}

void ElidedLabel::updateToolTip()
{
    QString tip;
    if (isElided())
        tip = m_text;
    if (!m_extraTip.isEmpty())
        tip += (tip.isEmpty() ? QString() : QStringLiteral("\n\n")) + m_extraTip;
    setToolTip(tip);
}

} // namespace tb::ui
