// SPDX-License-Identifier: MIT
// MainWindow's Lesson pane: the dock, the panels a lesson step may show or lock, and its wiring to the training
// session (the same start as Run setup's Start) and the Compare panel. Composition only; the lesson logic is in
// ui/panels/lesson_panel.
#include "ui/main_window.h"

#include "core/io/run_config.h"
#include "ui/bridge/project.h"
#include "ui/bridge/training_session.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/data_panel.h"
#include "ui/panels/lesson_panel.h"
#include "ui/panels/monitor_panel.h"
#include "ui/panels/rate_panel.h"
#include "ui/panels/run_setup_panel.h"
#include "ui/panels/runs_panel.h"
#include "ui/panels/samples_panel.h"
#include "ui/panels/tokenizer_panel.h"

#include <QAction>
#include <QDockWidget>
#include <QStatusBar>
#include <QTabWidget>

#include <algorithm>

namespace tb::ui {

void MainWindow::buildLessonDock()
{
    m_lesson = new LessonPanel(this);
    m_lessonDock = new QDockWidget(tr("Lesson"), this);
    m_lessonDock->setObjectName(QStringLiteral("LessonDock"));
    m_lessonDock->setWidget(m_lesson);
    m_lessonDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                              QDockWidget::DockWidgetClosable);
    // Under Samples in the right column, hidden until Help ▸ Lessons: a step that brings Samples forward must not
    // cover the lesson.
    addDockWidget(Qt::RightDockWidgetArea, m_lessonDock, Qt::Vertical);
    m_lessonDock->hide();
    m_lesson->setLocksActive(false); // until the pane is on screen

    const auto dock = [](QDockWidget* d) {
        return [d] {
            d->show();
            d->raise();
        };
    };
    const auto tab = [this](QWidget* page) { return [this, page] { m_centre->setCurrentWidget(page); }; };
    m_lesson->registerPanel(QStringLiteral("data"), m_data, dock(m_dataDock));
    m_lesson->registerPanel(QStringLiteral("run_setup"), m_setup, dock(m_setupDock));
    m_lesson->registerPanel(QStringLiteral("tokenizer"), m_tokenizer, dock(m_tokenizerDock));
    m_lesson->registerPanel(QStringLiteral("samples"), m_samples, dock(m_samplesDock));
    m_lesson->registerPanel(QStringLiteral("runs"), m_runs, dock(m_runsDock));
    m_lesson->registerPanel(QStringLiteral("monitor"), m_monitor, tab(m_monitor));
    m_lesson->registerPanel(QStringLiteral("compare"), m_compare, tab(m_compare));
    m_lesson->registerPanel(QStringLiteral("rate"), m_rate, tab(m_rate));
    m_lesson->setComparePanel(m_compare);
    m_lesson->setTrainStarter([this](const core::RunConfig& config, const QString& name, QString* error) {
        if (!m_project->isOpen()) {
            *error = tr("open or create a project first (File ▸ Open project)");
            return false;
        }
        if (m_session->isRunning()) {
            *error = tr("a run is training; wait for it or stop it");
            return false;
        }
        // Run setup keeps its own setup: loading the lesson's there would re-open its corpus in the Data panel,
        // whose minimum width while loading (547 px) grows a 1366-wide window for good. Runs shows the config.
        return !startRun(config, name).isEmpty();
    });
}

void MainWindow::connectLessons()
{
    // After the window's own handlers of the same signals, so the project's runs are re-read first.
    connect(m_session, &TrainingSession::finished, m_lesson,
            [this](core::TrainOutcome, const core::RunSummary& summary) {
                m_lesson->trainingEnded(summary.status == core::RunStatus::Completed);
            });
    connect(m_session, &TrainingSession::failed, m_lesson, [this](const QString&) { m_lesson->trainingEnded(false); });
    connect(m_project, &Project::opened, m_lesson, &LessonPanel::setProjectDirectory);
    connect(m_lessonDock->toggleViewAction(), &QAction::toggled, m_lesson, &LessonPanel::setLocksActive);
    connect(m_lesson, &LessonPanel::message, this, [this](const QString& text) { statusBar()->showMessage(text, 10000); });
}

void MainWindow::showLessons()
{
    if (m_lessonDock->isHidden() && !m_lessonDock->isFloating() && dockWidgetArea(m_lessonDock) == Qt::RightDockWidgetArea) {
        // First shown under Samples: the lesson's text gets two thirds of the column, and the column a quarter
        // of the window, so a step reads without scrolling on a laptop screen.
        m_lessonDock->show();
        resizeDocks({m_samplesDock, m_lessonDock}, {height() / 3, height() * 2 / 3}, Qt::Vertical);
        resizeDocks({m_lessonDock}, {std::max(300, width() / 4)}, Qt::Horizontal);
    }
    m_lessonDock->show();
    m_lessonDock->raise();
    m_lesson->setLocksActive(true);
}

} // namespace tb::ui
