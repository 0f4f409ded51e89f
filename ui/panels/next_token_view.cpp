// SPDX-License-Identifier: MIT
#include "ui/panels/next_token_view.h"

#include "core/tokenizer/token_text.h"
#include "ui/panels/plot_style.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <functional>

namespace tb::ui {

namespace {

constexpr int kRowHeight = 22;
constexpr int kGapHeight = 14;   // the "⋯" between the top bars and a chosen token ranked lower
constexpr int kLabelWidth = 120; // token texts, right-aligned
constexpr int kValueWidth = 96;  // the percentage after each bar
constexpr int kMargin = 6;
const QColor kModelColours[] = {seriesColor::kBlue, seriesColor::kOrange, seriesColor::kGreen, seriesColor::kPurple};

QColor mix(const QColor& a, const QColor& b, double t)
{
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

} // namespace

/// One model's bars: rows of token text, bar and percentage, custom painted so that rows can be hit-tested.
class DistributionBars : public QWidget {
public:
    struct Row {
        int id = 0;
        int64_t rank = 0;     // in the model's own distribution (temperature 1)
        double value = 0.0;   // the bar's length: sampling probability, or the probability before the cut
        double raw = 0.0;     // at temperature 1, the tick
        bool kept = false;
        bool chosen = false;
        bool detached = false; // drawn after a gap: the chosen token, ranked below the top bars
        QString text;
    };

    explicit DistributionBars(QWidget* parent) : QWidget(parent)
    {
        setBackgroundRole(QPalette::Base);
        setAutoFillBackground(true);
        setMouseTracking(true);
        setCursor(Qt::PointingHandCursor);
        QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        m_mono = mono;
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }

    void setRows(std::vector<Row> rows, QColor colour, double scale)
    {
        m_rows = std::move(rows);
        m_colour = colour;
        m_scale = scale > 0.0 ? scale : 1.0;
        m_hover = -1;
        updateGeometry();
        update();
    }
    const std::vector<Row>& rows() const { return m_rows; }
    std::function<void(int)> onClicked;

    QRect rowRect(int row) const
    {
        if (row < 0 || row >= int(m_rows.size()))
            return {};
        int y = kMargin;
        for (int r = 0; r < row; ++r)
            y += kRowHeight;
        if (m_rows[size_t(row)].detached)
            y += kGapHeight;
        return {0, y, width(), kRowHeight};
    }
    int rowAt(const QPoint& pos) const
    {
        for (int r = 0; r < int(m_rows.size()); ++r)
            if (rowRect(r).contains(pos))
                return r;
        return -1;
    }

    QSize sizeHint() const override
    {
        const bool gap = std::any_of(m_rows.begin(), m_rows.end(), [](const Row& r) { return r.detached; });
        return {kLabelWidth + kValueWidth + 160, 2 * kMargin + int(m_rows.size()) * kRowHeight + (gap ? kGapHeight : 0)};
    }
    QSize minimumSizeHint() const override { return {kLabelWidth + kValueWidth + 60, sizeHint().height()}; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing, false);
        const QPalette& pal = palette();
        const QColor base = pal.color(QPalette::Base);
        const QColor text = pal.color(QPalette::Text);
        const QColor muted = mix(base, text, 0.5);
        const QColor cut = mix(base, text, 0.22);
        const int barLeft = kLabelWidth + 8;
        const int barSpan = std::max(10, width() - barLeft - kValueWidth);
        for (int r = 0; r < int(m_rows.size()); ++r) {
            const Row& row = m_rows[size_t(r)];
            const QRect rect = rowRect(r);
            if (row.detached) {
                painter.setPen(muted);
                painter.drawText(QRect(0, rect.top() - kGapHeight, kLabelWidth, kGapHeight), Qt::AlignCenter,
                                 QStringLiteral("\u22EF"));
            }
            if (row.chosen) {
                QColor mark = pal.color(QPalette::Highlight);
                mark.setAlpha(60);
                painter.fillRect(rect, mark);
            } else if (r == m_hover) {
                painter.fillRect(rect, mix(base, text, 0.07));
            }
            QFont font = m_mono;
            font.setBold(row.chosen);
            painter.setFont(font);
            painter.setPen(row.kept ? text : muted);
            const QRect labelRect(kMargin, rect.top(), kLabelWidth - kMargin, rect.height());
            painter.drawText(labelRect, Qt::AlignRight | Qt::AlignVCenter,
                             QFontMetrics(font).elidedText(row.text, Qt::ElideMiddle, labelRect.width()));

            const int length = int(std::lround(barSpan * std::clamp(row.value / m_scale, 0.0, 1.0)));
            const QRect bar(barLeft, rect.top() + 4, std::max(length, row.value > 0.0 ? 1 : 0), rect.height() - 8);
            painter.fillRect(bar, row.kept ? m_colour : cut);
            // The tick: the model's own probability, before temperature and the cut.
            const int tick = barLeft + int(std::lround(barSpan * std::clamp(row.raw / m_scale, 0.0, 1.0)));
            painter.fillRect(QRect(tick - 1, rect.top() + 2, 2, rect.height() - 4), mix(base, text, 0.75));

            painter.setFont(this->font());
            painter.setPen(row.kept ? text : muted);
            const QString value =
                row.kept ? NextTokenView::percentText(row.value)
                         : NextTokenView::percentText(row.value) + QStringLiteral(" ") + NextTokenView::tr("cut");
            painter.drawText(QRect(std::max(bar.right(), tick) + 6, rect.top(), kValueWidth, rect.height()),
                             Qt::AlignLeft | Qt::AlignVCenter, value);
        }
    }

    void mouseMoveEvent(QMouseEvent* event) override
    {
        const int row = rowAt(event->position().toPoint());
        if (row != m_hover) {
            m_hover = row;
            update();
        }
    }
    void leaveEvent(QEvent*) override
    {
        m_hover = -1;
        update();
    }
    void mouseReleaseEvent(QMouseEvent* event) override
    {
        const int row = rowAt(event->position().toPoint());
        if (event->button() == Qt::LeftButton && row >= 0 && onClicked)
            onClicked(m_rows[size_t(row)].id);
    }
    bool event(QEvent* event) override
    {
        if (event->type() != QEvent::ToolTip)
            return QWidget::event(event);
        const auto* help = static_cast<QHelpEvent*>(event);
        const int r = rowAt(help->pos());
        if (r < 0) {
            QToolTip::hideText();
            return true;
        }
        const Row& row = m_rows[size_t(r)];
        QString tip = QStringLiteral("<b><code>%1</code></b> &nbsp;id %2, rank %3<br>")
                          .arg(row.text.toHtmlEscaped())
                          .arg(row.id)
                          .arg(row.rank);
        tip += row.kept ? NextTokenView::tr("sampling probability %1").arg(NextTokenView::percentText(row.value))
                        : NextTokenView::tr("cut by the filters (%1 before the cut)")
                              .arg(NextTokenView::percentText(row.value));
        tip += QStringLiteral("<br>") +
               NextTokenView::tr("model's own probability %1").arg(NextTokenView::percentText(row.raw));
        if (row.chosen)
            tip += QStringLiteral("<br><i>") + NextTokenView::tr("the token the text continued with") +
                   QStringLiteral("</i>");
        tip += QStringLiteral("<br>") + NextTokenView::tr("Click to continue the text with this token.");
        QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }

private:
    std::vector<Row> m_rows;
    QColor m_colour;
    double m_scale = 1.0;
    int m_hover = -1;
    QFont m_mono;
};

NextTokenView::NextTokenView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* controls = new QHBoxLayout;
    controls->setSpacing(6);
    const auto addLabelled = [&](const QString& text, QWidget* editor, const QString& tip) {
        auto* label = new QLabel(text, this);
        label->setBuddy(editor);
        editor->setToolTip(tip);
        label->setToolTip(tip);
        label->setMinimumWidth(label->sizeHint().width() + 4); // never clipped when the row gets tight
        controls->addWidget(label);
        controls->addWidget(editor);
        controls->addSpacing(8);
    };
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setObjectName("temperature");
    m_temperature->setRange(0.0, 5.0);
    m_temperature->setDecimals(2);
    m_temperature->setSingleStep(0.05);
    m_temperature->setValue(1.0);
    m_temperature->setSpecialValueText(tr("0 (greedy)"));
    addLabelled(tr("&Temperature"), m_temperature, tr("Divides the logits: below 1 sharpens, above 1 flattens."));
    m_topK = new QSpinBox(this);
    m_topK->setObjectName("topK");
    m_topK->setRange(0, 1000000);
    m_topK->setSpecialValueText(tr("all"));
    addLabelled(tr("Top-&k"), m_topK, tr("Keep only the k most likely tokens (0: all)."));
    m_topP = new QDoubleSpinBox(this);
    m_topP->setObjectName("topP");
    m_topP->setRange(0.01, 1.0);
    m_topP->setDecimals(2);
    m_topP->setSingleStep(0.05);
    m_topP->setValue(1.0);
    addLabelled(tr("Top-&p"), m_topP, tr("Keep the smallest set of most likely tokens whose mass reaches p."));
    m_greedy = new QCheckBox(tr("&Greedy"), this);
    m_greedy->setObjectName("greedy");
    m_greedy->setToolTip(tr("Always the most likely token."));
    controls->addWidget(m_greedy);
    controls->addSpacing(8);
    m_barCount = new QSpinBox(this);
    m_barCount->setObjectName("barCount");
    m_barCount->setRange(3, 60);
    m_barCount->setValue(kDefaultBarCount);
    addLabelled(tr("&Show"), m_barCount, tr("How many of the most likely tokens get a bar."));
    controls->addStretch(1);
    layout->addLayout(controls);

    m_title = new QLabel(this);
    m_title->setObjectName("title");
    m_title->setTextFormat(Qt::RichText);
    m_title->setWordWrap(true);
    layout->addWidget(m_title);

    m_message = new QLabel(this);
    m_message->setObjectName("message");
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_message);

    m_columns = new QHBoxLayout;
    m_columns->setSpacing(16);
    layout->addLayout(m_columns);

    auto* legend = new QLabel(this);
    legend->setObjectName("legend");
    legend->setTextFormat(Qt::RichText);
    legend->setWordWrap(true);
    legend->setForegroundRole(QPalette::PlaceholderText);
    legend->setText(tr("<span style='color:%1'>&#9632;</span> sampling probability &nbsp; "
                       "<span style='color:#a0a0a0'>&#9632;</span> cut by top-k / top-p (probability before the cut)"
                       " &nbsp; <b>|</b> the model's own probability (temperature 1) &nbsp; &middot; click a bar to "
                       "continue the text with that token")
                        .arg(seriesColor::kBlue.name()));
    layout->addWidget(legend);
    layout->addStretch(1);

    const auto changed = [this] {
        if (m_updating)
            return;
        reshape();
        emit samplingChanged();
    };
    connect(m_temperature, &QDoubleSpinBox::valueChanged, this, changed);
    connect(m_topK, &QSpinBox::valueChanged, this, changed);
    connect(m_topP, &QDoubleSpinBox::valueChanged, this, changed);
    connect(m_greedy, &QCheckBox::toggled, this, changed);
    connect(m_barCount, &QSpinBox::valueChanged, this, [this] { reshape(); });
    showMessage(tr("No position selected: click a token of a generated text."));
}

NextTokenView::~NextTokenView() = default;

void NextTokenView::setVocabulary(QStringList tokenTexts)
{
    m_vocabulary = std::move(tokenTexts);
    reshape();
}

void NextTokenView::setLogits(std::vector<NextTokenLogits> models, int chosenId, const QString& context)
{
    m_models = std::move(models);
    m_chosen = chosenId;
    m_context = context;
    if (m_models.empty()) {
        showMessage(tr("No distribution to show."));
        return;
    }
    m_message->hide();
    rebuildColumns();
    reshape();
}

void NextTokenView::showMessage(const QString& message)
{
    m_models.clear();
    m_shaped.clear();
    m_chosen = -1;
    rebuildColumns();
    m_title->clear();
    m_message->setText(message);
    m_message->show();
}

void NextTokenView::setSampling(const core::SamplingParams& params)
{
    m_updating = true;
    m_temperature->setValue(std::max(0.0, params.temperature));
    m_topK->setValue(int(std::clamp<int64_t>(params.topK, 0, m_topK->maximum())));
    m_topP->setValue(params.topP);
    m_greedy->setChecked(params.greedy);
    m_updating = false;
    reshape();
    emit samplingChanged();
}

core::SamplingParams NextTokenView::sampling() const
{
    return {m_temperature->value(), m_topK->value(), m_topP->value(), m_greedy->isChecked()};
}

void NextTokenView::setBarCount(int count) { m_barCount->setValue(count); }

std::vector<int> NextTokenView::shownIds(int model) const
{
    std::vector<int> ids;
    if (model >= 0 && model < int(m_bars.size()))
        for (const auto& row : m_bars[size_t(model)]->rows())
            ids.push_back(row.id);
    return ids;
}

double NextTokenView::barValue(int model, int row) const
{
    return m_bars.at(size_t(model))->rows().at(size_t(row)).value;
}

bool NextTokenView::barKept(int model, int row) const
{
    return m_bars.at(size_t(model))->rows().at(size_t(row)).kept;
}

QString NextTokenView::barText(int model, int row) const
{
    const auto& r = m_bars.at(size_t(model))->rows().at(size_t(row));
    return r.kept ? percentText(r.value) : percentText(r.value) + QStringLiteral(" ") + tr("cut");
}

QRect NextTokenView::barRect(int model, int row) const
{
    if (model < 0 || model >= int(m_bars.size()))
        return {};
    const DistributionBars* bars = m_bars[size_t(model)];
    const QRect local = bars->rowRect(row);
    return local.isEmpty() ? QRect() : QRect(bars->mapTo(this, local.topLeft()), local.size());
}

QString NextTokenView::summaryText(int model) const
{
    return m_summaries.at(size_t(model))->text();
}

QString NextTokenView::percentText(double p)
{
    // Three significant digits, decided on the rounded value (0.09999999 reads "10.0%", not "10.00%").
    const double percent = 100.0 * p;
    if (percent >= 9.995)
        return QString::number(percent, 'f', 1) + QLatin1Char('%');
    if (percent >= 0.0995)
        return QString::number(percent, 'f', 2) + QLatin1Char('%');
    if (percent >= 0.0005)
        return QString::number(percent, 'f', 3) + QLatin1Char('%');
    return p > 0.0 ? QStringLiteral("<0.001%") : QStringLiteral("0%");
}

QString NextTokenView::visibleToken(const QString& text)
{
    QString out;
    for (const char32_t cp : text.toUcs4()) {
        if (const auto shown = core::visibleWhitespace(cp))
            out += QString::fromStdString(*shown);
        else
            out += QString::fromUcs4(&cp, 1);
    }
    return out;
}

QString NextTokenView::contextText(const QString& context)
{
    constexpr int kMaxContext = 80; // the end of a long prefix is what predicts the next token
    QString shown = context.size() > kMaxContext ? QStringLiteral("\u2026") + context.right(kMaxContext) : context;
    shown.replace(QLatin1Char('\n'), QStringLiteral("\u21B5"));
    shown.replace(QLatin1Char('\t'), QStringLiteral("\u2192"));
    shown = shown.toHtmlEscaped();
    shown.replace(QLatin1Char(' '), QStringLiteral("&nbsp;"));
    return shown;
}

QString NextTokenView::tokenText(int id) const
{
    if (id >= 0 && id < m_vocabulary.size())
        return visibleToken(m_vocabulary[id]);
    return QStringLiteral("#%1").arg(id);
}

void NextTokenView::rebuildColumns()
{
    while (QLayoutItem* item = m_columns->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_summaries.clear();
    m_bars.clear();
    for (size_t m = 0; m < m_models.size(); ++m) {
        auto* column = new QWidget(this);
        column->setObjectName(QStringLiteral("model%1").arg(m));
        auto* box = new QVBoxLayout(column);
        box->setContentsMargins(0, 0, 0, 0);
        auto* summary = new QLabel(column);
        summary->setObjectName("summary");
        summary->setTextFormat(Qt::RichText);
        summary->setWordWrap(true);
        box->addWidget(summary);
        auto* bars = new DistributionBars(column);
        bars->setObjectName("bars");
        bars->onClicked = [this](int id) { emit branchRequested(id); };
        box->addWidget(bars);
        box->addStretch(1);
        m_columns->addWidget(column, 1);
        m_summaries.push_back(summary);
        m_bars.push_back(bars);
    }
}

void NextTokenView::reshape()
{
    const core::SamplingParams params = sampling();
    const bool greedy = params.greedy || params.temperature <= 0.0;
    m_temperature->setEnabled(!m_greedy->isChecked());
    m_topK->setEnabled(!greedy);
    m_topP->setEnabled(!greedy);
    m_shaped.clear();
    for (const auto& model : m_models)
        m_shaped.push_back(core::shapeDistribution(model.logits, params));
    if (m_models.empty() || m_bars.size() != m_models.size())
        return;

    // The rows of every model first, so that all share one scale and bars compare across models.
    std::vector<std::vector<DistributionBars::Row>> allRows;
    double scale = 0.0;
    for (size_t m = 0; m < m_models.size(); ++m) {
        const core::ShapedDistribution& s = m_shaped[m];
        std::vector<DistributionBars::Row> rows;
        // The filters cut a suffix of the tempered order, so its top tokens show the kept ones first.
        std::vector<core::TokenId> ids = core::rankedIds(s.tempered, m_barCount->value());
        const bool chosenShown = std::find(ids.begin(), ids.end(), core::TokenId(m_chosen)) != ids.end();
        if (!chosenShown && m_chosen >= 0 && size_t(m_chosen) < s.raw.size())
            ids.push_back(core::TokenId(m_chosen));
        for (const core::TokenId id : ids) {
            DistributionBars::Row row;
            row.id = id;
            row.rank = core::rankOf(s.raw, id);
            row.kept = s.kept[size_t(id)];
            row.value = row.kept ? s.final[size_t(id)] : s.tempered[size_t(id)];
            row.raw = s.raw[size_t(id)];
            row.chosen = id == m_chosen;
            row.detached = row.chosen && !chosenShown;
            row.text = tokenText(id);
            scale = std::max({scale, row.value, row.raw});
            rows.push_back(row);
        }
        allRows.push_back(std::move(rows));
    }
    for (size_t m = 0; m < m_models.size(); ++m) {
        const core::ShapedDistribution& s = m_shaped[m];
        m_bars[m]->setRows(std::move(allRows[m]), kModelColours[m % std::size(kModelColours)], scale);
        QString summary = QStringLiteral("<b style='color:%1'>%2</b> &nbsp; ")
                              .arg(kModelColours[m % std::size(kModelColours)].name(),
                                   m_models[m].label.toHtmlEscaped());
        summary += tr("entropy <b>%1</b> nats (sampled from: %2)")
                       .arg(core::entropyOf(s.raw), 0, 'f', 2)
                       .arg(core::entropyOf(s.final), 0, 'f', 2);
        if (m_chosen >= 0 && size_t(m_chosen) < s.raw.size())
            summary += QStringLiteral(" &middot; ") +
                       tr("chosen <code>%1</code> rank <b>%2</b> (%3)")
                           .arg(tokenText(m_chosen).toHtmlEscaped())
                           .arg(core::rankOf(s.raw, core::TokenId(m_chosen)))
                           .arg(s.kept[size_t(m_chosen)]
                                    ? percentText(s.final[size_t(m_chosen)])
                                    : tr("cut, %1 before the cut").arg(percentText(s.tempered[size_t(m_chosen)])));
        summary += QStringLiteral("<br>") + tr("%1 of %2 tokens kept, <b>%3</b> of the mass cut")
                                                .arg(s.keptCount)
                                                .arg(s.raw.size())
                                                .arg(percentText(s.truncatedMass));
        m_summaries[m]->setText(summary);
    }

    QString title = m_context.isEmpty() ? tr("<b>Next token</b>")
                                        : tr("<b>Next token after</b> <code>%1</code>").arg(contextText(m_context));
    if (m_models.size() == 2 && m_shaped[0].raw.size() == m_shaped[1].raw.size())
        title += QStringLiteral(" &nbsp; ") + tr("KL(%1 \u2016 %2) = <b>%3</b> nats")
                                                  .arg(m_models[0].label.toHtmlEscaped(),
                                                       m_models[1].label.toHtmlEscaped())
                                                  .arg(core::klDivergence(m_shaped[0].raw, m_shaped[1].raw), 0, 'f', 3);
    m_title->setText(title);
}

} // namespace tb::ui
