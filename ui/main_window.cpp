// SPDX-License-Identifier: MIT
#include "ui/main_window.h"

#include "core/io/run_config.h"
#include "ui/bridge/inference_session.h"
#include "ui/bridge/project.h"
#include "ui/bridge/reward_scoring.h"
#include "ui/bridge/rollout_reader.h"
#include "ui/bridge/training_session.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/rate_panel.h"
#include "ui/panels/rollouts_view.h"
#include "ui/panels/data_panel.h"
#include "ui/panels/lesson_panel.h"
#include "ui/panels/monitor_panel.h"
#include "ui/panels/run_setup_panel.h"
#include "ui/panels/runs_panel.h"
#include "ui/panels/samples_panel.h"
#include "ui/panels/tokenizer_panel.h"
#include "ui/presentation_mode.h"
#include "ui/report_export.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QKeySequence>
#include <QLabel>
#include <QLayout>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include <algorithm>

namespace tb::ui {

namespace {

QDockWidget* makeDock(QMainWindow* window, const QString& title, const QString& objectName, QWidget* panel)
{
    auto* dock = new QDockWidget(title, window);
    dock->setObjectName(objectName); // saveState() needs it
    dock->setWidget(panel);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                      QDockWidget::DockWidgetClosable);
    return dock;
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(QStringLiteral("TuneBench"));
    m_session = new TrainingSession(this);
    m_project = new Project(this);
    m_data = new DataPanel(this);
    m_setup = new RunSetupPanel(this);
    m_monitor = new MonitorPanel(this);
    m_samples = new SamplesPanel(this);
    m_rolloutReader = new RolloutReader(this);
    m_runs = new RunsPanel(this);
    m_tokenizer = new TokenizerPanel(this);
    m_inference = new InferenceSession(this);
    m_compare = new ComparePanel(this);
    m_compare->setSession(m_inference);
    m_rewardScoring = new RewardScoring(this);
    m_compare->setScoring(m_rewardScoring);
    m_rate = new RatePanel(this);
    // Its own session (and thread): a Compare generation must not stop the outputs being rated.
    m_rateInference = new InferenceSession(this);
    m_rate->setSession(m_rateInference);
    m_presentation = new PresentationMode(this);
    m_statusLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_statusLabel);
    m_centre = new QTabWidget(this);
    m_centre->setObjectName(QStringLiteral("CentreTabs"));
    m_centre->setDocumentMode(true);
    m_centre->addTab(m_monitor, tr("Monitor"));
    m_centre->addTab(m_compare, tr("Compare"));
    m_centre->addTab(m_rate, tr("Rate"));
    setCentralWidget(m_centre);
    buildDocks();
    buildMenus();
    connectPanels();
    restoreSettings();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildDocks()
{
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    // The side docks run the full height and Runs sits under the centre only: on a laptop screen the Run setup
    // form keeps its height, and the window's minimum height is the centre's plus Runs', not the sum of all.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    m_dataDock = makeDock(this, tr("Data"), QStringLiteral("DataDock"), m_data);
    m_setupDock = makeDock(this, tr("Run setup"), QStringLiteral("RunSetupDock"), m_setup);
    m_tokenizerDock = makeDock(this, tr("Tokenizer"), QStringLiteral("TokenizerDock"), m_tokenizer);
    m_samplesDock = makeDock(this, tr("Samples"), QStringLiteral("SamplesDock"), m_samples);
    m_runsDock = makeDock(this, tr("Runs"), QStringLiteral("RunsDock"), m_runs);
    addDockWidget(Qt::LeftDockWidgetArea, m_setupDock);
    addDockWidget(Qt::LeftDockWidgetArea, m_dataDock);
    addDockWidget(Qt::LeftDockWidgetArea, m_tokenizerDock);
    tabifyDockWidget(m_setupDock, m_dataDock);
    tabifyDockWidget(m_dataDock, m_tokenizerDock);
    m_setupDock->raise();
    addDockWidget(Qt::RightDockWidgetArea, m_samplesDock);
    addDockWidget(Qt::BottomDockWidgetArea, m_runsDock);
    buildLessonDock(); // main_window_lessons.cpp
    applyDefaultDockSizes(QSize(1400, 900));
}

void MainWindow::applyDefaultDockSizes(QSize window)
{
    // Shares of the window: about 30% for the left docks, 20% for Samples, a third of the height for Runs.
    resizeDocks({m_setupDock, m_samplesDock}, {window.width() * 3 / 10, window.width() / 5}, Qt::Horizontal);
    resizeDocks({m_runsDock}, {window.height() / 3}, Qt::Vertical);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New project…"), this, [this] { chooseProject(true); });
    file->addAction(tr("Open &project…"), QKeySequence(QStringLiteral("Ctrl+Shift+O")), this,
                    [this] { chooseProject(false); });
    file->addAction(tr("Open &corpus…"), QKeySequence::Open, m_data, &DataPanel::browseForCorpus);
    file->addSeparator();
    file->addAction(tr("&Load run setup…"), QKeySequence(QStringLiteral("Ctrl+L")), m_setup, &RunSetupPanel::openSetup);
    file->addAction(tr("&Save run setup as…"), QKeySequence::SaveAs, m_setup, &RunSetupPanel::saveSetupAs);
    file->addAction(tr("Show &command…"), m_setup, &RunSetupPanel::showCommand);
    file->addSeparator();
    file->addAction(tr("E&xport curves as CSV…"), m_runs, &RunsPanel::chooseCsvExport);
    file->addAction(tr("Export &plot…"), m_runs, &RunsPanel::choosePlotExport);
    file->addAction(tr("Export &report…"), this, [this] { chooseReportExport(this, *m_project, *m_runs); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    QAction* start = run->addAction(tr("&Start"), this, &MainWindow::startTraining);
    // F5 first: the menu shows the first shortcut, and the README and the Monitor's buttons say F5.
    start->setShortcuts({QKeySequence(QStringLiteral("F5")), QKeySequence(QStringLiteral("Ctrl+Return"))});
    QAction* pause = run->addAction(tr("&Pause"), m_monitor, &MonitorPanel::pauseRequested);
    pause->setShortcut(QKeySequence(QStringLiteral("F6")));
    QAction* resume = run->addAction(tr("&Resume"), m_monitor, &MonitorPanel::resumeRequested);
    resume->setShortcut(QKeySequence(QStringLiteral("F7")));
    QAction* step = run->addAction(tr("Step &one batch"), m_monitor, &MonitorPanel::stepRequested);
    step->setShortcut(QKeySequence(QStringLiteral("F10")));
    QAction* stop = run->addAction(tr("S&top"), m_monitor, &MonitorPanel::stopRequested);
    stop->setShortcuts({QKeySequence(QStringLiteral("Shift+F5")), QKeySequence(QStringLiteral("Ctrl+."))});

    QMenu* compare = menuBar()->addMenu(tr("&Compare"));
    compare->addAction(tr("&Compare models"), QKeySequence(QStringLiteral("Ctrl+Shift+C")), this,
                       &MainWindow::showCompare);
    compare->addAction(tr("Compare se&lected runs"), this, [this] {
        const QStringList ids = m_runs->selectedRunIds().mid(0, ComparePanel::kMaxColumns);
        if (ids.isEmpty()) {
            statusBar()->showMessage(tr("Select the runs to compare in Runs first."), 8000);
            return;
        }
        m_compare->setColumnCount(int(ids.size()));
        for (int i = 0; i < ids.size(); ++i)
            if (const auto record = m_project->run(ids[i]))
                m_compare->setModel(i, QString::fromStdString(record->runDir.string()));
        showCompare();
    });
    compare->addAction(tr("&Generate"), QKeySequence(QStringLiteral("Ctrl+Shift+Return")), this, [this] {
        showCompare();
        m_compare->generate();
    });
    compare->addAction(tr("&Stop generating"), QKeySequence(QStringLiteral("Ctrl+Shift+.")), m_compare,
                       &ComparePanel::stop);
    compare->addSeparator();
    compare->addAction(tr("&Open comparison…"), this, [this] {
        showCompare();
        m_compare->chooseOpenSession();
    });
    compare->addAction(tr("&Save comparison…"), m_compare, &ComparePanel::chooseSaveSession);
    compare->addAction(tr("&Export comparison…"), m_compare, &ComparePanel::chooseExport);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : {m_setupDock, m_dataDock, m_tokenizerDock, m_samplesDock, m_runsDock, m_lessonDock})
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    QAction* logScale = view->addAction(tr("&Log-scale loss"));
    logScale->setCheckable(true);
    logScale->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+L")));
    connect(logScale, &QAction::toggled, m_monitor, &MonitorPanel::setLogScale);
    connect(m_monitor, &MonitorPanel::logScaleChanged, logScale, &QAction::setChecked);
    view->addSeparator();
    m_presentation->addActions(view);
    // The panels' minimum sizes grow with the text: a scale whose minimum window is larger than the screen's
    // available area (less the frame) is stepped down.
    m_presentation->setFitCheck([this] {
        const QScreen* s = screen() ? screen() : QGuiApplication::primaryScreen();
        if (!s)
            return QSize(1, 1);
        // The font change arrives as posted events. The layout requests stay posted: handled now they would grow
        // the window to a size that is about to be refused (and panels sized to it keep part of that size).
        QCoreApplication::sendPostedEvents(nullptr, QEvent::ApplicationFontChange);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::FontChange);
        // Hidden pages (a dock's tab behind another) keep their layouts' cached sizes until shown: measure afresh.
        for (QWidget* w : findChildren<QWidget*>())
            if (w->layout())
                w->layout()->invalidate();
        if (layout())
            layout()->invalidate();
        const QRect available = s->availableGeometry();
        const QSize minimum = minimumSizeHint().expandedTo(minimumSize());
        return QSize(available.width() - 2 * kFrameAllowance, available.height() - 3 * kFrameAllowance) - minimum;
    });
    connect(m_presentation, &PresentationMode::scaleLimited, this, [this](double scale) {
        statusBar()->showMessage(tr("Text at %1 %: the largest size that fits this screen.").arg(qRound(scale * 100)),
                                 5000);
    });
    // Larger text raises the panels' minimum sizes: keep the window on its screen (the docks shrink or scroll).
    connect(m_presentation, &PresentationMode::scaleChanged, this, [this] {
        if (isVisible())
            fitToScreen();
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Lessons"), this, &MainWindow::showLessons);
    help->addAction(tr("&About TuneBench"), this, [this] {
        QMessageBox::about(this, tr("About TuneBench"),
                           tr("<b>TuneBench %1</b><p>Pretrain and tune small GPT models and watch what tuning does "
                              "to them.</p><p>The same runs can be driven headless with <tt>tunebench-cli</tt>.</p>")
                               .arg(QStringLiteral(TB_VERSION)));
    });
}

void MainWindow::connectPanels()
{
    // RL runs' rollout samples → the Monitor's table.
    connect(m_rolloutReader, &RolloutReader::rolloutsRead, m_monitor->rolloutsView(), &RolloutsView::setRollouts);
    // Data → setup and tokenizer.
    connect(m_data, &DataPanel::corpusChanged, m_setup, &RunSetupPanel::setCorpus);
    connect(m_data, &DataPanel::datasetChosen, m_setup, &RunSetupPanel::setFineTuningData);
    connect(m_data, &DataPanel::corpusChanged, m_tokenizer, &TokenizerPanel::setCorpus);
    connect(m_data, &DataPanel::statsChanged, m_setup, &RunSetupPanel::setCorpusStats);
    // Rate → setup: the votes become a DPO run, shown in Run setup.
    connect(m_rate, &RatePanel::tuneRequested, this, [this](const QString& file, const QString& parent) {
        m_setup->setPreferenceTuning(file, parent);
        m_setupDock->show();
        m_setupDock->raise();
    });
    connect(m_data, &DataPanel::corpusFailed, this,
            [this](const QString&, const QString& message) { statusBar()->showMessage(message, 10000); });
    connect(m_setup, &RunSetupPanel::configChanged, this, [this] {
        const core::RunConfig config = m_setup->config();
        m_data->setTokenization(config.tokenizer, config.data.valFraction);
        QStringList replacements;
        for (const std::string& item : config.data.replace)
            replacements << QString::fromStdString(item);
        m_data->setChatTemplate(QString::fromStdString(config.sft.chatTemplate));
        m_data->setLossOn(QString::fromStdString(config.sft.lossOn));
        m_data->setReplacements(replacements);
        m_data->setParentRun(QString::fromStdString(config.initFrom));
        const QString corpus = QString::fromStdString(config.data.corpus);
        if (!corpus.isEmpty() && corpus != m_data->corpusPath() && !m_data->isLoading())
            m_data->openCorpus(corpus);
    });

    // Controls → session.
    connect(m_setup, &RunSetupPanel::startRequested, this, &MainWindow::startTraining);
    connect(m_monitor, &MonitorPanel::startRequested, this, &MainWindow::startTraining);
    connect(m_monitor, &MonitorPanel::pauseRequested, this, [this] {
        if (!m_session->isRunning())
            return;
        m_session->pause();
        m_monitor->setState(MonitorPanel::State::Pausing);
    });
    connect(m_monitor, &MonitorPanel::resumeRequested, this, [this] {
        if (!m_session->isRunning())
            return;
        m_session->continueTraining();
        m_monitor->setState(MonitorPanel::State::Running);
        m_runs->setLiveProgress(m_runId, m_liveStep, false);
    });
    connect(m_monitor, &MonitorPanel::stepRequested, this, [this] {
        if (m_session->isRunning())
            m_session->stepOnce();
    });
    connect(m_monitor, &MonitorPanel::stopRequested, this, [this] {
        if (!m_session->isRunning())
            return;
        m_session->requestStop();
        m_monitor->setState(MonitorPanel::State::Stopping);
    });

    // Session → panels.
    connect(m_session, &TrainingSession::started, m_monitor, &MonitorPanel::onStarted);
    connect(m_session, &TrainingSession::started, m_samples, &SamplesPanel::onStarted);
    connect(m_session, &TrainingSession::started, this, [this] {
        m_project->refresh(); // the worker has registered the run by now
        m_runs->selectRuns({m_runId});
        const auto record = m_project->run(m_runId);
        m_rolloutReader->setRunFolder(record ? QString::fromStdString(record->runDir.string()) : QString());
    });
    connect(m_session, &TrainingSession::stepFinished, m_monitor, &MonitorPanel::onStep);
    // Runs follows the session between the registry's updates: the step now, and "Paused" while paused.
    connect(m_session, &TrainingSession::stepFinished, this, [this](const core::StepMetrics& m) {
        m_liveStep = m.step;
        m_runs->setLiveProgress(m_runId, m.step, false);
        m_rolloutReader->refresh(); // RL runs: the rollout samples of the step (read off the GUI thread)
    });
    connect(m_session, &TrainingSession::trainingPaused, this, [this](qint64 step) {
        m_liveStep = step;
        m_runs->setLiveProgress(m_runId, step, true);
    });
    connect(m_session, &TrainingSession::evalFinished, m_monitor, &MonitorPanel::onEval);
    connect(m_session, &TrainingSession::evalFinished, m_samples, &SamplesPanel::onEval);
    connect(m_session, &TrainingSession::evalFinished, m_project, &Project::refresh);
    connect(m_session, &TrainingSession::samplesReady, m_samples, &SamplesPanel::addSamples);
    connect(m_session, &TrainingSession::trainingPaused, m_monitor, &MonitorPanel::onPaused);
    connect(m_session, &TrainingSession::logMessage, this,
            [this](int, const QString& message) { statusBar()->showMessage(message, 8000); });
    connect(m_session, &TrainingSession::finished, m_monitor, &MonitorPanel::onFinished);
    connect(m_session, &TrainingSession::finished, this,
            [this](core::TrainOutcome, const core::RunSummary& summary) {
                m_runs->setLiveProgress({}, 0, false);
                m_project->refresh();
                m_rolloutReader->refresh();
                m_statusLabel->setText(tr("Last run: %1").arg(QString::fromStdString(core::toString(summary.status))));
                if (summary.status == core::RunStatus::Failed)
                    showError(tr("The run failed"), QString::fromStdString(summary.error));
            });
    connect(m_session, &TrainingSession::failed, m_monitor, &MonitorPanel::onFailed);
    connect(m_session, &TrainingSession::failed, this, [this](const QString& message) {
        m_runs->setLiveProgress({}, 0, false);
        m_project->refresh();
        m_statusLabel->setText(tr("Last run: failed"));
        showError(tr("The run could not go on"), message);
    });

    // Project ↔ runs panel.
    m_runs->setMetricsProvider([this](const std::string& id) { return m_project->metrics(QString::fromStdString(id)); });
    connect(m_project, &Project::runsChanged, this, &MainWindow::refreshRuns);
    connect(m_project, &Project::opened, this, &MainWindow::updateTitle);
    connect(m_project, &Project::opened, m_rate, &RatePanel::setProjectDirectory);
    connect(m_runs, &RunsPanel::renameRequested, this, [this](const QString& id, const QString& name) {
        QString error;
        if (!m_project->rename(id, name, &error))
            showError(tr("Cannot rename the run"), error);
    });
    connect(m_runs, &RunsPanel::deleteRequested, this, [this](const QString& id) {
        QString error;
        if (id == m_runId && m_session->isRunning())
            showError(tr("Cannot delete the run"), tr("The run is training; stop it first."));
        else if (!m_project->remove(id, &error))
            showError(tr("Cannot delete the run"), error);
    });
    connect(m_runs, &RunsPanel::resumeRequested, this, &MainWindow::resumeRun);
    connect(m_runs, &RunsPanel::openRequested, this, &MainWindow::openRun);
    connectLessons(); // main_window_lessons.cpp
}

bool MainWindow::openProject(const QString& dir, bool quiet)
{
    QString error;
    if (!m_project->open(dir, &error)) {
        if (!quiet)
            showError(tr("Cannot open the project"), error);
        return false;
    }
    return true;
}

bool MainWindow::loadSetup(const QString& file)
{
    QString error;
    if (!m_setup->loadSetup(file, &error)) {
        showError(tr("Cannot load the run setup"), error);
        return false;
    }
    return true; // its corpus follows through configChanged()
}

void MainWindow::openCorpus(const QString& file) { m_data->openCorpus(file); }

void MainWindow::startTraining()
{
    if (m_session->isRunning())
        return;
    if (!m_project->isOpen()) {
        showError(tr("No project"), tr("Open or create a project first (File ▸ Open project)."));
        return;
    }
    if (!m_setup->canStart()) {
        m_setupDock->raise();
        statusBar()->showMessage(tr("Fix the problems listed in Run setup before starting."), 8000);
        return;
    }
    startRun(m_setup->config(), QString());
}

QString MainWindow::startRun(const core::RunConfig& config, const QString& name)
{
    if (m_session->isRunning() || !m_project->isOpen())
        return {};
    m_monitor->clear();
    m_monitor->setRunKind(QString::fromStdString(config.method), config.train.evalIters);
    m_samples->clear();
    // No name: the registry gives a readable one ("pretrain 1", "sft of pretrain 1"); Runs renames it.
    const QString id = m_session->startInProject(config, m_project->directory(), name);
    if (id.isEmpty())
        return {};
    m_runId = id;
    m_liveStep = 0;
    m_monitor->setState(MonitorPanel::State::Starting);
    m_statusLabel->setText(tr("Training %1").arg(id));
    return id;
}

void MainWindow::resumeRun(const QString& id)
{
    if (m_session->isRunning()) {
        statusBar()->showMessage(tr("A run is training; stop it before resuming another."), 8000);
        return;
    }
    openRun(id);
    if (!m_session->resumeInProject(m_project->directory(), id))
        return;
    m_runId = id;
    m_liveStep = 0;
    m_monitor->setState(MonitorPanel::State::Starting);
    m_statusLabel->setText(tr("Resuming %1").arg(id));
}

void MainWindow::openRun(const QString& id)
{
    if (id == m_runId && m_session->isRunning())
        return; // already on screen, live
    const auto record = m_project->run(id);
    if (!record)
        return;
    const auto points = m_project->metrics(id);
    m_monitor->setRunKind(QString::fromStdString(record->method), 0);
    m_monitor->showHistory(points);
    m_samples->showHistory(m_project->samples(id), points);
    m_rolloutReader->setRunFolder(QString::fromStdString(record->runDir.string()));
    try {
        const core::RunConfig config =
            core::parseRunConfig(record->configYaml, record->runDir.string() + "/config.yaml");
        m_monitor->setRunKind(QString::fromStdString(record->method), config.train.evalIters);
        m_setup->setConfig(config);
    } catch (const std::exception& e) {
        statusBar()->showMessage(QString::fromStdString(e.what()), 10000);
    }
    m_statusLabel->setText(tr("Showing %1 (%2)").arg(QString::fromStdString(record->name),
                                                     QString::fromStdString(core::toString(record->status))));
}

void MainWindow::refreshRuns()
{
    const auto runs = m_project->runs();
    m_setup->setParentCandidates(RunSetupPanel::parentCandidatesOf(runs));
    m_runs->setRuns(runs);
    m_compare->setRuns(runs);
    m_rate->setRuns(runs);
    m_lesson->setRuns(runs);
}

void MainWindow::showCompare() { m_centre->setCurrentWidget(m_compare); }

void MainWindow::chooseProject(bool create)
{
    const QString dir = create ? QFileDialog::getExistingDirectory(this, tr("New project folder"))
                               : QFileDialog::getExistingDirectory(this, tr("Open project folder"),
                                                                   m_project->directory());
    if (!dir.isEmpty())
        openProject(dir);
}

void MainWindow::showError(const QString& title, const QString& message)
{
    statusBar()->showMessage(message, 15000);
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // window-modal, never blocks the event loop
}

void MainWindow::updateTitle()
{
    const QString dir = m_project->directory();
    setWindowTitle(dir.isEmpty() ? QStringLiteral("TuneBench") : QStringLiteral("%1 — TuneBench").arg(dir));
}

QRect MainWindow::defaultGeometry(const QRect& available)
{
    // Room for the window frame and title bar, which are not part of the geometry.
    const QSize room(available.width() - 2 * kFrameAllowance, available.height() - 3 * kFrameAllowance);
    const QSize size = QSize(1400, 900).boundedTo(room).expandedTo(QSize(320, 240));
    QRect rect(QPoint(0, 0), size);
    rect.moveCenter(available.center());
    rect.moveTop(std::max(available.top() + 2 * kFrameAllowance, rect.top()));
    return rect;
}

void MainWindow::fitToScreen()
{
    const QScreen* s = screen() ? screen() : QGuiApplication::primaryScreen();
    if (!s)
        return;
    const QRect available = s->availableGeometry();
    if (!available.contains(frameGeometry()) || width() > available.width() || height() > available.height())
        setGeometry(defaultGeometry(available));
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    const QByteArray geometry = settings.value(QStringLiteral("window/geometry")).toByteArray();
    // The first start (or a layout saved on a bigger screen): within the screen's available area.
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        if (const QScreen* s = QGuiApplication::primaryScreen())
            setGeometry(defaultGeometry(s->availableGeometry()));
    } else {
        fitToScreen();
    }
    if (!restoreState(settings.value(QStringLiteral("window/state")).toByteArray()))
        applyDefaultDockSizes(size());
    m_monitor->setLogScale(settings.value(QStringLiteral("monitor/logScale"), false).toBool());
    m_presentation->restore();
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("monitor/logScale"), m_monitor->isLogScale());
    m_presentation->save();
    if (m_project->isOpen())
        settings.setValue(QStringLiteral("project/last"), m_project->directory());
    if (!m_data->corpusPath().isEmpty())
        settings.setValue(QStringLiteral("corpus/last"), m_data->corpusPath());
    settings.setValue(QStringLiteral("setup/yaml"), QString::fromStdString(core::toYaml(m_setup->config())));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_session->isRunning()) {
        const auto answer = QMessageBox::question(
            this, tr("A run is training"),
            tr("Stop the run and quit? It saves a checkpoint and can be resumed later from Runs."));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    saveSettings();
    event->accept(); // the session's destructor stops the run and joins its thread
}

} // namespace tb::ui
