// SPDX-License-Identifier: MIT
#include "ui/bridge/project.h"

#include "core/store/run_registry.h"

#include <exception>

namespace tb::ui {

namespace {

template <typename F>
bool attempt(QString* error, F&& f)
{
    try {
        f();
        return true;
    } catch (const std::exception& e) {
        if (error != nullptr)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

} // namespace

Project::Project(QObject* parent) : QObject(parent) {}

Project::~Project() = default;

bool Project::open(const QString& dir, QString* error)
{
    std::unique_ptr<core::RunRegistry> registry;
    if (!attempt(error, [&] {
            registry = std::make_unique<core::RunRegistry>(dir.toStdString());
            registry->markInterruptedRuns();
        }))
        return false;
    m_registry = std::move(registry);
    m_dir = dir;
    emit opened(dir);
    emit runsChanged();
    return true;
}

std::vector<core::RunRecord> Project::runs() const
{
    std::vector<core::RunRecord> out;
    if (m_registry)
        attempt(nullptr, [&] { out = m_registry->listRuns(); });
    return out;
}

std::optional<core::RunRecord> Project::run(const QString& id) const
{
    std::optional<core::RunRecord> out;
    if (m_registry)
        attempt(nullptr, [&] { out = m_registry->findRun(id.toStdString()); });
    return out;
}

std::vector<core::MetricPoint> Project::metrics(const QString& id) const
{
    std::vector<core::MetricPoint> out;
    if (m_registry)
        attempt(nullptr, [&] { out = m_registry->metrics(id.toStdString()); });
    return out;
}

std::vector<core::SampleRecord> Project::samples(const QString& id) const
{
    std::vector<core::SampleRecord> out;
    if (m_registry)
        attempt(nullptr, [&] { out = m_registry->samples(id.toStdString()); });
    return out;
}

bool Project::rename(const QString& id, const QString& name, QString* error)
{
    if (!m_registry || !attempt(error, [&] { m_registry->rename(id.toStdString(), name.toStdString()); }))
        return false;
    emit runsChanged();
    return true;
}

bool Project::remove(const QString& id, QString* error)
{
    if (!m_registry || !attempt(error, [&] { m_registry->remove(id.toStdString()); }))
        return false;
    emit runsChanged();
    return true;
}

void Project::refresh()
{
    if (m_registry)
        attempt(nullptr, [&] { m_registry->markInterruptedRuns(); });
    emit runsChanged();
}

} // namespace tb::ui
