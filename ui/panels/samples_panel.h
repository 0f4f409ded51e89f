// SPDX-License-Identifier: MIT
// The Samples panel: the run's probe prompts, continued at every evaluation, as a timeline (newest evaluation at
// the top, one card per evaluation with its step, val loss and each prompt's continuation), so a user can watch the
// text improve. Whitespace can be shown (↵ newline, → tab, · space; off by default, so the text reads as text); a
// prompt that is only whitespace (the pretraining probe "\n") is always shown as a visible label, "⏎ (start of a
// line)". With several prompts a filter shows one.
// GUI thread only.
#pragma once

#include "core/store/run_records.h"
#include "ui/bridge/metatypes.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <map>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QTextBrowser;

namespace tb::ui {

class ElidedLabel;

class SamplesPanel : public QWidget {
    Q_OBJECT
public:
    explicit SamplesPanel(QWidget* parent = nullptr);
    ~SamplesPanel() override;

    /// Evaluations (sample sets) held.
    int entryCount() const { return int(m_sets.size()); }
    /// Samples shown under the current filter.
    int visibleSampleCount() const;
    /// The distinct prompts, in the order they first appeared.
    const QStringList& prompts() const { return m_prompts; }
    /// The prompt shown alone, or empty for all.
    QString promptFilter() const { return m_filter; }
    bool showsWhitespace() const { return m_showWhitespace; }
    /// The timeline as plain text, top to bottom (tests).
    QString plainText() const;
    bool isFilterVisible() const;

    /// `text` with whitespace made visible: ↵ before each line break, → for a tab, · for a space, ␍ for a
    /// carriage return (plain text, not escaped).
    static QString visibleWhitespace(const QString& text);
    /// What a card and the filter show for `prompt` when it has nothing visible: "⏎ (start of a line)" for "\n",
    /// "(empty prompt)", else its whitespace made visible. Empty when the prompt has visible characters.
    static QString blankPromptLabel(const QString& prompt);

public slots:
    void addSamples(const tb::core::SampleSet& samples);
    /// Remembers the val loss of each evaluation for its card (evalFinished comes before samplesReady).
    void onEval(const tb::core::EvalMetrics& metrics);
    /// A new run clears the timeline; a resumed one keeps the cards up to its start step.
    void onStarted(const tb::core::RunInfo& info);
    /// An empty prompt shows all.
    void setPromptFilter(const QString& prompt);
    void setShowWhitespace(bool on);
    /// Replaces the timeline with a stored run's samples; `metrics` (optional) gives the cards their val loss.
    void showHistory(const std::vector<tb::core::SampleRecord>& samples,
                     const std::vector<tb::core::MetricPoint>& metrics = {});
    void clear();

protected:
    void changeEvent(QEvent* event) override;

private:
    void notePrompts(const tb::core::SampleSet& set);
    void updateFilterBox();
    void render();
    QString cardHtml(const tb::core::SampleSet& set) const;
    QString textHtml(const QString& text) const;
    QString promptHtml(const QString& prompt) const;

    QTextBrowser* m_view = nullptr;
    QComboBox* m_filterBox = nullptr;
    QLabel* m_filterLabel = nullptr;
    QCheckBox* m_whitespaceBox = nullptr;
    ElidedLabel* m_countLabel = nullptr;

    std::vector<core::SampleSet> m_sets; // in step order
    std::map<int64_t, double> m_valLoss;
    QStringList m_prompts;
    QString m_filter;
    bool m_showWhitespace = false;
};

} // namespace tb::ui
