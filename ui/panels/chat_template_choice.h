// SPDX-License-Identifier: MIT
// The "chat template" choice of Compare and Rate: a check box, on by default, and a short line saying which picked
// model gets what ("Chat template (sft 1: on · pretrain 1: raw prompt)"; cut with "…" when narrow, whole in the
// tooltip).
// A fine-tuned run learnt its chat template, so it gets the prompt inside it; a pretrained run learnt none and
// always gets the raw prompt (core::promptForRun). The box is enabled only when a picked model is fine-tuned.
// GUI thread only.
#pragma once

#include <QString>
#include <QWidget>

#include <vector>

class QCheckBox;

namespace tb::ui {

class ElidedLabel;

class ChatTemplateChoice : public QWidget {
public:
    /// One picked model: its name and whether it was fine-tuned (a run of unknown method counts as fine-tuned).
    struct Model {
        QString name;
        bool fineTuned = false;
    };

    explicit ChatTemplateChoice(QWidget* parent = nullptr);

    QCheckBox* checkBox() const { return m_box; }
    /// Checked and enabled: what the generation uses.
    bool isOn() const;
    void setChecked(bool on);
    /// The picked models, in column/side order: enables the box and rewrites the per-model line.
    void setModels(const std::vector<Model>& models);
    /// The per-model line ("(sft 1: on · pretrain 1: raw prompt)").
    QString summary() const;

private:
    void updateSummary();

    QCheckBox* m_box = nullptr;
    ElidedLabel* m_summary = nullptr;
    std::vector<Model> m_models;
};

} // namespace tb::ui
