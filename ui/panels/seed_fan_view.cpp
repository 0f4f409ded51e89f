// SPDX-License-Identifier: MIT
#include "ui/panels/seed_fan_view.h"

#include "core/eval/diversity.h"
#include "ui/panels/plot_style.h"

#include <QEvent>
#include <QFontDatabase>
#include <QFrame>
#include <QGridLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace tb::ui {

namespace {

constexpr int kTextLines = 6; // each card shows this many lines of its sample and scrolls the rest

QString bannerStyle(const QColor& colour)
{
    QColor back = colour;
    back.setAlpha(60);
    return QStringLiteral("QLabel { background-color: %1; border: 1px solid %2; border-radius: 3px; padding: 4px; }")
        .arg(back.name(QColor::HexArgb), colour.name());
}

} // namespace

SeedFanView::SeedFanView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_banner = new QLabel(this);
    m_banner->setObjectName("banner");
    m_banner->setWordWrap(true);
    m_banner->hide();
    layout->addWidget(m_banner);
    m_stats = new QLabel(this);
    m_stats->setObjectName("stats");
    m_stats->setTextFormat(Qt::RichText);
    m_stats->setWordWrap(true);
    layout->addWidget(m_stats);
    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_scroll, 1);
    rebuild();
}

void SeedFanView::setSamples(const QString& prompt, std::vector<SeedSample> samples, bool greedy)
{
    m_prompt = prompt;
    m_samples = std::move(samples);
    m_greedy = greedy;
    rebuild();
}

void SeedFanView::setColumnCount(int columns)
{
    m_columns = std::max(1, columns);
    rebuild();
}

double SeedFanView::distinct(int n) const
{
    std::vector<std::vector<core::TokenId>> tokens;
    tokens.reserve(m_samples.size());
    for (const auto& sample : m_samples)
        tokens.push_back(sample.tokens);
    return core::distinctN(tokens, n);
}

int SeedFanView::differentTexts() const
{
    QStringList texts;
    for (const auto& sample : m_samples)
        if (!texts.contains(sample.text))
            texts << sample.text;
    return int(texts.size());
}

bool SeedFanView::isBannerVisible() const { return !m_banner->isHidden(); }
QString SeedFanView::bannerText() const { return m_banner->text(); }
QString SeedFanView::statsText() const { return m_stats->text(); }

QString SeedFanView::caption(int index) const
{
    return index >= 0 && index < int(m_captions.size()) ? m_captions[size_t(index)]->text() : QString();
}

void SeedFanView::rebuild()
{
    const int count = int(m_samples.size());
    const int different = differentTexts();
    if (count == 0) {
        m_banner->hide();
        m_stats->setText(tr("No samples yet."));
    } else {
        if (m_greedy && different == 1) {
            m_banner->setText(tr("Greedy decoding: every seed gave the same text (%n samples).", "", count));
            m_banner->setStyleSheet(bannerStyle(seriesColor::kGreen));
            m_banner->show();
        } else if (m_greedy) {
            m_banner->setText(tr("Greedy decoding, yet the seeds gave %1 different texts: greedy must not depend on "
                                 "the seed.")
                                  .arg(different));
            m_banner->setStyleSheet(bannerStyle(seriesColor::kRed));
            m_banner->show();
        } else if (count > 1 && different == 1) {
            m_banner->setText(tr("Every seed gave the same text: the model is very sure of this continuation."));
            m_banner->setStyleSheet(bannerStyle(seriesColor::kOrange));
            m_banner->show();
        } else {
            m_banner->hide();
        }
        QString stats = tr("<b>%n</b> samples", "", count);
        if (!m_prompt.isEmpty())
            stats += tr(" of <code>%1</code>").arg(m_prompt.left(80).toHtmlEscaped());
        stats += QStringLiteral(" &middot; ") + tr("distinct-1 <b>%1</b> &middot; distinct-2 <b>%2</b> &middot; "
                                                   "distinct-3 <b>%3</b> &middot; <b>%4</b> different texts")
                                                    .arg(distinct(1), 0, 'f', 3)
                                                    .arg(distinct(2), 0, 'f', 3)
                                                    .arg(distinct(3), 0, 'f', 3)
                                                    .arg(different);
        m_stats->setText(stats);
    }

    m_captions.clear();
    m_cards.clear();
    m_grid = new QWidget;
    auto* grid = new QGridLayout(m_grid);
    grid->setSpacing(8);
    std::map<QString, uint64_t> firstSeed; // text -> seed of its first sample
    for (int i = 0; i < count; ++i) {
        const SeedSample& sample = m_samples[size_t(i)];
        auto* card = new QFrame(m_grid);
        card->setObjectName(QStringLiteral("card%1").arg(i));
        card->setFrameShape(QFrame::StyledPanel);
        card->setBackgroundRole(QPalette::Base);
        card->setAutoFillBackground(true);
        card->installEventFilter(this);
        auto* box = new QVBoxLayout(card);
        QString captionText = tr("seed %1").arg(sample.seed);
        const auto [it, first] = firstSeed.emplace(sample.text, sample.seed);
        if (!first)
            captionText += QStringLiteral(" \u00B7 ") + tr("same as seed %1").arg(it->second);
        auto* caption = new QLabel(captionText, card);
        caption->setObjectName("caption");
        QFont bold = caption->font();
        bold.setBold(true);
        caption->setFont(bold);
        box->addWidget(caption);
        // A text view, not a label: samples may have no spaces (char-level models), and must still wrap.
        auto* text = new QPlainTextEdit(card);
        text->setObjectName("text");
        text->setReadOnly(true);
        text->setFrameShape(QFrame::NoFrame);
        text->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
        text->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        text->setPlainText(sample.text);
        text->setFixedHeight(text->fontMetrics().lineSpacing() * kTextLines + 8);
        text->viewport()->installEventFilter(this); // it takes the mouse; a click on it still activates the card
        box->addWidget(text, 1);
        grid->addWidget(card, i / m_columns, i % m_columns);
        m_captions.push_back(caption);
        m_cards.push_back(card);
    }
    for (int c = 0; c < m_columns; ++c)
        grid->setColumnStretch(c, 1);
    grid->setRowStretch((count + m_columns - 1) / m_columns, 1);
    m_scroll->setWidget(m_grid); // deletes the previous grid
}

bool SeedFanView::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::MouseButtonRelease) {
        QObject* object = watched;
        while (object && std::find(m_cards.begin(), m_cards.end(), object) == m_cards.end())
            object = object->parent();
        const auto it = std::find(m_cards.begin(), m_cards.end(), object);
        if (it != m_cards.end() && static_cast<QMouseEvent*>(event)->button() == Qt::LeftButton)
            emit sampleActivated(int(it - m_cards.begin()));
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace tb::ui
