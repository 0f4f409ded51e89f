// SPDX-License-Identifier: MIT
#include "ui/panels/rate_panel.h"

#include "core/common/error.h"
#include "core/data/chat_prompt.h"
#include "ui/bridge/inference_session.h"
#include "ui/panels/chat_template_choice.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFont>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTextCursor>
#include <QTextEdit>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <set>

namespace tb::ui {

namespace {

constexpr core::Verdict kVerdictOrder[] = {core::Verdict::Left, core::Verdict::Right, core::Verdict::Tie,
                                           core::Verdict::BothBad, core::Verdict::Skip};
constexpr int kMaxPastPrompts = 50;

QString runLabel(const core::RunRecord& run) { return QString::fromStdString(run.name.empty() ? run.id : run.name); }

QString sideLetter(int side) { return side == 0 ? QStringLiteral("A") : QStringLiteral("B"); }

} // namespace

RatePanel::RatePanel(QWidget* parent) : QWidget(parent), m_random(QRandomGenerator::global()->generate())
{
    setObjectName(QStringLiteral("RatePanel"));
    setFocusPolicy(Qt::ClickFocus); // generate() parks the focus here, where the verdict keys work
    buildUi();
    reveal(false);
    updateControls();
}

RatePanel::~RatePanel() = default;

void RatePanel::buildUi()
{
    auto* layout = new QVBoxLayout(this);

    auto* pick = new QHBoxLayout;
    for (int i = 0; i < 2; ++i) {
        auto* label = new QLabel(i == 0 ? tr("Model &1") : tr("Model &2"), this);
        m_models[size_t(i)] = new QComboBox(this);
        m_models[size_t(i)]->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        m_models[size_t(i)]->setMinimumContentsLength(10);
        m_models[size_t(i)]->setToolTip(tr("A run of the project. Which side it appears on is drawn at random for "
                                           "every prompt, and its name is hidden until you vote."));
        label->setBuddy(m_models[size_t(i)]);
        pick->addWidget(label);
        pick->addWidget(m_models[size_t(i)], 1);
        connect(m_models[size_t(i)], &QComboBox::activated, this, [this] {
            updateControls();
            refreshTally();
        });
    }
    m_chatTemplate = new ChatTemplateChoice(this);
    pick->addWidget(m_chatTemplate, 1);
    layout->addLayout(pick);

    auto* knobs = new QHBoxLayout;
    auto addKnob = [this, knobs](const QString& text, QWidget* w, const QString& tip) {
        auto* l = new QLabel(text, this);
        l->setBuddy(w);
        w->setToolTip(tip);
        l->setToolTip(tip);
        knobs->addWidget(l);
        knobs->addWidget(w);
    };
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setRange(0.01, 5.0);
    m_temperature->setSingleStep(0.05);
    m_temperature->setValue(0.8);
    addKnob(tr("&Temperature"), m_temperature, tr("< 1 is more conservative, > 1 more surprising"));
    m_topK = new QSpinBox(this);
    m_topK->setRange(0, 1000000);
    m_topK->setSpecialValueText(tr("off"));
    addKnob(tr("Top-&k"), m_topK, tr("Sample only among the k most likely tokens (off = all)"));
    m_maxNewTokens = new QSpinBox(this);
    m_maxNewTokens->setRange(1, 100000);
    m_maxNewTokens->setValue(120);
    addKnob(tr("&Max new tokens"), m_maxNewTokens, tr("Tokens to generate per side"));
    m_seed = new QSpinBox(this);
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setValue(1337);
    addKnob(tr("S&eed"), m_seed,
            tr("Both sides sample with this seed, so the difference comes from the models. It goes up by one after "
               "each vote, so the next prompt gets fresh samples."));
    knobs->addStretch();
    layout->addLayout(knobs);

    auto* promptRow = new QHBoxLayout;
    m_prompt = new QPlainTextEdit(this);
    m_prompt->setPlaceholderText(tr("Prompt: what both models answer or continue"));
    m_prompt->setMaximumHeight(64);
    promptRow->addWidget(m_prompt, 1);
    auto* promptSide = new QVBoxLayout;
    m_pastPrompts = new QComboBox(this);
    m_pastPrompts->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_pastPrompts->setMinimumContentsLength(14);
    m_pastPrompts->setToolTip(tr("Prompts rated before in this project, newest first"));
    m_generate = new QPushButton(tr("&Generate"), this);
    m_generate->setDefault(true);
    m_stop = new QPushButton(tr("Stop"), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_generate);
    buttons->addWidget(m_stop);
    promptSide->addWidget(m_pastPrompts);
    promptSide->addLayout(buttons);
    promptRow->addLayout(promptSide);
    layout->addLayout(promptRow);

    auto* sides = new QHBoxLayout;
    for (int i = 0; i < 2; ++i) {
        Side& s = m_sides[size_t(i)];
        auto* column = new QVBoxLayout;
        s.caption = new QLabel(this);
        s.caption->setTextFormat(Qt::RichText);
        QFont font = s.caption->font();
        font.setPointSizeF(font.pointSizeF() * 1.3);
        s.caption->setFont(font);
        s.text = new QTextEdit(this);
        s.text->setReadOnly(true);
        s.text->setObjectName(QStringLiteral("rateSide%1").arg(sideLetter(i)));
        column->addWidget(s.caption);
        column->addWidget(s.text, 1);
        sides->addLayout(column, 1);
    }
    layout->addLayout(sides, 1);

    auto* verdicts = new QHBoxLayout;
    const QString texts[] = {tr("A better  [1]"), tr("B better  [2]"), tr("Tie  [3]"), tr("Both bad  [4]"),
                             tr("Skip  [S]")};
    const QString tips[] = {tr("The left output (A) is better"), tr("The right output (B) is better"),
                            tr("Both are about as good"), tr("Neither is acceptable"),
                            tr("No opinion: recorded, but not used for training or win rates")};
    const Qt::Key keys[] = {Qt::Key_1, Qt::Key_2, Qt::Key_3, Qt::Key_4, Qt::Key_S};
    for (size_t i = 0; i < m_verdicts.size(); ++i) {
        m_verdicts[i] = new QPushButton(texts[i], this);
        m_verdicts[i]->setToolTip(tips[i]);
        m_verdicts[i]->setObjectName(QStringLiteral("verdict_%1")
                                         .arg(QString::fromUtf8(core::verdictName(kVerdictOrder[i]).data())));
        verdicts->addWidget(m_verdicts[i]);
        const core::Verdict verdict = kVerdictOrder[i];
        connect(m_verdicts[i], &QPushButton::clicked, this, [this, verdict] { vote(verdict); });
        // Within the panel only; a text box that has the focus keeps its digits and letters (shortcut override).
        auto* shortcut = new QShortcut(QKeySequence(keys[i]), this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, [this, verdict] { vote(verdict); });
    }
    verdicts->addStretch();
    layout->addLayout(verdicts);
    auto* noteRow = new QHBoxLayout;
    m_note = new QLineEdit(this);
    m_note->setPlaceholderText(tr("Note (optional, saved with the vote)"));
    noteRow->addWidget(m_note, 1);
    m_undo = new QPushButton(tr("&Undo vote"), this);
    m_undo->setToolTip(tr("Retract the last vote cast here (a retract line is added; nothing is rewritten)"));
    noteRow->addWidget(m_undo);
    layout->addLayout(noteRow);
    buildBiasControls(layout);

    auto* bottom = new QHBoxLayout;
    auto* info = new QVBoxLayout;
    m_tally = new QLabel(this);
    m_tally->setWordWrap(true);
    m_tally->setTextFormat(Qt::RichText);
    m_tally->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    info->addWidget(m_tally);
    info->addWidget(m_status);
    bottom->addLayout(info, 1);
    m_export = new QPushButton(tr("E&xport preferences…"), this);
    m_export->setToolTip(tr("Write the votes as a preference dataset (JSON Lines: prompt, chosen, rejected)"));
    bottom->addWidget(m_export);
    m_tune = new QPushButton(tr("&Tune on these votes…"), this);
    m_tune->setToolTip(tr("Export the votes and set up a DPO run on them in Run setup, starting from model 1 "
                          "(any run can be the parent there)"));
    bottom->addWidget(m_tune);
    layout->addLayout(bottom);

    connect(m_generate, &QPushButton::clicked, this, &RatePanel::generate);
    connect(m_stop, &QPushButton::clicked, this, &RatePanel::stop);
    connect(m_undo, &QPushButton::clicked, this, &RatePanel::undo);
    connect(m_export, &QPushButton::clicked, this, &RatePanel::chooseExport);
    connect(m_tune, &QPushButton::clicked, this, [this] { tuneOnVotes(); });
    connect(m_prompt, &QPlainTextEdit::textChanged, this, &RatePanel::updateControls);
    connect(m_pastPrompts, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            m_prompt->setPlainText(m_pastPrompts->itemData(index).toString());
    });
}

void RatePanel::setSession(InferenceSession* session)
{
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_job = 0;
    if (session) {
        connect(session, &InferenceSession::modelLoaded, this, &RatePanel::onModelLoaded);
        connect(session, &InferenceSession::tokensGenerated, this, &RatePanel::onTokens);
        connect(session, &InferenceSession::generationFinished, this, &RatePanel::onFinished);
        connect(session, &InferenceSession::failed, this, &RatePanel::onFailed);
    }
    updateControls();
}

void RatePanel::setRuns(const std::vector<core::RunRecord>& runs)
{
    m_runs = runs;
    for (QComboBox* box : m_models)
        fillModelList(box);
    updateControls();
}

void RatePanel::fillModelList(QComboBox* box)
{
    const QString keep = box->currentData().toString();
    const QSignalBlocker block(box);
    box->clear();
    box->addItem(tr("(pick a run)"), QString());
    for (const core::RunRecord& run : m_runs) {
        box->addItem(tr("%1 · %2 · step %3").arg(runLabel(run), QString::fromStdString(run.method)).arg(run.steps),
                     QString::fromStdString(run.runDir.string()));
    }
    box->setCurrentIndex(std::max(0, box->findData(keep)));
}

void RatePanel::setProjectDirectory(const QString& dir)
{
    m_projectDir = dir;
    m_cast.clear(); // undo only reaches votes cast in this project
    refreshTally();
    updateControls();
}

QString RatePanel::votesFile() const
{
    if (m_projectDir.isEmpty())
        return {};
    return QString::fromStdString(core::VoteStore::forProject(m_projectDir.toStdString()).file().string());
}

void RatePanel::setModel(int index, const QString& path)
{
    if (index < 0 || index > 1)
        return;
    m_models[size_t(index)]->setCurrentIndex(std::max(0, m_models[size_t(index)]->findData(path)));
    updateControls();
    refreshTally();
}

std::optional<core::RunRecord> RatePanel::runAt(int index) const
{
    const std::string path = m_models[size_t(index)]->currentData().toString().toStdString();
    for (const core::RunRecord& run : m_runs)
        if (!path.empty() && run.runDir.string() == path)
            return run;
    return std::nullopt;
}

QString RatePanel::prompt() const { return m_prompt->toPlainText(); }

void RatePanel::setPrompt(const QString& prompt) { m_prompt->setPlainText(prompt); }

core::CompareSettings RatePanel::settings() const
{
    core::CompareSettings s;
    s.seedMode = core::SeedMode::LockStep;
    s.temperature = m_temperature->value();
    s.topK = m_topK->value();
    s.maxNewTokens = m_maxNewTokens->value();
    s.seed = uint64_t(m_seed->value());
    s.chatTemplate = m_chatTemplate->isOn();
    return s;
}

void RatePanel::setSettings(const core::CompareSettings& s)
{
    m_temperature->setValue(s.temperature);
    m_topK->setValue(int(std::min<int64_t>(s.topK, m_topK->maximum())));
    m_maxNewTokens->setValue(int(std::min<int64_t>(s.maxNewTokens, m_maxNewTokens->maximum())));
    m_seed->setValue(int(std::min<uint64_t>(s.seed, uint64_t(m_seed->maximum()))));
    m_chatTemplate->setChecked(s.chatTemplate);
}

bool RatePanel::canVote() const { return m_item.complete && !m_item.voted && !isGenerating(); }

QString RatePanel::sideText(int side) const { return side == 0 || side == 1 ? m_sides[size_t(side)].output : QString(); }

QString RatePanel::sideCaption(int side) const
{
    return side == 0 || side == 1 ? m_sides[size_t(side)].caption->text() : QString();
}

QString RatePanel::tallyText() const { return m_tally->text(); }

QString RatePanel::statusText() const { return m_status->text(); }

QPushButton* RatePanel::verdictButton(core::Verdict verdict) const
{
    for (size_t i = 0; i < m_verdicts.size(); ++i)
        if (kVerdictOrder[i] == verdict)
            return m_verdicts[i];
    return nullptr;
}

void RatePanel::setStatus(const QString& text) { m_status->setText(text); }

void RatePanel::updateControls()
{
    const auto a = runAt(0), b = runAt(1);
    const bool picked = a && b && a->runDir != b->runDir;
    m_generate->setEnabled(m_session && !m_projectDir.isEmpty() && !isGenerating() && picked &&
                           !prompt().trimmed().isEmpty());
    m_stop->setEnabled(isGenerating());
    for (QPushButton* button : m_verdicts)
        button->setEnabled(canVote());
    m_undo->setEnabled(!m_cast.empty() && !m_projectDir.isEmpty());
    m_export->setEnabled(!m_projectDir.isEmpty());
    m_tune->setEnabled(!m_projectDir.isEmpty() && a.has_value());
    std::vector<ChatTemplateChoice::Model> templated;
    for (const auto& run : {a, b})
        if (run)
            templated.push_back({runLabel(*run), run->method != "pretrain"});
    m_chatTemplate->setModels(templated);
    for (QComboBox* box : m_models)
        box->setEnabled(!isGenerating());
}

void RatePanel::reveal(bool shown)
{
    for (int side = 0; side < 2; ++side) {
        QString caption = QStringLiteral("<b>%1</b>").arg(sideLetter(side));
        if (shown) {
            const bool isA = (side == 0) == m_aLeft;
            const core::VoteModel& m = isA ? m_item.vote.a : m_item.vote.b;
            caption += tr(": %1 · step %2")
                           .arg(QString::fromStdString(m.name).toHtmlEscaped())
                           .arg(m.step);
        }
        m_sides[size_t(side)].caption->setText(caption);
    }
}

void RatePanel::generate()
{
    if (!m_session || isGenerating())
        return;
    if (showRepeatIfDue())
        return;
    const auto a = runAt(0), b = runAt(1);
    if (m_projectDir.isEmpty()) {
        setStatus(tr("Open a project first: the votes are kept in its folder."));
        return;
    }
    if (!a || !b || a->runDir == b->runDir || prompt().trimmed().isEmpty()) {
        setStatus(tr("Pick two different runs and write a prompt."));
        return;
    }
    const core::CompareSettings s = settings();
    if (const std::string problem = core::validateCompareSettings(s); !problem.empty()) {
        setStatus(QString::fromStdString(problem));
        return;
    }
    m_aLeft = m_random.bounded(2) == 0;
    m_item = {};
    core::Vote& v = m_item.vote;
    v.prompt = prompt().toStdString();
    v.aLeft = m_aLeft;
    v.sampling = {s.seed, s.temperature, s.topK, s.topP, s.maxNewTokens, s.repetitionPenalty, s.greedy,
                  s.chatTemplate};
    auto describe = [&](const core::RunRecord& run, core::VoteModel& m) {
        m.run = run.id;
        m.name = runLabel(run).toStdString();
        m.path = run.runDir.string();
        m.step = run.steps;
        // The text the model is given, by the same rule as the inference session (core::promptForRun).
        try {
            const core::RunConfig config = core::loadRunConfig(run.runDir / "config.yaml");
            m.promptText = core::promptForRun(config, v.prompt, s.chatTemplate).text;
        } catch (const std::exception&) {
            m.promptText = v.prompt;
        }
    };
    describe(*a, v.a);
    describe(*b, v.b);
    for (auto& cast : m_cast)
        cast.second = false;
    for (Side& side : m_sides) {
        side.output.clear();
        side.text->clear();
    }
    reveal(false);
    const core::VoteModel& left = m_aLeft ? v.a : v.b;
    const core::VoteModel& right = m_aLeft ? v.b : v.a;
    // Model 0 of the job is the left side. Lock-step: both sides draw the same random numbers.
    m_job = m_session->generate({{left.path, "A", "best"}, {right.path, "B", "best"}}, prompt(), s);
    setStatus(tr("Generating A and B…"));
    updateControls();
    // Off the prompt box (Alt+G leaves it there), so the verdict keys 1-4 and S vote instead of typing.
    if (m_prompt->hasFocus())
        setFocus(Qt::OtherFocusReason);
}

void RatePanel::stop()
{
    if (m_session && isGenerating())
        m_session->stop();
}

void RatePanel::onModelLoaded(quint64 job, int model, const LoadedModelInfo& info)
{
    if (job != m_job || model < 0 || model > 1)
        return;
    const bool isA = (model == 0) == m_aLeft;
    core::VoteModel& m = isA ? m_item.vote.a : m_item.vote.b;
    m.checkpoint = info.checkpoint.toStdString();
    m.step = info.step;
}

void RatePanel::onTokens(quint64 job, int model, const QList<int>&, const QString& text, const QList<int>&, double)
{
    if (job != m_job || model < 0 || model > 1)
        return;
    Side& side = m_sides[size_t(model)];
    if (!side.output.isEmpty() && text.startsWith(side.output)) {
        QTextCursor cursor(side.text->document());
        cursor.movePosition(QTextCursor::End);
        cursor.insertText(text.mid(side.output.size()));
    } else {
        side.text->setPlainText(text);
    }
    side.output = text;
}

void RatePanel::onFinished(quint64 job, const std::vector<core::CompareOutput>& outputs, bool stopped)
{
    if (job != m_job)
        return;
    m_job = 0;
    for (size_t i = 0; i < outputs.size() && i < 2; ++i) {
        Side& side = m_sides[i];
        side.output = QString::fromStdString(outputs[i].text);
        side.text->setPlainText(side.output);
        core::VoteModel& m = (i == 0) == m_aLeft ? m_item.vote.a : m_item.vote.b;
        m.output = outputs[i].text;
        m.outputTokens = int64_t(outputs[i].tokens.size());
    }
    m_item.complete = outputs.size() == 2 && !stopped;
    if (m_prompt->hasFocus()) // typed into while generating: the keys vote again once both are done
        setFocus(Qt::OtherFocusReason);
    setStatus(m_item.complete ? tr("Which is better? 1 = A, 2 = B, 3 = tie, 4 = both bad, S = skip.")
                              : tr("Stopped before both were done: generate again to rate this prompt."));
    updateControls();
    emit generationEnded();
}

void RatePanel::onFailed(quint64 job, const QString& message)
{
    if (job != m_job)
        return;
    m_job = 0;
    m_item.complete = false;
    setStatus(tr("Generation failed: %1").arg(message));
    updateControls();
    emit generationEnded();
}

bool RatePanel::vote(core::Verdict verdict)
{
    if (!canVote() || m_projectDir.isEmpty())
        return false;
    core::Vote v = m_item.vote;
    v.verdict = verdict;
    v.id.clear();
    v.time.clear();
    v.note = m_note->text().trimmed().toStdString();
    stampVote(v);
    try {
        v = core::VoteStore::forProject(m_projectDir.toStdString()).append(v);
    } catch (const std::exception& e) {
        setStatus(tr("The vote could not be saved: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    m_item.vote = v;
    m_item.voted = true;
    const QString id = QString::fromStdString(v.id);
    m_cast.emplace_back(id, true);
    m_note->clear();
    reveal(true);
    m_seed->setValue(m_seed->value() < m_seed->maximum() ? m_seed->value() + 1 : 0);
    const QString said[] = {tr("A better"), tr("B better"), tr("tie"), tr("both bad"), tr("skipped")};
    setStatus(tr("Recorded: %1. Generate the next prompt, or Undo.")
                  .arg(said[std::find(std::begin(kVerdictOrder), std::end(kVerdictOrder), verdict) -
                            std::begin(kVerdictOrder)]));
    refreshTally();
    updateControls();
    emit voted(id);
    return true;
}

void RatePanel::undo()
{
    if (m_cast.empty() || m_projectDir.isEmpty())
        return;
    const auto [id, current] = m_cast.back();
    try {
        core::VoteStore::forProject(m_projectDir.toStdString()).retract(id.toStdString());
    } catch (const std::exception& e) {
        setStatus(tr("The vote could not be retracted: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    m_cast.pop_back();
    if (current && m_item.voted && QString::fromStdString(m_item.vote.id) == id) {
        m_item.voted = false; // this item can be rated again (its models stay revealed)
        setStatus(tr("Vote retracted; rate this item again, or generate the next."));
    } else {
        setStatus(tr("An earlier vote was retracted."));
    }
    refreshTally();
    updateControls();
    emit retracted(id);
}

void RatePanel::refreshTally()
{
    if (m_projectDir.isEmpty()) {
        m_tally->setText(tr("No project open: open one to keep votes."));
        return;
    }
    core::VoteLog log;
    try {
        log = core::VoteStore::forProject(m_projectDir.toStdString()).read();
    } catch (const std::exception& e) {
        m_tally->setText(tr("Cannot read the votes: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    const core::VoteSummary summary = core::summarizeVotes(log.votes);
    QString text = tr("%n vote(s) in this project", nullptr, int(summary.votes));
    if (!m_cast.empty())
        text += tr(" (%n cast here)", nullptr, int(m_cast.size()));
    const auto a = runAt(0), b = runAt(1);
    if (a && b && a->id != b->id) {
        const bool aFirst = a->id < b->id;
        const std::string first = aFirst ? a->id : b->id, second = aFirst ? b->id : a->id;
        for (const core::PairTally& t : summary.pairs) {
            if (t.a != first || t.b != second)
                continue;
            const int64_t aWins = aFirst ? t.aWins : t.bWins, bWins = aFirst ? t.bWins : t.aWins;
            text += tr(" · %1 %2 – %3 %4, %5 tie(s), %6 both bad, %7 skipped")
                        .arg(runLabel(*a).toHtmlEscaped())
                        .arg(aWins)
                        .arg(bWins)
                        .arg(runLabel(*b).toHtmlEscaped())
                        .arg(t.ties)
                        .arg(t.bothBad)
                        .arg(t.skips);
            if (const auto rate = t.aWinRate())
                text += tr(" (%1 wins %2%)").arg(runLabel(*a).toHtmlEscaped()).arg(
                    100.0 * (aFirst ? *rate : 1.0 - *rate), 0, 'f', 0);
        }
    }
    if (!log.problems.empty())
        text += tr(" · %n unreadable line(s) in votes.jsonl left out (first: %1)", nullptr, int(log.problems.size()))
                    .arg(QString::fromStdString(log.problems.front().describe()).toHtmlEscaped());
    m_tally->setText(text);

    // The prompts rated before, newest first, each once.
    const QSignalBlocker block(m_pastPrompts);
    m_pastPrompts->clear();
    m_pastPrompts->addItem(tr("(prompts rated before)"));
    std::set<std::string> seen;
    for (auto it = log.votes.rbegin(); it != log.votes.rend() && m_pastPrompts->count() <= kMaxPastPrompts; ++it) {
        if (!seen.insert(it->prompt).second)
            continue;
        QString shown = QString::fromStdString(it->prompt).simplified();
        if (shown.size() > 60)
            shown = shown.left(59) + QStringLiteral("…");
        m_pastPrompts->addItem(shown, QString::fromStdString(it->prompt));
    }
}

bool RatePanel::exportTo(const QString& file, QString* error)
{
    if (m_projectDir.isEmpty()) {
        if (error)
            *error = tr("No project open.");
        return false;
    }
    try {
        const core::VoteLog log = core::VoteStore::forProject(m_projectDir.toStdString()).read();
        const core::PreferenceExport e = core::exportPreferences(log.votes, file.toStdString());
        setStatus(tr("Exported %n preference pair(s) to %1 (left out: %2 tie/both bad/skip, %3 retracted, %4 with "
                     "identical outputs).",
                     nullptr, int(e.pairs))
                      .arg(file)
                      .arg(e.notDecisive)
                      .arg(e.retracted)
                      .arg(e.identical));
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        setStatus(tr("Export failed: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

bool RatePanel::tuneOnVotes(QString* file, QString* error)
{
    const auto fail = [&](const QString& message) {
        if (error)
            *error = message;
        setStatus(message);
        return false;
    };
    const auto parent = runAt(0);
    if (m_projectDir.isEmpty())
        return fail(tr("No project open."));
    if (!parent)
        return fail(tr("Pick model 1: the DPO run starts from it."));
    const QString dir = QDir(m_projectDir).filePath(QStringLiteral("preferences"));
    const QString path = QDir(dir).filePath(
        QStringLiteral("votes-%1.jsonl").arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
    try {
        const core::VoteLog log = core::VoteStore::forProject(m_projectDir.toStdString()).read();
        QDir().mkpath(dir);
        const core::PreferenceExport e = core::exportPreferences(log.votes, path.toStdString());
        if (e.pairs == 0) {
            QFile::remove(path);
            return fail(tr("No decisive vote yet: DPO needs votes where one side was better."));
        }
        setStatus(tr("%n preference pair(s) in %1; Run setup now holds a DPO run on them.", nullptr, int(e.pairs))
                      .arg(QDir::toNativeSeparators(path)));
    } catch (const std::exception& e) {
        return fail(tr("Export failed: %1").arg(QString::fromUtf8(e.what())));
    }
    if (file)
        *file = path;
    emit tuneRequested(path, QString::fromStdString(parent->runDir.string()));
    return true;
}

void RatePanel::chooseExport()
{
    const QString file = QFileDialog::getSaveFileName(this, tr("Export preferences"),
                                                      m_projectDir + QStringLiteral("/preferences.jsonl"),
                                                      tr("JSON Lines (*.jsonl);;All files (*)"));
    if (!file.isEmpty())
        exportTo(file);
}

} // namespace tb::ui
