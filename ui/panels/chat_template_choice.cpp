// SPDX-License-Identifier: MIT
#include "ui/panels/chat_template_choice.h"

#include "ui/panels/elided_label.h"

#include <QCheckBox>
#include <QHBoxLayout>

namespace tb::ui {

ChatTemplateChoice::ChatTemplateChoice(QWidget* parent) : QWidget(parent)
{
    m_box = new QCheckBox(tr("&Chat template"), this);
    m_box->setChecked(true); // a tuned model answers best in the format it learnt
    m_box->setToolTip(tr("Chat template for fine-tuned models: each fine-tuned run gets the prompt inside its own "
                         "chat template, as in its training data. A pretrained run learnt no template and always "
                         "gets the raw prompt. The line beside says which model gets what."));
    m_summary = new ElidedLabel(this);
    m_summary->setObjectName(QStringLiteral("chatTemplateSummary"));
    m_summary->setEnabled(false); // drawn dimmed: a note, not a control
    m_summary->setExtraToolTip(m_box->toolTip());
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_box);
    layout->addWidget(m_summary, 1);
    connect(m_box, &QCheckBox::toggled, this, [this] { updateSummary(); });
    updateSummary();
}

bool ChatTemplateChoice::isOn() const { return m_box->isChecked() && m_box->isEnabled(); }

void ChatTemplateChoice::setChecked(bool on) { m_box->setChecked(on); }

void ChatTemplateChoice::setModels(const std::vector<Model>& models)
{
    m_models = models;
    bool tuned = false;
    for (const Model& m : models)
        tuned = tuned || m.fineTuned;
    m_box->setEnabled(tuned);
    updateSummary();
}

QString ChatTemplateChoice::summary() const { return m_summary->text(); }

void ChatTemplateChoice::updateSummary()
{
    QStringList parts;
    for (const Model& m : m_models)
        parts << tr("%1: %2").arg(m.name, m.fineTuned && m_box->isChecked() ? tr("on") : tr("raw prompt"));
    m_summary->setText(parts.isEmpty() ? QString() : QStringLiteral("(%1)").arg(parts.join(QStringLiteral(" · "))));
}

} // namespace tb::ui
