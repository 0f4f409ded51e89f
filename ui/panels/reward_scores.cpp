// SPDX-License-Identifier: MIT
#include "ui/panels/reward_scores.h"

#include "ui/bridge/reward_scoring.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>

#include <algorithm>

namespace tb::ui {

RewardScores::RewardScores(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* label = new QLabel(tr("Score &with:"), this);
    m_picker = new QComboBox(this);
    m_picker->setObjectName(QStringLiteral("reward model picker"));
    // Narrow: the Compare panel's bottom row must not widen the window.
    m_picker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_picker->setMinimumContentsLength(8);
    m_picker->setToolTip(tr("A reward model of this project (a completed reward_model run) scores each output under "
                            "it: the number tunebench-cli score prints for this prompt and answer"));
    label->setBuddy(m_picker);
    label->setToolTip(m_picker->toolTip());
    m_picker->addItem(tr("(none)"), QString());
    layout->addWidget(label);
    layout->addWidget(m_picker);
    connect(m_picker, &QComboBox::currentIndexChanged, this, [this] { rescore(); });
}

RewardScores::~RewardScores() = default;

void RewardScores::setScoring(RewardScoring* scoring)
{
    if (m_scoring)
        disconnect(m_scoring, nullptr, this, nullptr);
    m_scoring = scoring;
    m_jobs.clear();
    if (scoring) {
        connect(scoring, &RewardScoring::scored, this, &RewardScores::onScored);
        connect(scoring, &RewardScoring::failed, this, &RewardScores::onFailed);
    }
}

void RewardScores::setRuns(const std::vector<core::RunRecord>& runs)
{
    const QString keep = rewardRun();
    {
        const QSignalBlocker block(m_picker);
        while (m_picker->count() > 1)
            m_picker->removeItem(1);
        for (const core::RunRecord& run : runs) {
            if (run.method != "reward_model" || run.status != core::RunStatus::Completed)
                continue;
            const QString path = QString::fromStdString(run.runDir.string());
            m_picker->addItem(QString::fromStdString(run.name.empty() ? run.id : run.name), path);
            m_picker->setItemData(m_picker->count() - 1, path, Qt::ToolTipRole);
        }
        m_picker->setCurrentIndex(std::max(0, keep.isEmpty() ? 0 : m_picker->findData(keep)));
    }
    if (rewardRun() != keep)
        rescore();
}

QString RewardScores::rewardRun() const { return m_picker->currentData().toString(); }

bool RewardScores::setRewardRun(const QString& path)
{
    const int index = m_picker->findData(path);
    if (index < 0)
        return false;
    m_picker->setCurrentIndex(index);
    return true;
}

QString RewardScores::scoreText(double score) { return tr("reward score: %1").arg(score, 0, 'f', 4); }

void RewardScores::score(const QString& prompt, const std::vector<Output>& outputs)
{
    m_prompt = prompt;
    m_outputs = outputs;
    rescore();
}

void RewardScores::clear()
{
    score({}, {});
}

void RewardScores::rescore()
{
    m_jobs.clear(); // answers to earlier requests are dropped
    const QString reward = rewardRun();
    for (const Output& o : m_outputs) {
        if (!o.label)
            continue;
        o.label->clear();
        o.label->setToolTip({});
        o.label->setVisible(!reward.isEmpty());
        if (reward.isEmpty())
            continue;
        if (!m_scoring) {
            o.label->setText(tr("cannot score: no scoring service"));
            continue;
        }
        if (o.answer.isEmpty()) {
            o.label->setText(tr("cannot score: empty output"));
            continue;
        }
        o.label->setText(tr("scoring…"));
        m_jobs[m_scoring->score(reward, o.policy, m_prompt, o.answer)] = o.label;
    }
    if (m_jobs.empty())
        emit scoresShown();
}

void RewardScores::onScored(quint64 job, double score)
{
    const auto it = m_jobs.find(job);
    if (it == m_jobs.end())
        return;
    if (QLabel* label = it->second) {
        label->setText(scoreText(score));
        label->setToolTip(tr("%1's score of this answer to the prompt (only differences between answers mean "
                             "anything)")
                              .arg(m_picker->currentText()));
    }
    finishJob(job);
}

void RewardScores::onFailed(quint64 job, const QString& reason, const QString& detail)
{
    const auto it = m_jobs.find(job);
    if (it == m_jobs.end())
        return;
    if (QLabel* label = it->second) {
        label->setText(reason);
        label->setToolTip(detail);
    }
    finishJob(job);
}

void RewardScores::finishJob(quint64 job)
{
    m_jobs.erase(job);
    if (m_jobs.empty())
        emit scoresShown();
}

} // namespace tb::ui
