// SPDX-License-Identifier: MIT
// The GUI thread's view of one project folder: its run registry (core/store/run_registry.h), read and edited
// from the GUI thread, while a training run writes to the same database from the worker thread through its own
// connection (SQLite WAL lets both go on). Opening a project marks runs whose process died as interrupted.
// Qt Core only; GUI thread only.
#pragma once

#include "core/store/run_records.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace tb::core {
class RunRegistry;
}

namespace tb::ui {

class Project : public QObject {
    Q_OBJECT
public:
    explicit Project(QObject* parent = nullptr);
    ~Project() override;

    /// Opens (creating if needed) the project in `dir`. On failure returns false with a message naming the
    /// database, and the previously open project stays open.
    bool open(const QString& dir, QString* error = nullptr);
    bool isOpen() const { return m_registry != nullptr; }
    QString directory() const { return m_dir; }

    std::vector<core::RunRecord> runs() const;
    std::optional<core::RunRecord> run(const QString& id) const;
    std::vector<core::MetricPoint> metrics(const QString& id) const;
    std::vector<core::SampleRecord> samples(const QString& id) const;

    /// Each returns false with the error in `error` (shown to the user) and changes nothing on failure.
    bool rename(const QString& id, const QString& name, QString* error = nullptr);
    bool remove(const QString& id, QString* error = nullptr);

public slots:
    /// Re-reads the runs (after a run started, evaluated or ended) and emits runsChanged().
    void refresh();

signals:
    void opened(const QString& dir);
    void runsChanged();

private:
    QString m_dir;
    std::unique_ptr<core::RunRegistry> m_registry;
};

} // namespace tb::ui
