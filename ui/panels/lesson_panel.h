// SPDX-License-Identifier: MIT
// The Lesson pane (docs/lessons.md): picks a lesson (the built-in folder and a user folder kept in QSettings), shows
// its steps one at a time (Markdown in a QTextBrowser) with Back/Next and "step k of n", the step's runs (reused when
// the project has a completed run of that name), its action button, and Reveal for the observation. The panels a
// step names are brought to the front or locked (their content disabled, "(locked)" in the title). The lesson and
// step are saved per project folder, so a lesson can be left and resumed.
// Training goes through a starter function that MainWindow gives it (the same path as Run setup's Start: the
// TrainingSession's worker thread); a step whose runs are missing trains them one after another, parents first,
// as each run ends (trainingEnded()). Compare and sample fill the Compare panel and press its Generate, whose
// InferenceSession runs on its own thread. Nothing here blocks the GUI thread. GUI thread only.
#pragma once

#include "core/lesson/lesson.h"
#include "core/store/run_records.h"

#include <QPointer>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <map>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QTextBrowser;
class QToolButton;

namespace tb::ui {

class ComparePanel;
class ElidedLabel;

class LessonPanel : public QWidget {
    Q_OBJECT
public:
    explicit LessonPanel(QWidget* parent = nullptr);
    ~LessonPanel() override;

    /// The built-in lessons' folder (resources/lessons); its parent is where presets resolve.
    void setBuiltInFolder(const QString& folder);
    /// A folder of the user's own lessons (remembered in QSettings).
    void setUserFolder(const QString& folder);
    QString userFolder() const { return m_userFolder; }
    /// The lesson files offered in the picker, built-in first.
    QStringList lessonFiles() const;

    /// A panel a step may show or lock (core::lessonPanelNames()): its content widget and how to bring it forward.
    void registerPanel(const QString& name, QWidget* content, std::function<void()> show);
    /// Starts a project run of `config` called `name`; false (with the reason in `error`) when it did not start.
    using TrainStarter = std::function<bool(const core::RunConfig& config, const QString& name, QString* error)>;
    void setTrainStarter(TrainStarter starter) { m_starter = std::move(starter); }
    void setComparePanel(ComparePanel* compare);
    /// Locks apply only while the pane is on screen (MainWindow follows the dock's visibility): a closed pane never
    /// leaves panels locked.
    void setLocksActive(bool active);
    bool locksActive() const { return m_locksActive; }
    /// Overrides applied after every lesson run's own (tests: tiny runs).
    void setExtraOverrides(const QStringList& overrides) { m_extraOverrides = overrides; }

    /// The open project: restores the lesson and step saved for it.
    void setProjectDirectory(const QString& dir);
    void setRuns(const std::vector<core::RunRecord>& runs);
    /// The training session's run ended (ok: completed). Trains the next queued run, or does the step's action.
    void trainingEnded(bool ok);

    /// Opens a lesson at `step` (0-based); false with the parser's message (file, line, field) on failure, the
    /// lesson on show staying as it was.
    bool openLesson(const QString& file, int step = 0, QString* error = nullptr);
    void closeLesson();
    const core::Lesson* lesson() const { return m_lesson ? &*m_lesson : nullptr; }
    QString lessonFile() const;
    int stepIndex() const { return m_step; }
    int stepCount() const { return m_lesson ? int(m_lesson->steps.size()) : 0; }
    void goToStep(int step);
    /// The project's newest completed run called `name`, if any.
    std::optional<core::RunRecord> runNamed(const QString& name) const;
    /// Runs queued to train for the current action (the one training first).
    QStringList trainingQueue() const { return m_queue; }
    bool isRevealed() const { return m_revealed; }
    QString statusText() const;
    QString stepMarkdown() const;

    QComboBox* picker() const { return m_picker; }
    QComboBox* promptBox() const { return m_prompt; }
    QPushButton* actionButton() const { return m_action; }
    QPushButton* revealButton() const { return m_reveal; }
    QPushButton* backButton() const { return m_back; }
    QPushButton* nextButton() const { return m_next; }
    QTextBrowser* textView() const { return m_text; }

public slots:
    void next();
    void back();
    void runAction();
    void reveal();
    void chooseUserFolder();

signals:
    void stepChanged(int step);
    /// A compare or sample action was sent to the Compare panel.
    void compareStarted();
    void message(const QString& text);

private:
    struct Registered {
        QPointer<QWidget> content;
        std::function<void()> show;
        QString title;   // the dock's or tab's title before a lock
        QString toolTip; // the content's tooltip before a lock
    };

    void buildUi();
    void fillPicker();
    void showStep();
    void applyPanels();
    void applyLocks();
    /// True when it locked the panel (an enabled one).
    bool setLocked(Registered& panel, bool locked);
    void saveProgress() const;
    void startNextRun();
    void doCompare();
    void setStatus(const QString& text);
    void updateButtons();
    core::LessonOptions options() const;

    QString m_builtInFolder;
    QString m_userFolder;
    QString m_projectDir;
    std::optional<core::Lesson> m_lesson;
    int m_step = 0;
    bool m_revealed = false;
    std::vector<core::RunRecord> m_runs;
    std::map<QString, Registered> m_panels;
    QStringList m_locked;
    TrainStarter m_starter;
    QPointer<ComparePanel> m_compare;
    QStringList m_extraOverrides;
    QStringList m_queue;        // lesson runs still to train for the pending action
    QString m_training;         // the lesson run training now
    bool m_actionPending = false; // compare/sample once the queue is done
    bool m_restoring = false;
    bool m_comparing = false; // a lesson's generation is running in Compare
    QString m_error; // a lesson that failed to open, shown above the step until the next move
    bool m_locksActive = true;

    QComboBox* m_picker = nullptr;
    QToolButton* m_folder = nullptr;
    ElidedLabel* m_stepLabel = nullptr;
    QTextBrowser* m_text = nullptr;
    QComboBox* m_prompt = nullptr;
    QPushButton* m_action = nullptr;
    QPushButton* m_reveal = nullptr;
    QPushButton* m_back = nullptr;
    QPushButton* m_next = nullptr;
    QLabel* m_count = nullptr;
    ElidedLabel* m_status = nullptr;
};

} // namespace tb::ui
