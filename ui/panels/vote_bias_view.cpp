// SPDX-License-Identifier: MIT
#include "ui/panels/vote_bias_view.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tb::ui {

namespace {

QString text(const std::string& s) { return QString::fromStdString(s); }

} // namespace

VoteBiasView::VoteBiasView(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("VoteBiasView"));
    setWindowTitle(tr("Bias in the votes"));
    auto* layout = new QVBoxLayout(this);
    m_header = new QLabel(this);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_header);

    m_table = new QTableWidget(0, 3, this);
    m_table->setHorizontalHeaderLabels({tr("Statistic"), tr("Value (95% interval)"), tr("Verdict")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(true);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    layout->addWidget(m_table, 1);
    // Wrapped cells need their rows re-measured whenever the columns change width (first show, resizes).
    connect(m_table->horizontalHeader(), &QHeaderView::sectionResized, m_table,
            [this] { m_table->resizeRowsToContents(); });

    auto* note = new QLabel(tr("Intervals are 95%: Wilson for shares, a normal approximation for the length trend and "
                               "Cohen's kappa, a bootstrap over the rated outputs for Krippendorff's alpha. "
                               "docs/rating.md explains each number."),
                            this);
    note->setWordWrap(true);
    layout->addWidget(note);

    auto* exportBox = new QGroupBox(tr("De-biased preference export"), this);
    auto* exportRow = new QHBoxLayout(exportBox);
    m_balanceSides = new QCheckBox(tr("Balance &sides"), exportBox);
    m_balanceSides->setToolTip(tr("Drop pairs at random until the side shown left won exactly half of them"));
    m_balanceLength = new QCheckBox(tr("Balance &lengths"), exportBox);
    m_balanceLength->setToolTip(tr("Drop pairs at random until the chosen output is the longer one in exactly half "
                                   "of the pairs of unequal length"));
    auto* ratioLabel = new QLabel(tr("Max length &ratio"), exportBox);
    m_maxRatio = new QDoubleSpinBox(exportBox);
    m_maxRatio->setRange(1.0, 20.0);
    m_maxRatio->setSingleStep(0.1);
    m_maxRatio->setDecimals(2);
    m_maxRatio->setSpecialValueText(tr("off"));
    m_maxRatio->setToolTip(tr("Drop pairs whose longer output has more than this many times the characters of the "
                              "shorter (lengths + 1)"));
    ratioLabel->setBuddy(m_maxRatio);
    m_export = new QPushButton(tr("&Export de-biased…"), exportBox);
    exportRow->addWidget(m_balanceSides);
    exportRow->addWidget(m_balanceLength);
    exportRow->addWidget(ratioLabel);
    exportRow->addWidget(m_maxRatio);
    exportRow->addStretch();
    exportRow->addWidget(m_export);
    layout->addWidget(exportBox);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* refreshButton = buttons->addButton(tr("Re&fresh"), QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(refreshButton, &QPushButton::clicked, this, &VoteBiasView::refresh);
    connect(m_export, &QPushButton::clicked, this, &VoteBiasView::chooseExport);
    resize(980, 620);
}

void VoteBiasView::setVotesFile(const QString& file)
{
    m_file = file;
    refresh();
}

void VoteBiasView::refresh()
{
    m_status->clear();
    if (m_file.isEmpty()) {
        fill({});
        m_header->setText(tr("No project open: open one to see the bias in its votes."));
        return;
    }
    try {
        fill(core::VoteStore(m_file.toStdString()).read());
    } catch (const std::exception& e) {
        fill({});
        m_header->setText(tr("Cannot read the votes: %1").arg(QString::fromUtf8(e.what())));
    }
}

void VoteBiasView::fill(const core::VoteLog& log)
{
    const core::VoteBias bias = core::computeVoteBias(log.votes);
    QString header = tr("%n vote(s), %1 decisive, in %2.", nullptr, int(bias.votes))
                         .arg(bias.decisive)
                         .arg(QDir::toNativeSeparators(m_file));
    if (!log.problems.empty())
        header += tr(" %n unreadable line(s) left out (first: %1).", nullptr, int(log.problems.size()))
                      .arg(text(log.problems.front().describe()));
    m_header->setText(header);

    const std::vector<core::BiasLine> lines = core::biasReport(bias);
    m_table->setRowCount(int(lines.size()));
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    const QColor warningColour(0xd0, 0x5a, 0x00);
    const QColor quiet = palette().color(QPalette::PlaceholderText);
    for (int row = 0; row < int(lines.size()); ++row) {
        const core::BiasLine& l = lines[size_t(row)];
        auto* title = new QTableWidgetItem(text(l.title));
        auto* value = new QTableWidgetItem(text(l.value));
        auto* verdict = new QTableWidgetItem(text(l.verdict));
        title->setData(Qt::UserRole, text(l.key));
        if (l.key == "length_bin") {
            title->setForeground(quiet);
            value->setForeground(quiet);
        } else {
            QFont bold = title->font();
            bold.setBold(true);
            title->setFont(bold);
        }
        if (l.warning) {
            verdict->setIcon(warning);
            verdict->setForeground(warningColour);
            QFont bold = verdict->font();
            bold.setBold(true);
            verdict->setFont(bold);
        }
        m_table->setItem(row, 0, title);
        m_table->setItem(row, 1, value);
        m_table->setItem(row, 2, verdict);
    }
    m_table->resizeRowsToContents();
}

QStringList VoteBiasView::rowTexts() const
{
    QStringList rows;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        QStringList cells;
        for (int column = 0; column < 3; ++column)
            cells << (m_table->item(row, column) ? m_table->item(row, column)->text() : QString());
        rows << cells.join(QStringLiteral(" | "));
    }
    return rows;
}

QString VoteBiasView::headerText() const { return m_header->text(); }

QString VoteBiasView::statusText() const { return m_status->text(); }

core::PreferenceExportOptions VoteBiasView::exportOptions() const
{
    core::PreferenceExportOptions o;
    o.balanceSides = m_balanceSides->isChecked();
    o.balanceLength = m_balanceLength->isChecked();
    o.maxLengthRatio = m_maxRatio->value() > m_maxRatio->minimum() ? m_maxRatio->value() : 0.0;
    return o;
}

void VoteBiasView::setExportOptions(const core::PreferenceExportOptions& o)
{
    m_balanceSides->setChecked(o.balanceSides);
    m_balanceLength->setChecked(o.balanceLength);
    m_maxRatio->setValue(o.maxLengthRatio > 0 ? o.maxLengthRatio : m_maxRatio->minimum());
}

bool VoteBiasView::exportTo(const QString& file, QString* error)
{
    if (m_file.isEmpty()) {
        if (error)
            *error = tr("No project open.");
        m_status->setText(tr("No project open."));
        return false;
    }
    try {
        const core::VoteLog log = core::VoteStore(m_file.toStdString()).read();
        const core::PreferenceExport e = core::exportPreferences(log.votes, file.toStdString(), exportOptions());
        m_status->setText(tr("Exported %n preference pair(s) to %1. De-biasing dropped %2 over the length ratio, %3 "
                             "to balance sides and %4 to balance lengths (left out before that: %5 tie/both "
                             "bad/skip, %6 retracted, %7 with identical outputs).",
                             nullptr, int(e.pairs))
                              .arg(QDir::toNativeSeparators(file))
                              .arg(e.droppedLengthRatio)
                              .arg(e.droppedSideBalance)
                              .arg(e.droppedLengthBalance)
                              .arg(e.notDecisive)
                              .arg(e.retracted)
                              .arg(e.identical));
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        m_status->setText(tr("Export failed: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

void VoteBiasView::chooseExport()
{
    const QString dir = m_file.isEmpty() ? QDir::homePath() : QFileInfo(m_file).absolutePath();
    const QString file = QFileDialog::getSaveFileName(this, tr("Export de-biased preferences"),
                                                      dir + QStringLiteral("/preferences-debiased.jsonl"),
                                                      tr("JSON Lines (*.jsonl);;All files (*)"));
    if (!file.isEmpty())
        exportTo(file);
}

} // namespace tb::ui
