// SPDX-License-Identifier: MIT
#include "ui/bridge/corpus_scan.h"

#include "core/common/error.h"
#include "core/data/corpus.h"

#include <functional>

namespace tb::ui {

CorpusScan::CorpusScan(QObject* parent) : QObject(parent) { qRegisterMetaType<tb::core::CorpusStats>(); }

CorpusScan::~CorpusScan()
{
    cancel();
    for (const QPointer<QThread>& thread : m_threads) {
        if (thread) {
            thread->wait();
            delete thread.data();
        }
    }
}

void CorpusScan::post(quint64 generation, std::function<void()> deliver)
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

void CorpusScan::start(const QString& path)
{
    cancel();
    const quint64 generation = ++m_generation;
    auto job = std::make_shared<Job>();
    m_job = job;
    m_running = true;
    const std::string file = path.toStdString();
    QThread* thread = QThread::create([this, job, file, path, generation] {
        try {
            const core::Corpus corpus = core::loadCorpus(file);
            if (job->cancelled)
                return;
            int lastPercent = -1;
            const auto stats = core::scanCorpusStats(corpus, [&](double fraction) {
                const int percent = static_cast<int>(fraction * 100.0);
                if (percent != lastPercent) {
                    lastPercent = percent;
                    post(generation, [this, percent] { emit progressed(percent); });
                }
                return !job->cancelled.load();
            });
            if (!stats)
                return;
            const QString preview = QString::fromStdString(core::textPreview(corpus.text, kPreviewBytes));
            post(generation, [this, stats = *stats, preview] {
                m_running = false;
                emit finished(stats, preview);
            });
        } catch (const std::exception& e) {
            const QString message = QString::fromStdString(e.what());
            post(generation, [this, path, message] {
                m_running = false;
                emit failed(path, message);
            });
        }
    });
    thread->setObjectName(QStringLiteral("CorpusScan"));
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    m_threads.removeAll(QPointer<QThread>());
    m_threads.append(thread);
    thread->start(QThread::LowPriority);
}

void CorpusScan::cancel()
{
    if (m_job)
        m_job->cancelled = true;
    m_job.reset();
    ++m_generation; // whatever the old scan still posts is dropped
    m_running = false;
}

} // namespace tb::ui
