// SPDX-License-Identifier: MIT
#include "ui/panels/compare_panel.h"
#include "ui/panels/compare_panel_detail.h"

#include "ui/bridge/inference_session.h"
#include "ui/panels/chat_template_choice.h"
#include "ui/panels/elided_label.h"
#include "ui/panels/kl_text_view.h"
#include "ui/panels/next_token_view.h"
#include "ui/panels/phrasing_view.h"
#include "ui/panels/reward_scores.h"
#include "ui/panels/seed_fan_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextEdit>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tb::ui {

using compare_detail::footerText;
using compare_detail::kBrowse;
using compare_detail::modelKey;
using compare_detail::samplingOf;

ComparePanel::ComparePanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("ComparePanel"));
    buildUi();
    setColumnCount(2);
    updateControls();
}

ComparePanel::~ComparePanel() = default;

void ComparePanel::buildUi()
{
    auto* layout = new QVBoxLayout(this);

    m_prompt = new QPlainTextEdit(this);
    m_prompt->setPlaceholderText(tr("Prompt: the text every model continues"));
    m_prompt->setMaximumHeight(60);
    auto* promptRow = new QHBoxLayout;
    promptRow->addWidget(m_prompt, 1);
    auto* buttons = new QGridLayout; // beside the prompt: Generate, Stop and the column count; the checkpoint
    promptRow->addLayout(buttons);
    layout->addLayout(promptRow);

    // The knobs in a grid of label/field pairs (sampling; length and seed), then the checks and the seed mode:
    // narrow and short enough for the centre beside the docks on a 1280 x 720 screen.
    auto* knobs = new QGridLayout;
    auto* actions = new QHBoxLayout;
    auto addKnob = [this, knobs](int row, int column, const QString& label, QWidget* w, const QString& tip) {
        auto* l = new QLabel(label, this);
        l->setBuddy(w);
        l->setToolTip(tip);
        w->setToolTip(tip);
        knobs->addWidget(l, row, 2 * column);
        knobs->addWidget(w, row, 2 * column + 1);
    };
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setRange(0.01, 5.0);
    m_temperature->setSingleStep(0.05);
    m_temperature->setValue(0.8);
    addKnob(0, 0, tr("&Temperature"), m_temperature, tr("< 1 is more conservative, > 1 more surprising"));
    m_topK = new QSpinBox(this);
    m_topK->setRange(0, 1000000);
    m_topK->setSpecialValueText(tr("off"));
    addKnob(0, 1, tr("Top-&k"), m_topK, tr("Sample only among the k most likely tokens (off = all)"));
    m_topP = new QDoubleSpinBox(this);
    m_topP->setRange(0.01, 1.0);
    m_topP->setSingleStep(0.05);
    m_topP->setValue(1.0);
    addKnob(0, 2, tr("Top-&p"), m_topP, tr("Sample from the smallest set of tokens whose probability reaches p"));
    m_repetitionPenalty = new QDoubleSpinBox(this);
    m_repetitionPenalty->setRange(0.5, 5.0);
    m_repetitionPenalty->setSingleStep(0.05);
    m_repetitionPenalty->setValue(1.0);
    addKnob(1, 0, tr("&Repetition penalty"), m_repetitionPenalty,
            tr("> 1 discourages tokens already in the text (1 = off)"));
    m_greedy = new QCheckBox(tr("&Greedy"), this);
    m_greedy->setToolTip(tr("Always take the most likely token (ignores temperature, top-k, top-p and seed)"));
    knobs->addWidget(m_greedy, 0, 6);
    knobs->setColumnStretch(7, 1);
    layout->addLayout(knobs);

    m_maxNewTokens = new QSpinBox(this);
    m_maxNewTokens->setRange(1, 100000);
    m_maxNewTokens->setValue(200);
    addKnob(1, 1, tr("&Max new tokens"), m_maxNewTokens, tr("Tokens to generate per model"));
    m_seed = new QSpinBox(this);
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setValue(1337);
    addKnob(1, 2, tr("S&eed"), m_seed, tr("Random seed: the same seed gives the same text"));
    m_seedMode = new QComboBox(this);
    m_seedMode->addItem(tr("Lock-step seeds"), int(core::SeedMode::LockStep));
    m_seedMode->addItem(tr("Independent seeds"), int(core::SeedMode::Independent));
    m_seedMode->setToolTip(tr("Lock-step: every model gets the same random numbers, so the differences come from "
                              "the models. Independent: model i uses seed + i."));
    m_checkpoint = new QComboBox(this);
    m_checkpoint->addItem(tr("Best checkpoint"), QStringLiteral("best"));
    m_checkpoint->addItem(tr("Latest checkpoint"), QStringLiteral("latest"));
    m_checkpoint->setToolTip(tr("Which checkpoint of each run (best falls back to latest)"));

    m_chatTemplate = new ChatTemplateChoice(this);
    actions->addWidget(m_chatTemplate, 1);
    m_memorization = new QCheckBox(tr("Check memorization, &n ≥"), this);
    m_memorization->setToolTip(tr("Highlight spans of the output found verbatim in the model's training data"));
    actions->addWidget(m_memorization);
    m_memorizationLength = new QSpinBox(this);
    m_memorizationLength->setRange(1, 1000);
    m_memorizationLength->setValue(12);
    m_memorizationLength->setSuffix(tr(" tokens"));
    m_memorizationLength->setToolTip(tr("Shortest span to highlight"));
    actions->addWidget(m_memorizationLength);
    actions->addWidget(m_seedMode);
    layout->addLayout(actions);
    m_add = new QToolButton(this);
    m_add->setText(QStringLiteral("+"));
    m_add->setToolTip(tr("Add a model column"));
    m_remove = new QToolButton(this);
    m_remove->setText(QStringLiteral("−"));
    m_remove->setToolTip(tr("Remove the last model column"));
    m_generate = new QPushButton(tr("&Generate"), this);
    m_generate->setDefault(true);
    m_stop = new QPushButton(tr("&Stop"), this);
    buttons->addWidget(m_generate, 0, 0);
    buttons->addWidget(m_stop, 0, 1);
    buttons->addWidget(m_remove, 0, 2);
    buttons->addWidget(m_add, 0, 3);
    buttons->addWidget(m_checkpoint, 1, 0, 1, 4);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("CompareTabs"));
    m_tabs->setDocumentMode(true);
    m_splitter = new QSplitter(Qt::Horizontal, m_tabs);
    m_splitter->setChildrenCollapsible(false);
    m_tabs->addTab(m_splitter, tr("Outputs"));
    buildInspectTabs();
    layout->addWidget(m_tabs, 1);

    auto* bottom = new QHBoxLayout;
    m_status = new ElidedLabel(this); // one line, cut with "…" (whole in the tooltip): never widens the window
    bottom->addWidget(m_status, 1);
    m_rewardScores = new RewardScores(this);
    bottom->addWidget(m_rewardScores);
    auto* open = new QPushButton(tr("Open…"), this);
    auto* save = new QPushButton(tr("Save…"), this);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    open->setToolTip(tr("Open a saved comparison (JSON)"));
    save->setToolTip(tr("Save this comparison as JSON"));
    exportButton->setToolTip(tr("Export as Markdown or HTML"));
    bottom->addWidget(open);
    bottom->addWidget(save);
    bottom->addWidget(exportButton);
    layout->addLayout(bottom);

    connect(m_add, &QToolButton::clicked, this, &ComparePanel::addColumn);
    connect(m_remove, &QToolButton::clicked, this, &ComparePanel::removeColumn);
    connect(m_generate, &QPushButton::clicked, this, &ComparePanel::generate);
    connect(m_stop, &QPushButton::clicked, this, &ComparePanel::stop);
    connect(open, &QPushButton::clicked, this, &ComparePanel::chooseOpenSession);
    connect(save, &QPushButton::clicked, this, &ComparePanel::chooseSaveSession);
    connect(exportButton, &QPushButton::clicked, this, &ComparePanel::chooseExport);
    connect(m_greedy, &QCheckBox::toggled, this, &ComparePanel::updateControls);
    connect(m_prompt, &QPlainTextEdit::textChanged, this, &ComparePanel::updateControls);
}


void ComparePanel::setSession(InferenceSession* session)
{
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_generationJob = 0;
    m_branchColumn = -1;
    m_memorizationJobs.clear();
    m_inspect = {};
    m_klJob = m_seedFanJob = m_batteryJob = 0;
    if (session) {
        connect(session, &InferenceSession::modelLoaded, this, &ComparePanel::onModelLoaded);
        connect(session, &InferenceSession::generationStarted, this, &ComparePanel::onGenerationStarted);
        connect(session, &InferenceSession::tokensGenerated, this, &ComparePanel::onTokens);
        connect(session, &InferenceSession::generationFinished, this, &ComparePanel::onGenerationFinished);
        connect(session, &InferenceSession::memorizationReady, this, &ComparePanel::onMemorization);
        connect(session, &InferenceSession::memorizationProgress, this,
                [this](quint64 job, const QString& stage, int percent) {
                    if (m_memorizationJobs.count(job))
                        setStatus(tr("%1… %2%").arg(stage).arg(percent));
                });
        connect(session, &InferenceSession::failed, this, &ComparePanel::onFailed);
        connect(session, &InferenceSession::nextTokenReady, this, &ComparePanel::onNextToken);
        connect(session, &InferenceSession::klReady, this, &ComparePanel::onKl);
        connect(session, &InferenceSession::seedSampleReady, this, [this](quint64 job, int index, const QString&) {
            if (job == m_seedFanJob)
                setStatus(tr("Seed fan: %1 of %2 samples…").arg(index + 1).arg(m_seedFanCount->value()));
        });
        connect(session, &InferenceSession::seedFanReady, this, &ComparePanel::onSeedFan);
        connect(session, &InferenceSession::batteryCellReady, this,
                [this](quint64 job, int phrasing, int model, const QString& output, double logProb) {
                    if (job == m_batteryJob)
                        m_phrasing->setResult(phrasing, model, output, logProb);
                });
        connect(session, &InferenceSession::batteryReady, this, [this](quint64 job, const BatteryResult&) {
            if (job != m_batteryJob)
                return;
            m_batteryJob = 0;
            setStatus(tr("Phrasing battery done."));
            updateControls();
            emit batteryEnded();
        });
        connect(session, &InferenceSession::cancelled, this, [this](quint64 job) {
            if (m_memorizationJobs.erase(job) && m_memorizationJobs.empty())
                emit memorizationChecked();
            if (job == m_seedFanJob) {
                m_seedFanJob = 0;
                setStatus(tr("Seed fan stopped."));
                updateControls();
                emit seedFanEnded();
            } else if (job == m_batteryJob) {
                m_batteryJob = 0;
                setStatus(tr("Phrasing battery stopped."));
                updateControls();
                emit batteryEnded();
            } else if (std::find(m_inspect.jobs.begin(), m_inspect.jobs.end(), job) != m_inspect.jobs.end()) {
                m_inspect.jobs.clear();
                m_nextToken->showMessage(tr("Stopped."));
                emit nextTokenShown();
            } else if (job == m_klJob) {
                m_klJob = 0;
                m_kl->showMessage(tr("Stopped."));
                emit klShown();
            }
        });
    }
    updateControls();
}

void ComparePanel::setScoring(RewardScoring* scoring) { m_rewardScores->setScoring(scoring); }

void ComparePanel::setRuns(const std::vector<core::RunRecord>& runs)
{
    m_runs = runs;
    m_rewardScores->setRuns(runs);
    for (Column& c : m_columns)
        fillModelList(c, c.model->currentData().toString());
    updateControls();
}

void ComparePanel::fillModelList(Column& column, const QString& keep)
{
    QComboBox* box = column.model;
    const QSignalBlocker block(box);
    box->clear();
    box->addItem(tr("(pick a model)"), QString());
    for (const core::RunRecord& run : m_runs) {
        const QString label = QString::fromStdString(run.name.empty() ? run.id : run.name);
        box->addItem(tr("%1 · %2 · step %3").arg(label, QString::fromStdString(run.method)).arg(run.steps),
                     QString::fromStdString(run.runDir.string()));
        box->setItemData(box->count() - 1, QString::fromStdString(run.runDir.string()), Qt::ToolTipRole);
    }
    for (const auto& [path, label] : m_extraModels) {
        box->addItem(label, path);
        box->setItemData(box->count() - 1, path, Qt::ToolTipRole);
    }
    box->addItem(tr("Browse…"), kBrowse);
    const int index = keep.isEmpty() ? -1 : box->findData(keep);
    box->setCurrentIndex(std::max(index, 0));
}

void ComparePanel::setColumnCount(int count)
{
    count = std::clamp(count, kMinColumns, kMaxColumns);
    while (int(m_columns.size()) > count) {
        delete m_columns.back().box;
        m_columns.pop_back();
    }
    while (int(m_columns.size()) < count) {
        const int index = int(m_columns.size());
        Column c;
        c.box = new QWidget(m_splitter);
        auto* layout = new QVBoxLayout(c.box);
        layout->setContentsMargins(2, 0, 2, 0);
        c.model = new QComboBox(c.box);
        c.model->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        c.model->setMinimumContentsLength(10); // four columns fit the centre on a laptop screen
        c.header = new QLabel(c.box);
        c.header->setWordWrap(true);
        c.text = new QTextEdit(c.box);
        c.text->setReadOnly(true);
        c.text->setMinimumHeight(c.text->fontMetrics().height() * 3);
        c.text->setObjectName(QStringLiteral("compareColumn%1").arg(index));
        c.text->viewport()->installEventFilter(this);
        c.text->viewport()->setCursor(Qt::PointingHandCursor);
        c.footer = new QLabel(c.box);
        c.footer->setWordWrap(true); // a long footer wraps in its column instead of widening the window
        c.score = new QLabel(c.box);
        c.score->setObjectName(QStringLiteral("compareScore%1").arg(index));
        c.score->setWordWrap(true);
        c.score->setVisible(false);
        layout->addWidget(c.model);
        layout->addWidget(c.header);
        layout->addWidget(c.text, 1);
        layout->addWidget(c.footer);
        layout->addWidget(c.score);
        m_splitter->addWidget(c.box);
        connect(c.model, &QComboBox::activated, this, [this, index](int item) {
            if (m_columns[size_t(index)].model->itemData(item).toString() == kBrowse)
                browseModel(index);
            updateControls();
        });
        m_columns.push_back(c);
        fillModelList(m_columns.back(), {});
    }
    updateControls();
}

void ComparePanel::addColumn() { setColumnCount(columnCount() + 1); }

void ComparePanel::removeColumn() { setColumnCount(columnCount() - 1); }

QString ComparePanel::labelFor(const QString& path) const
{
    for (const core::RunRecord& run : m_runs)
        if (QString::fromStdString(run.runDir.string()) == path)
            return QString::fromStdString(run.name.empty() ? run.id : run.name);
    if (auto it = m_extraModels.find(path); it != m_extraModels.end())
        return it->second;
    const QFileInfo info(path);
    return info.isDir() ? info.fileName() : info.dir().dirName() + QLatin1Char('/') + info.fileName();
}

void ComparePanel::setModel(int column, const QString& path, const QString& label)
{
    if (column < 0 || column >= columnCount())
        return;
    Column& c = m_columns[size_t(column)];
    if (c.model->findData(path) < 0) {
        m_extraModels[path] = label.isEmpty() ? labelFor(path) : label;
        for (Column& other : m_columns)
            fillModelList(other, other.model->currentData().toString());
    }
    c.model->setCurrentIndex(c.model->findData(path));
    updateControls();
}

void ComparePanel::browseModel(int column)
{
    Column& c = m_columns[size_t(column)];
    const QString file = QFileDialog::getOpenFileName(this, tr("Open a checkpoint"), QString(),
                                                      tr("Checkpoints (*.safetensors);;All files (*)"));
    if (file.isEmpty()) {
        c.model->setCurrentIndex(0);
        return;
    }
    setModel(column, file);
}

std::vector<core::CompareModel> ComparePanel::models() const
{
    std::vector<core::CompareModel> out;
    const std::string checkpoint = m_checkpoint->currentData().toString().toStdString();
    for (const Column& c : m_columns) {
        const QString path = c.model->currentData().toString();
        if (path.isEmpty() || path == kBrowse)
            continue;
        out.push_back({path.toStdString(), labelFor(path).toStdString(), checkpoint});
    }
    return out;
}

core::CompareSettings ComparePanel::settings() const
{
    core::CompareSettings s;
    s.seedMode = core::SeedMode(m_seedMode->currentData().toInt());
    s.temperature = m_temperature->value();
    s.topK = m_topK->value();
    s.topP = m_topP->value();
    s.maxNewTokens = m_maxNewTokens->value();
    s.repetitionPenalty = m_repetitionPenalty->value();
    s.greedy = m_greedy->isChecked();
    s.seed = uint64_t(m_seed->value());
    s.chatTemplate = m_chatTemplate->isOn();
    return s;
}

void ComparePanel::setSettings(const core::CompareSettings& s)
{
    m_seedMode->setCurrentIndex(m_seedMode->findData(int(s.seedMode)));
    m_temperature->setValue(s.temperature);
    m_topK->setValue(int(std::min<int64_t>(s.topK, m_topK->maximum())));
    m_topP->setValue(s.topP);
    m_maxNewTokens->setValue(int(std::min<int64_t>(s.maxNewTokens, m_maxNewTokens->maximum())));
    m_repetitionPenalty->setValue(s.repetitionPenalty);
    m_greedy->setChecked(s.greedy);
    m_seed->setValue(int(std::min<uint64_t>(s.seed, uint64_t(m_seed->maximum()))));
    m_chatTemplate->setChecked(s.chatTemplate);
    updateControls();
}

QString ComparePanel::prompt() const { return m_prompt->toPlainText(); }

void ComparePanel::setPrompt(const QString& prompt) { m_prompt->setPlainText(prompt); }

void ComparePanel::setMemorizationCheck(bool on, int minLength)
{
    m_memorization->setChecked(on);
    m_memorizationLength->setValue(minLength);
}

void ComparePanel::updateControls()
{
    const bool busy = isGenerating();
    const auto picked = models();
    m_generate->setEnabled(m_session && !busy && !picked.empty() && !prompt().isEmpty());
    m_stop->setEnabled(busy || m_seedFanJob != 0 || m_batteryJob != 0);
    updateSeedFanModels();
    m_seedFanRun->setEnabled(m_session && m_seedFanJob == 0 && !picked.empty() && !prompt().isEmpty());
    m_add->setEnabled(!busy && columnCount() < kMaxColumns);
    m_remove->setEnabled(!busy && columnCount() > kMinColumns);
    for (QWidget* w : std::initializer_list<QWidget*>{m_temperature, m_topK, m_topP})
        w->setEnabled(!m_greedy->isChecked());
    // The chat template only means something for a fine-tuned run (or a checkpoint whose run is unknown here).
    std::vector<ChatTemplateChoice::Model> templated;
    for (const core::CompareModel& m : picked) {
        const auto run = std::find_if(m_runs.begin(), m_runs.end(),
                                      [&](const core::RunRecord& r) { return r.runDir.string() == m.path; });
        templated.push_back({QString::fromStdString(m.label), run == m_runs.end() || run->method != "pretrain"});
    }
    m_chatTemplate->setModels(templated);
}

void ComparePanel::setStatus(const QString& text) { m_status->setText(text); }

QString ComparePanel::statusText() const { return m_status->text(); }

void ComparePanel::setColumnText(Column& c, const QString& generated)
{
    QTextCursor cursor(c.text->document());
    if (!c.text->document()->isEmpty() && generated.startsWith(c.generated)) {
        cursor.movePosition(QTextCursor::End);
        cursor.insertText(generated.mid(c.generated.size()), QTextCharFormat());
    } else {
        c.text->clear();
        QTextCharFormat promptFormat;
        promptFormat.setForeground(palette().color(QPalette::PlaceholderText));
        cursor.insertText(c.promptText, promptFormat);
        cursor.insertText(generated, QTextCharFormat());
    }
    c.generated = generated;
}

void ComparePanel::clearOutputs()
{
    for (Column& c : m_columns) {
        c.text->clear();
        c.generated.clear();
        c.promptText = prompt();
        c.header->clear();
        c.footer->clear();
        c.score->clear();
        c.score->setVisible(false);
        c.prompt.clear();
        c.tokens.clear();
        c.ends.clear();
        c.memorized = 0;
        c.tokensPerSecond = 0;
    }
    m_rewardScores->clear();
}

void ComparePanel::generate()
{
    if (!m_session || isGenerating())
        return;
    const auto picked = models();
    if (picked.empty() || prompt().isEmpty()) {
        setStatus(tr("Pick at least one model and write a prompt."));
        return;
    }
    if (const std::string problem = core::validateCompareSettings(settings()); !problem.empty()) {
        setStatus(QString::fromStdString(problem));
        return;
    }
    clearOutputs();
    // A comparison holds the outputs of one set of models and settings: changing either starts a new one.
    if (picked != m_generatingModels || settings() != m_promptSettings)
        m_prompts.clear();
    m_promptSettings = settings();
    // Columns without a model are skipped: model i of the job is the i-th column that has one.
    m_generatingModels = picked;
    m_modelColumns.clear();
    for (int i = 0; i < columnCount(); ++i) {
        const QString path = m_columns[size_t(i)].model->currentData().toString();
        if (!path.isEmpty() && path != kBrowse)
            m_modelColumns.push_back(i);
    }
    m_memorizationJobs.clear();
    m_generationJob = m_session->generate(picked, prompt(), settings());
    setStatus(tr("Loading models…"));
    updateControls();
}

void ComparePanel::stop()
{
    if (m_session && (isGenerating() || m_seedFanJob != 0 || m_batteryJob != 0))
        m_session->stop();
}

ComparePanel::Column* ComparePanel::columnOf(int model)
{
    if (m_branchColumn >= 0)
        return model == 0 && m_branchColumn < columnCount() ? &m_columns[size_t(m_branchColumn)] : nullptr;
    if (model < 0 || model >= int(m_modelColumns.size()) || m_modelColumns[size_t(model)] >= columnCount())
        return nullptr;
    return &m_columns[size_t(m_modelColumns[size_t(model)])];
}

void ComparePanel::onModelLoaded(quint64 job, int model, const LoadedModelInfo& info)
{
    Column* c = job == m_generationJob ? columnOf(model) : nullptr;
    if (!c)
        return;
    c->header->setText(
        tr("<b>%1</b> · %2 · step %3 · %4 parameters · %5")
            .arg(labelFor(info.path).toHtmlEscaped(), info.method)
            .arg(info.step)
            .arg(info.parameters)
            .arg(info.promptFormat.toHtmlEscaped()));
    c->header->setToolTip(info.checkpoint);
    setStatus(tr("Generating…"));
}

void ComparePanel::onGenerationStarted(quint64 job, int model, const QList<int>& promptIds)
{
    Column* c = job == m_generationJob ? columnOf(model) : nullptr;
    if (!c)
        return;
    c->prompt.assign(promptIds.begin(), promptIds.end());
    if (m_branchColumn >= 0) {
        // A branch streams the kept tokens again, then the new ones.
        c->tokens.clear();
        c->ends.clear();
        c->memorized = 0;
    }
}

void ComparePanel::onTokens(quint64 job, int model, const QList<int>& ids, const QString& text,
                            const QList<int>& ends, double tokensPerSecond)
{
    Column* column = job == m_generationJob ? columnOf(model) : nullptr;
    if (!column)
        return;
    Column& c = *column;
    c.tokens.insert(c.tokens.end(), ids.begin(), ids.end());
    c.ends.append(ends);
    c.tokensPerSecond = tokensPerSecond;
    setColumnText(c, text);
    c.footer->setText(footerText(c.tokens.size(), tokensPerSecond, false));
}

void ComparePanel::onGenerationFinished(quint64 job, const std::vector<core::CompareOutput>& outputs, bool stopped)
{
    if (job != m_generationJob)
        return;
    m_generationJob = 0;
    for (size_t i = 0; i < outputs.size(); ++i) {
        Column* column = columnOf(int(i));
        if (!column)
            continue;
        Column& c = *column;
        c.tokens = outputs[i].tokens;
        c.tokensPerSecond = outputs[i].tokensPerSecond;
        setColumnText(c, QString::fromStdString(outputs[i].text));
        c.footer->setText(footerText(c.tokens.size(), c.tokensPerSecond, outputs[i].stopped));
    }
    // The model index of each output: a branch has one, of its column's model.
    const int branchModel = m_branchColumn >= 0 ? modelOfColumn(m_branchColumn) : -1;
    const bool branched = m_branchColumn >= 0;
    m_branchColumn = -1;
    std::vector<int> modelOf;
    for (size_t i = 0; i < outputs.size(); ++i)
        modelOf.push_back(branched ? branchModel : int(i));
    if (!branched) {
        core::ComparePrompt entry{prompt().toStdString(), outputs};
        m_prompts.push_back(std::move(entry));
        m_nextToken->setSampling(samplingOf(m_promptSettings));
    } else if (!outputs.empty() && branchModel >= 0 && !m_prompts.empty() &&
               size_t(branchModel) < m_prompts.back().outputs.size()) {
        m_prompts.back().outputs[size_t(branchModel)] = outputs[0]; // the branch replaces that model's output
    }
    setStatus(stopped ? tr("Stopped.") : tr("Done."));
    updateControls();
    scoreOutputs();
    emit generationEnded();
    if (!branched || branchModel == 0)
        requestKl();
    if (m_memorization->isChecked() && m_session) {
        for (size_t i = 0; i < outputs.size(); ++i) {
            const int model = modelOf[i];
            if (outputs[i].tokens.empty() || model < 0 || size_t(model) >= m_generatingModels.size())
                continue;
            const quint64 memo = m_session->memorization(m_generatingModels[size_t(model)], outputs[i].tokens,
                                                         m_memorizationLength->value());
            m_memorizationJobs[memo] = model; // a model index; columnOf() finds its column
        }
        if (!m_memorizationJobs.empty())
            setStatus(tr("Checking memorization…"));
    }
}

void ComparePanel::onMemorization(quint64 job, const std::vector<MemorizedSpanInfo>& spans)
{
    const auto it = m_memorizationJobs.find(job);
    if (it == m_memorizationJobs.end())
        return;
    const int model = it->second;
    m_memorizationJobs.erase(it);
    if (Column* c = columnOf(model))
        highlight(*c, spans);
    if (m_memorizationJobs.empty()) {
        int total = 0;
        for (const Column& c : m_columns)
            total += c.memorized;
        setStatus(tr("Memorization: %n verbatim span(s) highlighted.", nullptr, total));
        emit memorizationChecked();
    }
}

void ComparePanel::highlight(Column& column, const std::vector<MemorizedSpanInfo>& spans)
{
    column.memorized = 0;
    QTextCursor cursor(column.text->document());
    const int length = column.text->document()->characterCount() - 1;
    for (const MemorizedSpanInfo& info : spans) {
        const int64_t first = info.span.start;
        const int64_t last = info.span.start + info.span.length - 1;
        if (last >= column.ends.size())
            continue; // no token offsets (an output reopened from a file)
        const int offset = int(column.promptText.size());
        const int from = offset + (first == 0 ? 0 : column.ends[first - 1]);
        const int to = std::min(offset + column.ends[last], length);
        QTextCharFormat format;
        format.setBackground(QColor(255, 214, 102, 160));
        format.setToolTip(tr("%1 tokens verbatim in the training data\n%2, line %3:\n…%4…")
                              .arg(info.span.length)
                              .arg(info.corpus)
                              .arg(info.line)
                              .arg(info.context));
        cursor.setPosition(from);
        cursor.setPosition(to, QTextCursor::KeepAnchor);
        cursor.mergeCharFormat(format);
        ++column.memorized;
    }
}

void ComparePanel::onFailed(quint64 job, const QString& message)
{
    if (job == m_generationJob) {
        m_generationJob = 0;
        m_branchColumn = -1;
        setStatus(tr("Generation failed: %1").arg(message));
        updateControls();
        emit generationEnded();
    } else if (std::find(m_inspect.jobs.begin(), m_inspect.jobs.end(), job) != m_inspect.jobs.end()) {
        m_inspect.jobs.clear();
        m_nextToken->showMessage(tr("The next-token distribution failed: %1").arg(message));
        emit nextTokenShown();
    } else if (job == m_klJob) {
        m_klJob = 0;
        m_kl->showMessage(tr("Per-token KL failed: %1").arg(message));
        emit klShown();
    } else if (job == m_seedFanJob) {
        m_seedFanJob = 0;
        setStatus(tr("Seed fan failed: %1").arg(message));
        updateControls();
        emit seedFanEnded();
    } else if (job == m_batteryJob) {
        m_batteryJob = 0;
        setStatus(tr("Phrasing battery failed: %1").arg(message));
        updateControls();
        emit batteryEnded();
    } else if (m_memorizationJobs.erase(job)) {
        setStatus(tr("Memorization check failed: %1").arg(message));
        if (m_memorizationJobs.empty())
            emit memorizationChecked();
    }
}

bool ComparePanel::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::MouseButtonRelease) {
        for (int i = 0; i < columnCount(); ++i) {
            Column& c = m_columns[size_t(i)];
            if (watched != c.text->viewport())
                continue;
            auto* mouse = static_cast<QMouseEvent*>(event);
            if (mouse->button() != Qt::LeftButton || c.text->textCursor().hasSelection())
                break;
            // cursorForPosition() gives the nearest caret; the character under the click is the one before
            // it when that caret lies right of the click.
            const QPoint point = mouse->position().toPoint();
            const QTextCursor hit = c.text->cursorForPosition(point);
            int character = hit.position();
            if (character > 0 && c.text->cursorRect(hit).center().x() > point.x())
                --character;
            const int position = character - int(c.promptText.size());
            if (position < 0)
                break; // a click in the prompt
            // The token whose text holds the character at `position`: the first that ends after it.
            const auto token = std::upper_bound(c.ends.begin(), c.ends.end(), position);
            if (token != c.ends.end())
                emit tokenActivated(i, int(token - c.ends.begin()));
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

QString ComparePanel::columnText(int column) const
{
    return column >= 0 && column < columnCount() ? m_columns[size_t(column)].generated : QString();
}

QTextEdit* ComparePanel::columnView(int column) const
{
    return column >= 0 && column < columnCount() ? m_columns[size_t(column)].text : nullptr;
}

std::vector<core::TokenId> ComparePanel::promptTokens(int column) const
{
    return column >= 0 && column < columnCount() ? m_columns[size_t(column)].prompt : std::vector<core::TokenId>{};
}

std::vector<core::TokenId> ComparePanel::generatedTokens(int column) const
{
    return column >= 0 && column < columnCount() ? m_columns[size_t(column)].tokens : std::vector<core::TokenId>{};
}

int ComparePanel::memorizedSpanCount(int column) const
{
    return column >= 0 && column < columnCount() ? m_columns[size_t(column)].memorized : 0;
}

int ComparePanel::modelOfColumn(int column) const
{
    const auto it = std::find(m_modelColumns.begin(), m_modelColumns.end(), column);
    return it == m_modelColumns.end() || size_t(it - m_modelColumns.begin()) >= m_generatingModels.size()
               ? -1
               : int(it - m_modelColumns.begin());
}

} // namespace tb::ui
