// SPDX-License-Identifier: MIT
// The run report (ui/panels/run_report) from plain data: the HTML holds each run's name, method and lineage, the
// keys whose values differ (and only those), the best/final val loss and forgetting numbers, the last step's probe
// samples (not the earlier ones), the notes (escaped) and the curves as an embedded <img>; the PDF is a real PDF
// of some size; a run-less report and an unwritable path fail with a message naming the file. collectReport takes
// the Runs panel's selection, or every run of the project when none is selected (and leaves the selection as it
// was), with the runs' curves drawn in their colours.
#include "core/io/run_config.h"
#include "core/store/run_registry.h"
#include "tests/qt_test_support.h"
#include "ui/bridge/project.h"
#include "ui/panels/run_report.h"
#include "ui/panels/runs_panel.h"
#include "ui/report_export.h"

#include <QtTest/QtTest>

#include <QApplication>
#include <QFile>
#include <QPainter>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QUrl>

using tb::ui::ReportInput;
using tb::ui::ReportRun;

namespace {

tb::core::RunRecord record(const std::string& id, const std::string& name, double lr, uint64_t seed)
{
    tb::core::RunConfig config;
    config.train.learningRate = lr;
    config.train.seed = seed;
    tb::core::RunRecord r;
    r.id = id;
    r.name = name;
    r.status = tb::core::RunStatus::Completed;
    r.configYaml = tb::core::toYaml(config);
    r.steps = 200;
    r.maxSteps = 200;
    return r;
}

ReportInput twoRuns()
{
    ReportInput input;
    input.title = QStringLiteral("Lab 2: fine-tuning");
    input.notes = QStringLiteral("The SFT run answers <b>questions</b>.\n\nThe base model continues the text.");
    ReportRun base{record("r1", "base-pretrain", 6e-4, 1), {}};
    base.record.bestValLoss = 1.98771;
    base.record.finalValLoss = 2.0;
    base.samples = {{100, "the sea", "old text at step 100"}, {200, "the sea", "is grey and cold"}};
    ReportRun sft{record("r2", "sft-identity", 1e-4, 1), {}};
    sft.record.method = "sft";
    sft.record.parentRunId = "r1";
    sft.record.parentCheckpoint = "/p/runs/r1/checkpoints/step-200.pt";
    sft.record.forgettingBefore = 7.25;
    sft.record.forgettingAfter = 9.5;
    sft.samples = {{200, "who are you", "i am the keeper of the light."}};
    input.runs = {base, sft};
    input.runNames = {{"r1", "base-pretrain"}, {"r2", "sft-identity"}};
    QImage curves(600, 375, QImage::Format_RGB32);
    curves.fill(Qt::white);
    QPainter painter(&curves);
    painter.setPen(QPen(Qt::blue, 3));
    painter.drawLine(20, 20, 580, 350);
    painter.end();
    input.curves = curves;
    return input;
}

} // namespace

class TestRunReport : public QObject {
    Q_OBJECT
private slots:
    void htmlHoldsRunsDiffNotesAndImage()
    {
        const QString html = tb::ui::reportHtml(twoRuns());
        QVERIFY(html.contains(QStringLiteral("Lab 2: fine-tuning")));
        QVERIFY(html.contains(QStringLiteral("base-pretrain")));
        QVERIFY(html.contains(QStringLiteral("sft-identity")));
        QVERIFY(html.contains(QStringLiteral("<td>sft</td>")));
        QVERIFY(html.contains(QStringLiteral("from base-pretrain"))); // lineage by the parent's name
        QVERIFY(html.contains(QStringLiteral("step-200.pt")));
        // The differing key with both values; a shared key is not listed.
        QVERIFY(html.contains(QStringLiteral("train.learning_rate")));
        QVERIFY(!html.contains(QStringLiteral("train.seed")));
        QVERIFY(html.contains(QStringLiteral("1.9877"))); // best val loss, four decimals
        QVERIFY(html.contains(QStringLiteral("7.25 → 9.50")));
        // The last probe samples only.
        QVERIFY(html.contains(QStringLiteral("is grey and cold")));
        QVERIFY(html.contains(QStringLiteral("i am the keeper of the light.")));
        QVERIFY(!html.contains(QStringLiteral("old text at step 100")));
        // Notes, escaped, paragraphs kept.
        QVERIFY(html.contains(QStringLiteral("The SFT run answers &lt;b&gt;questions&lt;/b&gt;.")));
        QVERIFY(html.contains(QStringLiteral("<p>The base model continues the text.</p>")));
        // The curves, embedded.
        QVERIFY(html.contains(QStringLiteral("<img src=\"data:image/png;base64,")));
        const int start = html.indexOf(QStringLiteral("base64,")) + 7;
        const QByteArray png = QByteArray::fromBase64(html.mid(start, html.indexOf('"', start) - start).toLatin1());
        QImage back;
        QVERIFY(back.loadFromData(png, "PNG"));
        QCOMPARE(back.size(), QSize(600, 375));
        // For the PDF the image is a document resource instead.
        const QString forPdf = tb::ui::reportHtml(twoRuns(), tb::ui::ImageSource::Resource);
        QVERIFY(forPdf.contains(QStringLiteral("<img src=\"%1\"").arg(QLatin1String(tb::ui::kCurvesResource))));
        QVERIFY(!forPdf.contains(QStringLiteral("base64,")));
    }

    void oneRunHasNoDiffAndABadConfigIsReported()
    {
        ReportInput input = twoRuns();
        input.runs.resize(1);
        QVERIFY(!tb::ui::reportHtml(input).contains(QStringLiteral("Settings that differ")));
        input = twoRuns();
        input.runs[1].record.configYaml = "train: [unclosed";
        const QString html = tb::ui::reportHtml(input);
        QVERIFY(html.contains(QStringLiteral("Settings that differ")));
        QVERIFY(html.contains(QStringLiteral("sft-identity (r2)"))); // the error names the run
        QVERIFY(html.contains(QStringLiteral("base-pretrain"))); // the rest of the report is still there
    }

    void writesHtmlAndPdf()
    {
        QTemporaryDir dir;
        const QString htmlPath = dir.filePath(QStringLiteral("report.html"));
        const QString pdfPath = dir.filePath(QStringLiteral("report.pdf"));
        QString error;
        QVERIFY2(tb::ui::writeReport(twoRuns(), htmlPath, pdfPath, &error), qPrintable(error));
        QFile html(htmlPath);
        QVERIFY(html.open(QIODevice::ReadOnly));
        QVERIFY(QString::fromUtf8(html.readAll()).contains(QStringLiteral("sft-identity")));
        QFile pdf(pdfPath);
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        const QByteArray bytes = pdf.readAll();
        QVERIFY(bytes.startsWith("%PDF"));
        QVERIFY(bytes.contains("%%EOF"));
        QVERIFY2(bytes.size() > 10000, qPrintable(QString::number(bytes.size()))); // text, fonts and the figure
        // Without the figure the PDF is smaller: the image is in it.
        ReportInput noFigure = twoRuns();
        noFigure.curves = QImage();
        const QString plain = dir.filePath(QStringLiteral("plain.pdf"));
        QVERIFY(tb::ui::writeReport(noFigure, {}, plain, &error));
        QVERIFY(QFileInfo(plain).size() < bytes.size());
        const QString keep = tb::test::outputDir() + QStringLiteral("/run_report");
        QFile::remove(keep + QStringLiteral(".pdf"));
        QFile::remove(keep + QStringLiteral(".html"));
        (void)QFile::copy(pdfPath, keep + QStringLiteral(".pdf"));
        (void)QFile::copy(htmlPath, keep + QStringLiteral(".html"));
        // A look at the PDF's layout: the same document drawn on an A4-shaped image.
        QTextDocument doc;
        doc.addResource(QTextDocument::ImageResource, QUrl(QString::fromLatin1(tb::ui::kCurvesResource)),
                        twoRuns().curves);
        doc.setHtml(tb::ui::reportHtml(twoRuns(), tb::ui::ImageSource::Resource));
        doc.setPageSize(QSizeF(680, 962));
        QImage page(680, 962, QImage::Format_RGB32);
        page.fill(Qt::white);
        QPainter painter(&page);
        doc.drawContents(&painter, QRectF(0, 0, 680, 962));
        painter.end();
        QVERIFY(page.save(keep + QStringLiteral("_page1.png")));
    }

    void collectsTheSelectionOrEveryRun()
    {
        QTemporaryDir dir;
        {
            tb::core::RunRegistry registry(dir.path().toStdString());
            for (int r = 0; r < 2; ++r) {
                tb::core::RunConfig config;
                config.train.learningRate = r == 0 ? 1e-3 : 3e-4;
                const auto run = registry.createRun(config, r == 0 ? "fast" : "slow", {}, {}, "run" + std::to_string(r));
                for (int step = 1; step <= 20; ++step) {
                    tb::core::StepMetrics m;
                    m.step = step;
                    m.loss = 5.0 - (r == 0 ? 0.2 : 0.1) * step;
                    registry.recordStep(run.id, m);
                }
                registry.recordSamples(run.id, {20, {{"the sea", r == 0 ? "fast text" : "slow text"}}});
            }
        }
        tb::ui::Project project;
        QString error;
        QVERIFY2(project.open(dir.path(), &error), qPrintable(error));
        tb::ui::RunsPanel runs;
        runs.resize(900, 400);
        runs.setMetricsProvider([&project](const std::string& id) { return project.metrics(QString::fromStdString(id)); });
        runs.setRuns(project.runs());

        // None selected: every run, the selection left empty.
        ReportInput all = tb::ui::collectReport(project, runs);
        QCOMPARE(int(all.runs.size()), 2);
        QVERIFY(runs.selectedRunIds().isEmpty());
        QCOMPARE(all.project, project.directory());
        QCOMPARE(all.runNames.at("run1"), std::string("slow"));
        QCOMPARE(all.curves.size(), tb::ui::RunsPanel::kExportSize);
        QVERIFY(all.curves.save(tb::test::outputDir() + QStringLiteral("/collected_curves.png")));
        // Both runs' curves are in the figure, in their colours.
        for (const QString& id : {QStringLiteral("run0"), QStringLiteral("run1")}) {
            const QColor c = runs.runColor(id);
            int hits = 0;
            for (int y = 0; y < all.curves.height(); y += 2)
                for (int x = 0; x < all.curves.width(); x += 2) {
                    const QColor p = all.curves.pixelColor(x, y);
                    hits += qAbs(p.red() - c.red()) + qAbs(p.green() - c.green()) + qAbs(p.blue() - c.blue()) < 40;
                }
            QVERIFY2(hits > 50, qPrintable(id + QStringLiteral(": %1 pixels").arg(hits)));
        }
        const QString html = tb::ui::reportHtml(all);
        QVERIFY(html.contains(QStringLiteral("fast text")) && html.contains(QStringLiteral("slow text")));
        QVERIFY(html.contains(QStringLiteral("train.learning_rate")));

        // One selected: that run only, still selected afterwards.
        runs.selectRuns({QStringLiteral("run1")});
        ReportInput one = tb::ui::collectReport(project, runs);
        QCOMPARE(int(one.runs.size()), 1);
        QCOMPARE(one.runs.front().record.name, std::string("slow"));
        QCOMPARE(runs.selectedRunIds(), QStringList{QStringLiteral("run1")});
    }

    void errorsNameTheProblem()
    {
        QTemporaryDir dir;
        QString error;
        ReportInput empty = twoRuns();
        empty.runs.clear();
        QVERIFY(!tb::ui::writeReport(empty, dir.filePath(QStringLiteral("a.html")), {}, &error));
        QVERIFY(error.contains(QStringLiteral("no run")));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("a.html"))));
        const QString bad = dir.filePath(QStringLiteral("missing/folder/r.html"));
        QVERIFY(!tb::ui::writeReport(twoRuns(), bad, {}, &error));
        QVERIFY(error.contains(bad));
    }
};

QTEST_MAIN(TestRunReport)
#include "test_run_report.moc"
