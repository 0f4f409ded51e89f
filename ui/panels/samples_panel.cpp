// SPDX-License-Identifier: MIT
#include "ui/panels/samples_panel.h"

#include "ui/panels/elided_label.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollBar>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>

namespace tb::ui {

namespace {

constexpr int kFilterLabelChars = 40;
// Cards rendered at most: the newest ones. Keeps a rebuild after each evaluation quick on long runs.
constexpr int kMaxCards = 200;

QString colorName(const QColor& c) { return c.name(QColor::HexRgb); }

QColor mix(const QColor& a, const QColor& b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

QString shortPrompt(const QString& prompt)
{
    const QString blank = SamplesPanel::blankPromptLabel(prompt);
    QString s = blank.isEmpty() ? SamplesPanel::visibleWhitespace(prompt) : blank;
    if (s.size() > kFilterLabelChars)
        s = s.left(kFilterLabelChars - 1) + QChar(0x2026);
    return s;
}

} // namespace

SamplesPanel::SamplesPanel(QWidget* parent) : QWidget(parent)
{
    m_filterLabel = new QLabel(tr("Prompt:"), this);
    m_filterBox = new QComboBox(this);
    // Not AdjustToContents: a long prompt would make the dock (and the window) wider.
    m_filterBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_filterBox->setMinimumContentsLength(10);
    m_filterBox->setToolTip(tr("Show the continuations of one probe prompt only"));
    m_filterLabel->setBuddy(m_filterBox);
    connect(m_filterBox, &QComboBox::activated, this,
            [this](int index) { setPromptFilter(m_filterBox->itemData(index).toString()); });
    m_whitespaceBox = new QCheckBox(tr("Whitespace"), this);
    m_whitespaceBox->setChecked(m_showWhitespace);
    m_whitespaceBox->setToolTip(tr("Mark line breaks (↵), tabs (→) and spaces (·), which matter to the model"));
    connect(m_whitespaceBox, &QCheckBox::toggled, this, &SamplesPanel::setShowWhitespace);
    m_countLabel = new ElidedLabel(this); // a narrow dock cuts it rather than growing
    m_countLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);

    // The prompt filter (shown with two or more probe prompts) has its own row: beside the count and Whitespace it
    // made the dock 358 px wide at least, and a 1366-wide window grew past the screen after the fine-tune demo.
    auto* filter = new QHBoxLayout;
    filter->addWidget(m_filterLabel);
    filter->addWidget(m_filterBox, 1);
    auto* top = new QHBoxLayout;
    top->addWidget(m_countLabel, 1);
    top->addSpacing(12);
    top->addWidget(m_whitespaceBox);

    m_view = new QTextBrowser(this);
    m_view->setOpenLinks(false);
    m_view->setPlaceholderText(tr("Probe samples appear here after each evaluation: the model continues the same "
                                  "prompts (train.probe_prompts) with the same seed every time, so you can watch the "
                                  "text improve."));
    m_view->document()->setDocumentMargin(8);
    m_view->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(filter);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
    updateFilterBox();
    render();
}

SamplesPanel::~SamplesPanel() = default;

QString SamplesPanel::visibleWhitespace(const QString& text)
{
    QString out;
    out.reserve(text.size() + text.size() / 8);
    for (const QChar ch : text) {
        switch (ch.unicode()) {
        case '\n': out += QStringLiteral("↵\n"); break;
        case '\t': out += QStringLiteral("→"); break;
        case '\r': out += QStringLiteral("␍"); break;
        case ' ': out += QStringLiteral("·"); break;
        default: out += ch;
        }
    }
    return out;
}

QString SamplesPanel::blankPromptLabel(const QString& prompt)
{
    if (!prompt.trimmed().isEmpty())
        return {};
    if (prompt.isEmpty())
        return tr("(empty prompt)");
    if (prompt == QLatin1String("\n"))
        return tr("⏎ (start of a line)");
    return tr("%1 (whitespace)").arg(visibleWhitespace(prompt).remove(QLatin1Char('\n')));
}

int SamplesPanel::visibleSampleCount() const
{
    int n = 0;
    for (const auto& set : m_sets)
        for (const auto& s : set.samples)
            n += m_filter.isEmpty() || QString::fromStdString(s.prompt) == m_filter ? 1 : 0;
    return n;
}

QString SamplesPanel::plainText() const { return m_view->toPlainText(); }

bool SamplesPanel::isFilterVisible() const { return !m_filterBox->isHidden(); }

void SamplesPanel::addSamples(const core::SampleSet& samples)
{
    // Keep step order; a set for a step already shown (a re-sent set) replaces it.
    const auto it = std::lower_bound(m_sets.begin(), m_sets.end(), samples.step,
                                     [](const core::SampleSet& s, int64_t step) { return s.step < step; });
    if (it != m_sets.end() && it->step == samples.step)
        *it = samples;
    else
        m_sets.insert(it, samples);
    notePrompts(samples);
    render();
}

void SamplesPanel::onEval(const core::EvalMetrics& metrics)
{
    m_valLoss[metrics.step] = metrics.valLoss;
}

void SamplesPanel::onStarted(const core::RunInfo& info)
{
    if (info.startStep == 0) {
        clear();
        return;
    }
    std::erase_if(m_sets, [&](const core::SampleSet& s) { return s.step > info.startStep; });
    std::erase_if(m_valLoss, [&](const auto& kv) { return kv.first > info.startStep; });
    render();
}

void SamplesPanel::setPromptFilter(const QString& prompt)
{
    const QString filter = m_prompts.contains(prompt) ? prompt : QString();
    if (filter == m_filter)
        return;
    m_filter = filter;
    updateFilterBox();
    render();
}

void SamplesPanel::setShowWhitespace(bool on)
{
    {
        const QSignalBlocker block(m_whitespaceBox);
        m_whitespaceBox->setChecked(on);
    }
    if (on == m_showWhitespace)
        return;
    m_showWhitespace = on;
    render();
}

void SamplesPanel::showHistory(const std::vector<core::SampleRecord>& samples,
                               const std::vector<core::MetricPoint>& metrics)
{
    m_sets.clear();
    m_valLoss.clear();
    m_prompts.clear();
    m_filter.clear();
    for (const auto& p : metrics)
        if (p.evalLoss)
            m_valLoss[p.step] = *p.evalLoss;
    std::vector<core::SampleRecord> sorted = samples;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
    for (const auto& r : sorted) {
        if (m_sets.empty() || m_sets.back().step != r.step)
            m_sets.push_back({r.step, {}});
        m_sets.back().samples.push_back({r.prompt, r.text});
    }
    for (const auto& set : m_sets)
        notePrompts(set);
    updateFilterBox();
    render();
}

void SamplesPanel::clear()
{
    m_sets.clear();
    m_valLoss.clear();
    m_prompts.clear();
    m_filter.clear();
    updateFilterBox();
    render();
}

void SamplesPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_view)
        render();
}

void SamplesPanel::notePrompts(const core::SampleSet& set)
{
    bool added = false;
    for (const auto& s : set.samples) {
        const QString prompt = QString::fromStdString(s.prompt);
        if (!m_prompts.contains(prompt)) {
            m_prompts << prompt;
            added = true;
        }
    }
    if (added)
        updateFilterBox();
}

void SamplesPanel::updateFilterBox()
{
    const QSignalBlocker block(m_filterBox);
    m_filterBox->clear();
    m_filterBox->addItem(tr("All prompts"), QString());
    for (const QString& p : m_prompts)
        m_filterBox->addItem(shortPrompt(p), p);
    m_filterBox->setCurrentIndex(std::max(0, m_filterBox->findData(m_filter)));
    const bool several = m_prompts.size() > 1;
    m_filterBox->setVisible(several);
    m_filterLabel->setVisible(several);
}

QString SamplesPanel::textHtml(const QString& text) const
{
    const QString dim = colorName(mix(palette().color(QPalette::Base), palette().color(QPalette::Text), 0.45));
    const QString open = QStringLiteral("<span style=\"color:%1\">").arg(dim);
    QString out;
    bool inMark = false; // one span per run of whitespace marks keeps long timelines light
    auto mark = [&](bool on) {
        if (on != inMark)
            out += on ? open : QStringLiteral("</span>");
        inMark = on;
    };
    for (const QChar ch : text) {
        switch (ch.unicode()) {
        case '\n':
            if (m_showWhitespace) {
                mark(true);
                out += QStringLiteral("↵");
            }
            out += QStringLiteral("<br>");
            break;
        case '\t':
            mark(m_showWhitespace);
            out += m_showWhitespace ? QStringLiteral("→") : QStringLiteral("\t");
            break;
        case '\r':
            if (m_showWhitespace) {
                mark(true);
                out += QStringLiteral("␍");
            }
            break;
        case ' ':
            mark(m_showWhitespace);
            out += m_showWhitespace ? QStringLiteral("·") : QStringLiteral(" ");
            break;
        default:
            mark(false);
            if (ch == '<')
                out += QStringLiteral("&lt;");
            else if (ch == '>')
                out += QStringLiteral("&gt;");
            else if (ch == '&')
                out += QStringLiteral("&amp;");
            else
                out += ch;
        }
    }
    mark(false);
    return out;
}

QString SamplesPanel::promptHtml(const QString& prompt) const
{
    const QString blank = blankPromptLabel(prompt);
    if (blank.isEmpty())
        return textHtml(prompt);
    // The label stands for the prompt; a prompt ending a line puts the continuation on the next one.
    return blank.toHtmlEscaped() + (prompt.endsWith(QLatin1Char('\n')) ? QStringLiteral("<br>") : QString());
}

QString SamplesPanel::cardHtml(const core::SampleSet& set) const
{
    const QPalette& pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    const QString border = colorName(mix(base, text, 0.22));
    const QString headerBack = colorName(mix(base, text, 0.06));
    const QString promptBack = colorName(mix(base, pal.color(QPalette::Highlight), 0.22));
    const QString dim = colorName(mix(base, text, 0.55));
    const QString mono = QFontDatabase::systemFont(QFontDatabase::FixedFont).family();

    QString header = QStringLiteral("<b>%1</b>").arg(tr("Step %1").arg(set.step));
    if (const auto it = m_valLoss.find(set.step); it != m_valLoss.end())
        header += QStringLiteral("&nbsp;&nbsp;<span style=\"color:%1\">%2</span>")
                      .arg(dim, tr("val loss %1").arg(QString::number(it->second, 'f', 4)));
    QString rows;
    for (const auto& s : set.samples) {
        const QString prompt = QString::fromStdString(s.prompt);
        if (!m_filter.isEmpty() && prompt != m_filter)
            continue;
        // pre-wrap keeps runs of spaces; the view wraps anywhere when a line has no break opportunity.
        rows += QStringLiteral("<tr><td style=\"padding:6px 10px\"><p style=\"font-family:'%1'; "
                               "white-space:pre-wrap; margin:0\"><span style=\"background-color:%2; "
                               "font-weight:600\">%3</span>%4</p></td></tr>")
                    .arg(mono, promptBack, promptHtml(prompt), textHtml(QString::fromStdString(s.text)));
    }
    if (rows.isEmpty())
        return {};
    return QStringLiteral("<table width=\"100%\" cellspacing=\"0\" cellpadding=\"0\" border=\"1\" "
                          "style=\"border-style:solid; border-color:%1; border-collapse:collapse; "
                          "margin-bottom:10px\">"
                          "<tr><td style=\"background-color:%2; padding:4px 10px\">%3</td></tr>%4</table>")
        .arg(border, headerBack, header, rows);
}

void SamplesPanel::render()
{
    QString html;
    int cards = 0;
    for (auto it = m_sets.rbegin(); it != m_sets.rend(); ++it) { // newest at the top
        if (cards == kMaxCards) {
            html += QStringLiteral("<p><i>%1</i></p>")
                        .arg(tr("%1 older evaluations are not shown.").arg(std::distance(it, m_sets.rend())));
            break;
        }
        const QString card = cardHtml(*it);
        cards += card.isEmpty() ? 0 : 1;
        html += card;
    }
    // A new card at the top must not move what the user is reading further down.
    QScrollBar* bar = m_view->verticalScrollBar();
    const int fromBottom = bar->maximum() - bar->value();
    const bool atTop = bar->value() == 0;
    m_view->setHtml(html);
    bar->setValue(atTop ? 0 : bar->maximum() - fromBottom);

    const auto evals = m_sets.size();
    QString count = evals == 0 ? QString() : evals == 1 ? tr("1 evaluation") : tr("%1 evaluations").arg(evals);
    if (m_prompts.size() > 1)
        count += tr(", %1 prompts").arg(m_prompts.size());
    m_countLabel->setText(count);
}

} // namespace tb::ui
