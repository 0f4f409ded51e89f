// SPDX-License-Identifier: MIT
// A one-line label that never makes its layout wider: it shows as much of its text as fits, ends with "…" when cut,
// and then carries the whole text in its tooltip (with any extra explanation set by setExtraToolTip). Its minimum
// width is a few characters, so a long run name, summary or status line cannot grow a dock or the window. Plain
// text only. GUI thread only.
#pragma once

#include <QFrame>
#include <QString>

namespace tb::ui {

class ElidedLabel : public QFrame {
public:
    explicit ElidedLabel(QWidget* parent = nullptr);

    void setText(const QString& text);
    QString text() const { return m_text; }
    /// Shown in the tooltip below the text (the text itself only when it is cut).
    void setExtraToolTip(const QString& tip);
    void setAlignment(Qt::Alignment alignment);
    /// True when the text does not fit and is shown cut.
    bool isElided() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void updateToolTip();

    QString m_text;
    QString m_extraTip;
    Qt::Alignment m_alignment = Qt::AlignLeft | Qt::AlignVCenter;
};

} // namespace tb::ui
