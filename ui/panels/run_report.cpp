// SPDX-License-Identifier: MIT
#include "ui/panels/run_report.h"

#include "core/io/config_diff.h"
#include "ui/panels/plot_style.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>
#include <QUrl>

#include <algorithm>
#include <exception>

namespace tb::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("RunReport", text); }

QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString loss(const std::optional<double>& v) { return v ? formatLoss(*v) : QStringLiteral("–"); }

QString perplexity(const std::optional<double>& v) { return v ? QString::number(*v, 'f', 2) : QStringLiteral("–"); }

QString lineage(const core::RunRecord& run, const std::map<std::string, std::string>& names)
{
    if (run.parentRunId.empty())
        return tr("from scratch");
    const auto it = names.find(run.parentRunId);
    QString out = tr("from %1").arg(it != names.end() ? esc(it->second) : esc(run.parentRunId));
    if (!run.parentCheckpoint.empty())
        out += QStringLiteral(" <span class=\"dim\">(%1)</span>")
                   .arg(QFileInfo(QString::fromStdString(run.parentCheckpoint)).fileName().toHtmlEscaped());
    return out;
}

QString summaryTable(const ReportInput& input)
{
    QString h = QStringLiteral("<table class=\"grid\"><tr><th>%1</th><th>%2</th><th>%3</th><th>%4</th><th>%5</th>"
                               "<th>%6</th><th>%7</th><th>%8</th></tr>")
                    .arg(tr("Run"), tr("Method"), tr("Lineage"), tr("Status"), tr("Steps"), tr("Best val loss"),
                         tr("Final val loss"), tr("Forgetting (ppl)"));
    for (const ReportRun& r : input.runs) {
        const core::RunRecord& run = r.record;
        const QString forgetting = run.forgettingBefore || run.forgettingAfter
                                       ? perplexity(run.forgettingBefore) + QStringLiteral(" → ") +
                                             perplexity(run.forgettingAfter)
                                       : QStringLiteral("–");
        h += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td><td>%3</td><td>%4</td><td align=\"right\">%5</td>"
                            "<td align=\"right\">%6</td><td align=\"right\">%7</td><td align=\"right\">%8</td></tr>")
                 .arg(esc(run.name), esc(run.method), lineage(run, input.runNames),
                      QString::fromStdString(core::toString(run.status)).toHtmlEscaped())
                 .arg(run.maxSteps > 0 ? QStringLiteral("%1 / %2").arg(run.steps).arg(run.maxSteps)
                                       : QString::number(run.steps))
                 .arg(loss(run.bestValLoss), loss(run.finalValLoss), forgetting);
    }
    return h + QStringLiteral("</table>");
}

QString diffSection(const ReportInput& input)
{
    if (input.runs.size() < 2)
        return {};
    std::vector<std::string> texts;
    std::vector<std::string> origins;
    for (const ReportRun& r : input.runs) {
        texts.push_back(r.record.configYaml);
        origins.push_back(r.record.name + " (" + r.record.id + ")");
    }
    QString h = QStringLiteral("<h2>%1</h2>").arg(tr("Settings that differ"));
    std::vector<core::ConfigDiffRow> rows;
    try {
        rows = core::diffConfigYaml(texts, origins);
    } catch (const std::exception& e) {
        return h + QStringLiteral("<p class=\"dim\">%1</p>").arg(QString::fromUtf8(e.what()).toHtmlEscaped());
    }
    if (rows.empty())
        return h + QStringLiteral("<p>%1</p>").arg(tr("None: the runs share every setting."));
    h += QStringLiteral("<table class=\"grid\"><tr><th>%1</th>").arg(tr("Setting"));
    for (const ReportRun& r : input.runs)
        h += QStringLiteral("<th>%1</th>").arg(esc(r.record.name));
    h += QStringLiteral("</tr>");
    for (const core::ConfigDiffRow& row : rows) {
        h += QStringLiteral("<tr><td><tt>%1</tt></td>").arg(esc(row.key));
        for (const std::string& v : row.values)
            h += QStringLiteral("<td>%1</td>").arg(esc(v));
        h += QStringLiteral("</tr>");
    }
    return h + QStringLiteral("</table>");
}

QString samplesSection(const ReportInput& input)
{
    QString h;
    for (const ReportRun& r : input.runs) {
        if (r.samples.empty())
            continue;
        int64_t last = 0;
        for (const core::SampleRecord& s : r.samples)
            last = std::max(last, s.step);
        h += QStringLiteral("<h3>%1 <span class=\"dim\">%2</span></h3><table class=\"grid\"><tr><th>%3</th><th>%4</th>"
                            "</tr>")
                 .arg(esc(r.record.name), tr("step %1").arg(last), tr("Prompt"), tr("Continuation"));
        for (const core::SampleRecord& s : r.samples)
            if (s.step == last)
                h += QStringLiteral("<tr><td><tt>%1</tt></td><td><tt>%2</tt></td></tr>").arg(esc(s.prompt), esc(s.text));
        h += QStringLiteral("</table>");
    }
    return h.isEmpty() ? QString() : QStringLiteral("<h2>%1</h2>").arg(tr("Last probe samples")) + h;
}

QString notesHtml(const QString& notes)
{
    QString h;
    for (const QString& para : notes.trimmed().split(QStringLiteral("\n\n"), Qt::SkipEmptyParts))
        h += QStringLiteral("<p>%1</p>").arg(para.trimmed().toHtmlEscaped().replace(QLatin1Char('\n'), "<br>"));
    return h;
}

QByteArray pngBytes(const QImage& image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

} // namespace

QString reportHtml(const ReportInput& input, ImageSource images)
{
    const QString title = input.title.trimmed().isEmpty() ? tr("TuneBench report") : input.title.trimmed();
    QString h = QStringLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%1</title><style>"
                               "body{font-family:sans-serif;max-width:60em;margin:1em auto;}"
                               "table.grid{border-collapse:collapse;margin:0.5em 0;}"
                               "table.grid th,table.grid td{border:1px solid #999;padding:3px 6px;vertical-align:top;}"
                               "th{background:#eee;text-align:left;} .dim{color:#666;font-weight:normal;}"
                               "img{max-width:100%;}</style></head><body>\n")
                    .arg(title.toHtmlEscaped());
    h += QStringLiteral("<h1>%1</h1>\n<p class=\"dim\">").arg(title.toHtmlEscaped());
    if (!input.project.isEmpty())
        h += tr("Project %1 · ").arg(input.project.toHtmlEscaped());
    h += QCoreApplication::translate("RunReport", "%n run(s) · written %1", "", int(input.runs.size()))
             .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
    h += QStringLiteral("</p>\n");
    if (!input.notes.trimmed().isEmpty())
        h += QStringLiteral("<h2>%1</h2>\n<div class=\"notes\">%2</div>\n").arg(tr("Notes"), notesHtml(input.notes));
    h += QStringLiteral("<h2>%1</h2>\n").arg(tr("Runs")) + summaryTable(input) + QStringLiteral("\n");
    if (!input.curves.isNull()) {
        const QString src = images == ImageSource::DataUrl
                                ? QStringLiteral("data:image/png;base64,") + QString::fromLatin1(pngBytes(input.curves).toBase64())
                                : QString::fromLatin1(kCurvesResource);
        // The PDF's page is about 680 pixels wide at the document's 96 dpi: the figure scales to it.
        h += QStringLiteral("<h2>%1</h2>\n<p><img src=\"%2\" width=\"%3\" alt=\"%4\"></p>\n")
                 .arg(tr("Loss curves"), src)
                 .arg(images == ImageSource::DataUrl ? input.curves.width() : 600)
                 .arg(tr("train loss (lines) and validation loss (points) of each run"));
    }
    h += diffSection(input) + QStringLiteral("\n") + samplesSection(input);
    return h + QStringLiteral("\n</body></html>\n");
}

bool writeReport(const ReportInput& input, const QString& htmlPath, const QString& pdfPath, QString* error)
{
    const auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    if (input.runs.empty())
        return fail(tr("The report has no run: select runs in Runs, or open a project with runs."));
    if (!htmlPath.isEmpty()) {
        QSaveFile file(htmlPath);
        if (!file.open(QIODevice::WriteOnly) || file.write(reportHtml(input, ImageSource::DataUrl).toUtf8()) < 0 ||
            !file.commit())
            return fail(tr("Cannot write %1: %2").arg(htmlPath, file.errorString()));
    }
    if (!pdfPath.isEmpty()) {
        QSaveFile file(pdfPath);
        if (!file.open(QIODevice::WriteOnly))
            return fail(tr("Cannot write %1: %2").arg(pdfPath, file.errorString()));
        {
            QPdfWriter pdf(&file);
            pdf.setTitle(input.title.isEmpty() ? tr("TuneBench report") : input.title);
            pdf.setCreator(QStringLiteral("TuneBench"));
            pdf.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 15, 15, 15),
                                          QPageLayout::Millimeter));
            QTextDocument doc;
            if (!input.curves.isNull())
                doc.addResource(QTextDocument::ImageResource, QUrl(QString::fromLatin1(kCurvesResource)), input.curves);
            doc.setHtml(reportHtml(input, ImageSource::Resource));
            doc.print(&pdf);
        } // the writer finishes the file here
        if (!file.commit())
            return fail(tr("Cannot write %1: %2").arg(pdfPath, file.errorString()));
    }
    return true;
}

} // namespace tb::ui
