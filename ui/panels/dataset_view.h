// SPDX-License-Identifier: MIT
// The Data panel's view of a loaded dataset (a DatasetReport): detected format and container, record counts by
// kind, the load summary (read / kept / skipped and why), exact duplicates, train/val n-gram overlap, the length
// histogram as bars, the problems (each with file:line and field; activating one asks to show its line), and a
// record browser that shows one record's turns. It only displays; the Data panel loads. GUI thread only.
#pragma once

#include "ui/bridge/dataset_scan.h"

#include <QWidget>

class QCustomPlot;
class QCPBars;
class QFormLayout;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTextBrowser;

namespace tb::ui {

/// A dataset format's name for people ("Alpaca", "ShareGPT", "Prompt/completion (TRL)", ...).
QString datasetFormatTitle(core::DatasetFormat format);

class DatasetView : public QWidget {
    Q_OBJECT
public:
    explicit DatasetView(QWidget* parent = nullptr);

    /// Shows `report` (nullptr clears the view).
    void setReport(DatasetReportPtr report);
    const DatasetReportPtr& report() const { return m_report; }

    /// The record browser's current record (0-based among the kept records), and its rendering as plain text.
    int currentRecord() const;
    QString recordText() const;
    /// Lines of the problems list as shown (skipped records and warnings).
    QStringList problemLines() const;
    /// The plotted histogram: bucket lower bounds and counts.
    QList<QPointF> histogramBars() const;

public slots:
    void showRecord(int index);

signals:
    /// A problem was activated: `line` (1-based) of the file, or -1 when it has none.
    void problemActivated(qint64 line, qint64 record);
    void useAsFineTuningRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void showSummary();
    void fillProblems();
    void plotLengths();
    void activateProblem(QListWidgetItem* item);

    DatasetReportPtr m_report;
    QFormLayout* m_form = nullptr;
    QLabel* m_values[6] = {};
    QPushButton* m_useButton = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPBars* m_bars = nullptr;
    QTabWidget* m_tabs = nullptr;
    QListWidget* m_problems = nullptr;
    QSpinBox* m_recordIndex = nullptr;
    QLabel* m_recordWhere = nullptr;
    QTextBrowser* m_record = nullptr;
};

} // namespace tb::ui
