// SPDX-License-Identifier: MIT
// The phrasing battery: several phrasings of one request run on every selected model. A table with one row per
// phrasing and one column per model; each cell holds the model's output (elided, the full text in its tooltip) and
// the log-probability it gives the reference answer after that phrasing; the best model of each row is highlighted.
// An editor above holds the phrasings (one per line) and the reference answer; Run emits runRequested, and the
// hosting panel feeds results back with setResult. Plain data in; GUI thread only.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace tb::ui {

class PhrasingView : public QWidget {
    Q_OBJECT
public:
    explicit PhrasingView(QWidget* parent = nullptr);

    /// The editor's phrasings (non-empty lines, trimmed) and the table's rows.
    void setPhrasings(const QStringList& phrasings);
    QStringList phrasings() const;
    void setReference(const QString& reference);
    QString reference() const;
    /// The table's model columns; clears the results.
    void setModels(const QStringList& labels);
    /// The output of model `column` for phrasing `row`, and the log-probability (nats) it gives the reference (NaN:
    /// not computed, e.g. no reference). Out-of-range cells are ignored.
    void setResult(int row, int column, const QString& output, double logProb);
    /// Empties every cell (keeps rows and columns).
    void clearResults();

    int rowCount() const;
    int modelCount() const { return int(m_models.size()); }
    /// The model column with the highest log-probability in `row` (-1 when the row has none; ties: the first).
    int bestColumn(int row) const;
    /// Whether cell (row, model column) is drawn as its row's best.
    bool isHighlighted(int row, int column) const;
    /// The text and tooltip of a model cell.
    QString cellText(int row, int column) const;
    QString cellToolTip(int row, int column) const;

    /// Outputs longer than this many characters are cut with "…" in the cell.
    static constexpr int kMaxCellCharacters = 90;

signals:
    /// Run was pressed: generate each phrasing on every model and score `reference` after it.
    void runRequested(const QStringList& phrasings, const QString& reference);

private:
    struct Cell {
        QString output;
        double logProb = 0.0;
        bool done = false;
    };
    void rebuildTable();
    void refreshRow(int row);
    void updateRunButton();

    QPlainTextEdit* m_phrasingsEdit = nullptr;
    QLineEdit* m_referenceEdit = nullptr;
    QPushButton* m_runButton = nullptr;
    QLabel* m_hint = nullptr;
    QTableWidget* m_table = nullptr;
    QStringList m_rows;
    QStringList m_models;
    std::vector<std::vector<Cell>> m_cells; // [row][model]
};

} // namespace tb::ui
