// SPDX-License-Identifier: MIT
// The run report (File ▸ Export report…): one HTML page and one PDF of some runs that a student can hand in. For
// each run its name, method, lineage (parent run and checkpoint), steps, best and final validation loss, the
// forgetting meter before/after and its last probe samples; the settings that differ between the runs
// (core/io/config_diff); the loss curves as an image; and the notes typed in the export dialog.
//
// Built from plain data (RunRecords, SampleRecords, a QImage), so it is tested without a project, a window or torch.
// The PDF comes from Qt's own writer (QTextDocument printed on a QPdfWriter), no browser. GUI thread only (fonts).
#pragma once

#include "core/store/run_records.h"

#include <QImage>
#include <QString>

#include <map>
#include <string>
#include <vector>

namespace tb::ui {

struct ReportRun {
    core::RunRecord record;
    std::vector<core::SampleRecord> samples; // all of the run's probe samples; the report shows the last step's
};

struct ReportInput {
    QString title;                               // the page's heading; empty: "TuneBench report"
    QString notes;                               // plain text, as typed; paragraphs kept
    QString project;                             // the project folder, shown under the heading
    std::vector<ReportRun> runs;                 // in the order the report lists them
    std::map<std::string, std::string> runNames; // id -> name of every run in the project, for the lineage
    QImage curves;                               // the overlaid loss curves; null: no figure
};

/// Where the curves image of reportHtml comes from: embedded as a data: URL (a self-contained .html file) or by a
/// resource name (QTextDocument::addResource, for the PDF).
enum class ImageSource { DataUrl, Resource };
/// The resource name of the curves image with ImageSource::Resource.
inline const char* const kCurvesResource = "tb-report-curves.png";

/// The report as an HTML document. Text from the runs and the notes is escaped.
QString reportHtml(const ReportInput& input, ImageSource images = ImageSource::DataUrl);

/// Writes the report as HTML to `htmlPath` (when not empty) and as PDF (A4) to `pdfPath` (when not empty), each
/// atomically. False with a message naming the file in `error` when a write fails or there is no run.
bool writeReport(const ReportInput& input, const QString& htmlPath, const QString& pdfPath, QString* error = nullptr);

} // namespace tb::ui
