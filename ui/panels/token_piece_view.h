// SPDX-License-Identifier: MIT
// Read-only view of a text as its tokens: each segment of core::TokenizerStats (one piece, or the byte pieces of one
// character) on an alternating soft background that reads in light and dark palettes; whitespace drawn with the
// shared visible-whitespace rule (core::visibleWhitespace) in a muted colour; unknown, byte-fallback and control
// tokens marked; hovering a segment shows its ids and pieces. GUI thread only.
#pragma once

#include "core/tokenizer/tokenizer_stats.h"

#include <QTextBrowser>

#include <string_view>
#include <vector>

namespace tb::ui {

class TokenPieceView : public QTextBrowser {
    Q_OBJECT
public:
    explicit TokenPieceView(QWidget* parent = nullptr);

    /// Shows `text` cut into the segments of `stats` (which must come from this text). `tokenizer` names the pieces.
    void showTokens(const core::Tokenizer& tokenizer, const core::TokenizerStats& stats, std::string_view text);
    /// Replaces the tokens by a centred note (no tokenizer yet, an error).
    void showMessage(const QString& message);

    /// A one-line key to the colours and marks, for a label next to the views.
    static QString legendHtml();

    /// Number of segments shown.
    int segmentCount() const { return static_cast<int>(m_tips.size()); }
    /// The tooltip of the segment at a document position ("" outside every segment).
    QString toolTipAt(int documentPosition) const;

protected:
    bool viewportEvent(QEvent* event) override;

private:
    std::vector<int> m_starts; // document positions [start, end) of each segment
    std::vector<int> m_ends;
    std::vector<QString> m_tips;
};

} // namespace tb::ui
