// SPDX-License-Identifier: MIT
#include "ui/bridge/dataset_scan.h"

#include "core/common/atomic_file.h"
#include "core/data/corpus.h"
#include "core/data/formats/csv_reader.h"
#include "core/data/formats/gzip_reader.h"

#include <QFile>

#include <exception>

namespace tb::ui {
namespace {

bool endsWith(const QString& path, const char* suffix) { return path.endsWith(QLatin1String(suffix), Qt::CaseInsensitive); }

/// The start of the file's text: decompressed when gzip, cut at a character boundary.
QString rawPreview(const std::string& path, bool& cut)
{
    std::string head;
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QByteArray start = file.read(2);
    if (core::isGzip(std::string_view(start.constData(), static_cast<size_t>(start.size())))) {
        head = core::gunzip(core::readFile(path), path); // the loader has read it whole already
    } else {
        start += file.read(static_cast<qint64>(DatasetScan::kPreviewBytes) + 1 - start.size());
        head.assign(start.constData(), static_cast<size_t>(start.size()));
    }
    cut = head.size() > DatasetScan::kPreviewBytes;
    return QString::fromUtf8(core::textPreview(head, DatasetScan::kPreviewBytes)); // bad bytes show as U+FFFD
}

} // namespace

DatasetReportPtr scanDataset(const std::string& path, const core::DatasetLoadOptions& options, double valFraction)
{
    auto report = std::make_shared<DatasetReport>();
    report->dataset = core::loadDataset(path, options);
    const auto& records = report->dataset.records;
    for (const core::DatasetRecord& r : records) {
        switch (r.kind) {
        case core::RecordKind::Document: ++report->documents; break;
        case core::RecordKind::Conversation: ++report->conversations; break;
        case core::RecordKind::Preference: ++report->pairs; break;
        case core::RecordKind::Labelled: ++report->labelled; break;
        }
    }
    report->duplicates = core::findDuplicates(records);
    report->valFraction = valFraction;
    const core::RecordSplit split = core::splitRecords(records, valFraction);
    report->overlap = core::ngramOverlap(split.train, split.val, DatasetScan::kOverlapN);
    report->lengths = core::lengthHistogram(core::recordLengths(records), DatasetScan::kHistogramBuckets);
    report->rawPreview = rawPreview(path, report->rawPreviewCut);

    // {"text"} records in a .jsonl file are also a pretraining corpus, read by loadCorpus as a run reads them.
    const auto& d = report->dataset;
    if (d.format == core::DatasetFormat::JsonlText && d.container == "jsonl" && d.problems.empty() &&
        endsWith(QString::fromStdString(path), ".jsonl")) {
        try {
            const core::Corpus corpus = core::loadCorpus(path);
            report->corpusStats = core::scanCorpusStats(corpus);
            report->corpusPreview = QString::fromStdString(core::textPreview(corpus.text, DatasetScan::kPreviewBytes));
        } catch (const std::exception&) {
            report->corpusStats.reset(); // a dataset still, just not a corpus
        }
    }
    return report;
}

QStringList DatasetScan::csvColumns(const QString& path)
{
    if (!endsWith(path, ".csv") && !endsWith(path, ".csv.gz"))
        return {};
    try {
        std::string text;
        if (endsWith(path, ".gz")) {
            text = core::gunzip(core::readFile(path.toStdString()), path.toStdString());
        } else {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                return {};
            const QByteArray head = file.read(64 * 1024);
            text.assign(head.constData(), static_cast<size_t>(head.size()));
        }
        const size_t start = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
        const size_t lineEnd = text.find('\n', start);
        const std::vector<core::detail::CsvRow> rows =
            core::detail::parseCsv(std::string_view(text).substr(0, lineEnd == std::string::npos ? text.size() : lineEnd + 1),
                                   start);
        QStringList columns;
        if (!rows.empty() && rows.front().error.empty())
            for (const std::string& cell : rows.front().cells)
                columns << QString::fromStdString(cell);
        return columns;
    } catch (const std::exception&) {
        return {};
    }
}

DatasetScan::DatasetScan(QObject* parent) : QObject(parent) { qRegisterMetaType<tb::ui::DatasetReportPtr>(); }

DatasetScan::~DatasetScan()
{
    cancel();
    m_threads.joinAll();
}

void DatasetScan::post(quint64 generation, std::function<void()> deliver)
{
    // Runs on the worker thread: queue the delivery to this object's thread, where the generation is checked.
    QMetaObject::invokeMethod(
        this,
        [this, generation, deliver = std::move(deliver)] {
            if (generation == m_generation)
                deliver();
        },
        Qt::QueuedConnection);
}

void DatasetScan::start(const QString& path, const core::DatasetLoadOptions& options, double valFraction)
{
    cancel();
    const quint64 generation = ++m_generation;
    auto job = std::make_shared<Job>();
    m_job = job;
    m_running = true;
    m_threads.start(QStringLiteral("DatasetScan"), [this, job, path, options, valFraction, generation] {
        const QStringList columns = csvColumns(path);
        if (!columns.isEmpty())
            post(generation, [this, path, columns] { emit columnsFound(path, columns); });
        try {
            DatasetReportPtr report = scanDataset(path.toStdString(), options, valFraction);
            if (job->cancelled)
                return;
            post(generation, [this, report = std::move(report)] {
                m_running = false;
                emit finished(report);
            });
        } catch (const std::exception& e) {
            const QString message = QString::fromStdString(e.what());
            post(generation, [this, path, message] {
                m_running = false;
                emit failed(path, message);
            });
        }
    });
}

void DatasetScan::cancel()
{
    if (m_job)
        m_job->cancelled = true;
    m_job.reset();
    ++m_generation; // whatever the old load still posts is dropped
    m_running = false;
}

} // namespace tb::ui
