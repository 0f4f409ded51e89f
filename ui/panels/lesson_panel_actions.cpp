// SPDX-License-Identifier: MIT
// LessonPanel's actions: the queue of runs a step needs (trained one after another through the starter, parents
// first) and the comparison it sends to the Compare panel.
#include "ui/panels/lesson_panel.h"

#include "core/common/error.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/elided_label.h"

#include <QComboBox>

namespace tb::ui {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

} // namespace

void LessonPanel::runAction()
{
    if (!m_lesson || !m_training.isEmpty())
        return;
    const core::LessonStep& step = m_lesson->steps[size_t(m_step)];
    m_queue.clear();
    for (const core::LessonRun* run : m_lesson->runsNeeded(size_t(m_step)))
        if (!runNamed(qs(run->name)))
            m_queue << qs(run->name);
    m_actionPending =
        step.action.kind == core::LessonActionKind::Compare || step.action.kind == core::LessonActionKind::Sample;
    startNextRun();
}

void LessonPanel::startNextRun()
{
    if (m_queue.isEmpty()) {
        m_training.clear();
        if (m_actionPending)
            doCompare();
        showStep();
        return;
    }
    const QString name = m_queue.front();
    const core::LessonRun* run = m_lesson->findRun(name.toStdString(), size_t(m_step));
    auto fail = [this](const QString& message) {
        m_queue.clear();
        m_actionPending = false;
        setStatus(message);
        emit this->message(message);
        showStep();
    };
    if (!run)
        return fail(tr("The lesson names no run %1.").arg(name));
    std::string parentDir;
    if (!run->parent.empty()) {
        const auto parent = runNamed(qs(run->parent));
        if (!parent)
            return fail(tr("%1 needs its parent %2, which the project does not have.").arg(name, qs(run->parent)));
        parentDir = parent->runDir.string();
    }
    core::RunConfig config;
    try {
        std::vector<std::string> extra;
        for (const QString& item : std::as_const(m_extraOverrides))
            extra.push_back(item.toStdString());
        config = core::lessonRunConfig(*run, parentDir, extra);
    } catch (const core::InputError& e) {
        return fail(QString::fromStdString(e.what()));
    }
    if (const auto problems = config.validate(); !problems.empty())
        return fail(tr("%1 cannot start: %2").arg(name, qs(problems.front())));
    QString error;
    if (!m_starter || !m_starter(config, name, &error))
        return fail(tr("%1 did not start: %2").arg(name, error.isEmpty() ? tr("no training session") : error));
    m_training = name;
    m_queue.pop_front();
    setStatus(tr("Training %1…").arg(name));
    showStep();
}

void LessonPanel::trainingEnded(bool ok)
{
    if (m_training.isEmpty())
        return; // not a lesson run
    const QString done = m_training;
    m_training.clear();
    if (!ok || !runNamed(done)) {
        m_queue.clear();
        m_actionPending = false;
        setStatus(tr("%1 did not complete; press the button to train it again.").arg(done));
        showStep();
        return;
    }
    setStatus(tr("%1 is trained.").arg(done));
    startNextRun();
}

void LessonPanel::doCompare()
{
    m_actionPending = false;
    const core::LessonAction& action = m_lesson->steps[size_t(m_step)].action;
    if (!m_compare) {
        setStatus(tr("No Compare panel to generate in."));
        return;
    }
    std::vector<std::pair<QString, QString>> models; // path, name
    for (const std::string& name : action.runs) {
        const auto run = runNamed(qs(name));
        if (!run) {
            setStatus(tr("%1 is not in the project.").arg(qs(name)));
            return;
        }
        models.emplace_back(QString::fromStdString(run->runDir.string()), qs(name));
    }
    m_compare->setColumnCount(int(models.size()));
    for (size_t i = 0; i < models.size(); ++i)
        m_compare->setModel(int(i), models[i].first, models[i].second);
    core::CompareSettings settings = m_compare->settings();
    settings.greedy = action.greedy;
    settings.chatTemplate = action.chat;
    settings.maxNewTokens = action.maxTokens;
    m_compare->setSettings(settings);
    if (action.memorization)
        m_compare->setMemorizationCheck(true, 12); // Compare's default span length
    const QString prompt = m_prompt->currentText();
    m_compare->setPrompt(prompt);
    if (auto it = m_panels.find(QStringLiteral("compare")); it != m_panels.end() && it->second.show)
        it->second.show();
    m_compare->generate();
    m_comparing = true;
    setStatus(tr("Generating in Compare: “%1”").arg(prompt));
    emit compareStarted();
}

} // namespace tb::ui
