// SPDX-License-Identifier: MIT
#include "ui/panels/lesson_panel.h"

#include "core/common/error.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/elided_label.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace tb::ui {

namespace {

const char* kUserFolderKey = "lessons/userFolder";
const char* kProgressGroup = "lessonProgress";

QString progressKey(const QString& projectDir)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(projectDir.isEmpty() ? QStringLiteral("-") : projectDir));
}

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString defaultLabel(const core::LessonAction& action)
{
    if (!action.label.empty())
        return qs(action.label);
    switch (action.kind) {
    case core::LessonActionKind::Train: return LessonPanel::tr("Train this");
    case core::LessonActionKind::Compare: return LessonPanel::tr("Compare these");
    case core::LessonActionKind::Sample: return LessonPanel::tr("Sample this");
    case core::LessonActionKind::None: break;
    }
    return LessonPanel::tr("Train the runs");
}

/// Where a panel's title is shown: its dock, or the tab of the QTabWidget it is a page of.
struct TitleHolder {
    QDockWidget* dock = nullptr;
    QTabWidget* tabs = nullptr;
    int index = -1;
};

TitleHolder titleHolder(QWidget* content)
{
    TitleHolder h;
    if ((h.dock = qobject_cast<QDockWidget*>(content->parentWidget())))
        return h;
    for (QWidget* w = content->parentWidget(); w; w = w->parentWidget())
        if (auto* tabs = qobject_cast<QTabWidget*>(w); tabs && tabs->indexOf(content) >= 0) {
            h.tabs = tabs;
            h.index = tabs->indexOf(content);
            break;
        }
    return h;
}

} // namespace

LessonPanel::LessonPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("LessonPanel"));
    m_userFolder = QSettings().value(QLatin1String(kUserFolderKey)).toString();
    buildUi();
    showStep();
}

LessonPanel::~LessonPanel() = default;

void LessonPanel::buildUi()
{
    auto* layout = new QVBoxLayout(this);
    auto* pick = new QHBoxLayout;
    m_picker = new QComboBox(this);
    m_picker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_picker->setMinimumContentsLength(8);
    m_picker->setToolTip(tr("The built-in lessons and those in your own lesson folder"));
    m_folder = new QToolButton(this);
    m_folder->setText(tr("Folder…"));
    m_folder->setToolTip(tr("Choose a folder with your own lessons (docs/lessons.md describes the format)"));
    pick->addWidget(m_picker, 1);
    pick->addWidget(m_folder);
    layout->addLayout(pick);

    m_stepLabel = new ElidedLabel(this);
    QFont bold = m_stepLabel->font();
    bold.setBold(true);
    m_stepLabel->setFont(bold);
    layout->addWidget(m_stepLabel);

    m_text = new QTextBrowser(this);
    m_text->setOpenExternalLinks(true);
    m_text->setMinimumHeight(60);
    layout->addWidget(m_text, 1);

    m_prompt = new QComboBox(this);
    m_prompt->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_prompt->setMinimumContentsLength(8);
    m_prompt->setToolTip(tr("The prompt the action sends to Compare"));
    layout->addWidget(m_prompt);

    auto* actions = new QHBoxLayout;
    m_action = new QPushButton(this);
    m_reveal = new QPushButton(tr("Reveal"), this);
    m_reveal->setToolTip(tr("Show what the class should have observed"));
    actions->addWidget(m_action, 1);
    actions->addWidget(m_reveal);
    layout->addLayout(actions);

    auto* nav = new QHBoxLayout;
    m_back = new QPushButton(tr("Back"), this);
    m_next = new QPushButton(tr("Next"), this);
    m_count = new QLabel(this);
    m_count->setAlignment(Qt::AlignCenter);
    nav->addWidget(m_back);
    nav->addWidget(m_count, 1);
    nav->addWidget(m_next);
    layout->addLayout(nav);

    m_status = new ElidedLabel(this);
    layout->addWidget(m_status);

    connect(m_picker, &QComboBox::activated, this, [this](int index) {
        const QString file = m_picker->itemData(index).toString();
        if (file.isEmpty()) {
            closeLesson();
            return;
        }
        QString error;
        if (!openLesson(file, 0, &error)) {
            // The lesson on show stays; the error goes above its step until the next move.
            m_error = error;
            m_picker->setCurrentIndex(std::max(0, m_picker->findData(lessonFile())));
            showStep();
            setStatus(tr("The lesson has an error; the message names the file, line and field."));
        }
    });
    connect(m_folder, &QToolButton::clicked, this, &LessonPanel::chooseUserFolder);
    connect(m_back, &QPushButton::clicked, this, &LessonPanel::back);
    connect(m_next, &QPushButton::clicked, this, &LessonPanel::next);
    connect(m_action, &QPushButton::clicked, this, &LessonPanel::runAction);
    connect(m_reveal, &QPushButton::clicked, this, &LessonPanel::reveal);
}

core::LessonOptions LessonPanel::options() const
{
    core::LessonOptions o;
    if (!m_builtInFolder.isEmpty())
        o.resourcesDir = QFileInfo(m_builtInFolder).absoluteDir().absolutePath().toStdString();
    return o;
}

void LessonPanel::setBuiltInFolder(const QString& folder)
{
    m_builtInFolder = folder;
    fillPicker();
}

void LessonPanel::setUserFolder(const QString& folder)
{
    m_userFolder = folder;
    QSettings().setValue(QLatin1String(kUserFolderKey), folder);
    fillPicker();
}

void LessonPanel::chooseUserFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder with your lessons"), m_userFolder);
    if (!dir.isEmpty())
        setUserFolder(dir);
}

QStringList LessonPanel::lessonFiles() const
{
    QStringList files;
    for (const QString& folder : {m_builtInFolder, m_userFolder})
        if (!folder.isEmpty())
            for (const auto& file : core::lessonFiles(folder.toStdString()))
                files << QString::fromStdString(file.string());
    files.removeDuplicates();
    return files;
}

void LessonPanel::fillPicker()
{
    const QString current = lessonFile();
    m_picker->clear();
    m_picker->addItem(tr("Choose a lesson…"), QString());
    for (const QString& file : lessonFiles()) {
        QString label;
        try {
            label = qs(core::loadLesson(file.toStdString(), options()).title);
        } catch (const core::InputError&) {
            label = tr("%1 (has errors)").arg(QFileInfo(file).fileName());
        }
        m_picker->addItem(label, file);
        m_picker->setItemData(m_picker->count() - 1, file, Qt::ToolTipRole);
    }
    m_picker->setCurrentIndex(std::max(0, m_picker->findData(current)));
}

void LessonPanel::setComparePanel(ComparePanel* compare)
{
    m_compare = compare;
    connect(compare, &ComparePanel::generationEnded, this, [this] {
        if (m_comparing) {
            m_comparing = false;
            setStatus(tr("Done: the outputs are in Compare."));
        }
    });
}

void LessonPanel::registerPanel(const QString& name, QWidget* content, std::function<void()> show)
{
    m_panels[name] = Registered{content, std::move(show), {}, {}};
}

void LessonPanel::setProjectDirectory(const QString& dir)
{
    m_projectDir = dir;
    QSettings settings;
    settings.beginGroup(QLatin1String(kProgressGroup));
    const QStringList saved = settings.value(progressKey(dir)).toStringList();
    if (saved.size() == 2 && QFileInfo::exists(saved[0])) {
        m_restoring = true;
        if (!openLesson(saved[0], saved[1].toInt()))
            closeLesson();
        m_restoring = false;
    }
}

void LessonPanel::setRuns(const std::vector<core::RunRecord>& runs)
{
    m_runs = runs;
    if (m_lesson)
        showStep();
}

std::optional<core::RunRecord> LessonPanel::runNamed(const QString& name) const
{
    std::optional<core::RunRecord> best;
    for (const core::RunRecord& run : m_runs)
        if (qs(run.name) == name && run.status == core::RunStatus::Completed &&
            (!best || run.createdAt > best->createdAt))
            best = run;
    return best;
}

bool LessonPanel::openLesson(const QString& file, int step, QString* error)
{
    core::Lesson lesson;
    try {
        lesson = core::loadLesson(file.toStdString(), options());
    } catch (const core::InputError& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    m_lesson = std::move(lesson);
    m_queue.clear();
    m_actionPending = false;
    if (m_picker->findData(file) < 0) {
        m_picker->addItem(qs(m_lesson->title), file);
    }
    m_picker->setCurrentIndex(m_picker->findData(file));
    m_step = -1;
    goToStep(std::clamp(step, 0, stepCount() - 1));
    return true;
}

void LessonPanel::closeLesson()
{
    m_lesson.reset();
    m_error.clear();
    applyLocks(); // unlocks
    m_queue.clear();
    m_actionPending = false;
    m_step = 0;
    m_picker->setCurrentIndex(0);
    showStep();
}

QString LessonPanel::lessonFile() const { return m_lesson ? QString::fromStdString(m_lesson->file.string()) : QString(); }

void LessonPanel::goToStep(int step)
{
    if (!m_lesson || step < 0 || step >= stepCount() || step == m_step)
        return;
    m_step = step;
    m_revealed = false;
    m_error.clear();
    m_queue.clear();
    m_actionPending = false;
    m_prompt->clear();
    for (const std::string& prompt : m_lesson->steps[size_t(step)].action.prompts)
        m_prompt->addItem(qs(prompt));
    applyPanels();
    showStep();
    saveProgress();
    setStatus({});
    emit stepChanged(step);
}

void LessonPanel::next() { goToStep(m_step + 1); }
void LessonPanel::back() { goToStep(m_step - 1); }

void LessonPanel::reveal()
{
    m_revealed = true;
    showStep();
    if (QScrollBar* bar = m_text->verticalScrollBar())
        bar->setValue(bar->maximum()); // the observation is last
}

void LessonPanel::saveProgress() const
{
    if (!m_lesson || m_restoring)
        return;
    QSettings settings;
    settings.beginGroup(QLatin1String(kProgressGroup));
    settings.setValue(progressKey(m_projectDir), QStringList{lessonFile(), QString::number(m_step)});
}

bool LessonPanel::setLocked(Registered& panel, bool locked)
{
    if (!panel.content)
        return false;
    const TitleHolder h = titleHolder(panel.content);
    const QString title = h.dock ? h.dock->windowTitle() : h.tabs ? h.tabs->tabText(h.index) : QString();
    if (locked && !panel.content->testAttribute(Qt::WA_Disabled)) {
        panel.title = title;
        panel.toolTip = panel.content->toolTip();
        const QString lockedTitle = tr("%1 (locked by the lesson)").arg(title);
        if (h.dock)
            h.dock->setWindowTitle(lockedTitle);
        else if (h.tabs)
            h.tabs->setTabText(h.index, tr("%1 (locked)").arg(title));
        panel.content->setEnabled(false);
        panel.content->setToolTip(tr("The lesson's step locks this panel; it unlocks on the next step."));
        return true;
    }
    if (!locked && panel.content->testAttribute(Qt::WA_Disabled)) {
        if (h.dock)
            h.dock->setWindowTitle(panel.title);
        else if (h.tabs)
            h.tabs->setTabText(h.index, panel.title);
        panel.content->setEnabled(true);
        panel.content->setToolTip(panel.toolTip);
    }
    return false;
}

void LessonPanel::setLocksActive(bool active)
{
    if (active == m_locksActive)
        return;
    m_locksActive = active;
    applyLocks();
}

void LessonPanel::applyLocks()
{
    for (const QString& name : std::as_const(m_locked))
        if (auto it = m_panels.find(name); it != m_panels.end())
            setLocked(it->second, false);
    m_locked.clear();
    if (!m_lesson || !m_locksActive)
        return;
    for (const std::string& name : m_lesson->steps[size_t(m_step)].lock)
        if (auto it = m_panels.find(qs(name)); it != m_panels.end() && setLocked(it->second, true))
            m_locked << qs(name); // only what this lesson disabled is enabled again
}

void LessonPanel::applyPanels()
{
    applyLocks();
    if (!m_lesson)
        return;
    for (const std::string& name : m_lesson->steps[size_t(m_step)].show)
        if (auto it = m_panels.find(qs(name)); it != m_panels.end() && it->second.show)
            it->second.show();
}

QString LessonPanel::stepMarkdown() const
{
    const QString error = m_error.isEmpty() ? QString() : tr("**This lesson cannot be opened:** %1\n\n---\n\n").arg(m_error);
    if (!m_lesson)
        return error + tr("## Lessons\n\nPick a lesson above. Each one walks the class through one concept: what to press, "
                  "what to watch, and a question with the observation to look for.\n\nYour own lessons: "
                  "**Folder…** (the format is in `docs/lessons.md`).");
    const core::LessonStep& step = m_lesson->steps[size_t(m_step)];
    QString md = error;
    if (m_step == 0 && !m_lesson->summary.empty())
        md += QStringLiteral("*%1*\n\n").arg(qs(m_lesson->summary));
    if (!step.title.empty())
        md += QStringLiteral("### %1\n\n").arg(qs(step.title));
    md += qs(step.text) + QStringLiteral("\n\n");
    const auto needed = m_lesson->runsNeeded(size_t(m_step));
    if (!needed.empty()) {
        md += tr("**Runs of this step**\n\n");
        for (const core::LessonRun* run : needed) {
            const QString name = qs(run->name);
            QString state;
            if (name == m_training)
                state = tr("training now");
            else if (m_queue.contains(name))
                state = tr("queued");
            else if (runNamed(name))
                state = tr("in the project");
            else
                state = tr("not trained yet");
            md += QStringLiteral("- **%1**: %2\n").arg(name, state);
        }
        md += QStringLiteral("\n");
    }
    if (!step.question.empty())
        md += tr("**Question for the class:** %1\n\n").arg(qs(step.question));
    if (m_revealed && !step.observe.empty())
        md += tr("**Look for:** %1\n").arg(qs(step.observe));
    return md;
}

void LessonPanel::showStep()
{
    m_text->setMarkdown(stepMarkdown());
    if (m_lesson) {
        const core::LessonStep& step = m_lesson->steps[size_t(m_step)];
        m_stepLabel->setText(step.title.empty() ? qs(m_lesson->title)
                                                : QStringLiteral("%1 — %2").arg(qs(m_lesson->title), qs(step.title)));
        m_count->setText(tr("Step %1 of %2").arg(m_step + 1).arg(stepCount()));
    } else {
        m_stepLabel->setText(tr("No lesson open"));
        m_count->clear();
    }
    updateButtons();
}

void LessonPanel::updateButtons()
{
    const bool open = m_lesson.has_value();
    m_back->setEnabled(open && m_step > 0);
    m_next->setEnabled(open && m_step + 1 < stepCount());
    const core::LessonStep* step = open ? &m_lesson->steps[size_t(m_step)] : nullptr;
    bool missing = false;
    if (step)
        for (const core::LessonRun* run : m_lesson->runsNeeded(size_t(m_step)))
            missing = missing || !runNamed(qs(run->name));
    const bool hasAction = step && (step->action.kind != core::LessonActionKind::None || missing);
    m_action->setVisible(hasAction);
    m_prompt->setVisible(step && !step->action.prompts.empty());
    if (hasAction) {
        const bool train = step->action.kind == core::LessonActionKind::Train;
        if (train && !missing) {
            m_action->setText(tr("Trained (in the project)"));
            m_action->setEnabled(false);
        } else {
            QString label = defaultLabel(step->action);
            if (missing && !train && step->action.kind != core::LessonActionKind::None)
                label = tr("Train, then %1").arg(label.toLower());
            m_action->setText(label);
            m_action->setEnabled(m_training.isEmpty());
        }
    }
    m_reveal->setVisible(step && !step->observe.empty());
    m_reveal->setEnabled(!m_revealed);
}

void LessonPanel::setStatus(const QString& text) { m_status->setText(text); }

QString LessonPanel::statusText() const { return m_status->text(); }

} // namespace tb::ui
