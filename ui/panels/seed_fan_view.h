// SPDX-License-Identifier: MIT
// The seed fan: N samples of one prompt in a grid, each captioned with its seed, with the diversity of the set
// (distinct-1/2/3, core::distinctN) and how many different texts there are. With greedy decoding a banner says
// whether every seed gave the same text (it must). Samples that repeat an earlier one say so. Plain data in; GUI
// thread only.
#pragma once

#include "core/tokenizer/tokenizer.h"

#include <QString>
#include <QWidget>

#include <cstdint>
#include <vector>

class QGridLayout;
class QLabel;
class QScrollArea;

namespace tb::ui {

/// One sample of the fan.
struct SeedSample {
    uint64_t seed = 0;
    QString text;                      // the continuation as it reads
    std::vector<core::TokenId> tokens; // its token ids (distinct-n counts these)
};

class SeedFanView : public QWidget {
    Q_OBJECT
public:
    explicit SeedFanView(QWidget* parent = nullptr);

    /// Shows the samples of `prompt`, in order. `greedy`: they were generated greedily.
    void setSamples(const QString& prompt, std::vector<SeedSample> samples, bool greedy);
    /// Columns of the grid (default 3).
    void setColumnCount(int columns);

    int sampleCount() const { return int(m_samples.size()); }
    /// distinct-n of the shown samples, n = 1, 2, 3 (any n >= 1 works).
    double distinct(int n) const;
    /// Number of different texts among the samples.
    int differentTexts() const;
    bool isBannerVisible() const;
    QString bannerText() const;
    /// The statistics line under the banner.
    QString statsText() const;
    /// The caption of sample `index` ("seed 7", "seed 8 · same as seed 7").
    QString caption(int index) const;

signals:
    /// The user clicked sample `index`'s card (e.g. to inspect it in the next-token view).
    void sampleActivated(int index);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuild();

    QLabel* m_banner = nullptr;
    QLabel* m_stats = nullptr;
    QScrollArea* m_scroll = nullptr;
    QWidget* m_grid = nullptr;
    std::vector<QLabel*> m_captions;
    std::vector<QWidget*> m_cards;
    QString m_prompt;
    std::vector<SeedSample> m_samples;
    bool m_greedy = false;
    int m_columns = 3;
};

} // namespace tb::ui
