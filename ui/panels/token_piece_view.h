// SPDX-License-Identifier: MIT
// Read-only view of a text as its tokens: each segment of core::TokenizerStats (one piece, or the byte pieces of one
// character) on an alternating soft background that reads in light and dark palettes; whitespace drawn with the
// shared visible-whitespace rule (core::visibleWhitespace) in a muted colour; unknown, byte-fallback and control
// tokens marked; hovering a segment shows its ids and pieces. GUI thread only.
#pragma once

#include "core/tokenizer/tokenizer_stats.h"

#include <QTextBrowser>

#include <memory>
#include <string>
#include <vector>

namespace tb::ui {

class TokenPieceView : public QTextBrowser {
    Q_OBJECT
public:
    explicit TokenPieceView(QWidget* parent = nullptr);

    /// Shows `text` cut into the segments of `stats` (which must come from this text). `tokenizer` names the pieces
    /// in tooltips, which are written when asked for: a view keeps what it shows.
    void showTokens(std::shared_ptr<const core::Tokenizer> tokenizer, core::TokenizerStats stats, std::string text);
    /// Replaces the tokens by a centred note (no tokenizer yet, an error).
    void showMessage(const QString& message);

    /// A one-line key to the colours and marks, for a label next to the views.
    static QString legendHtml();

    /// Number of segments shown.
    int segmentCount() const { return static_cast<int>(m_starts.size()); }
    /// The tooltip of the segment at a document position ("" outside every segment).
    QString toolTipAt(int documentPosition) const;

protected:
    bool viewportEvent(QEvent* event) override;

private:
    std::shared_ptr<const core::Tokenizer> m_tokenizer;
    core::TokenizerStats m_stats;
    std::string m_text;
    std::vector<int> m_starts; // document positions [start, end) of each segment
    std::vector<int> m_ends;
};

} // namespace tb::ui
