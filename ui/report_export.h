// SPDX-License-Identifier: MIT
// File ▸ Export report…: gathers the runs the report is about (the Runs panel's selection, or every run of the
// project when none is selected), renders the Runs panel's overlaid curves of those runs to an image, asks for a
// title and the notes, then where to save, and writes <name>.html and <name>.pdf next to each other through
// ui/panels/run_report. GUI thread only.
#pragma once

#include "ui/panels/run_report.h"

#include <QString>

class QWidget;

namespace tb::ui {

class Project;
class RunsPanel;

/// The report's data for `runs`' selection (all of `project`'s runs when none is selected; the selection is
/// restored afterwards), with the curves drawn at RunsPanel::kExportSize. Empty runs when the project has none.
ReportInput collectReport(const Project& project, RunsPanel& runs);

/// The whole command: collect, the dialog (title, notes), the file dialog, the writes; errors in a message box.
void chooseReportExport(QWidget* parent, const Project& project, RunsPanel& runs);

} // namespace tb::ui
