// SPDX-License-Identifier: MIT
// The Rate tab's Bias view: a dialog that reads a project's votes.jsonl and shows core::biasReport() as a table
// (statistic, value with its 95% interval, verdict in plain words; a warning sign and the palette's highlight on the
// verdicts that find a bias), and writes a de-biased preference file (core::exportPreferences with balanced sides,
// balanced lengths and a length-ratio limit). GUI thread only.
#pragma once

#include "core/store/vote_bias.h"
#include "core/store/vote_store.h"

#include <QDialog>
#include <QString>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace tb::ui {

class VoteBiasView : public QDialog {
    Q_OBJECT
public:
    explicit VoteBiasView(QWidget* parent = nullptr);

    /// The votes file to read (a project's votes.jsonl); refresh() reads it.
    void setVotesFile(const QString& file);
    QString votesFile() const { return m_file; }

    /// The table: one row per core::BiasLine.
    QTableWidget* table() const { return m_table; }
    /// "title | value | verdict" of every row, for tests and copying.
    QStringList rowTexts() const;
    QString headerText() const;
    QString statusText() const;

    /// The export options as set in the view.
    core::PreferenceExportOptions exportOptions() const;
    void setExportOptions(const core::PreferenceExportOptions& options);
    /// Writes the de-biased preference file; false with the reason in `error` and the status line.
    bool exportTo(const QString& file, QString* error = nullptr);

public slots:
    /// Reads the votes again and recomputes everything.
    void refresh();
    void chooseExport();

private:
    void fill(const core::VoteLog& log);

    QString m_file;
    QLabel* m_header = nullptr;
    QTableWidget* m_table = nullptr;
    QCheckBox* m_balanceSides = nullptr;
    QCheckBox* m_balanceLength = nullptr;
    QDoubleSpinBox* m_maxRatio = nullptr;
    QPushButton* m_export = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace tb::ui
