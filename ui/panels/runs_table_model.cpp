// SPDX-License-Identifier: MIT
#include "ui/panels/runs_table_model.h"

#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tb::ui {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// Status colours chosen to read on light and dark backgrounds alike.
QColor statusColor(core::RunStatus status)
{
    switch (status) {
    case core::RunStatus::Running: return QColor(0x2f, 0x80, 0xed);
    case core::RunStatus::Completed: return QColor(0x2e, 0xa0, 0x43);
    case core::RunStatus::Stopped: return QColor(0xd2, 0x99, 0x22);
    case core::RunStatus::Failed: return QColor(0xda, 0x36, 0x33);
    case core::RunStatus::Interrupted: return QColor(0x9a, 0x5c, 0xd6);
    }
    return Qt::gray;
}

/// A coloured disc with a white glyph: a triangle (running), a tick (completed), a square (stopped), a cross
/// (failed), a pause bar pair (interrupted). Shape and colour both carry the status.
QPixmap statusPixmap(core::RunStatus status, int size, qreal dpr, bool paused)
{
    QPixmap pm(QSize(size, size) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const qreal s = size;
    p.setPen(Qt::NoPen);
    p.setBrush(statusColor(status));
    p.drawEllipse(QRectF(0.5, 0.5, s - 1, s - 1));
    QPen glyph(Qt::white, s / 9.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    if (paused) { // a running run, paused: the running colour with a pause sign
        p.setBrush(Qt::white);
        p.drawRect(QRectF(s * 0.33, s * 0.3, s * 0.12, s * 0.4));
        p.drawRect(QRectF(s * 0.55, s * 0.3, s * 0.12, s * 0.4));
        return pm;
    }
    switch (status) {
    case core::RunStatus::Running: {
        QPainterPath tri;
        tri.moveTo(s * 0.38, s * 0.28);
        tri.lineTo(s * 0.74, s * 0.5);
        tri.lineTo(s * 0.38, s * 0.72);
        tri.closeSubpath();
        p.setBrush(Qt::white);
        p.drawPath(tri);
        break;
    }
    case core::RunStatus::Completed:
        p.setPen(glyph);
        p.drawPolyline(QPolygonF({QPointF(s * 0.28, s * 0.52), QPointF(s * 0.44, s * 0.68), QPointF(s * 0.72, s * 0.34)}));
        break;
    case core::RunStatus::Stopped:
        p.setBrush(Qt::white);
        p.drawRect(QRectF(s * 0.32, s * 0.32, s * 0.36, s * 0.36));
        break;
    case core::RunStatus::Failed:
        p.setPen(glyph);
        p.drawLine(QPointF(s * 0.33, s * 0.33), QPointF(s * 0.67, s * 0.67));
        p.drawLine(QPointF(s * 0.67, s * 0.33), QPointF(s * 0.33, s * 0.67));
        break;
    case core::RunStatus::Interrupted:
        p.setBrush(Qt::white);
        p.drawRect(QRectF(s * 0.33, s * 0.3, s * 0.12, s * 0.4));
        p.drawRect(QRectF(s * 0.55, s * 0.3, s * 0.12, s * 0.4));
        break;
    }
    return pm;
}

QString createdText(const std::string& iso)
{
    const QDateTime t = QDateTime::fromString(qs(iso), Qt::ISODate);
    return t.isValid() ? t.toLocalTime().toString("yyyy-MM-dd HH:mm") : qs(iso);
}

} // namespace

RunsTableModel::RunsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunsTableModel::setRuns(std::vector<core::RunRecord> runs)
{
    beginResetModel();
    m_runs = std::move(runs);
    endResetModel();
}

void RunsTableModel::updateRun(const core::RunRecord& run)
{
    const int row = rowOf(qs(run.id));
    if (row < 0) {
        const int n = rowCount();
        beginInsertRows({}, n, n);
        m_runs.push_back(run);
        endInsertRows();
        return;
    }
    m_runs[static_cast<size_t>(row)] = run;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int RunsTableModel::rowOf(const QString& id) const
{
    const std::string key = id.toStdString();
    for (size_t i = 0; i < m_runs.size(); ++i)
        if (m_runs[i].id == key)
            return static_cast<int>(i);
    return -1;
}

QString RunsTableModel::statusText(core::RunStatus status)
{
    switch (status) {
    case core::RunStatus::Running: return tr("Running");
    case core::RunStatus::Completed: return tr("Completed");
    case core::RunStatus::Stopped: return tr("Stopped");
    case core::RunStatus::Failed: return tr("Failed");
    case core::RunStatus::Interrupted: return tr("Interrupted");
    }
    return {};
}

QIcon RunsTableModel::statusIcon(core::RunStatus status, bool paused)
{
    QIcon icon;
    for (const qreal dpr : {1.0, 2.0})
        icon.addPixmap(statusPixmap(status, 14, dpr, paused));
    return icon;
}

void RunsTableModel::setLiveRun(const QString& id, int64_t step, bool paused)
{
    const QString old = m_liveId;
    m_liveId = id;
    m_liveStep = step;
    m_livePaused = paused;
    for (const QString& changed : {old, id}) {
        const int row = changed.isEmpty() ? -1 : rowOf(changed);
        if (row >= 0)
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

bool RunsTableModel::isLive(const core::RunRecord& run) const
{
    return !m_liveId.isEmpty() && run.status == core::RunStatus::Running && qs(run.id) == m_liveId;
}

QString RunsTableModel::durationText(double seconds)
{
    if (!(seconds > 0))
        return QStringLiteral("—");
    const auto total = static_cast<int64_t>(std::llround(seconds));
    const int64_t h = total / 3600, m = (total % 3600) / 60, s = total % 60;
    if (h > 0)
        return QStringLiteral("%1 h %2 min").arg(h).arg(m, 2, 10, QChar('0'));
    if (m > 0)
        return QStringLiteral("%1 min %2 s").arg(m).arg(s, 2, 10, QChar('0'));
    return seconds < 10 ? QStringLiteral("%1 s").arg(seconds, 0, 'f', 1) : QStringLiteral("%1 s").arg(s);
}

QString RunsTableModel::countText(int64_t n)
{
    if (n >= 100000)
        return QLocale().toString(double(n) / 1e6, 'f', n >= 10000000 ? 1 : 2) + QStringLiteral(" M");
    if (n >= 1000)
        return QLocale().toString(double(n) / 1e3, 'f', 0) + QStringLiteral(" k");
    return QLocale().toString(static_cast<qlonglong>(n));
}

QString RunsTableModel::forgettingText(const core::RunRecord& run)
{
    if (!run.forgettingBefore && !run.forgettingAfter)
        return QStringLiteral("—");
    auto value = [](const std::optional<double>& v) { return v ? QString::number(*v, 'f', 2) : QStringLiteral("?"); };
    return QStringLiteral("%1 → %2").arg(value(run.forgettingBefore), value(run.forgettingAfter));
}

QString RunsTableModel::parentName(const core::RunRecord& run) const
{
    if (run.parentRunId.empty())
        return {};
    const int row = rowOf(qs(run.parentRunId));
    if (row < 0)
        return qs(run.parentRunId);
    const core::RunRecord& parent = m_runs[static_cast<size_t>(row)];
    return qs(parent.name.empty() ? parent.id : parent.name);
}

int RunsTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int RunsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunsTableModel::displayData(const core::RunRecord& run, int column) const
{
    switch (column) {
    case Name: return qs(run.name.empty() ? run.id : run.name);
    case Status: return isLive(run) && m_livePaused ? tr("Paused") : statusText(run.status);
    case Method: return qs(run.method);
    case Parent: return run.parentRunId.empty() ? QStringLiteral("—") : parentName(run);
    case BestValLoss: return run.bestValLoss ? QString::number(*run.bestValLoss, 'f', 4) : QStringLiteral("—");
    case Trainable: return run.trainableParameters > 0 ? countText(run.trainableParameters) : QStringLiteral("—");
    case Forgetting: return forgettingText(run);
    case Duration: return durationText(run.wallSeconds);
    case Steps: {
        const int64_t steps = isLive(run) ? std::max(run.steps, m_liveStep) : run.steps;
        return run.maxSteps > 0 ? QStringLiteral("%L1 / %L2").arg(steps).arg(run.maxSteps)
                                : QStringLiteral("%L1").arg(steps);
    }
    case Created: return createdText(run.createdAt);
    default: return {};
    }
}

QVariant RunsTableModel::sortData(const core::RunRecord& run, int column) const
{
    switch (column) {
    case Name: return qs(run.name.empty() ? run.id : run.name).toLower();
    case Status: return static_cast<int>(run.status);
    case Method: return qs(run.method);
    case Parent: return parentName(run).toLower();
    // Runs without a val loss sort after every run that has one.
    case BestValLoss: return run.bestValLoss.value_or(std::numeric_limits<double>::infinity());
    case Trainable: return QVariant::fromValue<qlonglong>(run.trainableParameters);
    // By how much the parent's perplexity rose; runs without the meter last.
    case Forgetting:
        return run.forgettingBefore && run.forgettingAfter ? *run.forgettingAfter - *run.forgettingBefore
                                                           : std::numeric_limits<double>::infinity();
    case Duration: return run.wallSeconds;
    case Steps: return QVariant::fromValue<qlonglong>(run.steps);
    case Created: return qs(run.createdAt);
    default: return {};
    }
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const core::RunRecord& run = m_runs[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole: return displayData(run, index.column());
    case Qt::EditRole: return index.column() == Name ? qs(run.name) : displayData(run, index.column());
    case kIdRole: return qs(run.id);
    case kSortRole: return sortData(run, index.column());
    case Qt::DecorationRole:
        return index.column() == Status ? QVariant::fromValue(statusIcon(run.status, isLive(run) && m_livePaused))
                                        : QVariant();
    case Qt::TextAlignmentRole:
        if (index.column() == BestValLoss || index.column() == Duration || index.column() == Steps ||
            index.column() == Trainable || index.column() == Forgetting)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (index.column() == Status && run.status == core::RunStatus::Failed && !run.error.empty())
            return tr("Failed: %1").arg(qs(run.error));
        if (index.column() == Status && isLive(run) && m_livePaused)
            return tr("Paused after step %1: Resume (F7) or Step one batch (F10) in the Monitor.").arg(m_liveStep);
        if (index.column() == Status && run.status == core::RunStatus::Interrupted)
            return tr("The process running this run ended without finishing it. Resume continues from its last "
                      "checkpoint.");
        if (index.column() == Name)
            return tr("%1\nid: %2").arg(qs(run.name), qs(run.id));
        if (index.column() == Created)
            return qs(run.createdAt);
        if (index.column() == Parent && !run.parentRunId.empty())
            return tr("Fine-tuned from %1 (id %2)\ncheckpoint: %3")
                .arg(parentName(run), qs(run.parentRunId),
                     run.parentCheckpoint.empty() ? tr("unknown") : qs(run.parentCheckpoint));
        if (index.column() == Trainable && run.trainableParameters > 0 && run.parameterCount > 0)
            return tr("%1 of %2 parameters trained (%3%)")
                .arg(countText(run.trainableParameters), countText(run.parameterCount))
                .arg(100.0 * double(run.trainableParameters) / double(run.parameterCount), 0, 'f', 1);
        if (index.column() == Forgetting)
            return tr("Forgetting: perplexity on held-out text of the parent's pretraining corpus, before and after "
                      "fine-tuning. A rise is what tuning cost the model's earlier skills.");
        return {};
    default: return {};
    }
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Name: return tr("Name");
        case Status: return tr("Status");
        case Method: return tr("Method");
        case Parent: return tr("Parent");
        case BestValLoss: return tr("Best val loss");
        case Trainable: return tr("Trainable");
        case Forgetting: return tr("Forgetting");
        case Duration: return tr("Duration");
        case Steps: return tr("Steps");
        case Created: return tr("Created");
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole &&
        (section == BestValLoss || section == Duration || section == Steps || section == Trainable ||
         section == Forgetting))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

Qt::ItemFlags RunsTableModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == Name)
        f |= Qt::ItemIsEditable;
    return f;
}

bool RunsTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!index.isValid() || index.column() != Name || role != Qt::EditRole || index.row() >= rowCount())
        return false;
    const QString name = value.toString().trimmed();
    core::RunRecord& run = m_runs[static_cast<size_t>(index.row())];
    if (name.isEmpty() || name == qs(run.name))
        return false;
    run.name = name.toStdString();
    emit dataChanged(index, index);
    emit renameRequested(qs(run.id), name);
    return true;
}

} // namespace tb::ui
