// SPDX-License-Identifier: MIT
// A background job that reads a dataset file in any supported format (core::loadDataset) and runs the checks on
// it (exact duplicates, train/val n-gram overlap, the length histogram), so the Data panel never blocks on a big
// file. A file of {"text"} records that loadCorpus also reads (.jsonl) is a pretraining corpus too: its corpus
// statistics come with the report. Create and use it from one thread (the GUI thread); every signal arrives on
// that thread. A new start() or cancel() discards the load in progress (its result never arrives; loadDataset
// itself cannot be interrupted, so the thread finishes its file in the background). The destructor joins every
// thread.
#pragma once

#include "core/data/corpus_stats.h"
#include "core/data/formats/dataset_checks.h"
#include "core/data/formats/dataset_reader.h"
#include "ui/bridge/job_threads.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace tb::ui {

/// What a dataset scan found. Shared read-only between the worker and the GUI thread once delivered.
struct DatasetReport {
    core::Dataset dataset;                          // records kept, problems (file order), summary
    std::vector<core::DuplicateRecord> duplicates;  // exact repeats of an earlier record
    core::OverlapReport overlap;                    // val records sharing an n-gram with train (split below)
    double valFraction = 0.1;                       // the split the overlap check used
    core::LengthHistogram lengths;                  // of recordText, in characters
    int64_t documents = 0;
    int64_t conversations = 0;
    int64_t pairs = 0;
    int64_t labelled = 0;
    QString rawPreview;                             // the first kPreviewBytes of the file's (decompressed) text
    bool rawPreviewCut = false;                     // the file is longer than the preview
    std::optional<core::CorpusStats> corpusStats;   // set when the file is also a pretraining corpus
    QString corpusPreview;                          // its normalised text's first kPreviewBytes
};
using DatasetReportPtr = std::shared_ptr<const DatasetReport>;

class DatasetScan : public QObject {
    Q_OBJECT
public:
    static constexpr size_t kPreviewBytes = 64 * 1024;
    /// Word n-gram length of the overlap check (GPT-3's contamination check uses 13).
    static constexpr int kOverlapN = 13;
    static constexpr int kHistogramBuckets = 24;

    explicit DatasetScan(QObject* parent = nullptr);
    ~DatasetScan() override;

    DatasetScan(const DatasetScan&) = delete;
    DatasetScan& operator=(const DatasetScan&) = delete;

    /// Reads `path` with `options` on a worker thread; `valFraction` splits the records for the overlap check.
    void start(const QString& path, const core::DatasetLoadOptions& options, double valFraction);
    /// Drops the load in progress (a direct call).
    void cancel();
    /// From start() until finished(), failed() or cancel().
    bool isRunning() const { return m_running; }

    /// The header of a CSV file (the first row), or empty when `path` is not CSV or has no readable header.
    /// Reads at most the first 64 KB; thread-safe.
    static QStringList csvColumns(const QString& path);

signals:
    /// The header of a CSV file, before the load (for mapping its columns), whether the load succeeds or not.
    void columnsFound(const QString& path, const QStringList& columns);
    void finished(const tb::ui::DatasetReportPtr& report);
    /// The file could not be read, or (ErrorPolicy::Stop) a record was bad: the InputError's message.
    void failed(const QString& path, const QString& message);

private:
    struct Job {
        std::atomic<bool> cancelled{false};
    };

    void post(quint64 generation, std::function<void()> deliver);

    quint64 m_generation = 0;
    bool m_running = false;
    std::shared_ptr<Job> m_job;
    JobThreads m_threads;
};

/// Runs the load and the checks on the calling thread (what the worker does); throws like core::loadDataset.
DatasetReportPtr scanDataset(const std::string& path, const core::DatasetLoadOptions& options, double valFraction);

} // namespace tb::ui

Q_DECLARE_METATYPE(tb::ui::DatasetReportPtr)
