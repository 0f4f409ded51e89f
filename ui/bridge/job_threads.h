// SPDX-License-Identifier: MIT
// The short-lived worker threads of a bridge object (CorpusScan, DatasetScan, TokenizerTraining): each job runs on a
// low-priority QThread of its own that deletes itself when the job returns, and the owner joins those still running
// when it is destroyed. GUI thread only (the owner's thread).
#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

#include <utility>

namespace tb::ui {

class JobThreads {
public:
    JobThreads() = default;
    JobThreads(const JobThreads&) = delete;
    JobThreads& operator=(const JobThreads&) = delete;
    ~JobThreads() { joinAll(); }

    /// Runs `body` on a new thread named `name`.
    template <typename Body>
    void start(const QString& name, Body&& body)
    {
        QThread* thread = QThread::create(std::forward<Body>(body));
        thread->setObjectName(name);
        QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
        m_threads.removeAll(QPointer<QThread>());
        m_threads.append(thread);
        thread->start(QThread::LowPriority);
    }

    /// Waits for every thread still alive and deletes it. Owners call it first in their destructor, so that no job
    /// outlives the members it uses.
    void joinAll()
    {
        for (const QPointer<QThread>& thread : m_threads) {
            if (thread) {
                thread->wait();
                delete thread.data();
            }
        }
        m_threads.clear();
    }

    /// Threads whose job has not returned yet.
    int running() const
    {
        int count = 0;
        for (const QPointer<QThread>& thread : m_threads)
            count += thread && thread->isRunning() ? 1 : 0;
        return count;
    }

private:
    QList<QPointer<QThread>> m_threads;
};

} // namespace tb::ui
