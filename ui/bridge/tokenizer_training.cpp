// SPDX-License-Identifier: MIT
#include "ui/bridge/tokenizer_training.h"

#include <exception>

namespace tb::ui {

TokenizerTraining::TokenizerTraining(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<std::shared_ptr<const tb::core::Tokenizer>>();
}

TokenizerTraining::~TokenizerTraining()
{
    m_live.clear();
    for (const QPointer<QThread>& thread : m_threads) {
        if (thread) {
            thread->wait();
            delete thread.data();
        }
    }
}

void TokenizerTraining::post(quint64 id, std::function<void()> deliver)
{
    // Runs on the worker thread: queue the delivery to this object's thread, where cancelled jobs are dropped.
    QMetaObject::invokeMethod(
        this,
        [this, id, deliver = std::move(deliver)] {
            if (m_live.remove(id))
                deliver();
        },
        Qt::QueuedConnection);
}

quint64 TokenizerTraining::start(const core::TokenizerConfig& config, std::shared_ptr<const std::string> text)
{
    const quint64 id = m_nextId++;
    m_live.insert(id);
    QThread* thread = QThread::create([this, id, config, text = std::move(text)] {
        try {
            std::shared_ptr<const core::Tokenizer> tokenizer = core::makeTokenizer(config, text ? *text : std::string());
            post(id, [this, id, tokenizer = std::move(tokenizer)] { emit finished(id, tokenizer); });
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            post(id, [this, id, message] { emit failed(id, message); });
        }
    });
    thread->setObjectName(QStringLiteral("TokenizerTraining"));
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    m_threads.removeAll(QPointer<QThread>());
    m_threads.append(thread);
    thread->start(QThread::LowPriority);
    return id;
}

void TokenizerTraining::cancel(quint64 id) { m_live.remove(id); }

int TokenizerTraining::threadsRunning() const
{
    int running = 0;
    for (const QPointer<QThread>& thread : m_threads)
        running += thread && thread->isRunning() ? 1 : 0;
    return running;
}

} // namespace tb::ui
