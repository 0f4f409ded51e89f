// SPDX-License-Identifier: MIT
// ComparePanel's sessions: the comparison as core::CompareSession, saved and reopened as JSON, exported as
// Markdown or HTML (core/eval/compare_session does the formats), and the outputs handed to RewardScores. The rest of
// the panel is in compare_panel.cpp.
#include "ui/panels/compare_panel.h"
#include "ui/panels/compare_panel_detail.h"

#include "core/common/atomic_file.h"
#include "ui/panels/reward_scores.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTextEdit>

namespace tb::ui {

using compare_detail::footerText;
using compare_detail::kBrowse;

core::CompareSession ComparePanel::comparison() const
{
    core::CompareSession s;
    s.models = m_generatingModels.empty() ? models() : m_generatingModels;
    s.settings = m_prompts.empty() ? settings() : m_promptSettings;
    s.prompts = m_prompts;
    return s;
}

void ComparePanel::showOutputs(const core::ComparePrompt& entry)
{
    setPrompt(QString::fromStdString(entry.prompt));
    clearOutputs();
    for (size_t i = 0; i < entry.outputs.size() && i < m_columns.size(); ++i) {
        Column& c = m_columns[i];
        c.tokens = entry.outputs[i].tokens;
        c.tokensPerSecond = entry.outputs[i].tokensPerSecond;
        setColumnText(c, QString::fromStdString(entry.outputs[i].text));
        c.footer->setText(footerText(c.tokens.size(), c.tokensPerSecond, entry.outputs[i].stopped));
    }
    scoreOutputs();
}

void ComparePanel::scoreOutputs()
{
    std::vector<RewardScores::Output> outputs;
    for (Column& c : m_columns) {
        const QString path = c.model->currentData().toString();
        if (path.isEmpty() || path == kBrowse || (c.generated.isEmpty() && c.tokens.empty()))
            continue;
        outputs.push_back({path, c.generated, c.score});
    }
    m_rewardScores->score(m_prompts.empty() ? prompt() : QString::fromStdString(m_prompts.back().prompt), outputs);
}

QString ComparePanel::scoreText(int column) const
{
    return column >= 0 && column < columnCount() ? m_columns[size_t(column)].score->text() : QString();
}

bool ComparePanel::openSession(const QString& file, QString* error)
{
    core::CompareSession s;
    try {
        s = core::loadCompareSession(file.toStdString());
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    if (isGenerating())
        stop();
    m_generationJob = 0;
    m_branchColumn = -1;
    setColumnCount(int(s.models.size()));
    for (size_t i = 0; i < s.models.size(); ++i)
        setModel(int(i), QString::fromStdString(s.models[i].path), QString::fromStdString(s.models[i].label));
    m_checkpoint->setCurrentIndex(std::max(0, m_checkpoint->findData(QString::fromStdString(s.models[0].checkpoint))));
    setSettings(s.settings);
    m_generatingModels = s.models;
    m_promptSettings = s.settings;
    m_modelColumns.clear();
    for (size_t i = 0; i < s.models.size(); ++i)
        m_modelColumns.push_back(int(i));
    m_prompts = s.prompts;
    if (!m_prompts.empty())
        showOutputs(m_prompts.back());
    else
        clearOutputs();
    setStatus(tr("Opened %1").arg(QFileInfo(file).fileName()));
    updateControls();
    return true;
}

bool ComparePanel::saveSession(const QString& file, QString* error) const
{
    try {
        core::saveCompareSession(comparison(), file.toStdString());
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

bool ComparePanel::exportSession(const QString& file, QString* error) const
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    const bool markdown = suffix == QLatin1String("md") || suffix == QLatin1String("markdown");
    try {
        const core::CompareSession s = comparison();
        core::writeFileAtomically(file.toStdString(),
                                  markdown ? core::compareSessionMarkdown(s) : core::compareSessionHtml(s));
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

void ComparePanel::chooseOpenSession()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Open comparison"), QString(),
                                                      tr("Comparisons (*.json);;All files (*)"));
    QString error;
    if (!file.isEmpty() && !openSession(file, &error))
        setStatus(error);
}

void ComparePanel::chooseSaveSession()
{
    const QString file = QFileDialog::getSaveFileName(this, tr("Save comparison"), QStringLiteral("comparison.json"),
                                                      tr("Comparisons (*.json)"));
    QString error;
    if (!file.isEmpty())
        setStatus(saveSession(file, &error) ? tr("Saved %1").arg(QFileInfo(file).fileName()) : error);
}

void ComparePanel::chooseExport()
{
    QString filter;
    const QString file = QFileDialog::getSaveFileName(this, tr("Export comparison"), QStringLiteral("comparison.md"),
                                                      tr("Markdown (*.md);;HTML (*.html)"), &filter);
    QString error;
    if (!file.isEmpty())
        setStatus(exportSession(file, &error) ? tr("Exported %1").arg(QFileInfo(file).fileName()) : error);
}

} // namespace tb::ui
