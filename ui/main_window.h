// SPDX-License-Identifier: MIT
// The workbench's main window. It composes the panels (docks around the Monitor), the menus and shortcuts, and
// wires panels, the training session and the project registry in one place; it holds no training or storage
// logic itself. Window layout, the last project, corpus and setup persist in QSettings. GUI thread only.
#pragma once

#include <QMainWindow>
#include <QString>

class QDockWidget;
class QLabel;
class QTabWidget;

namespace tb::core {
struct RunConfig;
}

namespace tb::ui {

class ComparePanel;
class DataPanel;
class InferenceSession;
class LessonPanel;
class MonitorPanel;
class PresentationMode;
class Project;
class RatePanel;
class RewardScoring;
class RolloutReader;
class RunSetupPanel;
class RunsPanel;
class SamplesPanel;
class TokenizerPanel;
class TrainingSession;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens (or creates) the project in `dir`; false with a message box (unless `quiet`) on failure.
    bool openProject(const QString& dir, bool quiet = false);
    /// Loads a run setup (the CLI's YAML) into Run setup; its corpus goes to the Data panel.
    bool loadSetup(const QString& file);
    void openCorpus(const QString& file);

    // For tests and the benchmark.
    DataPanel* dataPanel() const { return m_data; }
    RunSetupPanel* runSetupPanel() const { return m_setup; }
    MonitorPanel* monitorPanel() const { return m_monitor; }
    SamplesPanel* samplesPanel() const { return m_samples; }
    RunsPanel* runsPanel() const { return m_runs; }
    TokenizerPanel* tokenizerPanel() const { return m_tokenizer; }
    ComparePanel* comparePanel() const { return m_compare; }
    RatePanel* ratePanel() const { return m_rate; }
    LessonPanel* lessonPanel() const { return m_lesson; }
    PresentationMode* presentationMode() const { return m_presentation; }
    QDockWidget* lessonDock() const { return m_lessonDock; }
    InferenceSession* inferenceSession() const { return m_inference; }
    InferenceSession* rateInferenceSession() const { return m_rateInference; }
    RewardScoring* rewardScoring() const { return m_rewardScoring; }
    RolloutReader* rolloutReader() const { return m_rolloutReader; }
    TrainingSession* session() const { return m_session; }
    Project* project() const { return m_project; }
    QString currentRunId() const { return m_runId; }

    /// Starts a project run of `config` named `name` (empty: the registry names it), as Start does after its checks.
    /// Returns the run id, or an empty string when a run is training or no project is open.
    QString startRun(const core::RunConfig& config, const QString& name);

    /// Where the window opens the first time on a screen whose usable area is `available`: 1400 x 900 or less,
    /// leaving room for the frame, centred. Never wider or taller than `available`.
    static QRect defaultGeometry(const QRect& available);
    /// Pixels left for the window frame on each side (the title bar gets more).
    static constexpr int kFrameAllowance = 12;

public slots:
    void startTraining();
    /// Shows the Lesson pane (Help ▸ Lessons).
    void showLessons();
    void resumeRun(const QString& id);
    void openRun(const QString& id);
    /// Brings the Compare tab to the front.
    void showCompare();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildDocks();
    void buildLessonDock();
    void connectLessons();
    void buildMenus();
    void connectPanels();
    void restoreSettings();
    /// The docks' first sizes for a window of `window`'s size (no saved layout yet).
    void applyDefaultDockSizes(QSize window);
    /// Moves and shrinks a restored window that does not fit its screen's available area.
    void fitToScreen();
    void saveSettings() const;
    void chooseProject(bool create);
    void refreshRuns();
    void showError(const QString& title, const QString& message);
    void updateTitle();

    TrainingSession* m_session = nullptr;
    Project* m_project = nullptr;
    DataPanel* m_data = nullptr;
    RunSetupPanel* m_setup = nullptr;
    MonitorPanel* m_monitor = nullptr;
    SamplesPanel* m_samples = nullptr;
    RunsPanel* m_runs = nullptr;
    TokenizerPanel* m_tokenizer = nullptr;
    InferenceSession* m_inference = nullptr;     // Compare's
    InferenceSession* m_rateInference = nullptr; // Rate's
    RewardScoring* m_rewardScoring = nullptr;    // Compare's "Score with:"
    RolloutReader* m_rolloutReader = nullptr;    // the Monitor's rollout samples
    ComparePanel* m_compare = nullptr;
    RatePanel* m_rate = nullptr;
    LessonPanel* m_lesson = nullptr;
    PresentationMode* m_presentation = nullptr; // View ▸ Presentation mode
    QTabWidget* m_centre = nullptr; // Monitor | Compare | Rate
    QDockWidget* m_dataDock = nullptr;
    QDockWidget* m_setupDock = nullptr;
    QDockWidget* m_tokenizerDock = nullptr;
    QDockWidget* m_samplesDock = nullptr;
    QDockWidget* m_runsDock = nullptr;
    QDockWidget* m_lessonDock = nullptr;
    QLabel* m_statusLabel = nullptr;
    QString m_runId;       // the run training now, or the last one started
    qint64 m_liveStep = 0; // its last step, as the session reported it
    bool m_quietErrors = false;
};

} // namespace tb::ui
