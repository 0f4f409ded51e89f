// SPDX-License-Identifier: MIT
// The Data panel's view of a loaded dataset (a DatasetReport): detected format and container, record counts by
// kind, the load summary (read / kept / skipped and why), exact duplicates, train/val n-gram overlap, the length
// histogram as bars, the problems (each with file:line and field; activating one asks to show its line), and a
// record browser that shows one record's turns and, "As the model sees it", the record after the run's chat template
// and data.replace placeholders (core::renderRecord): the characters the loss counts in one colour, the context in a
// muted one, whitespace visible, and with a known tokenizer its tokens with their loss flags. A template or record
// that cannot be rendered shows its error in place. It only displays; the Data panel loads. GUI thread only.
#pragma once

#include "ui/bridge/dataset_scan.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPBars;
class QFormLayout;
class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QListWidget;
class QListWidgetItem;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTextBrowser;

namespace tb::core {
class Tokenizer;
}

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

    /// "As the model sees it": the text shown (after the template and replacements), and per character of it '1'
    /// where the loss counts it, '0' where it is context only, as the view colours it. Empty while a message shows.
    QString modelText() const;
    QString modelLossMask() const;
    /// The error shown in place of the rendering (a bad template, a record that is not SFT data); "" when none.
    QString modelMessage() const;
    /// Per token of the rendering, '1' where predicting it counts in the loss; empty without a tokenizer.
    QString tokenLossFlags() const;

public slots:
    void showRecord(int index);
    /// The run's chat template (sft.chat_template; empty: the built-in one), loss_on ("completion" or "all") and
    /// data.replace items ("{{name}}=TuneBench"), as Run setup has them. Each re-renders the current record.
    void setChatTemplate(const QString& text);
    void setLossOn(const QString& lossOn);
    void setReplacements(const QStringList& items);
    /// The tokenizer the tokens follow (a parent run's), named by `label`; nullptr shows no tokens.
    void setTokenizer(std::shared_ptr<const tb::core::Tokenizer> tokenizer, const QString& label);

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
    void showModelView();
    void showModelMessage(const QString& message);
    QString legendHtml() const;

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

    QString m_chatTemplate;
    QString m_lossOn = QStringLiteral("completion");
    QStringList m_replacements;
    std::shared_ptr<const core::Tokenizer> m_tokenizerForTokens;
    QString m_tokenizerLabel;
    QComboBox* m_recordView = nullptr;
    QStackedWidget* m_recordPages = nullptr;
    QLabel* m_modelLegend = nullptr;
    QStackedWidget* m_modelStack = nullptr;
    QLabel* m_modelError = nullptr;
    QPlainTextEdit* m_modelText = nullptr;
    QLabel* m_tokensTitle = nullptr;
    QTextBrowser* m_tokens = nullptr;
    QString m_tokenFlags;
};

} // namespace tb::ui
