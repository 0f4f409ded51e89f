// SPDX-License-Identifier: MIT
#include "ui/panels/runs_panel.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/io/metrics_export.h"
#include "ui/panels/runs_table_model.h"

#include <qcustomplot.h>

#include <QAction>
#include <QBuffer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStyle>
#include <QSvgGenerator>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>
#include <tuple>

namespace tb::ui {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString runLabel(const core::RunRecord& run) { return qs(run.name.empty() ? run.id : run.name); }

/// Tableau 10: distinct hues that stay readable on light and dark backgrounds.
QColor paletteColor(size_t i)
{
    static const QColor colors[] = {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b), QColor(0xe1, 0x57, 0x59),
                                    QColor(0x76, 0xb7, 0xb2), QColor(0x59, 0xa1, 0x4f), QColor(0xed, 0xc9, 0x48),
                                    QColor(0xb0, 0x7a, 0xa1), QColor(0xff, 0x9d, 0xa7), QColor(0x9c, 0x75, 0x5f),
                                    QColor(0xba, 0xb0, 0xac)};
    return colors[i % std::size(colors)];
}

QIcon swatch(const QColor& color)
{
    QPixmap pm(12, 12);
    pm.fill(color);
    return QIcon(pm);
}

constexpr int kLegendChars = 32;

bool isResumable(core::RunStatus s) { return s == core::RunStatus::Stopped || s == core::RunStatus::Interrupted; }

std::filesystem::path toPath(const QString& path) { return std::filesystem::path(QFile::encodeName(path).toStdString()); }

void writeAtomically(const QString& path, const QByteArray& bytes)
{
    core::writeFileAtomically(toPath(path), std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())));
}

} // namespace

RunsPanel::RunsPanel(QWidget* parent) : QWidget(parent)
{
    m_model = new RunsTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RunsTableModel::kSortRole);
    m_proxy->setDynamicSortFilter(true);

    m_table = new QTableView(this);
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::DoubleClicked);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RunsTableModel::Created, Qt::DescendingOrder);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setMinimumHeight(m_table->fontMetrics().height() * 3); // the header and a row; the dock can grow
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(RunsTableModel::Name, QHeaderView::Stretch);

    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(200, 80); // fits under the Monitor on a laptop screen
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->yAxis->setLabel(tr("loss")); // short: it must fit a low plot; the tooltip says lines vs points
    m_plot->setToolTip(tr("Loss curves of the selected runs: lines are the train loss, points the val loss. Each "
                          "run keeps its colour."));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plotPlaceholder = new QCPItemText(m_plot);
    m_plotPlaceholder->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_plotPlaceholder->position->setCoords(0.5, 0.5);
    m_plotPlaceholder->setText(tr("Select one or more runs to see their curves"));

    m_diffCaption = new QLabel(this);
    m_diffCaption->setWordWrap(true);
    m_details = new QLabel(this);
    m_details->setObjectName("runDetails");
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->hide();
    m_diffTable = new QTableWidget(this);
    m_diffTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_diffTable->setSelectionMode(QAbstractItemView::ContiguousSelection);
    m_diffTable->verticalHeader()->hide();
    m_diffTable->setAlternatingRowColors(true);
    m_diffTable->setShowGrid(false);
    m_diffTable->setWordWrap(false);
    m_diffTable->setMinimumHeight(m_diffTable->fontMetrics().height() * 2);
    m_diffTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_diffTable->horizontalHeader()->setHighlightSections(false);

    auto* diffBox = new QWidget(this);
    auto* diffLayout = new QVBoxLayout(diffBox);
    diffLayout->setContentsMargins(0, 0, 0, 0);
    auto* diffTitle = new QLabel(tr("<b>Config differences</b>"), diffBox);
    diffLayout->addWidget(m_details);
    diffLayout->addWidget(diffTitle);
    diffLayout->addWidget(m_diffCaption);
    diffLayout->addWidget(m_diffTable, 1);

    // Scrolls when the dock is short (a laptop screen): the details and the diff never make the dock taller.
    auto* diffScroll = new QScrollArea(this);
    diffScroll->setWidget(diffBox);
    diffScroll->setWidgetResizable(true);
    diffScroll->setFrameShape(QFrame::NoFrame);
    diffScroll->setMinimumHeight(m_plot->minimumHeight());
    auto* compare = new QSplitter(Qt::Horizontal, this);
    compare->addWidget(m_plot);
    compare->addWidget(diffScroll);
    compare->setStretchFactor(0, 3);
    compare->setStretchFactor(1, 2);
    compare->setSizes({3000, 2000}); // proportions: the plot gets three fifths
    compare->setChildrenCollapsible(false);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(compare);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({2000, 3000});
    split->setChildrenCollapsible(false);

    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setIconSize(QSize(16, 16));
    buildActions();
    toolbar->addAction(m_openAction);
    toolbar->addAction(m_resumeAction);
    toolbar->addSeparator();
    toolbar->addAction(m_renameAction);
    toolbar->addAction(m_deleteAction);
    toolbar->addSeparator();
    toolbar->addAction(m_exportCsvAction);
    toolbar->addAction(m_exportPlotAction);
    toolbar->addAction(m_exportModelAction);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(toolbar);
    layout->addWidget(split, 1);

    connect(m_model, &RunsTableModel::renameRequested, this, &RunsPanel::renameRequested);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPanel::onSelectionChanged);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        if (index.column() != RunsTableModel::Name) // a double-click on the name edits it
            emit openRequested(index.data(RunsTableModel::kIdRole).toString());
    });
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QMenu menu(this);
        menu.addActions({m_openAction, m_resumeAction});
        menu.addSeparator();
        menu.addActions({m_renameAction, m_deleteAction});
        menu.addSeparator();
        menu.addActions({m_exportCsvAction, m_exportPlotAction, m_exportModelAction});
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });

    applyPalette();
    refreshComparison();
}

RunsPanel::~RunsPanel() = default;

void RunsPanel::buildActions()
{
    const auto make = [this](QStyle::StandardPixmap icon, const QString& text, const QString& tip) {
        auto* a = new QAction(style()->standardIcon(icon), text, this);
        a->setToolTip(tip);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
        return a;
    };
    m_openAction = make(QStyle::SP_DialogOpenButton, tr("Open"), tr("Open the run: its curves, samples and checkpoints"));
    m_resumeAction = make(QStyle::SP_MediaPlay, tr("Resume"),
                          tr("Continue a stopped or interrupted run from its last checkpoint"));
    m_renameAction = make(QStyle::SP_FileDialogDetailedView, tr("Rename"), tr("Rename the run (F2)"));
    m_renameAction->setShortcut(Qt::Key_F2);
    m_deleteAction = make(QStyle::SP_TrashIcon, tr("Delete"), tr("Delete the selected runs (asks first)"));
    m_deleteAction->setShortcut(QKeySequence::Delete);
    m_exportCsvAction = make(QStyle::SP_DialogSaveButton, tr("Export CSV…"), tr("Save the selected runs' curves as CSV"));
    m_exportPlotAction = make(QStyle::SP_DialogSaveButton, tr("Export plot…"), tr("Save the plot as PNG, SVG or PDF"));
    m_exportModelAction = make(QStyle::SP_DriveHDIcon, tr("Export model…"),
                               tr("Save the selected run's model as model.safetensors + config.json, or a LoRA run's "
                                  "adapter in PEFT's layout (no pickle; docs/fine-tuning-export.md)"));

    connect(m_openAction, &QAction::triggered, this, &RunsPanel::requestOpen);
    connect(m_resumeAction, &QAction::triggered, this, &RunsPanel::requestResume);
    connect(m_renameAction, &QAction::triggered, this, &RunsPanel::requestRename);
    connect(m_deleteAction, &QAction::triggered, this, &RunsPanel::requestDelete);
    connect(m_exportCsvAction, &QAction::triggered, this, &RunsPanel::chooseCsvExport);
    connect(m_exportPlotAction, &QAction::triggered, this, &RunsPanel::choosePlotExport);
    connect(m_exportModelAction, &QAction::triggered, this, &RunsPanel::chooseModelExport);
}

void RunsPanel::setMetricsProvider(MetricsProvider provider)
{
    m_metricsProvider = std::move(provider);
    m_metrics.clear();
    refreshComparison();
}

void RunsPanel::setConfirmFunction(ConfirmFunction confirm) { m_confirm = std::move(confirm); }

void RunsPanel::setRuns(std::vector<core::RunRecord> runs)
{
    const QStringList selected = selectedRunIds();
    m_restoringSelection = true;
    m_model->setRuns(std::move(runs));
    updateColorOrder();
    selectRuns(selected);
    m_restoringSelection = false;
    m_metrics.clear(); // the list was re-read, so re-read the curves too
    refreshComparison();
}

void RunsPanel::updateRun(const core::RunRecord& run)
{
    m_model->updateRun(run);
    updateColorOrder();
    if (selectedRunIds().contains(qs(run.id)))
        refreshComparison(run.id);
    else
        updateActions();
}

void RunsPanel::removeRun(const QString& id)
{
    std::vector<core::RunRecord> runs = m_model->runs();
    std::erase_if(runs, [&](const core::RunRecord& r) { return qs(r.id) == id; });
    setRuns(std::move(runs));
}

void RunsPanel::setLiveProgress(const QString& id, int64_t step, bool paused) { m_model->setLiveRun(id, step, paused); }

void RunsPanel::updateColorOrder()
{
    std::vector<const core::RunRecord*> order;
    for (const core::RunRecord& run : m_model->runs())
        order.push_back(&run);
    std::sort(order.begin(), order.end(), [](const core::RunRecord* a, const core::RunRecord* b) {
        return std::tie(a->createdAt, a->id) < std::tie(b->createdAt, b->id);
    });
    m_colorIndex.clear();
    for (size_t i = 0; i < order.size(); ++i)
        m_colorIndex[order[i]->id] = i;
}

QColor RunsPanel::runColor(const QString& id) const
{
    const auto it = m_colorIndex.find(id.toStdString());
    return paletteColor(it == m_colorIndex.end() ? 0 : it->second);
}

QStringList RunsPanel::selectedRunIds() const
{
    QModelIndexList rows = m_table->selectionModel()->selectedRows(RunsTableModel::Name);
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    QStringList ids;
    for (const QModelIndex& index : rows)
        ids << index.data(RunsTableModel::kIdRole).toString();
    return ids;
}

void RunsPanel::selectRuns(const QStringList& ids)
{
    QItemSelection selection;
    QModelIndex first;
    for (const QString& id : ids) {
        const int row = m_model->rowOf(id);
        if (row < 0)
            continue;
        const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
        selection.select(index, index.siblingAtColumn(RunsTableModel::ColumnCount - 1));
        if (!first.isValid())
            first = index;
    }
    auto* sm = m_table->selectionModel();
    if (first.isValid())
        sm->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
    sm->select(selection, QItemSelectionModel::ClearAndSelect);
}

std::vector<const core::RunRecord*> RunsPanel::selectedRuns() const
{
    std::vector<const core::RunRecord*> runs;
    for (const QString& id : selectedRunIds()) {
        const int row = m_model->rowOf(id);
        if (row >= 0)
            runs.push_back(&m_model->runAt(row));
    }
    return runs;
}

void RunsPanel::onSelectionChanged()
{
    if (!m_restoringSelection)
        refreshComparison();
}

void RunsPanel::refreshComparison(const std::string& refetchId)
{
    const auto runs = selectedRuns();
    // Keep only the selected runs' curves; read the missing ones (and the one that changed).
    std::map<std::string, std::vector<core::MetricPoint>> metrics;
    for (const core::RunRecord* run : runs) {
        auto it = m_metrics.find(run->id);
        if (it != m_metrics.end() && run->id != refetchId)
            metrics[run->id] = std::move(it->second);
        else if (m_metricsProvider)
            metrics[run->id] = m_metricsProvider(run->id);
        else
            metrics[run->id] = {};
    }
    m_metrics = std::move(metrics);
    redrawPlot(runs);
    redrawDiff(runs);
    updateDetails(runs);
    updateActions();
}

QString RunsPanel::detailsText() const { return m_details->isHidden() ? QString() : m_details->text(); }

void RunsPanel::updateDetails(const std::vector<const core::RunRecord*>& runs)
{
    if (runs.size() != 1) {
        m_details->clear();
        m_details->hide();
        return;
    }
    const core::RunRecord& run = *runs.front();
    auto html = [](const QString& text) { return text.toHtmlEscaped(); };
    QStringList lines;
    lines << tr("<b>%1</b>: %2").arg(html(QString::fromStdString(run.name.empty() ? run.id : run.name)),
                                      html(QString::fromStdString(run.method)));
    if (!run.parentRunId.empty()) {
        lines << tr("Fine-tuned from <b>%1</b> at checkpoint %2")
                     .arg(html(m_model->parentName(run)),
                          run.parentCheckpoint.empty() ? tr("(unknown)")
                                                       : html(QString::fromStdString(run.parentCheckpoint)));
    } else if (run.method == "pretrain") {
        lines << tr("Trained from scratch");
    }
    if (run.trainableParameters > 0 && run.parameterCount > 0 && run.trainableParameters != run.parameterCount)
        lines << tr("Trainable: %1 of %2 parameters (%3%)")
                     .arg(RunsTableModel::countText(run.trainableParameters),
                          RunsTableModel::countText(run.parameterCount))
                     .arg(100.0 * double(run.trainableParameters) / double(run.parameterCount), 0, 'f', 1);
    else if (run.parameterCount > 0)
        lines << tr("%1 parameters, all trained").arg(RunsTableModel::countText(run.parameterCount));
    if (run.forgettingBefore || run.forgettingAfter)
        lines << tr("Forgetting (perplexity on the parent's text): %1").arg(RunsTableModel::forgettingText(run));
    m_details->setText(lines.join(QStringLiteral("<br>")));
    m_details->show();
}

void RunsPanel::redrawPlot(const std::vector<const core::RunRecord*>& runs)
{
    m_plot->clearGraphs();
    bool anyData = false;
    for (size_t i = 0; i < runs.size(); ++i) {
        const core::RunRecord& run = *runs[i];
        const QColor color = runColor(qs(run.id));
        QVector<double> trainX, trainY, valX, valY;
        for (const core::MetricPoint& p : m_metrics[run.id]) {
            if (p.loss) {
                trainX << double(p.step);
                trainY << *p.loss;
            }
            if (p.evalLoss) {
                valX << double(p.step);
                valY << *p.evalLoss;
            }
        }
        anyData = anyData || !trainX.isEmpty() || !valX.isEmpty();

        QCPGraph* train = m_plot->addGraph();
        // A long name would make the legend cover the plot: cut, whole in the table and the details.
        QString name = runLabel(run);
        if (name.size() > kLegendChars)
            name = name.left(kLegendChars - 1) + QChar(0x2026);
        train->setName(name);
        train->setPen(QPen(color, 1.6));
        train->setData(trainX, trainY, true);

        QCPGraph* val = m_plot->addGraph();
        val->setName(tr("%1 (val)").arg(runLabel(run)));
        val->setLineStyle(QCPGraph::lsNone);
        val->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color.darker(115), color, 7));
        val->setData(valX, valY, true);
        val->removeFromLegend(); // one legend entry per run; the axis label explains lines and points
    }
    m_plot->legend->setVisible(!runs.empty());
    m_plotPlaceholder->setVisible(!anyData);
    if (runs.empty())
        m_plotPlaceholder->setText(tr("Select one or more runs to see their curves"));
    else if (!anyData)
        m_plotPlaceholder->setText(tr("No metrics logged yet for the selected runs"));
    if (anyData) {
        m_plot->rescaleAxes();
        // A little room so the first and last points do not sit on the frame.
        m_plot->xAxis->scaleRange(1.04, m_plot->xAxis->range().center());
        m_plot->yAxis->scaleRange(1.08, m_plot->yAxis->range().center());
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void RunsPanel::redrawDiff(const std::vector<const core::RunRecord*>& runs)
{
    m_diff.clear();
    m_diffTable->clear();
    m_diffTable->setRowCount(0);
    m_diffTable->setColumnCount(0);
    if (runs.size() < 2) {
        m_diffCaption->setText(runs.empty() ? tr("Select two or more runs to compare their configs.")
                                            : tr("Select another run to compare its config with this one."));
        return;
    }
    std::vector<std::string> texts, origins;
    for (const core::RunRecord* run : runs) {
        texts.push_back(run->configYaml);
        origins.push_back("config of run " + runLabel(*run).toStdString());
    }
    try {
        m_diff = core::diffConfigYaml(texts, origins);
    } catch (const core::Error& e) {
        m_diffCaption->setText(tr("Cannot compare: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    m_diffCaption->setText(m_diff.empty() ? tr("The %1 selected runs have the same config.").arg(runs.size())
                          : m_diff.size() == 1 ? tr("1 key differs; keys with the same value are hidden.")
                                               : tr("%1 keys differ; keys with the same value are hidden.")
                                                     .arg(m_diff.size()));
    if (m_diff.empty())
        return;
    m_diffTable->setColumnCount(static_cast<int>(runs.size()) + 1);
    m_diffTable->setRowCount(static_cast<int>(m_diff.size()));
    m_diffTable->setHorizontalHeaderItem(0, new QTableWidgetItem(tr("Key")));
    for (size_t i = 0; i < runs.size(); ++i) {
        auto* header = new QTableWidgetItem(swatch(runColor(qs(runs[i]->id))), runLabel(*runs[i]));
        m_diffTable->setHorizontalHeaderItem(static_cast<int>(i) + 1, header);
    }
    for (size_t r = 0; r < m_diff.size(); ++r) {
        auto* key = new QTableWidgetItem(qs(m_diff[r].key));
        QFont mono = key->font();
        mono.setFamily(QStringLiteral("monospace"));
        mono.setStyleHint(QFont::Monospace);
        key->setFont(mono);
        m_diffTable->setItem(static_cast<int>(r), 0, key);
        for (size_t c = 0; c < m_diff[r].values.size(); ++c) {
            auto* value = new QTableWidgetItem(qs(m_diff[r].values[c]));
            value->setToolTip(value->text());
            m_diffTable->setItem(static_cast<int>(r), static_cast<int>(c) + 1, value);
        }
    }
}

void RunsPanel::updateActions()
{
    const auto runs = selectedRuns();
    const bool one = runs.size() == 1;
    const bool anyRunning = std::any_of(runs.begin(), runs.end(),
                                        [](const core::RunRecord* r) { return r->status == core::RunStatus::Running; });
    m_openAction->setEnabled(one);
    m_resumeAction->setEnabled(one && isResumable(runs.front()->status));
    m_renameAction->setEnabled(one);
    m_deleteAction->setEnabled(!runs.empty() && !anyRunning);
    m_deleteAction->setToolTip(anyRunning ? tr("A running run cannot be deleted; stop it first")
                                          : tr("Delete the selected runs (asks first)"));
    m_exportCsvAction->setEnabled(!runs.empty());
    m_exportPlotAction->setEnabled(!runs.empty());
    m_exportModelAction->setEnabled(one && runs.front()->status != core::RunStatus::Running);
}

void RunsPanel::requestRename()
{
    const QStringList ids = selectedRunIds();
    if (ids.size() != 1)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(m_model->rowOf(ids.front()), RunsTableModel::Name));
    m_table->setCurrentIndex(index);
    m_table->edit(index);
}

void RunsPanel::requestDelete()
{
    const auto runs = selectedRuns();
    if (runs.empty() || !m_deleteAction->isEnabled())
        return;
    QStringList names;
    for (const core::RunRecord* run : runs)
        names << QStringLiteral("“%1”").arg(runLabel(*run));
    const QString title = runs.size() == 1 ? tr("Delete run") : tr("Delete %1 runs").arg(runs.size());
    const QString text = runs.size() == 1
                             ? tr("Delete the run %1 with its checkpoints and metrics? This cannot be undone.")
                                   .arg(names.front())
                             : tr("Delete these %1 runs with their checkpoints and metrics? This cannot be undone.\n\n%2")
                                   .arg(runs.size())
                                   .arg(names.join(QStringLiteral("\n")));
    bool confirmed = false;
    if (m_confirm) {
        confirmed = m_confirm(title, text);
    } else {
        QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::Cancel, this);
        QPushButton* del = box.addButton(tr("Delete"), QMessageBox::DestructiveRole);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        confirmed = box.clickedButton() == del;
    }
    if (!confirmed)
        return;
    QStringList ids;
    for (const core::RunRecord* run : runs)
        ids << qs(run->id);
    for (const QString& id : ids) // copied first: a slot may call setRuns and invalidate `runs`
        emit deleteRequested(id);
}

void RunsPanel::requestResume()
{
    const auto runs = selectedRuns();
    if (runs.size() == 1 && isResumable(runs.front()->status))
        emit resumeRequested(qs(runs.front()->id));
}

void RunsPanel::requestOpen()
{
    const QStringList ids = selectedRunIds();
    if (ids.size() == 1)
        emit openRequested(ids.front());
}

bool RunsPanel::exportCsv(const QString& path, QString* error) const
{
    const auto runs = selectedRuns();
    if (runs.empty()) {
        if (error)
            *error = tr("Select at least one run to export its curves.");
        return false;
    }
    try {
        const auto find = [this](const std::string& id) {
            const auto it = m_metrics.find(id);
            return it == m_metrics.end() ? std::vector<core::MetricPoint>{} : it->second;
        };
        // DPO's rewards are in the run's metrics.jsonl only, not in the registry's curves.
        const auto rewards = [](const core::RunRecord& run) {
            return run.method == "dpo" && !run.runDir.empty() ? core::readJournalRewards(run.runDir)
                                                              : core::RewardsByStep{};
        };
        if (runs.size() == 1) {
            core::writeMetricsCsv(toPath(path), find(runs.front()->id), rewards(*runs.front()));
        } else {
            std::vector<core::RunMetrics> all;
            for (const core::RunRecord* run : runs)
                all.push_back({runLabel(*run).toStdString(), find(run->id), rewards(*run)});
            core::writeMetricsCsv(toPath(path), all);
        }
    } catch (const std::exception& e) { // core::Error, or a filesystem_error creating the folder
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    return true;
}

QString RunsPanel::plotTitle() const
{
    QStringList names;
    for (const core::RunRecord* run : selectedRuns())
        names << runLabel(*run);
    return names.isEmpty() ? tr("Loss curves") : tr("Loss curves: %1").arg(names.join(QStringLiteral(", ")));
}

bool RunsPanel::exportPlot(const QString& path, QSize size, QString* error)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    // The panel's shape on screen (often a wide strip) makes a poor figure: a fixed 16:10 size unless asked.
    const QSize s = size.isValid() && !size.isEmpty() ? size : kExportSize;
    const auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    // The file gets a title row (the screen has the panel around it instead); removed again when done.
    QFont titleFont = font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    m_plot->plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(m_plot, plotTitle(), titleFont);
    title->setTextColor(m_plot->xAxis->labelColor());
    m_plot->plotLayout()->addElement(0, 0, title);
    struct RemoveTitle {
        QCustomPlot* plot;
        QCPTextElement* title;
        ~RemoveTitle()
        {
            plot->plotLayout()->remove(title);
            plot->plotLayout()->simplify();
            plot->replot(QCustomPlot::rpQueuedReplot);
        }
    } removeTitle{m_plot, title};
    QByteArray bytes;
    if (suffix == QLatin1String("png")) {
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        if (!m_plot->toPixmap(s.width(), s.height(), 1.0).save(&buffer, "PNG"))
            return fail(tr("Could not render the plot as PNG."));
    } else if (suffix == QLatin1String("svg")) {
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(s);
        svg.setViewBox(QRect(QPoint(0, 0), s));
        svg.setTitle(plotTitle());
        QCPPainter painter;
        if (!painter.begin(&svg))
            return fail(tr("Could not render the plot as SVG."));
        painter.setMode(QCPPainter::pmVectorized);
        m_plot->toPainter(&painter, s.width(), s.height());
        painter.end();
    } else if (suffix == QLatin1String("pdf")) {
        // QCustomPlot writes PDFs only to a file name: render into a temporary folder, then commit atomically.
        QTemporaryDir tmp;
        const QString file = tmp.filePath(QStringLiteral("plot.pdf"));
        if (!tmp.isValid() || !m_plot->savePdf(file, s.width(), s.height(), QCP::epAllowCosmetic,
                                               QStringLiteral("TuneBench"), plotTitle()))
            return fail(tr("Could not render the plot as PDF."));
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return fail(tr("Could not render the plot as PDF."));
        bytes = f.readAll();
    } else {
        return fail(tr("Unknown plot format '%1': use .png, .svg or .pdf.").arg(suffix));
    }
    try {
        writeAtomically(path, bytes);
    } catch (const std::exception& e) {
        return fail(QString::fromUtf8(e.what()));
    }
    return true;
}

void RunsPanel::chooseCsvExport()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Export curves as CSV"),
                                                QDir(m_lastExportDir).filePath(QStringLiteral("curves.csv")),
                                                tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".csv");
    m_lastExportDir = QFileInfo(path).absolutePath();
    QString error;
    if (!exportCsv(path, &error))
        QMessageBox::warning(this, tr("Export curves"), error);
}

void RunsPanel::choosePlotExport()
{
    const QString png = tr("PNG image (*.png)"), svg = tr("SVG image (*.svg)"), pdf = tr("PDF document (*.pdf)");
    QString filter = png;
    QString path = QFileDialog::getSaveFileName(this, tr("Export plot"),
                                                QDir(m_lastExportDir).filePath(QStringLiteral("curves.png")),
                                                QStringList{png, svg, pdf}.join(QStringLiteral(";;")), &filter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += filter == svg ? QStringLiteral(".svg") : filter == pdf ? QStringLiteral(".pdf") : QStringLiteral(".png");
    m_lastExportDir = QFileInfo(path).absolutePath();
    QString error;
    if (!exportPlot(path, {}, &error))
        QMessageBox::warning(this, tr("Export plot"), error);
}

void RunsPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyPalette();
}

void RunsPanel::applyPalette()
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    QColor grid = pal.color(QPalette::WindowText);
    grid.setAlpha(40);
    m_plot->setBackground(pal.brush(QPalette::Base));
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis, m_plot->xAxis2, m_plot->yAxis2}) {
        axis->setBasePen(QPen(text, 1));
        axis->setTickPen(QPen(text, 1));
        axis->setSubTickPen(QPen(text, 1));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    QColor legendBg = pal.color(QPalette::Base);
    legendBg.setAlpha(220);
    m_plot->legend->setBrush(legendBg);
    m_plot->legend->setBorderPen(QPen(pal.color(QPalette::Mid)));
    m_plot->legend->setTextColor(pal.color(QPalette::Text));
    m_plotPlaceholder->setColor(pal.color(QPalette::PlaceholderText));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace tb::ui
