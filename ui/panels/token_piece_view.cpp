// SPDX-License-Identifier: MIT
#include "ui/panels/token_piece_view.h"

#include "core/common/utf8.h"
#include "core/tokenizer/token_text.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QToolTip>

#include <algorithm>

namespace tb::ui {
namespace {

constexpr size_t kMaxTipPieces = 12;  // a tooltip lists at most this many pieces of one segment
constexpr QChar kZeroWidthSpace(u'\u200B'); // lets a line wrap after a visible space marker

// Translucent tints over the base colour: pale on a light palette, muted on a dark one, text stays readable.
const QColor kNormalTints[] = {QColor(66, 133, 244, 58), QColor(52, 168, 83, 58), QColor(171, 71, 188, 52)};
const QColor kUnknownTint(229, 57, 53, 115);
const QColor kByteTint(249, 171, 0, 110);
const QColor kControlTint(128, 128, 128, 70);
const QColor kMarkerColour(128, 128, 128);   // whitespace markers and token names: mid-grey reads on both palettes
const QColor kSplitColour(230, 120, 0);      // underline of a character that byte tokens split

QString kindName(core::PieceKind kind)
{
    switch (kind) {
    case core::PieceKind::Unknown: return TokenPieceView::tr("unknown");
    case core::PieceKind::Byte: return TokenPieceView::tr("byte fallback");
    case core::PieceKind::Control: return TokenPieceView::tr("control");
    case core::PieceKind::Normal: break;
    }
    return {};
}

/// The text with whitespace replaced by its visible marker, for tooltips.
QString visibleText(std::string_view text)
{
    QString out;
    size_t i = 0;
    while (i < text.size()) {
        const core::Utf8Step step = core::decodeUtf8(text, i);
        if (const auto shown = core::visibleWhitespace(step.codePoint))
            out += QString::fromStdString(*shown);
        else
            out += QString::fromUtf8(text.data() + i, static_cast<qsizetype>(step.length));
        i += step.length;
    }
    return out;
}

/// Inserts `text` in `format`, drawing whitespace as markers in `markerFormat`; a newline also breaks the line.
void insertVisible(QTextCursor& cursor, std::string_view text, const QTextCharFormat& format,
                   const QTextCharFormat& markerFormat)
{
    QString run;
    const auto flush = [&] {
        if (!run.isEmpty())
            cursor.insertText(run, format);
        run.clear();
    };
    size_t i = 0;
    while (i < text.size()) {
        const core::Utf8Step step = core::decodeUtf8(text, i);
        if (const auto shown = core::visibleWhitespace(step.codePoint)) {
            flush();
            cursor.insertText(QString::fromStdString(*shown), markerFormat);
            if (step.codePoint == '\n')
                cursor.insertText(QStringLiteral("\n"), format);
            else
                cursor.insertText(QString(kZeroWidthSpace), format);
        } else {
            run += QString::fromUtf8(text.data() + i, static_cast<qsizetype>(step.length));
        }
        i += step.length;
    }
    flush();
}

QString segmentToolTip(const core::Tokenizer& tokenizer, const core::TokenizerStats& stats,
                       const core::TextSegment& segment, std::string_view text)
{
    QString tip = QStringLiteral("<p style='white-space:pre'><b>%1</b>")
                      .arg(segment.byteEnd > segment.byteBegin
                               ? QStringLiteral("\u201C%1\u201D").arg(visibleText(text.substr(
                                     segment.byteBegin, segment.byteEnd - segment.byteBegin)).toHtmlEscaped())
                               : TokenPieceView::tr("(no text)"));
    const bool split = std::any_of(stats.pieces.begin() + static_cast<std::ptrdiff_t>(segment.firstPiece),
                                   stats.pieces.begin() + static_cast<std::ptrdiff_t>(segment.firstPiece +
                                                                                      segment.pieceCount),
                                   [](const core::TokenPiece& p) { return p.partialCharacter; });
    if (split)
        tip += TokenPieceView::tr("<br>%n pieces share this character", "", static_cast<int>(segment.pieceCount));
    tip += QStringLiteral("</p><table cellspacing='0' cellpadding='1'>");
    for (size_t k = 0; k < std::min(segment.pieceCount, kMaxTipPieces); ++k) {
        const core::TokenPiece& p = stats.pieces[segment.firstPiece + k];
        tip += QStringLiteral("<tr><td>%1&nbsp;</td><td align='right'><b>%2</b>&nbsp;&nbsp;</td>"
                              "<td><code>%3</code>&nbsp;&nbsp;</td><td><i>%4</i></td></tr>")
                   .arg(TokenPieceView::tr("id"))
                   .arg(p.id)
                   .arg(QString::fromStdString(tokenizer.tokenText(p.id)).toHtmlEscaped(), kindName(p.kind));
    }
    if (segment.pieceCount > kMaxTipPieces)
        tip += TokenPieceView::tr("<tr><td colspan='4'>… %n more</td></tr>", "",
                                  static_cast<int>(segment.pieceCount - kMaxTipPieces));
    return tip + QStringLiteral("</table>");
}

} // namespace

TokenPieceView::TokenPieceView(QWidget* parent) : QTextBrowser(parent)
{
    setReadOnly(true);
    setOpenLinks(false);
    setUndoRedoEnabled(false);
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    font.setPointSizeF(font.pointSizeF() + 1.0);
    setFont(font);
    document()->setDocumentMargin(8);
    viewport()->setMouseTracking(true);
}

void TokenPieceView::showTokens(std::shared_ptr<const core::Tokenizer> tokenizer, core::TokenizerStats stats,
                                std::string text)
{
    m_tokenizer = std::move(tokenizer);
    m_stats = std::move(stats);
    m_text = std::move(text);
    const core::Tokenizer& tok = *m_tokenizer;
    const core::TokenizerStats& st = m_stats;
    const std::string_view all = m_text;
    m_starts.clear();
    m_ends.clear();
    clear();
    document()->setDefaultTextOption(QTextOption(Qt::AlignLeft));
    QTextCursor cursor(document());
    cursor.beginEditBlock();

    const QTextCharFormat plain; // the palette's text colour, so a palette change needs no redraw
    QTextCharFormat marker;
    marker.setForeground(kMarkerColour);
    QTextCharFormat controlMark = marker;
    controlMark.setFontItalic(true);
    controlMark.setBackground(kControlTint);

    size_t pos = 0; // bytes of the text shown so far
    size_t normalIndex = 0;
    m_starts.reserve(st.segments.size());
    m_ends.reserve(st.segments.size());
    for (const core::TextSegment& segment : st.segments) {
        if (segment.byteBegin > pos) // text no piece covers (only with a tokenizer's default alignment)
            insertVisible(cursor, all.substr(pos, segment.byteBegin - pos), plain, marker);
        const auto first = st.pieces.begin() + static_cast<std::ptrdiff_t>(segment.firstPiece);
        const auto last = first + static_cast<std::ptrdiff_t>(segment.pieceCount);
        const auto has = [&](core::PieceKind kind) {
            return std::any_of(first, last, [kind](const core::TokenPiece& p) { return p.kind == kind; });
        };
        QTextCharFormat format = plain;
        if (has(core::PieceKind::Unknown))
            format.setBackground(kUnknownTint);
        else if (has(core::PieceKind::Byte))
            format.setBackground(kByteTint);
        else
            format.setBackground(kNormalTints[normalIndex++ % std::size(kNormalTints)]);
        if (std::any_of(first, last, [](const core::TokenPiece& p) { return p.partialCharacter; })) {
            format.setUnderlineStyle(QTextCharFormat::DashUnderline);
            format.setUnderlineColor(kSplitColour);
        }
        QTextCharFormat segmentMarker = marker;
        segmentMarker.setBackground(format.background());

        m_starts.push_back(cursor.position());
        for (auto p = first; p != last; ++p) // pieces without text (<s>, unplaced ones) show their name
            if (p->byteEnd == p->byteBegin)
                cursor.insertText(QString::fromStdString(tok.tokenText(p->id)), controlMark);
        insertVisible(cursor, all.substr(segment.byteBegin, segment.byteEnd - segment.byteBegin), format,
                      segmentMarker);
        m_ends.push_back(cursor.position());
        pos = std::max(pos, segment.byteEnd);
    }
    if (pos < all.size())
        insertVisible(cursor, all.substr(pos), plain, marker);
    cursor.endEditBlock();
    verticalScrollBar()->setValue(0);
}

void TokenPieceView::showMessage(const QString& message)
{
    m_tokenizer.reset();
    m_stats = {};
    m_text.clear();
    m_starts.clear();
    m_ends.clear();
    clear();
    document()->setDefaultTextOption(QTextOption(Qt::AlignCenter));
    QTextCharFormat format;
    format.setForeground(kMarkerColour);
    QTextCursor cursor(document());
    cursor.insertText(message, format);
}

QString TokenPieceView::legendHtml()
{
    const auto swatch = [](const QColor& colour, const QString& text) {
        return QStringLiteral("<span style='background-color:%1'>&nbsp;%2&nbsp;</span>")
            .arg(colour.name(QColor::HexArgb), text);
    };
    return QStringList{swatch(kNormalTints[0], tr("token")) + swatch(kNormalTints[1], tr("token")),
                       swatch(kUnknownTint, tr("unknown")), swatch(kByteTint, tr("byte fallback")),
                       QStringLiteral("<span style='text-decoration:underline; color:%1'>%2</span>")
                           .arg(kSplitColour.name(), tr("character split into bytes")),
                       QStringLiteral("<span style='color:%1'>\u2423 \\n</span> %2")
                           .arg(kMarkerColour.name(), tr("whitespace"))}
        .join(QStringLiteral(" &nbsp; "));
}

QString TokenPieceView::toolTipAt(int documentPosition) const
{
    const auto it = std::upper_bound(m_starts.begin(), m_starts.end(), documentPosition);
    if (it == m_starts.begin())
        return {};
    const auto index = static_cast<size_t>(it - m_starts.begin() - 1);
    if (documentPosition >= m_ends[index] || !m_tokenizer)
        return {};
    return segmentToolTip(*m_tokenizer, m_stats, m_stats.segments[index], m_text);
}

bool TokenPieceView::viewportEvent(QEvent* event)
{
    if (event->type() != QEvent::ToolTip)
        return QTextBrowser::viewportEvent(event);
    const auto* help = static_cast<QHelpEvent*>(event);
    const QTextCursor cursor = cursorForPosition(help->pos());
    int position = cursor.position();
    if (position > 0 && cursorRect(cursor).left() > help->pos().x())
        --position; // the pointer is on the character before the nearest boundary
    const QString tip = toolTipAt(position);
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(help->globalPos(), tip, viewport());
    return true;
}

} // namespace tb::ui
