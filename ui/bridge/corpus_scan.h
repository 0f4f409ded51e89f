// SPDX-License-Identifier: MIT
// A cancellable background job that loads a corpus and counts its statistics (core::scanCorpusStats) without
// freezing the GUI. Create and use it from one thread (the GUI thread); every signal arrives on that thread. A new
// start() or cancel() discards the scan in progress: its result never arrives. The destructor cancels and joins
// every scan thread.
#pragma once

#include "core/data/corpus_stats.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

Q_DECLARE_METATYPE(tb::core::CorpusStats)

namespace tb::ui {

class CorpusScan : public QObject {
    Q_OBJECT
public:
    /// How much of the corpus's text the preview holds.
    static constexpr size_t kPreviewBytes = 64 * 1024;

    explicit CorpusScan(QObject* parent = nullptr);
    ~CorpusScan() override;

    CorpusScan(const CorpusScan&) = delete;
    CorpusScan& operator=(const CorpusScan&) = delete;

    /// Loads and scans `path` on a worker thread. A scan still in progress is cancelled first.
    void start(const QString& path);
    /// Cancels the scan in progress (a direct call; the worker stops within about a megabyte of text).
    void cancel();
    /// From start() until finished(), failed() or cancel().
    bool isRunning() const { return m_running; }

signals:
    /// Percent of the counting done; the load before it has no progress.
    void progressed(int percent);
    /// The statistics and the first kPreviewBytes of the normalised text.
    void finished(const tb::core::CorpusStats& stats, const QString& preview);
    /// The corpus could not be loaded: the InputError's message, which names the file, line and byte offset.
    void failed(const QString& path, const QString& message);

private:
    struct Job {
        std::atomic<bool> cancelled{false};
    };

    void post(quint64 generation, std::function<void()> deliver);

    quint64 m_generation = 0;
    bool m_running = false;
    std::shared_ptr<Job> m_job;
    QList<QPointer<QThread>> m_threads;
};

} // namespace tb::ui
