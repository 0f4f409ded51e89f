// SPDX-License-Identifier: MIT
// Reads an RL run's rollout samples (rollouts.jsonl, core::RunDirectory::readRollouts) off the GUI thread for the
// Monitor's samples table. setRunFolder() reads a run folder once; refresh() reads it again when the file's size has
// changed (a live run appends a line per iteration). At most one read runs at a time: a refresh() asked for during a
// read runs once after it, so a run at full speed costs one read in flight, never a queue. A missing file reads as
// no samples. Create and use it from one thread (the GUI thread); rolloutsRead() arrives on that thread. A new
// folder discards the read in progress: its result never arrives. The destructor joins the read thread.
#pragma once

#include "core/store/run_dir.h"
#include "ui/bridge/job_threads.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <functional>
#include <vector>

Q_DECLARE_METATYPE(std::vector<tb::core::RolloutSampleSet>)

namespace tb::ui {

class RolloutReader : public QObject {
    Q_OBJECT
public:
    explicit RolloutReader(QObject* parent = nullptr);
    ~RolloutReader() override;

    RolloutReader(const RolloutReader&) = delete;
    RolloutReader& operator=(const RolloutReader&) = delete;

    /// The run folder to read (empty: none; rolloutsRead() then gives no samples). Reads it now.
    void setRunFolder(const QString& folder);
    QString runFolder() const { return m_folder; }
    /// Reads again if rollouts.jsonl changed size since the last read.
    void refresh();
    /// Reads started so far (tests: a refresh of an unchanged file starts none).
    int readsStarted() const { return m_reads; }
    bool isReading() const { return m_reading; }

signals:
    /// Every sample set of the folder's rollouts.jsonl, in file order.
    void rolloutsRead(const std::vector<tb::core::RolloutSampleSet>& sets);
    /// The file could not be read (the message names it).
    void failed(const QString& message);

private:
    void startRead();
    qint64 fileSize() const;

    JobThreads m_threads;
    QString m_folder;
    quint64 m_generation = 0; // a read's result is delivered only while the folder is the one it read
    qint64 m_readSize = -2;   // the file's size at the last read started (-1: missing)
    bool m_reading = false;
    bool m_again = false;     // a refresh came during the read
    int m_reads = 0;
};

} // namespace tb::ui
