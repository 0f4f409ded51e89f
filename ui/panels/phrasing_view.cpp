// SPDX-License-Identifier: MIT
#include "ui/panels/phrasing_view.h"

#include "ui/panels/plot_style.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace tb::ui {

namespace {

/// One line: newlines and tabs drawn as markers, cut at kMaxCellCharacters.
QString cellLine(const QString& text)
{
    QString line = text;
    line.replace(QLatin1Char('\n'), QStringLiteral("\u21B5"));
    line.replace(QLatin1Char('\t'), QStringLiteral("\u2192"));
    line.replace(QLatin1Char('\r'), QString());
    if (line.size() > PhrasingView::kMaxCellCharacters)
        line = line.left(PhrasingView::kMaxCellCharacters - 1) + QStringLiteral("\u2026");
    return line;
}

QString logProbText(double logProb)
{
    return std::isnan(logProb) ? PhrasingView::tr("log p: \u2014")
                               : PhrasingView::tr("log p = %1").arg(logProb, 0, 'f', 2);
}

QColor bestColour()
{
    QColor colour = seriesColor::kGreen;
    colour.setAlpha(80);
    return colour;
}

} // namespace

PhrasingView::PhrasingView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* form = new QFormLayout;
    m_phrasingsEdit = new QPlainTextEdit(this);
    m_phrasingsEdit->setObjectName("phrasingsEdit");
    m_phrasingsEdit->setPlaceholderText(tr("One phrasing of the request per line, e.g.\nWhat is the capital of "
                                           "France?\nName France's capital.\nFrance's capital city is"));
    m_phrasingsEdit->setTabChangesFocus(true);
    m_phrasingsEdit->setMaximumHeight(m_phrasingsEdit->fontMetrics().lineSpacing() * 6 + 12);
    form->addRow(tr("&Phrasings:"), m_phrasingsEdit);
    auto* referenceRow = new QHBoxLayout;
    m_referenceEdit = new QLineEdit(this);
    m_referenceEdit->setObjectName("referenceEdit");
    m_referenceEdit->setPlaceholderText(tr("The answer to score, e.g. \" Paris\" (optional)"));
    m_referenceEdit->setToolTip(tr("Each model's log-probability of this text right after each phrasing: higher "
                                   "(closer to 0) means the model finds the answer more likely."));
    referenceRow->addWidget(m_referenceEdit, 1);
    m_runButton = new QPushButton(tr("&Run battery"), this);
    m_runButton->setObjectName("runButton");
    referenceRow->addWidget(m_runButton);
    auto* referenceLabel = new QLabel(tr("&Reference answer:"), this);
    referenceLabel->setBuddy(m_referenceEdit);
    form->addRow(referenceLabel, referenceRow);
    layout->addLayout(form);

    m_hint = new QLabel(this);
    m_hint->setObjectName("hint");
    m_hint->setTextFormat(Qt::RichText);
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    m_hint->setText(tr("Each cell: the log-probability (nats) of the reference answer after the phrasing, then the "
                       "model's own output. <span style='background-color:%1'>&nbsp;Highlighted&nbsp;</span>: the "
                       "model that finds the reference most likely for that phrasing.")
                        .arg(bestColour().name(QColor::HexArgb)));
    layout->addWidget(m_hint);

    m_table = new QTableWidget(this);
    m_table->setObjectName("table");
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    layout->addWidget(m_table, 1);

    connect(m_phrasingsEdit, &QPlainTextEdit::textChanged, this, &PhrasingView::updateRunButton);
    connect(m_runButton, &QPushButton::clicked, this, [this] {
        const QStringList list = phrasings();
        if (list.isEmpty())
            return;
        m_rows = list;
        rebuildTable();
        emit runRequested(list, reference());
    });
    rebuildTable();
    updateRunButton();
}

void PhrasingView::setPhrasings(const QStringList& list)
{
    QStringList clean;
    for (const QString& p : list)
        if (!p.trimmed().isEmpty())
            clean << p.trimmed();
    m_phrasingsEdit->setPlainText(clean.join(QLatin1Char('\n')));
    m_rows = clean;
    rebuildTable();
}

QStringList PhrasingView::phrasings() const
{
    QStringList out;
    for (const QString& line : m_phrasingsEdit->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty())
            out << line.trimmed();
    return out;
}

void PhrasingView::setReference(const QString& reference) { m_referenceEdit->setText(reference); }
QString PhrasingView::reference() const { return m_referenceEdit->text(); }

void PhrasingView::setModels(const QStringList& labels)
{
    m_models = labels;
    rebuildTable();
}

void PhrasingView::setResult(int row, int column, const QString& output, double logProb)
{
    if (row < 0 || row >= rowCount() || column < 0 || column >= modelCount())
        return;
    m_cells[size_t(row)][size_t(column)] = {output, logProb, true};
    refreshRow(row);
}

void PhrasingView::clearResults()
{
    for (auto& row : m_cells)
        for (auto& cell : row)
            cell = {};
    for (int r = 0; r < rowCount(); ++r)
        refreshRow(r);
}

int PhrasingView::rowCount() const { return int(m_rows.size()); }

int PhrasingView::bestColumn(int row) const
{
    if (row < 0 || row >= rowCount())
        return -1;
    int best = -1;
    for (int c = 0; c < modelCount(); ++c) {
        const Cell& cell = m_cells[size_t(row)][size_t(c)];
        if (cell.done && !std::isnan(cell.logProb) &&
            (best < 0 || cell.logProb > m_cells[size_t(row)][size_t(best)].logProb))
            best = c;
    }
    return best;
}

bool PhrasingView::isHighlighted(int row, int column) const
{
    const QTableWidgetItem* item = m_table->item(row, column + 1);
    return item && item->background().style() != Qt::NoBrush;
}

QString PhrasingView::cellText(int row, int column) const
{
    const QTableWidgetItem* item = m_table->item(row, column + 1);
    return item ? item->text() : QString();
}

QString PhrasingView::cellToolTip(int row, int column) const
{
    const QTableWidgetItem* item = m_table->item(row, column + 1);
    return item ? item->toolTip() : QString();
}

void PhrasingView::rebuildTable()
{
    m_cells.assign(size_t(m_rows.size()), std::vector<Cell>(size_t(m_models.size())));
    m_table->clear();
    m_table->setRowCount(int(m_rows.size()));
    m_table->setColumnCount(1 + int(m_models.size()));
    QStringList headers{tr("Phrasing")};
    headers << m_models;
    m_table->setHorizontalHeaderLabels(headers);
    for (int r = 0; r < rowCount(); ++r) {
        auto* phrasing = new QTableWidgetItem(cellLine(m_rows[r]));
        phrasing->setToolTip(m_rows[r].toHtmlEscaped());
        m_table->setItem(r, 0, phrasing);
        refreshRow(r);
    }
}

void PhrasingView::refreshRow(int row)
{
    const int best = bestColumn(row);
    for (int c = 0; c < modelCount(); ++c) {
        const Cell& cell = m_cells[size_t(row)][size_t(c)];
        auto* item = new QTableWidgetItem;
        if (!cell.done) {
            item->setText(QStringLiteral("\u2026"));
            item->setForeground(palette().color(QPalette::PlaceholderText));
        } else {
            item->setText(logProbText(cell.logProb) + QLatin1Char('\n') + cellLine(cell.output));
            QString tip = QStringLiteral("<p style='white-space:pre-wrap'>%1</p>").arg(cell.output.toHtmlEscaped());
            tip += std::isnan(cell.logProb)
                       ? tr("No reference answer scored.")
                       : tr("log-probability of the reference answer: <b>%1</b> nats").arg(cell.logProb, 0, 'f', 3);
            item->setToolTip(tip);
        }
        if (c == best) {
            item->setBackground(bestColour());
            QFont bold = item->font();
            bold.setBold(true);
            item->setFont(bold);
        }
        m_table->setItem(row, c + 1, item);
    }
}

void PhrasingView::updateRunButton() { m_runButton->setEnabled(!phrasings().isEmpty()); }

} // namespace tb::ui
