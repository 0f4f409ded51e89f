// SPDX-License-Identifier: MIT
#include "ui/report_export.h"

#include "ui/bridge/project.h"
#include "ui/panels/runs_panel.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include <qcustomplot.h>

namespace tb::ui {

ReportInput collectReport(const Project& project, RunsPanel& runs)
{
    ReportInput input;
    input.project = project.directory();
    const std::vector<core::RunRecord> all = project.runs();
    for (const core::RunRecord& r : all)
        input.runNames[r.id] = r.name;
    const QStringList selected = runs.selectedRunIds();
    QStringList ids = selected;
    if (ids.isEmpty())
        for (const core::RunRecord& r : all)
            ids << QString::fromStdString(r.id);
    for (const QString& id : ids)
        if (auto record = project.run(id))
            input.runs.push_back({*record, project.samples(id)});
    if (input.runs.empty())
        return input;
    if (selected.isEmpty())
        runs.selectRuns(ids); // the overlay plot draws the selected runs
    const QSize size = RunsPanel::kExportSize;
    input.curves = runs.plot()->toPixmap(size.width(), size.height()).toImage();
    if (selected.isEmpty())
        runs.selectRuns({});
    return input;
}

void chooseReportExport(QWidget* parent, const Project& project, RunsPanel& runs)
{
    ReportInput input = collectReport(project, runs);
    if (input.runs.empty()) {
        QMessageBox::information(parent, QObject::tr("Export report"),
                                 QObject::tr("There is no run to report on: open a project with runs."));
        return;
    }
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Export report"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* about = new QLabel(QObject::tr("%n run(s): the selected runs in Runs, or all runs when none is selected.", "",
                                         int(input.runs.size())),
                             &dialog);
    about->setWordWrap(true);
    layout->addWidget(about);
    auto* form = new QFormLayout;
    auto* title = new QLineEdit(QObject::tr("TuneBench report"), &dialog);
    auto* notes = new QPlainTextEdit(&dialog);
    notes->setObjectName(QStringLiteral("reportNotes"));
    notes->setPlaceholderText(QObject::tr("What you did, what you observed, what you conclude…"));
    form->addRow(QObject::tr("&Title:"), title);
    form->addRow(QObject::tr("&Notes:"), notes);
    layout->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(QObject::tr("Save…"));
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    input.title = title->text();
    input.notes = notes->toPlainText();

    QSettings settings;
    const QString lastDir = settings.value(QStringLiteral("report/lastDir"), QDir::homePath()).toString();
    QString html = QFileDialog::getSaveFileName(parent, QObject::tr("Export report (HTML and PDF)"),
                                                QDir(lastDir).filePath(QStringLiteral("report.html")),
                                                QObject::tr("HTML and PDF (*.html)"));
    if (html.isEmpty())
        return;
    if (!html.endsWith(QStringLiteral(".html"), Qt::CaseInsensitive))
        html += QStringLiteral(".html");
    const QFileInfo info(html);
    settings.setValue(QStringLiteral("report/lastDir"), info.absolutePath());
    const QString pdf = info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral(".pdf"));
    QString error;
    if (!writeReport(input, html, pdf, &error))
        QMessageBox::warning(parent, QObject::tr("Export report"), error);
}

} // namespace tb::ui
