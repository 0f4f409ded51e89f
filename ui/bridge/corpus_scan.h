// SPDX-License-Identifier: MIT
// A cancellable background job that counts a corpus's statistics without freezing the GUI. A plain-text corpus is
// streamed in chunks (core::scanCorpus: bounded memory, progress by bytes read, a prompt cancel) and only its first
// kPreviewBytes are kept; a JSONL corpus is loaded whole (core::loadCorpus) and counted (core::scanCorpusStats). Create and use it from one thread (the GUI thread); every signal arrives on that thread. A new
// start() or cancel() discards the scan in progress: its result never arrives. The destructor cancels and joins
// every scan thread.
#pragma once

#include "core/data/corpus_stats.h"
#include "ui/bridge/job_threads.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <stop_token>

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
    /// Cancels the scan in progress (a direct call; the worker stops within a chunk or about a megabyte of text).
    void cancel();
    /// From start() until finished(), failed() or cancel().
    bool isRunning() const { return m_running; }

signals:
    /// Percent of the file read (plain text) or counted (JSONL, after its load).
    void progressed(int percent);
    /// The statistics and the first kPreviewBytes of the normalised text.
    void finished(const tb::core::CorpusStats& stats, const QString& preview);
    /// The corpus could not be loaded: the InputError's message, which names the file, line and byte offset.
    void failed(const QString& path, const QString& message);

private:
    struct Job {
        std::atomic<bool> cancelled{false};
        std::stop_source stop; // ends the streaming pass of a plain-text corpus
    };

    void post(quint64 generation, std::function<void()> deliver);

    quint64 m_generation = 0;
    bool m_running = false;
    std::shared_ptr<Job> m_job;
    JobThreads m_threads;
};

} // namespace tb::ui
