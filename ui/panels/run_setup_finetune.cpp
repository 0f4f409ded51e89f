// SPDX-License-Identifier: MIT
// RunSetupPanel's fine-tuning side: the parent picker (project runs, a browsed run folder or checkpoint) and the
// parent's config it reads, the trainable-parameter count, the data handed in by the Data and Rate panels, and the
// fine-tune demo preset. The rest of the panel is in run_setup_panel.cpp.
#include "ui/panels/run_setup_panel.h"
#include "ui/panels/run_setup_panel_detail.h"

#include "core/model/adapter_count.h"
#include "core/tokenizer/tokenizer.h"

#include <QComboBox>
#include <QDateTime>
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
    bool newestPretrainFound = false;
    for (const core::RunRecord* r : order) {
        const core::RunDirectory dir(r->runDir);
        const QString name = QString::fromStdString(r->name.empty() ? r->id : r->name);
        const QString method = QString::fromStdString(r->method);
        std::error_code ec;
        if (std::filesystem::exists(dir.bestCheckpoint(), ec)) {
            const bool newestPretrain =
                !newestPretrainFound && r->method == "pretrain" && r->status == core::RunStatus::Completed;
            newestPretrainFound = newestPretrainFound || newestPretrain;
            out.push_back({r->bestValLoss ? tr("%1 (%2): best, val loss %3")
                                                .arg(name, method, QString::number(*r->bestValLoss, 'f', 3))
                                          : tr("%1 (%2): best").arg(name, method),
                           QString::fromStdString(dir.bestCheckpoint().string()), name, newestPretrain});
        }
        if (std::filesystem::exists(dir.latestCheckpoint(), ec))
            out.push_back({tr("%1 (%2): latest, step %3").arg(name, method).arg(r->steps),
                           QString::fromStdString(dir.latestCheckpoint().string()), name, false});
    }
    return out;
}

void RunSetupPanel::setParentCandidates(const QList<ParentCandidate>& candidates)
{
    m_candidates = candidates;
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
    if (m_demoNeedsParent)
        pickDemoParent();
}

const ParentCandidate* RunSetupPanel::newestPretrain() const
{
    for (const ParentCandidate& c : m_candidates)
        if (c.newestPretrain)
            return &c;
    return nullptr;
}

void RunSetupPanel::pickDemoParent()
{
    const ParentCandidate* parent = newestPretrain();
    if (isFineTuneDemo() && m_config.initFrom.empty() && parent) {
        m_demoNeedsParent = false;
        core::RunConfig c = m_config;
        c.initFrom = parent->path.toStdString();
        setConfig(c);
        showMessage(tr("Loaded the fine-tune demo. Parent: %1 (newest completed pretrain run). Press Start.")
                        .arg(parent->runName));
    } else if (isFineTuneDemo() && m_config.initFrom.empty()) {
        m_demoNeedsParent = true;
        showMessage(tr("Loaded the fine-tune demo. It needs a pretrained demo model as its parent: run step 1 "
                       "(the demo pretraining run) first; when it completes, it becomes the parent here."));
    }
}

void RunSetupPanel::syncParentPicker()
{
    if (!m_parentPicker)
        return;
    const QSignalBlocker block(m_parentPicker);
    // An entry added for an init_from that was not in the list (below) goes once init_from changes.
    constexpr int kExtraRole = Qt::UserRole + 1;
    const QString initFrom = QString::fromStdString(m_config.initFrom);
    for (int i = m_parentPicker->count() - 1; i > 0; --i)
        if (m_parentPicker->itemData(i, kExtraRole).toBool() && m_parentPicker->itemData(i).toString() != initFrom)
            m_parentPicker->removeItem(i);
    int index = initFrom.isEmpty() ? 0 : m_parentPicker->findData(initFrom);
    if (index < 0) {
        // A run folder (e.g. from Rate's "Tune on these votes") means its latest checkpoint: name that run.
        const QString latest = QString::fromStdString(core::RunDirectory(m_config.initFrom).latestCheckpoint().string());
        QString label = tr("%1 (init_from)").arg(QDir::toNativeSeparators(initFrom));
        for (const ParentCandidate& c : m_candidates)
            if (c.path == latest)
                label = tr("%1: latest checkpoint (its run folder)").arg(c.runName);
        m_parentPicker->insertItem(1, label, initFrom);
        m_parentPicker->setItemData(1, true, kExtraRole);
        m_parentPicker->setItemData(1, QDir::toNativeSeparators(initFrom), Qt::ToolTipRole);
        index = 1;
    }
    m_parentPicker->setCurrentIndex(index);
}

void RunSetupPanel::resolveParent()
{
    if (!m_parentStale && m_config.initFrom == m_parentPath)
        return;
    m_parentStale = false;
    m_parentPath = m_config.initFrom;
    m_parentConfig.reset();
    m_parentTokenizer.reset();
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
            m_parentTokenizer = core::loadTokenizer(tokenizer.readAll().toStdString());
            m_parentConfig->model.vocabSize = m_parentTokenizer->vocabSize();
        } catch (const std::exception&) {
            // e.g. a SentencePiece tokenizer without its plugin: the count keeps the config's vocabulary
        }
    }
}

std::optional<core::FineTuneDataCounts> RunSetupPanel::fineTuneData()
{
    constexpr qint64 kMaxCheckedBytes = 32 * 1000 * 1000;
    const core::RunConfig c = effectiveConfig();
    const QFileInfo file(QString::fromStdString(c.data.train));
    if (!c.isFineTuning() || !m_parentConfig || !m_parentTokenizer || c.data.train.empty() || !file.isFile() ||
        file.size() > kMaxCheckedBytes || !c.validate().empty())
        return std::nullopt;
    // Everything the counts depend on: the setup, the parent and the file's version.
    const QString key = QString::fromStdString(core::toYaml(c) + m_parentPath) +
                        QString::number(file.size()) + file.lastModified().toString(Qt::ISODateWithMs);
    if (key != m_dataKey) {
        m_dataKey = key;
        m_dataCounts = core::fineTuneDataCounts(c, *m_parentTokenizer, core::fineTuneRowLength(c));
    }
    return m_dataCounts;
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
    m_demoNeedsParent = false;
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
    // A new setup of its own: nothing of an earlier one (e.g. the fine-tune demo's data.replace) stays behind.
    const core::RunConfig defaults;
    core::RunConfig c = m_config;
    c.method = "dpo";
    c.data.train = preferenceFile.toStdString();
    c.data.format = "preference";
    c.data.replace = defaults.data.replace;
    c.sft.lossOn = defaults.sft.lossOn;
    c.initFrom = parentRun.toStdString();
    m_demoNeedsParent = false;
    setConfig(c);
    showMessage(tr("Tune on votes: DPO on the votes exported to %1, starting from the rated model. Check the "
                   "pre-flight findings, then Start.")
                    .arg(QDir::toNativeSeparators(preferenceFile)));
}

void RunSetupPanel::setFineTuneDemo(const QString& file)
{
    m_demoFile = file;
    const int index = m_preset->findData(QString::fromLatin1(kDemoData));
    auto* model = qobject_cast<QStandardItemModel*>(m_preset->model());
    const bool available = !file.isEmpty() && QFileInfo::exists(file);
    if (QStandardItem* item = model->item(index)) {
        item->setEnabled(available);
        item->setToolTip(available ? tr("Step 2 of the demo: SFT of the demo model on its instruction set (short "
                                        "questions and answers about TuneBench, the lighthouse, the recipes and "
                                        "the village). Its parent is the newest completed pretrain run: run the "
                                        "demo pretraining (step 1) first.")
                                   : tr("Not available: the demo setup (resources/demo/finetune_demo.yaml) is "
                                        "missing from this installation"));
    }
    m_demoConfig.reset();
    if (available) {
        try {
            m_demoConfig = core::loadRunConfig(file.toStdString());
        } catch (const std::exception&) {
            // loadFineTuneDemo() says what is wrong when it is chosen
        }
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
    if (m_config.initFrom.empty())
        pickDemoParent();
    else
        showMessage(tr("Loaded the fine-tune demo. Check its parent under Fine-tuning, then Start."));
    return true;
}

bool RunSetupPanel::isFineTuneDemo() const
{
    return m_demoConfig && m_config.method == m_demoConfig->method && m_config.data.train == m_demoConfig->data.train;
}

} // namespace tb::ui
