// SPDX-License-Identifier: MIT
// RunsPanel's model export (core/io/model_export, which pulls in torch: kept out of runs_panel.cpp). The export of a
// small model takes milliseconds, so it runs on the GUI thread under a wait cursor.
// torch before any Qt header: Qt's `slots` macro breaks torch's headers.
#include "core/io/model_export.h"

#include "ui/panels/runs_panel.h"

#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>

#include <exception>

namespace tb::ui {

bool RunsPanel::exportModel(const QString& outDir, bool adapter, QStringList* files, QString* error)
{
    const auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    const auto runs = selectedRuns();
    if (runs.size() != 1)
        return fail(tr("Select one run to export its model."));
    const core::RunRecord& run = *runs.front();
    if (run.status == core::RunStatus::Running)
        return fail(tr("The run is still training; export it when it has stopped."));
    if (adapter && run.method != "lora")
        return fail(tr("Only a LoRA run has an adapter to export; this run's method is %1.")
                        .arg(QString::fromStdString(run.method)));
    if (outDir.isEmpty())
        return fail(tr("Choose a folder to export into."));
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        const auto written = core::exportModel(run.runDir, outDir.toStdString(),
                                               adapter ? core::ExportFormat::Peft : core::ExportFormat::Safetensors);
        QApplication::restoreOverrideCursor();
        if (files) {
            files->clear();
            for (const auto& f : written)
                files->append(QString::fromStdString(f.string()));
        }
        return true;
    } catch (const std::exception& e) {
        QApplication::restoreOverrideCursor();
        return fail(QString::fromUtf8(e.what()));
    }
}

void RunsPanel::chooseModelExport()
{
    const auto runs = selectedRuns();
    if (runs.size() != 1)
        return;
    bool adapter = false;
    if (runs.front()->method == "lora") {
        const QString full = tr("Full model, adapters merged (model.safetensors + config.json)");
        const QString peft = tr("LoRA adapter in PEFT's layout (adapter_model.safetensors + adapter_config.json)");
        bool ok = false;
        const QString choice = QInputDialog::getItem(this, tr("Export model"), tr("What to export:"), {full, peft}, 0,
                                                     false, &ok);
        if (!ok)
            return;
        adapter = choice == peft;
    }
    const QString start = QDir(m_lastExportDir).filePath(QString::fromStdString(runs.front()->id) +
                                                         (adapter ? QStringLiteral("-adapter") : QStringLiteral("-model")));
    const QString dir = QFileDialog::getSaveFileName(this, tr("Export model into a new or existing folder"), start,
                                                     QString(), nullptr, QFileDialog::ShowDirsOnly);
    if (dir.isEmpty())
        return;
    m_lastExportDir = QFileInfo(dir).absolutePath();
    QStringList files;
    QString error;
    if (!exportModel(dir, adapter, &files, &error)) {
        QMessageBox::warning(this, tr("Export model"), error);
        return;
    }
    QStringList names;
    for (const QString& f : files)
        names << QFileInfo(f).fileName();
    QMessageBox::information(this, tr("Export model"),
                             tr("Wrote %1 to %2.").arg(names.join(QStringLiteral(", ")), QDir::toNativeSeparators(dir)));
}

} // namespace tb::ui
