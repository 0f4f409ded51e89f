// SPDX-License-Identifier: MIT
#include "ui/bridge/rollout_reader.h"

#include <QDir>
#include <QFileInfo>

#include <exception>

namespace tb::ui {

RolloutReader::RolloutReader(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<std::vector<tb::core::RolloutSampleSet>>();
}

RolloutReader::~RolloutReader() { m_threads.joinAll(); }

void RolloutReader::setRunFolder(const QString& folder)
{
    m_folder = folder;
    ++m_generation;
    m_reading = false;
    m_again = false;
    m_readSize = -2;
    if (folder.isEmpty()) {
        emit rolloutsRead({});
        return;
    }
    startRead();
}

qint64 RolloutReader::fileSize() const
{
    const QFileInfo info(QDir(m_folder).filePath(QStringLiteral("rollouts.jsonl")));
    return info.exists() ? info.size() : -1;
}

void RolloutReader::refresh()
{
    if (m_folder.isEmpty())
        return;
    if (m_reading) {
        m_again = true;
        return;
    }
    if (fileSize() != m_readSize)
        startRead();
}

void RolloutReader::startRead()
{
    m_reading = true;
    m_again = false;
    m_readSize = fileSize();
    ++m_reads;
    const quint64 generation = m_generation;
    const std::string folder = m_folder.toStdString();
    m_threads.start(QStringLiteral("RolloutReader"), [this, generation, folder] {
        std::vector<core::RolloutSampleSet> sets;
        QString error;
        try {
            sets = core::RunDirectory(folder).readRollouts();
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, generation, sets = std::move(sets), error] {
                if (generation != m_generation)
                    return;
                m_reading = false;
                if (error.isEmpty())
                    emit rolloutsRead(sets);
                else
                    emit failed(error);
                if (m_again)
                    refresh();
            },
            Qt::QueuedConnection);
    });
}

} // namespace tb::ui
