// SPDX-License-Identifier: MIT
#include "ui/panels/run_setup_panel.h"
#include "ui/panels/run_setup_panel_detail.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/model/adapter_count.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/presets.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QResizeEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <iterator>
#include <string_view>

namespace tb::ui {

using run_setup_detail::kDemoData;
using run_setup_detail::shortCount;

namespace {

struct MethodItem {
    const char* label;
    const char* method;
    const char* tip;
};

constexpr MethodItem kMethods[] = {
    {"Pretrain", "pretrain", "Next-token prediction on a raw corpus, from random weights"},
    {"SFT (full)", "sft", "Supervised fine-tuning of every weight of a parent model on instructions or chats"},
    {"SFT (LoRA)", "lora", "Supervised fine-tuning with the parent frozen and small low-rank adapters trained"},
    {"Prompt tuning", "prompt_tuning", "Only a few virtual-token embeddings in front of every input are trained"},
    {"DPO (preference pairs)", "dpo",
     "Direct preference optimisation: the parent learns to prefer the chosen answer of each pair over the rejected "
     "one, held near itself (dpo.beta)"},
    {"Reward model (preference pairs)", "reward_model",
     "The parent with a score head learns to score the chosen answer of each pair above the rejected one "
     "(Bradley-Terry); the first step of RLHF"},
    {"GRPO (rewarded answers)", "grpo",
     "Group-relative policy optimisation: the parent answers each prompt several times, and answers that score above "
     "their group are made likelier, held near the parent (grpo.kl_coef); rewards from reward.*"},
    {"PPO (RLHF)", "ppo",
     "Proximal policy optimisation with a value head: the parent answers prompts, a reward model or the gold rule "
     "scores the answers, and the policy is pushed towards higher reward with a KL leash to the parent (ppo.kl_coef)"},
};

constexpr const char* kChatTemplateKey = "sft.chat_template";

struct Group {
    const char* prefixes; // keys starting with any of these, separated by spaces
    const char* title;
};

// The fields a method does not use are hidden group by group: Qt 6.4's QFormLayout writes past its row array
// when single rows are hidden (seen under valgrind), so no row of a form is ever hidden alone.
constexpr Group kGroups[] = {{"model.", "Model"},
                             {"train.", "Training"},
                             {"data.corpus data.val_fraction data.cache_dir", "Data"},
                             {"tokenizer.", "Tokenizer"},
                             {"init_from data.train data.format data.replace sft.", "Fine-tuning"},
                             {"lora.", "LoRA"},
                             {"prompt_tuning.", "Prompt tuning"},
                             {"dpo.", "DPO"},
                             {"reward_model.", "Reward model"},
                             {"grpo.", "GRPO"},
                             {"ppo.", "PPO"},
                             {"reward.", "Reward"}};
constexpr int kGroupCount = static_cast<int>(std::size(kGroups));
enum GroupIndex {
    kModelGroup,
    kTrainGroup,
    kDataGroup,
    kTokenizerGroup,
    kFineTuneGroup,
    kLoraGroup,
    kPromptGroup,
    kDpoGroup,
    kRewardGroup,
    kGrpoGroup,
    kPpoGroup,
    kRewardSourceGroup
};

QString pathPlaceholder(const std::string& key)
{
    if (key == "data.cache_dir")
        return QObject::tr("default (~/.cache/tunebench/tokens)");
    if (key == "data.train")
        return QObject::tr("a dataset file: Alpaca, ShareGPT, messages, prompt/completion, ...");
    if (key == "init_from")
        return QObject::tr("pick a parent above, or a run folder or checkpoint");
    if (key == "sft.forgetting_corpus")
        return QObject::tr("empty: held-out text of the parent's corpus");
    return QObject::tr("open a corpus in the Data panel");
}

bool inGroup(const std::string& key, const Group& group)
{
    std::string_view prefixes = group.prefixes;
    while (!prefixes.empty()) {
        const auto space = prefixes.find(' ');
        if (key.rfind(prefixes.substr(0, space), 0) == 0)
            return true;
        prefixes = space == std::string_view::npos ? std::string_view() : prefixes.substr(space + 1);
    }
    return false;
}

QString keyLabel(const std::string& key) { return QString::fromStdString(key.substr(key.find('.') + 1)); }

QString duration(double seconds)
{
    if (seconds < 1.0)
        return QStringLiteral("%1 ms").arg(QLocale().toString(seconds * 1000.0, 'f', seconds < 0.01 ? 1 : 0));
    if (seconds < 120.0)
        return QStringLiteral("%1 s").arg(QLocale().toString(seconds, 'f', seconds < 10 ? 1 : 0));
    if (seconds < 7200.0)
        return QStringLiteral("%1 min").arg(QLocale().toString(seconds / 60.0, 'f', 0));
    return QStringLiteral("%1 h").arg(QLocale().toString(seconds / 3600.0, 'f', 1));
}

/// A finding for display: a sentence starts with a capital, unless it starts with a key name.
QString sentence(const std::string& message)
{
    QString text = QString::fromStdString(message);
    const QString firstWord = text.section(QLatin1Char(' '), 0, 0);
    if (!text.isEmpty() && !firstWord.contains(QLatin1Char('.')))
        text[0] = text[0].toUpper();
    if (!text.endsWith(QLatin1Char('.')))
        text += QLatin1Char('.');
    return text;
}

/// What 0 means for keys where it is a setting of its own.
QString zeroMeaning(const std::string& key)
{
    if (key == "train.threads")
        return QObject::tr("0 (every core)");
    if (key == "train.lr_decay_steps")
        return QObject::tr("0 (= max_steps)");
    if (key == "tokenizer.vocab_size")
        return QObject::tr("0 (tokenizer's choice)");
    return {};
}

QIcon severityIcon(const QStyle* style, core::Severity s)
{
    switch (s) {
    case core::Severity::Error: return style->standardIcon(QStyle::SP_MessageBoxCritical);
    case core::Severity::Warning: return style->standardIcon(QStyle::SP_MessageBoxWarning);
    case core::Severity::Info: return style->standardIcon(QStyle::SP_MessageBoxInformation);
    }
    return {};
}

/// Lays the form beside the run box and the checks when the panel is wide, above them when it is narrow (a dock on
/// a laptop screen), so that neither is squeezed to a sliver; stacked, the form gets the height and the checks a
/// few lines (they scroll).
class DirectionByWidth : public QObject {
public:
    DirectionByWidth(QBoxLayout* layout, QWidget* checks, int wideFrom, QObject* parent)
        : QObject(parent), m_layout(layout), m_checks(checks), m_wideFrom(wideFrom)
    {
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Resize) {
            const int width = static_cast<QResizeEvent*>(event)->size().width();
            const auto direction = width >= m_wideFrom ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom;
            if (m_layout->direction() != direction) {
                m_layout->setDirection(direction);
                const bool wide = direction == QBoxLayout::LeftToRight;
                m_layout->setStretch(1, wide ? 2 : 0);
                m_checks->setMaximumHeight(wide ? QWIDGETSIZE_MAX : 7 * m_checks->fontMetrics().height());
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QBoxLayout* m_layout;
    QWidget* m_checks;
    int m_wideFrom;
};

} // namespace

RunSetupPanel::RunSetupPanel(QWidget* parent)
    : QWidget(parent), m_machine(core::probeMachine()), m_throughput(core::matmulThroughput())
{
    // Method and preset.
    m_method = new QComboBox(this);
    m_method->setObjectName("method");
    for (const auto& m : kMethods) {
        m_method->addItem(tr(m.label), QString::fromLatin1(m.method));
        m_method->setItemData(m_method->count() - 1, tr(m.tip), Qt::ToolTipRole);
    }
    m_preset = new QComboBox(this);
    m_preset->setObjectName("preset");
    // Its entries are long (estimates included): sized to a few characters, not to them, so the dock stays narrow.
    m_preset->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_preset->setMinimumContentsLength(12);
    m_preset->addItem(tr("Custom"), QString());
    for (const auto& p : core::modelPresets()) {
        const auto e = core::estimateRun(core::applyPreset(core::RunConfig{}, p), 65, m_throughput);
        m_preset->addItem(tr("%1: %2 parameters, %3, ~%4 per step")
                              .arg(QString::fromStdString(p.name), shortCount(e.parameters),
                                   QString::fromStdString(core::formatBytes(e.trainingBytes)),
                                   duration(e.secondsPerStep)),
                          QString::fromStdString(p.name));
        m_preset->setItemData(m_preset->count() - 1, QString::fromStdString(p.description), Qt::ToolTipRole);
    }
    m_preset->addItem(tr("Fine-tune demo"), QString::fromLatin1(kDemoData));
    setFineTuneDemo({}); // disabled until the application names the file
    m_preset->setToolTip(tr("Model presets set the model's shape, batch, steps and learning rate together. "
                            "Estimates in the list assume a 65-character vocabulary."));
    m_estimates = new QLabel(this);
    m_estimates->setObjectName("estimates");
    m_estimates->setWordWrap(true);
    m_estimates->setToolTip(tr("Parameters and memory follow nanoGPT's formulas; the time per step divides the "
                               "step's floating-point operations by this machine's measured matrix-multiply "
                               "speed, so real steps are somewhat slower."));
    m_trainable = new QLabel(this);
    m_trainable->setObjectName("trainable");
    m_trainable->setWordWrap(true);
    m_trainable->setToolTip(tr("Parameters the optimizer updates, of the model's total. LoRA trains r x (in + out) "
                               "per adapted projection and layer; prompt tuning trains its virtual tokens only."));
    auto* runBox = new QGroupBox(tr("Run"), this);
    auto* runForm = new QFormLayout(runBox);
    runForm->addRow(tr("Method"), m_method);
    runForm->addRow(tr("Preset"), m_preset);
    runForm->addRow(tr("Estimates"), m_estimates);
    runForm->addRow(tr("Parameters"), m_trainable);

    // One form field per key of the key table, grouped by section.
    auto* fieldsHost = new QWidget(this);
    auto* grid = new QGridLayout(fieldsHost);
    grid->setContentsMargins(0, 0, 0, 0);
    QFormLayout* forms[kGroupCount] = {};
    // One column, so no field is cut off in a narrow dock: Fine-tuning, Reward, GRPO, PPO, DPO, Reward model, LoRA,
    // Prompt tuning (each shown for its methods), then Model, Training, Data, Tokenizer. A row per group, in
    // kGroups' order (a missing entry would be row 0, on top of Fine-tuning).
    constexpr int kGridRow[] = {8, 9, 10, 11, 0, 6, 7, 4, 5, 2, 3, 1};
    static_assert(std::size(kGridRow) == kGroupCount);
    for (int g = 0; g < kGroupCount; ++g) {
        auto* box = new QGroupBox(tr(kGroups[g].title), fieldsHost);
        box->setObjectName(QStringLiteral("group ") + QString::fromLatin1(kGroups[g].title));
        forms[g] = new QFormLayout(box);
        forms[g]->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        grid->addWidget(box, kGridRow[g], 0);
        m_groups.push_back(box);
    }
    grid->setRowStretch(kGroupCount, 1);
    for (const auto& info : core::configKeyInfo()) {
        if (info.key == "method")
            continue;
        for (int g = 0; g < kGroupCount; ++g) {
            if (!inGroup(info.key, kGroups[g]))
                continue;
            if (info.key == "init_from") {
                auto* parentLabel = new QLabel(tr("parent"), fieldsHost);
                QWidget* picker = makeParentPicker();
                parentLabel->setBuddy(m_parentPicker);
                forms[g]->addRow(parentLabel, picker);
                forms[g]->addRow(QString(), m_parentInfo);
            }
            Field field{info, makeEditor(info)};
            const QString tip = QStringLiteral("<p><b>%1</b> (default %2)</p><p>%3</p>")
                                    .arg(QString::fromStdString(info.key),
                                         info.defaultValue.empty() ? tr("empty")
                                                                   : QString::fromStdString(info.defaultValue),
                                         QString::fromStdString(info.description).toHtmlEscaped());
            field.editor->setToolTip(tip);
            auto* label = new QLabel(keyLabel(info.key), fieldsHost);
            label->setToolTip(tip);
            label->setBuddy(field.editor);
            field.row = makeRow(field);
            field.label = label;
            forms[g]->addRow(label, field.row);
            m_fields.push_back(field);
        }
    }
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(fieldsHost);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    // Pre-flight findings and actions.
    auto* checksBox = new QGroupBox(tr("Pre-flight checks"), this);
    m_findingList = new QListWidget(checksBox);
    m_findingList->setObjectName("findings");
    m_findingList->setWordWrap(true);
    m_findingList->setSelectionMode(QAbstractItemView::NoSelection);
    m_findingList->setFocusPolicy(Qt::NoFocus);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    m_findingList->setIconSize(QSize(iconSize, iconSize));
    m_findingList->setSpacing(2);
    auto* checksLayout = new QVBoxLayout(checksBox);
    checksLayout->addWidget(m_findingList);
    m_message = new QLabel(this);
    m_message->setObjectName("message");
    m_message->setWordWrap(true);
    m_message->hide();

    auto* load = new QPushButton(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Load..."), this);
    load->setToolTip(tr("Load a setup YAML file (the format tunebench-cli reads)"));
    auto* save = new QPushButton(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Save..."), this);
    save->setToolTip(tr("Save this setup as YAML for tunebench-cli --config"));
    auto* command = new QPushButton(tr("Show command..."), this);
    command->setToolTip(tr("The tunebench-cli command line that runs this setup"));
    m_start = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"), this);
    m_start->setObjectName("start");
    m_start->setDefault(true);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(load);
    buttons->addWidget(save);
    buttons->addWidget(command);
    buttons->addStretch(1);
    buttons->addWidget(m_start);

    auto* right = new QVBoxLayout;
    right->addWidget(runBox);
    right->addWidget(checksBox, 1);
    auto* columns = new QBoxLayout(QBoxLayout::LeftToRight);
    columns->addWidget(scroll, 3);
    columns->addLayout(right, 2);
    installEventFilter(new DirectionByWidth(columns, checksBox, 600, this));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addWidget(m_message);
    layout->addLayout(buttons);

    connect(m_method, &QComboBox::currentIndexChanged, this, [this] { readForm(); });
    connect(m_preset, &QComboBox::activated, this, [this](int index) {
        const QString name = m_preset->itemData(index).toString();
        if (name == QLatin1String(kDemoData))
            loadFineTuneDemo();
        else if (!name.isEmpty())
            applyPreset(name);
    });
    connect(m_findingList, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        const std::string key = item->data(Qt::UserRole).toString().toStdString();
        for (const Field& f : m_fields)
            if (f.info.key == key)
                f.editor->setFocus();
    });
    connect(load, &QPushButton::clicked, this, &RunSetupPanel::openSetup);
    connect(save, &QPushButton::clicked, this, &RunSetupPanel::saveSetupAs);
    connect(command, &QPushButton::clicked, this, &RunSetupPanel::showCommand);
    connect(m_start, &QPushButton::clicked, this, [this] {
        if (canStart())
            emit startRequested();
    });

    setConfig(core::RunConfig{});
}

QWidget* RunSetupPanel::makeEditor(const core::ConfigKeyInfo& info)
{
    QWidget* editor = nullptr;
    switch (info.type) {
    case core::ConfigKeyType::Int: {
        auto* spin = new QSpinBox(this);
        spin->setRange(0, INT_MAX);
        spin->setGroupSeparatorShown(false);
        spin->setAccelerated(true);
        spin->setSpecialValueText(zeroMeaning(info.key));
        connect(spin, &QSpinBox::valueChanged, this, [this] { readForm(); });
        editor = spin;
        break;
    }
    case core::ConfigKeyType::Bool: {
        auto* check = new QCheckBox(this);
        connect(check, &QCheckBox::toggled, this, [this] { readForm(); });
        editor = check;
        break;
    }
    case core::ConfigKeyType::Choice: {
        auto* combo = new QComboBox(this);
        for (const auto& c : info.choices)
            combo->addItem(QString::fromStdString(c));
        connect(combo, &QComboBox::currentIndexChanged, this, [this] { readForm(); });
        editor = combo;
        break;
    }
    case core::ConfigKeyType::Number:
    case core::ConfigKeyType::Path:
    case core::ConfigKeyType::Text: {
        if (info.key == kChatTemplateKey) {
            auto* text = new QPlainTextEdit(this);
            text->setPlaceholderText(tr("Empty: the built-in chat template (docs/fine-tuning.md)"));
            text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
            text->setFixedHeight(text->fontMetrics().lineSpacing() * 5 + 12);
            text->setLineWrapMode(QPlainTextEdit::NoWrap);
            connect(text, &QPlainTextEdit::textChanged, this, [this] { readForm(); });
            editor = text;
            break;
        }
        auto* line = new QLineEdit(this);
        if (info.type == core::ConfigKeyType::Path)
            line->setPlaceholderText(pathPlaceholder(info.key));
        else if (info.key == "data.format")
            line->setPlaceholderText(tr("detect from the records"));
        connect(line, &QLineEdit::textChanged, this, [this] { readForm(); });
        editor = line;
        break;
    }
    }
    editor->setObjectName(QString::fromStdString(info.key));
    return editor;
}

QWidget* RunSetupPanel::makeRow(const Field& field)
{
    const std::string& key = field.info.key;
    if (key != kChatTemplateKey && key != "data.train")
        return field.editor;
    auto* row = new QWidget(this);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(field.editor, 1);
    if (key == kChatTemplateKey) {
        auto* reset = new QPushButton(tr("Default"), row);
        reset->setObjectName("chatTemplateDefault");
        reset->setToolTip(tr("Use the built-in chat template again (the field becomes empty)"));
        layout->addWidget(reset, 0, Qt::AlignTop);
        auto* text = qobject_cast<QPlainTextEdit*>(field.editor);
        connect(reset, &QPushButton::clicked, this, [text] { text->clear(); });
    } else {
        auto* browse = new QPushButton(tr("Browse..."), row);
        browse->setObjectName("browseDataTrain");
        browse->setToolTip(tr("Choose the dataset to fine-tune on"));
        layout->addWidget(browse);
        auto* line = qobject_cast<QLineEdit*>(field.editor);
        connect(browse, &QPushButton::clicked, this, [this, line] {
            const QString file = QFileDialog::getOpenFileName(
                this, tr("Fine-tuning dataset"), QFileInfo(line->text()).absolutePath(),
                tr("Datasets (*.json *.jsonl *.csv *.gz *.txt);;All files (*)"));
            if (!file.isEmpty())
                line->setText(file);
        });
    }
    return row;
}

const RunSetupPanel::Field* RunSetupPanel::field(const std::string& key) const
{
    for (const Field& f : m_fields)
        if (f.info.key == key)
            return &f;
    return nullptr;
}

core::RunConfig RunSetupPanel::effectiveConfig() const
{
    core::RunConfig c = m_config;
    if (c.isFineTuning() && m_parentConfig) {
        c.model.vocabSize = m_parentConfig->model.vocabSize;
        c.model.blockSize = m_parentConfig->model.blockSize;
        c.model.nLayer = m_parentConfig->model.nLayer;
        c.model.nHead = m_parentConfig->model.nHead;
        c.model.nEmbd = m_parentConfig->model.nEmbd;
        c.model.bias = m_parentConfig->model.bias;
        c.tokenizer = m_parentConfig->tokenizer;
    }
    return c;
}

void RunSetupPanel::updateMethodFields()
{
    const std::string& method = m_config.method;
    const bool fineTuning = m_config.isFineTuning();
    // The parent brings the model, the tokenizer and the corpus its forgetting is measured on.
    m_groups[kModelGroup]->setVisible(!fineTuning);
    m_groups[kTokenizerGroup]->setVisible(!fineTuning);
    m_groups[kFineTuneGroup]->setVisible(fineTuning);
    m_groups[kLoraGroup]->setVisible(m_config.usesLora());
    m_groups[kPromptGroup]->setVisible(method == "prompt_tuning");
    m_groups[kDpoGroup]->setVisible(method == "dpo");
    m_groups[kRewardGroup]->setVisible(method == "reward_model");
    m_groups[kGrpoGroup]->setVisible(method == "grpo");
    m_groups[kPpoGroup]->setVisible(method == "ppo");
    m_groups[kRewardSourceGroup]->setVisible(method == "grpo" || method == "ppo");
    if (const Field* corpus = field("data.corpus")) {
        corpus->editor->setEnabled(!fineTuning);
        corpus->label->setEnabled(!fineTuning);
    }

    QString info;
    if (m_parentConfig) {
        const auto& m = m_parentConfig->model;
        info = tr("%1 layers x %2 wide, %3 heads, context %4, vocabulary %5 (%6 tokenizer): %7 parameters")
                   .arg(m.nLayer)
                   .arg(m.nEmbd)
                   .arg(m.nHead)
                   .arg(m.blockSize)
                   .arg(m.vocabSize)
                   .arg(QString::fromStdString(m_parentConfig->tokenizer.kind), shortCount(m.parameterCount()));
    } else {
        info = m_parentProblem.isEmpty() ? tr("The parent brings the model's shape and the tokenizer.") : m_parentProblem;
    }
    m_parentInfo->setText(info);
    syncParentPicker();
}

QString RunSetupPanel::editorText(const Field& field) const
{
    if (auto* spin = qobject_cast<QSpinBox*>(field.editor))
        return QString::number(spin->value());
    if (auto* check = qobject_cast<QCheckBox*>(field.editor))
        return check->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
    if (auto* combo = qobject_cast<QComboBox*>(field.editor))
        return combo->currentText();
    if (auto* line = qobject_cast<QLineEdit*>(field.editor))
        return line->text().trimmed();
    if (auto* plain = qobject_cast<QPlainTextEdit*>(field.editor))
        return plain->toPlainText(); // a template's spaces and newlines are its own
    return {};
}

void RunSetupPanel::setEditorText(const Field& field, const QString& text)
{
    if (auto* spin = qobject_cast<QSpinBox*>(field.editor)) {
        spin->setValue(static_cast<int>(std::min<qlonglong>(text.toLongLong(), INT_MAX)));
    } else if (auto* check = qobject_cast<QCheckBox*>(field.editor)) {
        check->setChecked(text == QLatin1String("true"));
    } else if (auto* combo = qobject_cast<QComboBox*>(field.editor)) {
        if (combo->findText(text) < 0)
            combo->addItem(text); // an unknown value stays visible, and pre-flight names it
        combo->setCurrentText(text);
    } else if (auto* line = qobject_cast<QLineEdit*>(field.editor)) {
        line->setText(text);
        line->setCursorPosition(0);
    } else if (auto* plain = qobject_cast<QPlainTextEdit*>(field.editor)) {
        if (plain->toPlainText() != text)
            plain->setPlainText(text);
    }
}

void RunSetupPanel::setConfig(const core::RunConfig& config)
{
    m_filling = true;
    const int methodIndex = m_method->findData(QString::fromStdString(config.method));
    if (methodIndex >= 0)
        m_method->setCurrentIndex(methodIndex);
    for (const Field& f : m_fields)
        setEditorText(f, QString::fromStdString(core::configValue(config, f.info.key)));
    m_filling = false;
    m_config = config;
    m_parseFindings.clear();
    readForm();
}

void RunSetupPanel::readForm()
{
    if (m_filling)
        return;
    core::RunConfig c = m_config;
    m_parseFindings.clear();
    const QString method = m_method->currentData().toString();
    if (!method.isEmpty())
        c.method = method.toStdString();
    for (const Field& f : m_fields) {
        try {
            core::applyOverride(c, f.info.key + "=" + editorText(f).toStdString());
        } catch (const core::InputError& e) {
            m_parseFindings.push_back({core::Severity::Error, f.info.key, f.info.key + " " + e.message()});
        }
    }
    m_config = c;
    refresh();
    emit configChanged();
}

std::optional<core::TokenSplit> RunSetupPanel::corpusSplit() const
{
    if (m_config.isFineTuning() || !m_corpusStats || m_corpusStats->path != m_config.data.corpus)
        return std::nullopt;
    return core::splitTokens(*m_corpusStats, m_config.tokenizer, m_config.data.valFraction);
}

void RunSetupPanel::refresh()
{
    resolveParent();
    updateMethodFields();
    m_findings = m_parseFindings;
    if (m_config.isFineTuning() && !m_config.initFrom.empty() && !m_parentConfig && !m_parentProblem.isEmpty())
        m_findings.push_back({m_parentMissing ? core::Severity::Error : core::Severity::Warning, "init_from",
                              m_parentProblem.toStdString()});
    for (auto& f : core::preflight(effectiveConfig(), m_machine, corpusSplit(), fineTuneData()))
        m_findings.push_back(std::move(f));
    std::stable_sort(m_findings.begin(), m_findings.end(),
                     [](const core::Finding& a, const core::Finding& b) { return int(a.severity) < int(b.severity); });

    m_findingList->clear();
    for (const auto& f : m_findings) {
        auto* item = new QListWidgetItem(severityIcon(style(), f.severity), sentence(f.message));
        item->setData(Qt::UserRole, QString::fromStdString(f.key));
        item->setToolTip(f.key.empty() ? QString() : tr("Click to edit %1").arg(QString::fromStdString(f.key)));
        m_findingList->addItem(item);
    }
    if (m_findings.empty())
        m_findingList->addItem(new QListWidgetItem(style()->standardIcon(QStyle::SP_DialogApplyButton),
                                                   tr("No problems found. Ready to start.")));
    m_start->setEnabled(canStart());
    m_start->setToolTip(canStart() ? tr("Start training with this setup")
                                   : tr("Fix the errors listed under Pre-flight checks first"));

    // The preset picker follows the form: a model preset, the fine-tune demo, or Custom.
    const QString preset = m_config.isFineTuning()
                               ? (isFineTuneDemo() ? QString::fromLatin1(kDemoData) : QString())
                               : QString::fromStdString(core::matchingPreset(m_config));
    m_preset->setCurrentIndex(std::max(m_preset->findData(preset), 0));
    m_estimates->setText(estimateText());
    m_trainable->setText(trainableText());
}

QString RunSetupPanel::estimateText() const
{
    const core::RunConfig config = effectiveConfig();
    if (!config.model.validate().empty())
        return tr("(fix the model's shape to see estimates)");
    const auto split = corpusSplit();
    const int64_t vocab = split && split->vocabSize > 0 ? split->vocabSize : 0;
    const auto e = core::estimateRun(config, vocab, m_throughput);
    QString text = tr("%1 parameters, %2 of memory for training")
                       .arg(shortCount(e.parameters), QString::fromStdString(core::formatBytes(e.trainingBytes)));
    if (e.secondsPerStep > 0)
        text += tr(", ~%1 per step (~%2 for %3 steps)")
                    .arg(duration(e.secondsPerStep), duration(e.secondsPerStep * double(m_config.train.maxSteps)),
                         QLocale().toString(static_cast<qlonglong>(m_config.train.maxSteps)));
    if (config.isFineTuning())
        text += m_parentConfig ? tr(" (the parent's model; the optimizer state counts all weights)")
                               : tr(" (for the form's model until a parent is chosen)");
    else if (!split)
        text += tr(". Vocabulary of %1 until a corpus is open.").arg(m_config.model.vocabSize);
    return text;
}

bool RunSetupPanel::canStart() const { return !core::hasErrors(m_findings); }

void RunSetupPanel::setCorpus(const QString& path)
{
    for (const Field& f : m_fields)
        if (f.info.key == "data.corpus")
            setEditorText(f, path);
}

void RunSetupPanel::setCorpusStats(const core::CorpusStats& stats)
{
    m_corpusStats = stats;
    refresh();
}

void RunSetupPanel::applyPreset(const QString& name)
{
    const core::ModelPreset* preset = core::findPreset(name.toStdString());
    if (preset)
        setConfig(core::applyPreset(m_config, *preset));
}

QString RunSetupPanel::message() const { return m_message->isHidden() ? QString() : m_message->text(); }

void RunSetupPanel::showMessage(const QString& text)
{
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

} // namespace tb::ui
