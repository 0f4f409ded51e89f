// SPDX-License-Identifier: MIT
#include "ui/panels/kl_text_view.h"

#include "ui/panels/next_token_view.h"
#include "ui/panels/plot_style.h"

#include <QEvent>
#include <QFontDatabase>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QScrollBar>
#include <QTextBrowser>
#include <QTextCursor>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tb::ui {

namespace {

const QColor kHot = seriesColor::kRed;   // full scale; tints are this colour with a growing alpha over the base
constexpr int kMaxAlpha = 210;
constexpr int kLegendSteps = 5;
const QColor kMarkerColour(128, 128, 128); // newline markers and the prompt: mid-grey reads on both palettes

} // namespace

KlTextView::KlTextView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_legend = new QLabel(this);
    m_legend->setObjectName("legend");
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setWordWrap(true);
    layout->addWidget(m_legend);
    m_text = new QTextBrowser(this);
    m_text->setObjectName("klText");
    m_text->setOpenLinks(false);
    m_text->setUndoRedoEnabled(false);
    m_text->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere); // text without spaces must wrap too
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    font.setPointSizeF(font.pointSizeF() + 1.0);
    m_text->setFont(font);
    m_text->document()->setDocumentMargin(8);
    m_text->viewport()->setMouseTracking(true);
    m_text->viewport()->setCursor(Qt::PointingHandCursor);
    m_text->viewport()->installEventFilter(this);
    layout->addWidget(m_text, 1);
    m_legend->setText(legendText());
}

std::vector<double> KlTextView::klPerToken(const std::vector<double>& tokenKl)
{
    std::vector<double> out;
    if (tokenKl.empty())
        return out;
    out.reserve(tokenKl.size());
    out.push_back(std::numeric_limits<double>::quiet_NaN());
    out.insert(out.end(), tokenKl.begin(), tokenKl.end() - 1);
    return out;
}

QColor KlTextView::colourFor(double kl) const
{
    QColor colour = kHot;
    if (!(kl > 0.0)) { // 0, negative rounding noise and NaN: no tint
        colour.setAlpha(0);
        return colour;
    }
    const double t = std::isinf(kl) ? 1.0 : std::min(1.0, kl / m_scale);
    colour.setAlpha(std::max(1, int(std::lround(kMaxAlpha * std::sqrt(t))))); // sqrt: small values stay visible
    return colour;
}

QColor KlTextView::tokenColour(int index) const
{
    if (index < 0 || index >= int(m_kl.size()))
        return {};
    return colourFor(m_kl[size_t(index)]);
}

QString KlTextView::legendText() const
{
    QString swatches;
    for (int i = 0; i < kLegendSteps; ++i) {
        const double kl = m_scale * i / (kLegendSteps - 1);
        swatches += QStringLiteral("<span style='background-color:%1'>&nbsp;%2&nbsp;</span>")
                        .arg(colourFor(kl).name(QColor::HexArgb))
                        .arg(kl, 0, 'f', i == 0 ? 0 : 2);
    }
    return tr("<b>KL(%1 \u2016 %2)</b> per token, in nats: %3 &nbsp; <span style='color:%4'>how differently the "
              "models predicted each token; hover for the value, click to inspect the position</span>")
        .arg(m_modelP.toHtmlEscaped(), m_modelQ.toHtmlEscaped(), swatches, kMarkerColour.name());
}

void KlTextView::showTokens(QStringList pieces, std::vector<double> klPerToken, int promptTokens,
                            const QString& modelP, const QString& modelQ)
{
    m_pieces = std::move(pieces);
    m_kl = std::move(klPerToken);
    m_kl.resize(size_t(m_pieces.size()), std::numeric_limits<double>::quiet_NaN());
    m_promptTokens = std::clamp(promptTokens, 0, int(m_pieces.size()));
    double largest = 0.0;
    for (const double kl : m_kl)
        if (std::isfinite(kl))
            largest = std::max(largest, kl);
    m_scale = std::max(kMinScale, largest);
    m_modelP = modelP;
    m_modelQ = modelQ;
    m_legend->setText(legendText());

    m_starts.clear();
    m_ends.clear();
    m_text->clear();
    setAlignment(Qt::AlignLeft);
    QTextCursor cursor(m_text->document());
    cursor.beginEditBlock();
    QTextCharFormat marker;
    marker.setForeground(kMarkerColour);
    for (int i = 0; i < int(m_pieces.size()); ++i) {
        QTextCharFormat format;
        format.setBackground(colourFor(m_kl[size_t(i)]));
        if (i < m_promptTokens) {
            format.setForeground(kMarkerColour);
            format.setFontItalic(true);
        }
        QTextCharFormat pieceMarker = marker;
        pieceMarker.setBackground(format.background());
        m_starts.push_back(cursor.position());
        const QString& piece = m_pieces[i];
        if (piece.isEmpty())
            cursor.insertText(QStringLiteral("\u2205"), pieceMarker); // a token without text still gets a place
        QString run;
        for (const QChar c : piece) {
            if (c == QLatin1Char('\n') || c == QLatin1Char('\t') || c == QLatin1Char('\r')) {
                cursor.insertText(run, format);
                run.clear();
                cursor.insertText(c == QLatin1Char('\n')   ? QStringLiteral("\u21B5")
                                  : c == QLatin1Char('\t') ? QStringLiteral("\u2192")
                                                           : QStringLiteral("\u240D"),
                                  pieceMarker);
                if (c == QLatin1Char('\n'))
                    cursor.insertText(QStringLiteral("\n"), format);
            } else {
                run += c;
            }
        }
        cursor.insertText(run, format);
        m_ends.push_back(cursor.position());
    }
    cursor.endEditBlock();
    m_text->verticalScrollBar()->setValue(0);
}

void KlTextView::showMessage(const QString& message)
{
    m_pieces.clear();
    m_kl.clear();
    m_starts.clear();
    m_ends.clear();
    m_text->clear();
    setAlignment(Qt::AlignCenter);
    QTextCharFormat format;
    format.setForeground(kMarkerColour);
    QTextCursor(m_text->document()).insertText(message, format);
}

QString KlTextView::toolTip(int index) const
{
    if (index < 0 || index >= int(m_pieces.size()))
        return {};
    const double kl = m_kl[size_t(index)];
    QString tip = QStringLiteral("<b><code>%1</code></b> &nbsp;").arg(NextTokenView::visibleToken(m_pieces[index])
                                                                         .toHtmlEscaped());
    tip += tr("token %1").arg(index);
    if (index < m_promptTokens)
        tip += tr(" (prompt)");
    tip += QStringLiteral("<br>");
    if (std::isnan(kl))
        tip += tr("no KL: nothing predicts the first token");
    else
        tip += tr("KL = <b>%1</b> nats").arg(kl, 0, 'g', 4);
    return tip;
}

int KlTextView::tokenAt(int documentPosition) const
{
    const auto it = std::upper_bound(m_starts.begin(), m_starts.end(), documentPosition);
    if (it == m_starts.begin())
        return -1;
    const auto index = size_t(it - m_starts.begin() - 1);
    return documentPosition < m_ends[index] ? int(index) : -1;
}

QRect KlTextView::tokenRect(int index) const
{
    if (index < 0 || index >= int(m_starts.size()))
        return {};
    QTextCursor start(m_text->document());
    start.setPosition(m_starts[size_t(index)]);
    QTextCursor end(m_text->document());
    end.setPosition(m_ends[size_t(index)]);
    const QRect a = m_text->cursorRect(start);
    const QRect b = m_text->cursorRect(end);
    if (a.top() != b.top()) // wraps or ends with a newline: the first character's box
        return QRect(a.topLeft(), QSize(QFontMetrics(m_text->font()).horizontalAdvance(QLatin1Char('M')), a.height()));
    return QRect(a.topLeft(), QPoint(b.left(), a.bottom()));
}

QWidget* KlTextView::textViewport() const { return m_text->viewport(); }

void KlTextView::setAlignment(Qt::Alignment alignment)
{
    QTextOption option = m_text->document()->defaultTextOption(); // keeps the wrap mode
    option.setAlignment(alignment);
    m_text->document()->setDefaultTextOption(option);
}

int KlTextView::tokenAtPoint(const QPoint& viewportPos) const
{
    const QTextCursor cursor = m_text->cursorForPosition(viewportPos);
    int position = cursor.position();
    if (position > 0 && m_text->cursorRect(cursor).left() > viewportPos.x())
        --position; // the pointer is on the character before the nearest boundary
    return tokenAt(position);
}

bool KlTextView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched != m_text->viewport())
        return QWidget::eventFilter(watched, event);
    if (event->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(event);
        const QString tip = toolTip(tokenAtPoint(help->pos()));
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, m_text->viewport());
        return true;
    }
    if (event->type() == QEvent::MouseButtonRelease) {
        const auto* mouse = static_cast<QMouseEvent*>(event);
        const int index = tokenAtPoint(mouse->position().toPoint());
        if (mouse->button() == Qt::LeftButton && index >= 0 && !m_text->textCursor().hasSelection())
            emit positionActivated(index);
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace tb::ui
