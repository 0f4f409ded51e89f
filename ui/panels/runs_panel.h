// SPDX-License-Identifier: MIT
// The Runs panel: the project's run history as a sortable table (name, status, method, best val loss, duration,
// steps, created). Selecting several runs overlays their loss curves (train loss as lines, val loss as points,
// one colour per run) and lists the config keys whose values differ between them. Rename (F2 or double-click on
// the name), delete (after a confirmation), resume, open, and export of the curves as CSV and of the plot as PNG,
// SVG or PDF.
//
// The panel knows only core value types: the caller feeds it RunRecords (setRuns/updateRun) and a metrics
// provider, and turns its ...Requested signals into registry calls. It never changes or removes a run by itself,
// except that an in-place rename shows the new name at once. GUI thread only.
#pragma once

#include "core/io/config_diff.h"
#include "core/store/run_records.h"

#include <QColor>
#include <QSize>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <map>
#include <string>
#include <vector>

class QAction;
class QCPItemText;
class QCustomPlot;
class QItemSelection;
class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;

namespace tb::ui {

class RunsTableModel;

class RunsPanel : public QWidget {
    Q_OBJECT
public:
    /// Returns a run's logged metrics (e.g. from the registry). Called on the GUI thread when the run is selected
    /// and again when updateRun changes a selected run.
    using MetricsProvider = std::function<std::vector<core::MetricPoint>(const std::string& id)>;
    /// Asks the user to confirm a destructive action; true means go ahead. The default shows a message box.
    using ConfirmFunction = std::function<bool(const QString& title, const QString& text)>;

    /// The exported plot's size when none is asked for: a readable 16:10 figure, whatever the panel's shape.
    static constexpr QSize kExportSize{1200, 750};

    explicit RunsPanel(QWidget* parent = nullptr);
    ~RunsPanel() override;

    void setMetricsProvider(MetricsProvider provider);
    void setConfirmFunction(ConfirmFunction confirm);

    /// Replaces the list. Runs that were selected and are still there stay selected.
    void setRuns(std::vector<core::RunRecord> runs);
    /// Replaces one run (or adds it) in place; the selection stays, and a selected run's curves are re-read.
    void updateRun(const core::RunRecord& run);
    /// Removes a run from the list (after the caller deleted it).
    void removeRun(const QString& id);

    /// The run training now: its row shows the session's step and "Paused" while paused, ahead of the registry
    /// (which records steps between evaluations only in its curves). An empty id: no run is training.
    void setLiveProgress(const QString& id, int64_t step, bool paused);

    /// A run's colour in the plot and the diff table: fixed per run (by its place in the project's creation
    /// order), so selecting other runs never recolours it.
    QColor runColor(const QString& id) const;

    /// Selected run ids in the order the table shows them.
    QStringList selectedRunIds() const;
    void selectRuns(const QStringList& ids);

    /// Writes the selected runs' curves as CSV (core/io/metrics_export.h): one run without, several with a `run`
    /// column. False with a message in `error` when nothing is selected or the write fails.
    bool exportCsv(const QString& path, QString* error = nullptr) const;
    /// Writes the plot as PNG, SVG or PDF, chosen by the file's extension, at `size` pixels (points for PDF); an
    /// empty size means kExportSize. The file gets a title naming the runs. Written atomically.
    bool exportPlot(const QString& path, QSize size = {}, QString* error = nullptr);

    /// Writes the one selected run's model (its best checkpoint, else its latest) into `outDir` through
    /// core/io/model_export: safetensors + config.json, or with `adapter` a LoRA run's adapter in PEFT's layout.
    /// `files` gets the paths written. False with a message in `error` when not exactly one run is selected, the run
    /// is still running, an adapter is asked of a run that is not LoRA, or the export fails (nothing half-written:
    /// the export's files are replaced atomically).
    bool exportModel(const QString& outDir, bool adapter, QStringList* files = nullptr, QString* error = nullptr);

    /// The keys that differ between the selected runs' configs (empty for fewer than two runs).
    const std::vector<core::ConfigDiffRow>& configDiff() const { return m_diff; }

    QTableView* table() const { return m_table; }
    /// What the panel says about the one selected run: method, lineage (parent run and checkpoint), trainable
    /// parameters and forgetting. Empty unless exactly one run is selected.
    QString detailsText() const;
    QCustomPlot* plot() const { return m_plot; }
    QTableWidget* diffTable() const { return m_diffTable; }

    /// Commands behind the toolbar, the context menu and the shortcuts.
    void requestRename();
    void requestDelete();
    void requestResume();
    void requestOpen();
    void chooseCsvExport();
    void choosePlotExport();
    /// Asks for the format (a LoRA run: full model or adapter) and the folder, then exportModel().
    void chooseModelExport();

signals:
    void renameRequested(const QString& id, const QString& newName);
    void deleteRequested(const QString& id);
    void resumeRequested(const QString& id);
    void openRequested(const QString& id);

protected:
    void changeEvent(QEvent* event) override;

private:
    void buildActions();
    void onSelectionChanged();
    void refreshComparison(const std::string& refetchId = {});
    void redrawPlot(const std::vector<const core::RunRecord*>& runs);
    void redrawDiff(const std::vector<const core::RunRecord*>& runs);
    void updateDetails(const std::vector<const core::RunRecord*>& runs);
    void updateActions();
    void applyPalette();
    std::vector<const core::RunRecord*> selectedRuns() const;
    /// "Loss curves: a, b" for the exported plot's title.
    QString plotTitle() const;
    void updateColorOrder();

    RunsTableModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_table = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPItemText* m_plotPlaceholder = nullptr;
    QLabel* m_diffCaption = nullptr;
    QLabel* m_details = nullptr;
    QTableWidget* m_diffTable = nullptr;

    QAction* m_openAction = nullptr;
    QAction* m_resumeAction = nullptr;
    QAction* m_renameAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_exportCsvAction = nullptr;
    QAction* m_exportPlotAction = nullptr;
    QAction* m_exportModelAction = nullptr;

    MetricsProvider m_metricsProvider;
    ConfirmFunction m_confirm;
    std::map<std::string, std::vector<core::MetricPoint>> m_metrics; // selected runs' curves, by id
    std::map<std::string, size_t> m_colorIndex;                      // every run's colour, by id
    std::vector<core::ConfigDiffRow> m_diff;
    bool m_restoringSelection = false;
    QString m_lastExportDir;
};

} // namespace tb::ui
