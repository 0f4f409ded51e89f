// SPDX-License-Identifier: MIT
// The Monitor's banner of plain-language alerts for RL runs (core::rl::rlAlerts: negative KL, val/ratio far from 1,
// reward rising while the KL explodes, collapsed entropy): one sentence each with the step where it started, in a
// short scrolling box. Hidden while there is no alert. GUI thread only.
#pragma once

#include "core/rl/rl_alerts.h"

#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QScrollArea;

namespace tb::ui {

class RlAlertsView : public QWidget {
    Q_OBJECT
public:
    explicit RlAlertsView(QWidget* parent = nullptr);

    /// Shows `alerts` (hidden when there is none).
    void setAlerts(const std::vector<core::rl::RlAlert>& alerts);
    int alertCount() const { return int(m_alerts.size()); }
    /// One line per alert as shown: "From step N: message".
    QStringList texts() const;

private:
    std::vector<core::rl::RlAlert> m_alerts;
    QScrollArea* m_scroll = nullptr;
    QLabel* m_text = nullptr;
};

} // namespace tb::ui
