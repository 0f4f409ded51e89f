// SPDX-License-Identifier: MIT
// ComparePanel's inspection tabs: next token (with branching), KL colouring, the seed fan and the phrasing battery.
// The rest of the panel is in compare_panel.cpp.
#include "ui/panels/compare_panel.h"
#include "ui/panels/compare_panel_detail.h"

#include "ui/bridge/inference_session.h"
#include "ui/panels/kl_text_view.h"
#include "ui/panels/next_token_view.h"
#include "ui/panels/phrasing_view.h"
#include "ui/panels/seed_fan_view.h"

#include <QComboBox>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTextEdit>
#include <QVBoxLayout>

#include <algorithm>

namespace tb::ui {

using compare_detail::kBrowse;
using compare_detail::modelKey;
using compare_detail::samplingOf;

void ComparePanel::buildInspectTabs()
{
    // In a scroll area: two models' bars (plus the chosen token's) can be taller than the tab.
    auto* nextScroll = new QScrollArea(m_tabs);
    nextScroll->setWidgetResizable(true);
    nextScroll->setFrameShape(QFrame::NoFrame);
    m_nextToken = new NextTokenView(nextScroll);
    m_nextToken->showMessage(tr("Click a token of an output (or of the KL view) to see what the models predicted "
                                "there; click a bar to branch the text with that token."));
    nextScroll->setWidget(m_nextToken);
    m_tabs->addTab(nextScroll, tr("Next token"));
    m_tabs->setTabToolTip(NextTokenTab, tr("The next-token distributions at the token clicked in an output"));

    m_kl = new KlTextView(m_tabs);
    m_kl->showMessage(tr("Generate with two models to see, token by token, where they disagree."));
    m_tabs->addTab(m_kl, tr("KL"));
    m_tabs->setTabToolTip(KlTab, tr("The first output coloured by the KL divergence between the first two models"));

    auto* fan = new QWidget(m_tabs);
    auto* fanLayout = new QVBoxLayout(fan);
    auto* fanRow = new QHBoxLayout;
    auto* modelLabel = new QLabel(tr("&Model"), fan);
    m_seedFanModel = new QComboBox(fan);
    m_seedFanModel->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon); // long run names
    m_seedFanModel->setMinimumContentsLength(14);
    m_seedFanModel->setToolTip(tr("The model that samples the prompt"));
    modelLabel->setBuddy(m_seedFanModel);
    auto* countLabel = new QLabel(tr("Sa&mples"), fan);
    m_seedFanCount = new QSpinBox(fan);
    m_seedFanCount->setRange(1, 64);
    m_seedFanCount->setValue(8);
    m_seedFanCount->setToolTip(tr("How many samples, with seeds seed, seed + 1, …"));
    countLabel->setBuddy(m_seedFanCount);
    m_seedFanRun = new QPushButton(tr("&Run seed fan"), fan);
    m_seedFanRun->setToolTip(tr("Sample the prompt with the settings above, once per seed starting at the seed "
                                "above"));
    fanRow->addWidget(modelLabel);
    fanRow->addWidget(m_seedFanModel);
    fanRow->addWidget(countLabel);
    fanRow->addWidget(m_seedFanCount);
    fanRow->addWidget(m_seedFanRun);
    fanRow->addStretch();
    m_seedFan = new SeedFanView(fan);
    fanLayout->addLayout(fanRow);
    fanLayout->addWidget(m_seedFan, 1);
    m_tabs->addTab(fan, tr("Seed fan"));
    m_tabs->setTabToolTip(SeedFanTab, tr("Several samples of the prompt from one model, one per seed"));

    // In a scroll area too: its form and table are taller than the tab on a laptop screen.
    auto* phrasingScroll = new QScrollArea(m_tabs);
    phrasingScroll->setWidgetResizable(true);
    phrasingScroll->setFrameShape(QFrame::NoFrame);
    m_phrasing = new PhrasingView(phrasingScroll);
    phrasingScroll->setWidget(m_phrasing);
    m_tabs->addTab(phrasingScroll, tr("Phrasings"));
    m_tabs->setTabToolTip(PhrasingsTab, tr("Several phrasings of one request through every model"));

    m_nextToken->setSampling(samplingOf(settings()));

    connect(this, &ComparePanel::tokenActivated, this, [this](int column, int position) {
        showNextToken(column, position);
        m_tabs->setCurrentIndex(NextTokenTab);
    });
    connect(m_nextToken, &NextTokenView::branchRequested, this,
            [this](int token) { branch(m_inspect.column, m_inspect.position, token); });
    connect(m_kl, &KlTextView::positionActivated, this, [this](int index) {
        if (m_klColumn < 0)
            return;
        showNextToken(m_klColumn, index - m_klPromptTokens);
        m_tabs->setCurrentIndex(NextTokenTab);
    });
    connect(m_seedFanRun, &QPushButton::clicked, this, &ComparePanel::runSeedFan);
    connect(m_phrasing, &PhrasingView::runRequested, this, &ComparePanel::runBattery);
}

void ComparePanel::showNextToken(int column, int position)
{
    m_inspect = {};
    m_inspect.column = column;
    m_inspect.position = position;
    auto unavailable = [this](const QString& why) {
        m_nextToken->showMessage(why);
        emit nextTokenShown();
    };
    if (!m_session || column < 0 || column >= columnCount())
        return unavailable(tr("No model column %1.").arg(column + 1));
    const Column& c = m_columns[size_t(column)];
    const int model = modelOfColumn(column);
    if (model < 0 || c.prompt.empty())
        return unavailable(tr("Generate first: the next-token view looks inside a text generated here."));
    const int absolute = int(c.prompt.size()) + position;
    if (absolute < 1 || position > int(c.tokens.size()))
        return unavailable(tr("Nothing comes before that token: pick a later one."));
    std::vector<core::TokenId> context = c.prompt;
    if (position >= 0)
        context.insert(context.end(), c.tokens.begin(), c.tokens.begin() + position);
    else
        context.resize(size_t(absolute));
    m_inspect.chosen = position >= 0 ? (position < int(c.tokens.size()) ? c.tokens[size_t(position)] : -1)
                                     : c.prompt[size_t(absolute)];
    if (position >= 0)
        m_inspect.context = c.promptText + c.generated.left(position > 0 && position <= c.ends.size()
                                                                 ? c.ends[position - 1]
                                                                 : 0);
    // The clicked column's model, and a second one at the same prefix: the first model, or the second when the
    // click was in the first's column.
    std::vector<int> asked{model};
    if (m_generatingModels.size() >= 2)
        asked.push_back(model == 0 ? 1 : 0);
    for (int m : asked) {
        const core::CompareModel& cm = m_generatingModels[size_t(m)];
        const std::string key = modelKey(cm);
        m_inspect.labels.push_back(QString::fromStdString(cm.label));
        m_inspect.keys.push_back(key);
        m_inspect.jobs.push_back(m_session->nextToken(cm, context, m_inspect.chosen, NextTokenView::kDefaultBarCount,
                                                      m_promptSettings, m_vocabularies.count(key) == 0));
    }
    m_inspect.logits.resize(asked.size());
    m_inspect.pending = int(asked.size());
    m_nextToken->showMessage(tr("Computing the next-token distribution…"));
}

void ComparePanel::onNextToken(quint64 job, const NextTokenResult& result)
{
    const auto it = std::find(m_inspect.jobs.begin(), m_inspect.jobs.end(), job);
    if (it == m_inspect.jobs.end())
        return;
    const size_t slot = size_t(it - m_inspect.jobs.begin());
    m_inspect.logits[slot] = result.logits;
    if (!result.vocabulary.isEmpty())
        m_vocabularies[m_inspect.keys[slot]] = result.vocabulary;
    if (--m_inspect.pending > 0)
        return;
    const QStringList& vocabulary = m_vocabularies[m_inspect.keys[0]];
    std::vector<NextTokenLogits> shown{{m_inspect.labels[0], m_inspect.logits[0]}};
    bool sameVocabulary = true;
    if (m_inspect.logits.size() > 1) {
        // Side by side only when the ids mean the same tokens in both models.
        sameVocabulary = m_vocabularies[m_inspect.keys[1]] == vocabulary;
        if (sameVocabulary)
            shown.push_back({m_inspect.labels[1], m_inspect.logits[1]});
    }
    m_nextToken->setVocabulary(vocabulary);
    m_nextToken->setLogits(std::move(shown), m_inspect.chosen, m_inspect.context);
    if (!sameVocabulary)
        setStatus(tr("%1 uses another tokenizer: only %2 is shown.").arg(m_inspect.labels[1], m_inspect.labels[0]));
    emit nextTokenShown();
}

void ComparePanel::branch(int column, int position, int tokenId)
{
    if (!m_session)
        return;
    if (isGenerating()) {
        setStatus(tr("Stop the generation (or wait for it) before branching."));
        return;
    }
    const int model = modelOfColumn(column);
    if (model < 0 || position < 0 || position > int(m_columns[size_t(column)].tokens.size()) ||
        m_columns[size_t(column)].prompt.empty()) {
        setStatus(tr("Branch from a token of an output generated here (not from the prompt)."));
        return;
    }
    Column& c = m_columns[size_t(column)];
    std::vector<core::TokenId> prefix(c.tokens.begin(), c.tokens.begin() + position);
    prefix.push_back(tokenId);
    m_memorizationJobs.clear();
    m_branchColumn = column;
    m_generationJob = m_session->branch(m_generatingModels[size_t(model)], size_t(model), c.prompt, prefix,
                                        m_promptSettings);
    c.footer->clear();
    setStatus(tr("Branching %1 at token %2…").arg(QString::fromStdString(m_generatingModels[size_t(model)].label))
                  .arg(position + 1));
    m_tabs->setCurrentIndex(OutputsTab);
    updateControls();
}

void ComparePanel::requestKl()
{
    m_klJob = 0;
    m_klColumn = -1;
    Column* first = m_generatingModels.size() >= 2 ? columnOf(0) : nullptr;
    if (!m_session || !first || first->prompt.empty()) {
        m_kl->showMessage(tr("Generate with two models to see, token by token, where they disagree."));
        emit klShown();
        return;
    }
    std::vector<core::TokenId> text = first->prompt;
    text.insert(text.end(), first->tokens.begin(), first->tokens.end());
    m_klColumn = m_modelColumns[0];
    m_klPromptTokens = int(first->prompt.size());
    m_klJob = m_session->tokenKl(m_generatingModels[0], m_generatingModels[1], text);
    m_kl->showMessage(tr("Computing the per-token KL…"));
}

void ComparePanel::onKl(quint64 job, const KlResult& result)
{
    if (job != m_klJob)
        return;
    m_klJob = 0;
    m_kl->showTokens(result.pieces, KlTextView::klPerToken(result.kl), m_klPromptTokens,
                     QString::fromStdString(m_generatingModels[0].label),
                     QString::fromStdString(m_generatingModels[1].label));
    emit klShown();
}

void ComparePanel::setSeedFanCount(int count) { m_seedFanCount->setValue(count); }

void ComparePanel::setSeedFanColumn(int column)
{
    updateSeedFanModels();
    const int index = m_seedFanModel->findData(column);
    if (index >= 0)
        m_seedFanModel->setCurrentIndex(index);
}

void ComparePanel::updateSeedFanModels()
{
    // One entry per column with a model (its data: the column), kept while the columns stay the same.
    std::vector<std::pair<int, QString>> entries;
    for (int i = 0; i < columnCount(); ++i) {
        const QString path = m_columns[size_t(i)].model->currentData().toString();
        if (!path.isEmpty() && path != kBrowse)
            entries.emplace_back(i, labelFor(path));
    }
    bool same = int(entries.size()) == m_seedFanModel->count();
    for (int i = 0; same && i < int(entries.size()); ++i)
        same = m_seedFanModel->itemData(i).toInt() == entries[size_t(i)].first &&
               m_seedFanModel->itemText(i) == entries[size_t(i)].second;
    if (same)
        return;
    const int keep = m_seedFanModel->currentData().isValid() ? m_seedFanModel->currentData().toInt() : -1;
    const QSignalBlocker block(m_seedFanModel);
    m_seedFanModel->clear();
    for (const auto& [column, label] : entries)
        m_seedFanModel->addItem(label, column);
    m_seedFanModel->setCurrentIndex(std::max(0, m_seedFanModel->findData(keep)));
}

void ComparePanel::runSeedFan()
{
    if (!m_session || m_seedFanJob != 0)
        return;
    updateSeedFanModels();
    const int column = m_seedFanModel->currentData().isValid() ? m_seedFanModel->currentData().toInt() : -1;
    if (column < 0 || column >= columnCount() || prompt().isEmpty()) {
        setStatus(tr("Pick a model and write a prompt for the seed fan."));
        return;
    }
    if (const std::string problem = core::validateCompareSettings(settings()); !problem.empty()) {
        setStatus(QString::fromStdString(problem));
        return;
    }
    const QString path = m_columns[size_t(column)].model->currentData().toString();
    const core::CompareModel model{path.toStdString(), labelFor(path).toStdString(),
                                   m_checkpoint->currentData().toString().toStdString()};
    m_seedFanPrompt = prompt();
    m_seedFanGreedy = settings().greedy;
    m_seedFanJob = m_session->seedFan(model, m_seedFanPrompt, settings(), m_seedFanCount->value());
    setStatus(tr("Seed fan: 0 of %1 samples…").arg(m_seedFanCount->value()));
    m_tabs->setCurrentIndex(SeedFanTab);
    updateControls();
}

void ComparePanel::onSeedFan(quint64 job, const SeedFanResult& result)
{
    if (job != m_seedFanJob)
        return;
    m_seedFanJob = 0;
    std::vector<SeedSample> samples;
    for (size_t i = 0; i < result.seeds.size() && i < size_t(result.texts.size()) && i < result.tokens.size(); ++i)
        samples.push_back({result.seeds[i], result.texts[qsizetype(i)], result.tokens[i]});
    m_seedFan->setSamples(m_seedFanPrompt, std::move(samples), m_seedFanGreedy);
    setStatus(tr("Seed fan done: %n sample(s).", nullptr, int(result.seeds.size())));
    updateControls();
    emit seedFanEnded();
}

void ComparePanel::runBattery(const QStringList& phrasings, const QString& reference)
{
    if (!m_session)
        return;
    const auto picked = models();
    if (picked.empty() || phrasings.isEmpty()) {
        setStatus(tr("Pick at least one model and write at least one phrasing."));
        return;
    }
    if (const std::string problem = core::validateCompareSettings(settings()); !problem.empty()) {
        setStatus(QString::fromStdString(problem));
        return;
    }
    if (m_phrasing->phrasings() != phrasings)
        m_phrasing->setPhrasings(phrasings);
    if (m_phrasing->reference() != reference)
        m_phrasing->setReference(reference);
    QStringList labels;
    for (const core::CompareModel& m : picked)
        labels << QString::fromStdString(m.label);
    m_phrasing->setModels(labels);
    m_batteryJob = m_session->battery(picked, phrasings, reference, settings());
    setStatus(tr("Phrasing battery: %1 phrasing(s) × %2 model(s)…").arg(phrasings.size()).arg(picked.size()));
    m_tabs->setCurrentIndex(PhrasingsTab);
    updateControls();
}

} // namespace tb::ui
