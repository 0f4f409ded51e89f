// SPDX-License-Identifier: MIT
#include "ui/panels/rl_alerts_view.h"

#include "ui/panels/plot_style.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QStyle>

#include <algorithm>

namespace tb::ui {

RlAlertsView::RlAlertsView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("rl alerts"));
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("rl alerts text"));
    m_text->setWordWrap(true); // wraps in the panel's width: never widens the window
    m_text->setTextFormat(Qt::RichText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setMargin(4);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_text);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::StyledPanel);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // At most about four lines: the charts below keep their room on a small screen.
    m_scroll->setMaximumHeight(fontMetrics().lineSpacing() * 4 + 14);
    m_scroll->setToolTip(tr("What the RL curves suggest, in words (docs/rlhf.md, \"Alerts\", gives the thresholds)"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_scroll);
    setVisible(false);
}

void RlAlertsView::setAlerts(const std::vector<core::rl::RlAlert>& alerts)
{
    // Called at every redraw: change the label only when the alerts changed.
    const bool same = alerts.size() == m_alerts.size() &&
                      std::equal(alerts.begin(), alerts.end(), m_alerts.begin(), [](const auto& a, const auto& b) {
                          return a.kind == b.kind && a.step == b.step && a.message == b.message;
                      });
    if (same)
        return;
    m_alerts = alerts;
    QStringList lines;
    for (const QString& line : texts())
        lines << QStringLiteral("<span style=\"color:%1\">⚠</span> %2")
                     .arg(QColor(seriesColor::kOrange).name(), line.toHtmlEscaped());
    m_text->setText(lines.join(QStringLiteral("<br>")));
    setVisible(!m_alerts.empty());
}

QStringList RlAlertsView::texts() const
{
    QStringList out;
    for (const auto& a : m_alerts)
        out << tr("From step %1: %2").arg(a.step).arg(QString::fromStdString(a.message));
    return out;
}

} // namespace tb::ui
