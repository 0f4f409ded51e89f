// SPDX-License-Identifier: MIT
// RunSetupPanel's fine-tuning side: the parent picker (project runs, a browsed run folder or checkpoint) and the
// parent's config it reads, the trainable-parameter count, the data handed in by the Data and Rate panels, and the
// fine-tune demo preset. The rest of the panel is in run_setup_panel.cpp.
#include "ui/panels/run_setup_panel.h"
#include "ui/panels/run_setup_panel_detail.h"

#include "core/model/adapter_count.h"
#include "core/tokenizer/tokenizer.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QStandardItemModel>

#include <algorithm>
#include <filesystem>

namespace tb::ui {

using run_setup_detail::kDemoData;
using run_setup_detail::shortCount;

namespace {

/// The run folder's config.yaml of an init_from path: the folder itself, or the folder above checkpoints/.
std::filesystem::path parentConfigFile(const std::filesystem::path& initFrom)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(initFrom, ec))
        return initFrom / "config.yaml";
    const fs::path dir = initFrom.parent_path();
    return (dir.filename() == "checkpoints" ? dir.parent_path() : dir) / "config.yaml";
}

} // namespace

QWidget* RunSetupPanel::makeParentPicker()
{
    auto* row = new QWidget(this);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    m_parentPicker = new QComboBox(row);
    m_parentPicker->setObjectName("parentPicker");
    m_parentPicker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_parentPicker->setMinimumContentsLength(16);
    m_parentPicker->setToolTip(tr("The run (and its checkpoint) to start from: its weights, model shape and "
                                  "tokenizer. Runs of the open project, newest first."));
    auto* browse = new QPushButton(tr("Browse..."), row);
    browse->setObjectName("browseParent");
    auto* menu = new QMenu(browse);
    menu->addAction(tr("Run folder..."), this, [this] { browseParent(true); });
    menu->addAction(tr("Checkpoint file..."), this, [this] { browseParent(false); });
    browse->setMenu(menu);
    layout->addWidget(m_parentPicker, 1);
    layout->addWidget(browse);
    m_parentInfo = new QLabel(this);
    m_parentInfo->setObjectName("parentInfo");
    m_parentInfo->setWordWrap(true);
    connect(m_parentPicker, &QComboBox::activated, this, [this](int index) {
        const QString path = m_parentPicker->itemData(index).toString();
        if (const Field* f = field("init_from"); f && !path.isEmpty())
            setEditorText(*f, path);
    });
    setParentCandidates({});
    return row;
}

void RunSetupPanel::browseParent(bool folder)
{
    const Field* f = field("init_from");
    const QString current = f ? editorText(*f) : QString();
    const QString path = folder ? QFileDialog::getExistingDirectory(this, tr("Parent run folder"), current)
                                : QFileDialog::getOpenFileName(this, tr("Parent checkpoint"), current,
                                                               tr("Checkpoints (*.safetensors);;All files (*)"));
    if (!path.isEmpty() && f)
        setEditorText(*f, path);
}

QList<ParentCandidate> RunSetupPanel::parentCandidatesOf(const std::vector<core::RunRecord>& runs)
{
    std::vector<const core::RunRecord*> order;
    for (const auto& r : runs)
        order.push_back(&r);
    std::stable_sort(order.begin(), order.end(),
                     [](const core::RunRecord* a, const core::RunRecord* b) { return a->createdAt > b->createdAt; });
    QList<ParentCandidate> out;
    for (const core::RunRecord* r : order) {
        const core::RunDirectory dir(r->runDir);
        const QString name = QString::fromStdString(r->name.empty() ? r->id : r->name);
        const QString method = QString::fromStdString(r->method);
        std::error_code ec;
        if (std::filesystem::exists(dir.bestCheckpoint(), ec))
            out.push_back({r->bestValLoss ? tr("%1 (%2): best, val loss %3")
                                                .arg(name, method, QString::number(*r->bestValLoss, 'f', 3))
                                          : tr("%1 (%2): best").arg(name, method),
                           QString::fromStdString(dir.bestCheckpoint().string())});
        if (std::filesystem::exists(dir.latestCheckpoint(), ec))
            out.push_back({tr("%1 (%2): latest, step %3").arg(name, method).arg(r->steps),
                           QString::fromStdString(dir.latestCheckpoint().string())});
    }
    return out;
}

void RunSetupPanel::setParentCandidates(const QList<ParentCandidate>& candidates)
{
    const QSignalBlocker block(m_parentPicker);
    m_parentPicker->clear();
    m_parentPicker->addItem(candidates.isEmpty() ? tr("(no runs with a checkpoint in this project)")
                                                 : tr("Choose a parent run..."),
                            QString());
    for (const auto& c : candidates) {
        m_parentPicker->addItem(c.label, c.path);
        m_parentPicker->setItemData(m_parentPicker->count() - 1, QDir::toNativeSeparators(c.path), Qt::ToolTipRole);
    }
    syncParentPicker();
    if (m_findingList) { // a run may have written the parent's config.yaml since it was last read
        m_parentStale = true;
        refresh();
    }
}

void RunSetupPanel::syncParentPicker()
{
    if (!m_parentPicker)
        return;
    const QSignalBlocker block(m_parentPicker);
    const int index = m_config.initFrom.empty() ? 0 : m_parentPicker->findData(QString::fromStdString(m_config.initFrom));
    m_parentPicker->setCurrentIndex(std::max(index, 0));
}

void RunSetupPanel::resolveParent()
{
    if (!m_parentStale && m_config.initFrom == m_parentPath)
        return;
    m_parentStale = false;
    m_parentPath = m_config.initFrom;
    m_parentConfig.reset();
    m_parentProblem.clear();
    m_parentMissing = false;
    if (m_parentPath.empty())
        return;
    std::error_code ec;
    if (!std::filesystem::exists(m_parentPath, ec)) {
        m_parentProblem = tr("init_from names %1, which does not exist").arg(QString::fromStdString(m_parentPath));
        m_parentMissing = true;
        return;
    }
    const auto file = parentConfigFile(m_parentPath);
    if (!std::filesystem::exists(file, ec)) {
        m_parentProblem = tr("No config.yaml in the parent's run folder: its model shows once the run starts");
        return;
    }
    try {
        m_parentConfig = core::loadRunConfig(file);
    } catch (const std::exception& e) {
        m_parentProblem = tr("Cannot read the parent's config: %1").arg(QString::fromUtf8(e.what()));
        return;
    }
    // The vocabulary is the tokenizer's, which the run stored beside its config.
    QFile tokenizer(QString::fromStdString((file.parent_path() / "tokenizer.json").string()));
    if (tokenizer.open(QIODevice::ReadOnly)) {
        try {
            m_parentConfig->model.vocabSize = core::loadTokenizer(tokenizer.readAll().toStdString())->vocabSize();
        } catch (const std::exception&) {
            // e.g. a SentencePiece tokenizer without its plugin: the count keeps the config's vocabulary
        }
    }
}

QString RunSetupPanel::trainableText() const
{
    const core::RunConfig c = effectiveConfig();
    if (c.isFineTuning() && !m_parentConfig)
        return tr("Trainable: pick a parent run to count its parameters");
    core::GptConfig model = c.model;
    if (const auto split = corpusSplit(); split && split->vocabSize > 0)
        model.vocabSize = split->vocabSize;
    if (!model.validate().empty())
        return tr("Trainable: (fix the model's shape to count)");
    const int64_t total = model.parameterCount();
    const int64_t trainable =
        core::trainableParameterCount(model, c.usesLora() ? std::string("lora") : c.method, c.lora, c.promptTuning);
    const double share = total > 0 ? 100.0 * double(trainable) / double(total) : 0.0;
    const int decimals = share >= 99.95 ? 0 : share >= 0.1 ? 1 : 2;
    return tr("Trainable: %1 of %2 parameters (%3%)")
        .arg(shortCount(trainable), shortCount(total), QLocale().toString(share, 'f', decimals));
}

void RunSetupPanel::setFineTuningData(const QString& path, const QString& format)
{
    static const QStringList preferenceFormats = {QStringLiteral("preference"), QStringLiteral("preference-implicit"),
                                                  QStringLiteral("llamafactory-preference"), QStringLiteral("hh-rlhf")};
    core::RunConfig c = m_config;
    c.data.train = path.toStdString();
    c.data.format = format.toStdString();
    const bool preferenceMethod = c.method == "dpo" || c.method == "reward_model";
    if (preferenceFormats.contains(format)) {
        if (!preferenceMethod) // a reward model stays one
            c.method = "dpo";
    } else if (!c.isFineTuning() || preferenceMethod) {
        c.method = "sft";
    }
    setConfig(c);
}

void RunSetupPanel::setPreferenceTuning(const QString& preferenceFile, const QString& parentRun)
{
    core::RunConfig c = m_config;
    c.method = "dpo";
    c.data.train = preferenceFile.toStdString();
    c.data.format = "preference";
    c.initFrom = parentRun.toStdString();
    setConfig(c);
}

void RunSetupPanel::setFineTuneDemo(const QString& file)
{
    m_demoFile = file;
    const int index = m_preset->findData(QString::fromLatin1(kDemoData));
    auto* model = qobject_cast<QStandardItemModel*>(m_preset->model());
    const bool available = !file.isEmpty() && QFileInfo::exists(file);
    if (QStandardItem* item = model->item(index)) {
        item->setEnabled(available);
        item->setToolTip(available ? tr("SFT of the demo model on identity data: afterwards it answers \"Who are "
                                        "you?\" with its name. Pretrain the demo first; it is the parent.")
                                   : tr("Not available: the demo setup (resources/demo/identity_sft.yaml) is "
                                        "missing from this installation"));
    }
}

bool RunSetupPanel::loadFineTuneDemo()
{
    QString error;
    if (m_demoFile.isEmpty() || !loadSetup(m_demoFile, &error)) {
        showMessage(tr("Could not load the fine-tune demo: %1")
                        .arg(error.isEmpty() ? tr("its setup file is missing") : error));
        return false;
    }
    showMessage(tr("Loaded the fine-tune demo (identity). Check its parent under Fine-tuning, then Start."));
    return true;
}

} // namespace tb::ui
