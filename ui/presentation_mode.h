// SPDX-License-Identifier: MIT
// Presentation mode: one scale factor for the back row of a classroom. It scales the application font (every widget
// that does not set its own) and, through plot_style's setPlotScale, the QCustomPlot charts' tick labels, axis
// labels, legends, titles and line widths. View ▸ Presentation mode toggles between 1 and the presentation scale;
// Ctrl+= / Ctrl+- step the scale, Ctrl+0 resets it. Both persist in QSettings (view/presentation,
// view/presentationScale). GUI thread only.
#pragma once

#include <QFont>
#include <QObject>
#include <QSize>

#include <functional>

class QAction;
class QMenu;

namespace tb::ui {

class PresentationMode : public QObject {
    Q_OBJECT
public:
    static constexpr double kDefaultScale = 1.4; // presentation mode's first scale
    static constexpr double kStep = 0.1;
    static constexpr double kMinScale = 0.8;
    static constexpr double kMaxScale = 2.5;

    /// Remembers the application font as it is now as the scale-1 font.
    explicit PresentationMode(QObject* parent = nullptr);
    /// Gives the application its scale-1 font back.
    ~PresentationMode() override;

    /// The scale in effect (1: normal).
    double scale() const { return m_scale; }
    bool isEnabled() const { return m_scale != 1.0; }
    /// The scale-1 application font.
    const QFont& baseFont() const { return m_baseFont; }

    /// The room the window has left on its screen at the scale just applied (negative: it does not fit). When
    /// set, a larger scale is reached kStep at a time and stops at the last one that fits (or is foreseen to);
    /// scaleLimited() then says so.
    void setFitCheck(std::function<QSize()> slack) { m_fits = std::move(slack); }

    /// Adds the checkable "Presentation mode" action and the zoom actions (Ctrl+=, Ctrl+-, Ctrl+0) to `menu`.
    void addActions(QMenu* menu);
    QAction* toggleAction() const { return m_toggle; }

    /// Reads the saved state and applies it.
    void restore();
    void save() const;

public slots:
    /// On: the last presentation scale (kDefaultScale at first); off: scale 1.
    void setEnabled(bool on);
    /// Clamped to [kMinScale, kMaxScale] and to the screen (setFitCheck); applies it to the application font and every plot.
    void setScale(double scale);
    void zoomIn() { setScale(m_scale + kStep); }
    void zoomOut() { setScale(m_scale - kStep); }
    void reset() { setScale(1.0); }

signals:
    /// After the fonts and plots changed (the window may want to fit its screen again).
    void scaleChanged(double scale);
    /// A larger scale was asked for than the screen has room for; `scale` is the one applied.
    void scaleLimited(double scale);

private:
    void apply();

    QFont m_baseFont;
    double m_scale = 1.0;
    double m_presentationScale = kDefaultScale;
    QAction* m_toggle = nullptr;
    std::function<QSize()> m_fits;
};

} // namespace tb::ui
