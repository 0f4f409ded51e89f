// SPDX-License-Identifier: MIT
// The next-token view: at one position of a generated text, each model's most likely next tokens as horizontal bars
// with their probabilities, the entropy and the rank of the token that was chosen. It keeps the raw logits, so its
// own temperature / top-k / top-p / greedy controls re-shape the bars live (core::shapeDistribution, no model run):
// the tokens the filters cut are greyed with their mass. One or two models side by side at the same prefix (two: also
// their KL divergence there). Clicking a bar asks to continue the text with that token (branchRequested). Fed plain
// data; it loads no model and owns no thread. GUI thread only.
#pragma once

#include "core/eval/sampling_math.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QCheckBox;
class QDoubleSpinBox;
class QHBoxLayout;
class QLabel;
class QSpinBox;

namespace tb::ui {

/// One model's raw next-token logits at the current position.
struct NextTokenLogits {
    QString label;             // the model's name, shown above its bars
    std::vector<float> logits; // one per token id, before any sampling filter
};

class DistributionBars;

class NextTokenView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kDefaultBarCount = 12;

    explicit NextTokenView(QWidget* parent = nullptr);
    ~NextTokenView() override;

    /// How each token id reads (e.g. Tokenizer::tokenText); whitespace is drawn visibly. Ids past the list read "#id".
    void setVocabulary(QStringList tokenTexts);
    /// Shows the distributions of one or more models (side by side) at one position. `chosenId` is the token the text
    /// continued with there (-1: none); `context` is a short description of the prefix for the title (may be empty).
    void setLogits(std::vector<NextTokenLogits> models, int chosenId = -1, const QString& context = {});
    /// Removes the distributions and shows `message` instead.
    void showMessage(const QString& message);

    /// Sets the controls (e.g. to the generation's own settings); the bars follow.
    void setSampling(const core::SamplingParams& params);
    core::SamplingParams sampling() const;
    /// Number of most likely tokens drawn per model (plus the chosen token when it ranks lower).
    void setBarCount(int count);

    // What is shown, for the hosting panel and tests.
    int modelCount() const { return int(m_models.size()); }
    /// The model's distribution after each filter stage under the current controls.
    const core::ShapedDistribution& shaped(int model) const { return m_shaped.at(size_t(model)); }
    /// The token ids of the model's bars, top to bottom.
    std::vector<int> shownIds(int model) const;
    /// The probability a bar shows: its sampling probability, or for a cut token its probability before the cut.
    double barValue(int model, int row) const;
    /// Whether the filters keep the token of that bar.
    bool barKept(int model, int row) const;
    /// The text drawn next to a bar ("12.3%", "0.42% cut").
    QString barText(int model, int row) const;
    /// Where a bar's row is, in this widget's coordinates (empty when not shown).
    QRect barRect(int model, int row) const;
    /// The summary line above a model's bars (entropy, chosen rank, kept tokens, cut mass).
    QString summaryText(int model) const;
    int chosenId() const { return m_chosen; }

    /// "12.3%", "0.42%", "0.004%", "<0.001%": a probability as the bars print it.
    static QString percentText(double probability);
    /// The token text with spaces, newlines, tabs and carriage returns drawn as ␣ \n \t \r.
    static QString visibleToken(const QString& text);

signals:
    /// The user clicked a token's bar: continue the text from this position with `tokenId`.
    void branchRequested(int tokenId);
    /// A control changed; sampling() has the new values.
    void samplingChanged();

private:
    void reshape();
    void rebuildColumns();
    QString tokenText(int id) const;
    /// The title's rendering of the prefix: its last 80 characters, newlines as ↵, spaces kept (HTML).
    static QString contextText(const QString& context);

    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QCheckBox* m_greedy = nullptr;
    QSpinBox* m_barCount = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_message = nullptr;
    QHBoxLayout* m_columns = nullptr;
    std::vector<QLabel*> m_summaries;
    std::vector<DistributionBars*> m_bars;

    QStringList m_vocabulary;
    std::vector<NextTokenLogits> m_models;
    std::vector<core::ShapedDistribution> m_shaped;
    int m_chosen = -1;
    QString m_context;
    bool m_updating = false; // setSampling() moves several controls: reshape once
};

} // namespace tb::ui
