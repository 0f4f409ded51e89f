// SPDX-License-Identifier: MIT
// The Rate panel's bias side (see rate_panel.h): the annotator name, the time to vote, the pairs shown again with
// sides swapped (self-consistency) and the Bias view.
#include "ui/panels/rate_panel.h"

#include "ui/panels/vote_bias_view.h"

#include <QBoxLayout>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTextEdit>

#include <set>

namespace tb::ui {

namespace {

const QString kAnnotatorKey = QStringLiteral("rate/annotator");
const QString kRepeatKey = QStringLiteral("rate/repeat_every");
constexpr int kDefaultRepeatEvery = 10;

} // namespace

struct RatePanel::BiasState {
    QLineEdit* annotator = nullptr;
    QSpinBox* repeatEvery = nullptr;
    QPushButton* button = nullptr;
    QPointer<VoteBiasView> view;
    QElapsedTimer ready;        // since the current item could be voted on
    int freshSinceRepeat = 0;   // fresh items generated since the last repeat
    QString repeatOf;           // the current item repeats this vote
    QString typedPrompt;        // the prompt box's text before a repeat showed its own prompt
};

void RatePanel::BiasStateDeleter::operator()(BiasState* state) const { delete state; }

void RatePanel::buildBiasControls(QBoxLayout* layout)
{
    m_bias.reset(new BiasState);
    auto* row = new QHBoxLayout;
    auto* nameLabel = new QLabel(tr("Annotato&r"), this);
    m_bias->annotator = new QLineEdit(this);
    m_bias->annotator->setObjectName(QStringLiteral("rateAnnotator"));
    m_bias->annotator->setPlaceholderText(tr("your name (saved with each vote)"));
    m_bias->annotator->setToolTip(tr("Who is voting. Saved with every vote, so the Bias view can compare annotators "
                                     "and measure how well they agree."));
    m_bias->annotator->setMaximumWidth(220);
    nameLabel->setBuddy(m_bias->annotator);
    auto* repeatLabel = new QLabel(tr("Re-show a pair e&very"), this);
    m_bias->repeatEvery = new QSpinBox(this);
    m_bias->repeatEvery->setObjectName(QStringLiteral("rateRepeatEvery"));
    m_bias->repeatEvery->setRange(1, 50);
    m_bias->repeatEvery->setSpecialValueText(tr("never"));
    m_bias->repeatEvery->setSuffix(tr(" items"));
    m_bias->repeatEvery->setToolTip(tr("Every Nth item shows one of your earlier pairs again with the sides swapped, "
                                       "to measure how consistent the votes are (Bias view). It is not marked as a "
                                       "repeat until you have voted."));
    repeatLabel->setBuddy(m_bias->repeatEvery);
    m_bias->button = new QPushButton(tr("&Bias…"), this);
    m_bias->button->setToolTip(tr("Position and length bias, self-consistency and agreement between annotators in "
                                  "this project's votes, with 95% intervals; and a de-biased export"));
    row->addWidget(nameLabel);
    row->addWidget(m_bias->annotator);
    row->addWidget(repeatLabel);
    row->addWidget(m_bias->repeatEvery);
    row->addStretch();
    row->addWidget(m_bias->button);
    layout->addLayout(row);

    const QSettings settings;
    m_bias->annotator->setText(settings.value(kAnnotatorKey).toString());
    setRepeatEvery(settings.value(kRepeatKey, kDefaultRepeatEvery).toInt());
    connect(m_bias->annotator, &QLineEdit::editingFinished, this,
            [this] { QSettings().setValue(kAnnotatorKey, annotator()); });
    connect(m_bias->repeatEvery, &QSpinBox::valueChanged, this,
            [this] { QSettings().setValue(kRepeatKey, repeatEvery()); });
    connect(m_bias->button, &QPushButton::clicked, this, &RatePanel::showBias);
    connect(this, &RatePanel::generationEnded, this, [this] {
        if (m_item.complete)
            m_bias->ready.start();
    });
    connect(this, &RatePanel::voted, this, &RatePanel::onBiasVoted);
    connect(this, &RatePanel::retracted, this, [this] {
        if (m_bias->view)
            m_bias->view->refresh();
    });
}

QString RatePanel::annotator() const { return m_bias->annotator->text().trimmed(); }

void RatePanel::setAnnotator(const QString& name)
{
    m_bias->annotator->setText(name);
    QSettings().setValue(kAnnotatorKey, annotator());
}

int RatePanel::repeatEvery() const
{
    const int n = m_bias->repeatEvery->value();
    return n <= 1 ? 0 : n;
}

void RatePanel::setRepeatEvery(int n) { m_bias->repeatEvery->setValue(n <= 1 ? 1 : std::min(n, 50)); }

QString RatePanel::repeatOf() const { return m_bias->repeatOf; }

VoteBiasView* RatePanel::biasView() const { return m_bias->view; }

void RatePanel::showBias()
{
    if (!m_bias->view) {
        m_bias->view = new VoteBiasView(this);
        m_bias->view->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_bias->view->setVotesFile(votesFile());
    m_bias->view->show();
    m_bias->view->raise();
    m_bias->view->activateWindow();
}

void RatePanel::stampVote(core::Vote& vote) const
{
    vote.annotator = annotator().toStdString();
    vote.timeToVoteMs = m_bias->ready.isValid() ? std::optional<int64_t>(m_bias->ready.elapsed()) : std::nullopt;
    vote.repeatOf = m_bias->repeatOf.toStdString();
}

bool RatePanel::showRepeatIfDue()
{
    m_bias->repeatOf.clear();
    const int every = repeatEvery();
    if (every == 0 || m_projectDir.isEmpty())
        return false;
    if (m_bias->freshSinceRepeat < every - 1) {
        ++m_bias->freshSinceRepeat;
        return false;
    }
    // This annotator's earlier votes that had a verdict, were not repeats and were not shown again yet.
    core::VoteLog log;
    try {
        log = core::VoteStore::forProject(m_projectDir.toStdString()).read();
    } catch (const std::exception&) {
        return false;
    }
    const std::vector<core::Vote> active = log.active();
    std::set<std::string> repeated;
    for (const core::Vote& v : log.votes)
        if (!v.repeatOf.empty())
            repeated.insert(v.repeatOf);
    std::vector<const core::Vote*> candidates;
    const std::string me = annotator().toStdString();
    for (const core::Vote& v : active)
        if (v.annotator == me && v.repeatOf.empty() && v.verdict != core::Verdict::Skip && !repeated.count(v.id) &&
            v.a.output != v.b.output)
            candidates.push_back(&v);
    if (candidates.empty())
        return false; // nothing to repeat yet: generate, and try again next time
    const core::Vote& original = *candidates[m_random.bounded(quint32(candidates.size()))];

    m_item = {};
    core::Vote& v = m_item.vote;
    v.prompt = original.prompt;
    v.a = original.a;
    v.b = original.b;
    v.sampling = original.sampling;
    v.aLeft = !original.aLeft;
    m_aLeft = v.aLeft;
    m_item.complete = true;
    m_bias->repeatOf = QString::fromStdString(original.id);
    m_bias->freshSinceRepeat = 0;
    for (auto& cast : m_cast)
        cast.second = false;
    for (int side = 0; side < 2; ++side) {
        Side& s = m_sides[size_t(side)];
        s.output = QString::fromStdString(side == 0 ? v.left().output : v.right().output);
        s.text->setPlainText(s.output);
    }
    reveal(false);
    // The rater judges against the pair's own prompt; theirs comes back after the vote.
    m_bias->typedPrompt = prompt();
    setPrompt(QString::fromStdString(v.prompt));
    setStatus(tr("Which is better? 1 = A, 2 = B, 3 = tie, 4 = both bad, S = skip."));
    updateControls();
    emit generationEnded(); // starts the time to vote
    return true;
}

void RatePanel::onBiasVoted()
{
    if (!m_bias->repeatOf.isEmpty()) {
        setPrompt(m_bias->typedPrompt);
        setStatus(statusText() + tr(" This pair was shown before with the sides swapped (a consistency check); "
                                    "your prompt is back in the box."));
    }
    if (m_bias->view)
        m_bias->view->refresh();
}

} // namespace tb::ui
