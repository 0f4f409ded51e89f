// SPDX-License-Identifier: MIT
// The table model behind the Runs panel: one row per core::RunRecord (name, status, method, parent (the run it was
// fine-tuned from), best val loss, trainable parameters, forgetting before -> after, duration, steps, created). The name column is editable; an edit is shown at once and announced with
// renameRequested, so the caller can store it (and restore the old name with updateRun if that fails).
// kSortRole gives raw values for sorting. GUI thread only.
#pragma once

#include "core/store/run_records.h"

#include <QAbstractTableModel>
#include <QIcon>

#include <vector>

namespace tb::ui {

class RunsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Name,
        Status,
        Method,
        Parent,
        BestValLoss,
        Trainable,
        Forgetting,
        Duration,
        Steps,
        Created,
        ColumnCount
    };
    static constexpr int kIdRole = Qt::UserRole;       // QString: the run's id
    static constexpr int kSortRole = Qt::UserRole + 1; // raw value: numbers, ISO timestamps

    explicit RunsTableModel(QObject* parent = nullptr);

    void setRuns(std::vector<core::RunRecord> runs);
    /// Replaces the run with the same id, or appends it when it is new.
    void updateRun(const core::RunRecord& run);

    const std::vector<core::RunRecord>& runs() const { return m_runs; }
    /// -1 when no run has this id.
    int rowOf(const QString& id) const;
    const core::RunRecord& runAt(int row) const { return m_runs.at(static_cast<size_t>(row)); }

    /// The run training now, as the session reports it between the registry's updates: its status reads "Paused"
    /// while paused and its step count follows `step` (the registry's row lags behind until the next evaluation).
    /// An empty id clears it.
    void setLiveRun(const QString& id, int64_t step, bool paused);
    QString liveRunId() const { return m_liveId; }

    static QString statusText(core::RunStatus status);
    static QIcon statusIcon(core::RunStatus status, bool paused = false);
    static QString durationText(double seconds);
    /// "74 k", "0.81 M": a parameter count for people.
    static QString countText(int64_t n);
    /// "8.00 → 9.61" (perplexity on the parent's text before and after fine-tuning), "—" when unknown.
    static QString forgettingText(const core::RunRecord& run);
    /// The parent run's name (its id when it is not in the list), empty for a run trained from scratch.
    QString parentName(const core::RunRecord& run) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

signals:
    void renameRequested(const QString& id, const QString& newName);

private:
    QVariant displayData(const core::RunRecord& run, int column) const;
    QVariant sortData(const core::RunRecord& run, int column) const;

    /// Whether `run` is the live run and the session says more than the registry does.
    bool isLive(const core::RunRecord& run) const;

    std::vector<core::RunRecord> m_runs;
    QString m_liveId;
    int64_t m_liveStep = 0;
    bool m_livePaused = false;
};

} // namespace tb::ui
