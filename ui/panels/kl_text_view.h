// SPDX-License-Identifier: MIT
// A text as its tokens, each tinted by how much two models disagree about it: the KL divergence (nats) between their
// next-token distributions at the position that predicts the token (core::tokenKl, shifted by one). A legend gives the
// scale, hovering a token shows its value, clicking one emits positionActivated (the Compare panel then shows the
// next-token view there). Plain data in; GUI thread only.
#pragma once

#include <QColor>
#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QTextBrowser;

namespace tb::ui {

class KlTextView : public QWidget {
    Q_OBJECT
public:
    /// KL values up to this many nats use the whole colour scale; a text whose largest KL is higher stretches it.
    static constexpr double kMinScale = 1.0;

    explicit KlTextView(QWidget* parent = nullptr);

    /// Shows `pieces` (the text's tokens, as they read) with `klPerToken[i]` the KL behind piece i (NaN: none, e.g. the
    /// first token, which nothing predicts). The first `promptTokens` pieces are the prompt and read muted. Missing
    /// values count as NaN. The names go to the legend.
    void showTokens(QStringList pieces, std::vector<double> klPerToken, int promptTokens = 0,
                    const QString& modelP = QStringLiteral("P"), const QString& modelQ = QStringLiteral("Q"));
    /// Replaces the text by a centred note.
    void showMessage(const QString& message);

    /// core::tokenKl's values (entry i: predictions of token i+1) as one value per token: {NaN, kl[0], ..., kl[n-2]}.
    static std::vector<double> klPerToken(const std::vector<double>& tokenKl);

    int tokenCount() const { return int(m_pieces.size()); }
    /// The top of the colour scale in nats (max(kMinScale, largest finite KL)).
    double scaleMax() const { return m_scale; }
    /// The tint for a KL value on the current scale; colourFor(0) is the zero colour (no tint).
    QColor colourFor(double kl) const;
    /// The tint drawn behind token `index`.
    QColor tokenColour(int index) const;
    /// The tooltip of token `index` ("" when out of range).
    QString toolTip(int index) const;
    /// The token at a document position (-1 if none).
    int tokenAt(int documentPosition) const;
    /// Where token `index` is drawn, in the text viewport's coordinates.
    QRect tokenRect(int index) const;
    QWidget* textViewport() const;
    /// The legend's text (rich text).
    QString legendText() const;

signals:
    /// The user clicked token `index` (of the pieces given to showTokens).
    void positionActivated(int index);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    int tokenAtPoint(const QPoint& viewportPos) const;
    void setAlignment(Qt::Alignment alignment);

    QTextBrowser* m_text = nullptr;
    QLabel* m_legend = nullptr;
    QStringList m_pieces;
    std::vector<double> m_kl;
    int m_promptTokens = 0;
    QString m_modelP = QStringLiteral("P");
    QString m_modelQ = QStringLiteral("Q");
    double m_scale = kMinScale;
    std::vector<int> m_starts; // document positions [start, end) of each token
    std::vector<int> m_ends;
};

} // namespace tb::ui
