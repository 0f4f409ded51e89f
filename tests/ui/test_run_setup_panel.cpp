// SPDX-License-Identifier: MIT
#include "ui/panels/run_setup_panel.h"

#include "core/io/run_config.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/ui/ui_test_support.h"

#include <QtTest/QtTest>

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardItemModel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>

using tb::ui::RunSetupPanel;
namespace core = tb::core;

using tb::test::outputDir;
using tb::test::darkPalette;

namespace {

/// Splits a command line into words as a POSIX shell does for plain words, single quotes and backslashes.
QStringList shellWords(const QString& line)
{
    QStringList words;
    QString word;
    bool inWord = false;
    bool quoted = false;
    bool escaped = false;
    for (const QChar c : line) {
        if (escaped) {
            word += c;
            escaped = false;
        } else if (quoted) {
            if (c == '\'')
                quoted = false;
            else
                word += c;
        } else if (c == '\'') {
            quoted = true;
            inWord = true;
        } else if (c == '\\') {
            escaped = true;
            inWord = true;
        } else if (c == ' ') {
            if (inWord)
                words << word;
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (inWord)
        words << word;
    return words;
}

/// What tunebench-cli makes of the command: the --config file, then every --set in order.
core::RunConfig configOfCommand(const QString& line, const QString& fallbackConfigFile)
{
    const QStringList words = shellWords(line);
    core::RunConfig config;
    for (int i = 2; i + 1 < words.size(); i += 2) {
        if (words[i] == "--config") {
            const QString file = QFileInfo::exists(words[i + 1]) ? words[i + 1] : fallbackConfigFile;
            config = core::loadRunConfig(file.toStdString());
        } else if (words[i] == "--set") {
            core::applyOverride(config, words[i + 1].toStdString());
        }
    }
    return config;
}

core::CorpusStats statsFor(const QString& path, int64_t characters)
{
    core::CorpusStats s;
    s.path = path.toStdString();
    s.characters = characters;
    s.textBytes = characters;
    s.distinctCharacters = 65;
    return s;
}

bool hasErrorFor(const RunSetupPanel& panel, const std::string& key)
{
    for (const auto& f : panel.findings())
        if (f.severity == core::Severity::Error && f.key == key)
            return true;
    return false;
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

/// A pretraining run folder as a finished run leaves it: config.yaml, tokenizer.json (a char tokenizer of 65
/// characters and <unk>) and both checkpoints (their contents do not matter to the panel).
core::RunRecord makeParentRun(const QString& projectDir, const std::string& id, const std::string& createdAt)
{
    core::RunRecord r;
    r.id = id;
    r.name = "pretrain " + id;
    r.method = "pretrain";
    r.status = core::RunStatus::Completed;
    r.runDir = (projectDir + "/runs/" + QString::fromStdString(id)).toStdString();
    r.createdAt = createdAt;
    r.steps = 400;
    r.bestValLoss = 1.523;
    core::RunConfig c;
    c.data.corpus = "/data/shakespeare.txt";
    writeFile(QString::fromStdString((r.runDir / "config.yaml").string()), QByteArray::fromStdString(core::toYaml(c)));
    const auto tokenizer =
        core::makeTokenizer(c.tokenizer, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ."); // + <unk>
    writeFile(QString::fromStdString((r.runDir / "tokenizer.json").string()),
              QByteArray::fromStdString(tokenizer->serialize()));
    writeFile(QString::fromStdString((r.runDir / "checkpoints/best.safetensors").string()), "x");
    writeFile(QString::fromStdString((r.runDir / "checkpoints/latest.safetensors").string()), "x");
    return r;
}

bool shown(RunSetupPanel& panel, const char* key)
{
    auto* w = panel.findChild<QWidget*>(key);
    return w && w->isVisibleTo(&panel);
}

/// Picks `method`, the first project run as the parent and `data` as data.train, then shows the panel.
void showFineTuning(RunSetupPanel& panel, const std::vector<tb::core::RunRecord>& runs, const char* method,
                    const char* data)
{
    panel.setParentCandidates(RunSetupPanel::parentCandidatesOf(runs));
    auto* picker = panel.findChild<QComboBox*>("method");
    picker->setCurrentIndex(picker->findData(method));
    emit panel.findChild<QComboBox*>("parentPicker")->activated(1);
    panel.findChild<QLineEdit*>("data.train")->setText(data);
    panel.show();
}

} // namespace

class TestRunSetupPanel : public QObject {
    Q_OBJECT
private slots:
    void formShowsEveryKeyWithItsHelp()
    {
        RunSetupPanel panel;
        for (const auto& info : core::configKeyInfo()) {
            if (info.key == "method")
                continue;
            auto* editor = panel.findChild<QWidget*>(QString::fromStdString(info.key));
            QVERIFY2(editor != nullptr, info.key.c_str());
            QVERIFY2(editor->toolTip().contains(QString::fromStdString(info.description).toHtmlEscaped()),
                     info.key.c_str());
        }
        QCOMPARE(core::toYaml(panel.config()), core::toYaml(core::RunConfig{}));
        // Every method can be picked.
        auto* method = panel.findChild<QComboBox*>("method");
        const QStringList labels{"Pretrain",      "SFT (full)",           "SFT (LoRA)",
                                 "Prompt tuning", "DPO (preference pairs)", "Reward model (preference pairs)",
                                 "GRPO (rewarded answers)", "PPO (RLHF)"};
        const QStringList methods{"pretrain", "sft", "lora", "prompt_tuning", "dpo", "reward_model", "grpo", "ppo"};
        QCOMPARE(method->count(), labels.size());
        auto* model = qobject_cast<QStandardItemModel*>(method->model());
        for (int i = 0; i < labels.size(); ++i) {
            QCOMPARE(method->itemText(i), labels[i]);
            QCOMPARE(method->itemData(i).toString(), methods[i]);
            QVERIFY(model->item(i)->isEnabled());
        }
        QCOMPARE(method->currentData().toString(), QString("pretrain"));
    }

    void datasetFromTheDataPanelBecomesFineTuningData()
    {
        RunSetupPanel panel;
        panel.setFineTuningData("/data/identity.json", "alpaca");
        QCOMPARE(panel.config().method, std::string("sft"));
        QCOMPARE(panel.config().data.train, std::string("/data/identity.json"));
        QCOMPARE(panel.config().data.format, std::string("alpaca"));
        QCOMPARE(panel.findChild<QComboBox*>("method")->currentData().toString(), QString("sft"));
        // A LoRA setup stays LoRA.
        core::RunConfig lora = panel.config();
        lora.method = "lora";
        panel.setConfig(lora);
        panel.setFineTuningData("/data/other.jsonl", "");
        QCOMPARE(panel.config().method, std::string("lora"));
        QCOMPARE(panel.config().data.train, std::string("/data/other.jsonl"));
        QVERIFY(panel.config().data.format.empty());
        // Preference pairs make it DPO; SFT data after that makes it SFT again.
        panel.setFineTuningData("/data/dpo_en_demo.json", "llamafactory-preference");
        QCOMPARE(panel.config().method, std::string("dpo"));
        QCOMPARE(panel.findChild<QComboBox*>("method")->currentData().toString(), QString("dpo"));
        panel.setFineTuningData("/data/identity.json", "alpaca");
        QCOMPARE(panel.config().method, std::string("sft"));
        // The Rate tab's votes: DPO on the exported file from the run named.
        panel.setPreferenceTuning("/project/preferences/votes-1.jsonl", "/project/runs/base");
        QCOMPARE(panel.config().method, std::string("dpo"));
        QCOMPARE(panel.config().data.train, std::string("/project/preferences/votes-1.jsonl"));
        QCOMPARE(panel.config().data.format, std::string("preference"));
        QCOMPARE(panel.config().initFrom, std::string("/project/runs/base"));
    }

    void presetChangesTheFields()
    {
        RunSetupPanel panel;
        QSignalSpy changed(&panel, &RunSetupPanel::configChanged);
        auto* preset = panel.findChild<QComboBox*>("preset");
        const int baby = preset->findData("baby");
        QVERIFY(baby > 0);
        QVERIFY(preset->itemText(baby).contains("parameters"));
        emit preset->activated(baby); // as a user's pick
        QVERIFY(changed.count() >= 1);
        QCOMPARE(panel.findChild<QSpinBox*>("model.n_layer")->value(), 6);
        QCOMPARE(panel.findChild<QSpinBox*>("model.n_embd")->value(), 384);
        QCOMPARE(panel.findChild<QSpinBox*>("model.block_size")->value(), 256);
        QCOMPARE(panel.findChild<QSpinBox*>("train.batch_size")->value(), 64);
        QCOMPARE(panel.config().model.nHead, 6);
        QCOMPARE(preset->currentData().toString(), QString("baby"));
        QVERIFY2(panel.estimateText().contains("10.8 M"), qPrintable(panel.estimateText()));

        // Editing a field leaves the preset: it shows Custom.
        panel.findChild<QSpinBox*>("model.n_layer")->setValue(5);
        QCOMPARE(panel.config().model.nLayer, 5);
        QCOMPARE(preset->currentData().toString(), QString());
        panel.applyPreset("small");
        QCOMPARE(panel.config().model.nLayer, 4);
        QCOMPARE(panel.config().model.nEmbd, 128);
        QCOMPARE(preset->currentData().toString(), QString("small"));
    }

    void saveThenLoadGivesTheSameConfig()
    {
        QTemporaryDir dir;
        RunSetupPanel panel;
        panel.applyPreset("tiny");
        panel.setCorpus(dir.filePath("corpus with space.txt"));
        panel.findChild<QLineEdit*>("train.learning_rate")->setText("6e-4");
        panel.findChild<QCheckBox*>("model.bias")->setChecked(false);
        panel.findChild<QComboBox*>("tokenizer.kind")->setCurrentText("byte");
        const core::RunConfig edited = panel.config();
        QCOMPARE(edited.train.learningRate, 6e-4);
        QCOMPARE(edited.model.bias, false);
        QCOMPARE(edited.tokenizer.kind, std::string("byte"));

        const QString file = dir.filePath("setup.yaml");
        QString error;
        QVERIFY2(panel.saveSetup(file, &error), qPrintable(error));
        QCOMPARE(core::toYaml(core::loadRunConfig(file.toStdString())), core::toYaml(edited));

        RunSetupPanel other;
        QVERIFY2(other.loadSetup(file, &error), qPrintable(error));
        QCOMPARE(core::toYaml(other.config()), core::toYaml(edited));
        QCOMPARE(other.findChild<QLineEdit*>("train.learning_rate")->text(), QString("0.0006"));
        QCOMPARE(other.setupFile(), QFileInfo(file).absoluteFilePath());

        // A bad file is refused with its position, and the form stays as it was.
        QFile bad(dir.filePath("bad.yaml"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("model:\n  n_layers: 3\n");
        bad.close();
        QVERIFY(!other.loadSetup(bad.fileName(), &error));
        QVERIFY2(error.contains("bad.yaml:2") && error.contains("model.n_layers"), qPrintable(error));
        QCOMPARE(core::toYaml(other.config()), core::toYaml(edited));
    }

    void commandParsesBackToTheSameConfig()
    {
        QTemporaryDir dir;
        RunSetupPanel panel;
        // Without a saved file: --config setup.yaml holding defaults, plus a --set for each changed key.
        panel.applyPreset("baby");
        panel.setCorpus(dir.filePath("it's here.txt"));
        panel.findChild<QComboBox*>("train.precision")->setCurrentText("bf16");
        const QString defaultsFile = dir.filePath("defaults.yaml");
        QFile f(defaultsFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("method: pretrain\n");
        f.close();
        QString command = panel.commandLine();
        QVERIFY2(command.startsWith("tunebench-cli train --config setup.yaml --set model.n_layer=6"),
                 qPrintable(command));
        QVERIFY(!command.contains("train.seed")); // defaults are not repeated
        QCOMPARE(core::toYaml(configOfCommand(command, defaultsFile)), core::toYaml(panel.config()));

        // With a saved file that the form has moved away from, including back to a default.
        const QString file = dir.filePath("saved.yaml");
        QVERIFY(panel.saveSetup(file));
        panel.findChild<QComboBox*>("train.precision")->setCurrentText("fp32"); // the default again
        panel.findChild<QSpinBox*>("train.max_steps")->setValue(123);
        command = panel.commandLine();
        QVERIFY2(command.contains("--config " + QFileInfo(file).absoluteFilePath()), qPrintable(command));
        QVERIFY(command.contains("--set train.precision=fp32"));
        QCOMPARE(core::toYaml(configOfCommand(command, {})), core::toYaml(panel.config()));
    }

    void preflightErrorsDisableStart()
    {
        RunSetupPanel panel;
        auto* start = panel.findChild<QPushButton*>("start");
        QVERIFY(!panel.canStart()); // no corpus yet
        QVERIFY(hasErrorFor(panel, "data.corpus"));
        QVERIFY(!start->isEnabled());

        const QString corpus = QDir::temp().filePath("corpus.txt");
        panel.setCorpus(corpus);
        panel.setCorpusStats(statsFor(corpus, 100000));
        QVERIFY2(panel.canStart(), qPrintable(QString::fromStdString(panel.findings().front().message)));
        QVERIFY(start->isEnabled());
        QSignalSpy startSpy(&panel, &RunSetupPanel::startRequested);
        start->click();
        QCOMPARE(startSpy.count(), 1);

        panel.findChild<QSpinBox*>("model.n_embd")->setValue(130);
        QVERIFY(hasErrorFor(panel, "model.n_embd"));
        QVERIFY(!start->isEnabled());
        panel.findChild<QSpinBox*>("model.n_embd")->setValue(128);
        QVERIFY(start->isEnabled());

        panel.findChild<QLineEdit*>("train.learning_rate")->setText("fast");
        QVERIFY(hasErrorFor(panel, "train.learning_rate"));
        QVERIFY(!start->isEnabled());
        QCOMPARE(panel.config().train.learningRate, 1e-3); // the last good value
        panel.findChild<QLineEdit*>("train.learning_rate")->setText("1e-3");
        QVERIFY(panel.canStart());

        // A block longer than the validation split (10% of 500 tokens).
        panel.setCorpusStats(statsFor(corpus, 500));
        QVERIFY(hasErrorFor(panel, "model.block_size"));
        QVERIFY(!start->isEnabled());
        const auto* list = panel.findChild<QListWidget*>("findings");
        QVERIFY(list->count() >= 1);
        QVERIFY(list->item(0)->text().contains("validation split has 50 tokens"));

        // Stats of another file do not count for this corpus.
        panel.setCorpusStats(statsFor(QDir::temp().filePath("other.txt"), 500));
        QVERIFY(panel.canStart());
    }

    void methodSwitchingShowsTheRightFields()
    {
        RunSetupPanel panel;
        auto* method = panel.findChild<QComboBox*>("method");
        // Pretraining: model, tokenizer and corpus; nothing of fine-tuning.
        QVERIFY(shown(panel, "model.n_layer") && shown(panel, "tokenizer.kind") && shown(panel, "data.corpus"));
        QVERIFY(shown(panel, "train.learning_rate") && shown(panel, "data.val_fraction"));
        for (const char* key : {"init_from", "parentPicker", "data.train", "data.format", "sft.loss_on",
                                "sft.chat_template", "lora.r", "prompt_tuning.num_virtual_tokens", "dpo.beta"})
            QVERIFY2(!shown(panel, key), key);

        struct Case {
            const char* method;
            bool lora, promptTuning, dpo;
        };
        for (const Case& c : {Case{"sft", false, false, false}, Case{"lora", true, false, false},
                              Case{"prompt_tuning", false, true, false}, Case{"dpo", false, false, true}}) {
            method->setCurrentIndex(method->findData(c.method));
            QCOMPARE(panel.config().method, std::string(c.method));
            // The parent brings the model, tokenizer and corpus.
            for (const char* key : {"model.n_layer", "model.n_embd", "tokenizer.kind"})
                QVERIFY2(!shown(panel, key), key);
            QVERIFY(!panel.findChild<QWidget*>("data.corpus")->isEnabled());
            for (const char* key : {"init_from", "parentPicker", "browseParent", "data.train", "data.format",
                                    "sft.loss_on", "sft.packing", "sft.chat_template", "chatTemplateDefault",
                                    "train.learning_rate", "train.max_steps"})
                QVERIFY2(shown(panel, key), key);
            for (const char* key : {"lora.r", "lora.alpha", "lora.dropout", "lora.targets"})
                QCOMPARE(shown(panel, key), c.lora);
            QCOMPARE(shown(panel, "prompt_tuning.num_virtual_tokens"), c.promptTuning);
            QCOMPARE(shown(panel, "dpo.beta"), c.dpo);
            QCOMPARE(shown(panel, "dpo.adapter"), c.dpo);
            // A fine-tuning run needs a parent and a dataset.
            QVERIFY(hasErrorFor(panel, "init_from"));
            QVERIFY(hasErrorFor(panel, "data.train"));
            QVERIFY(!hasErrorFor(panel, "data.corpus"));
            QVERIFY(!panel.findChild<QPushButton*>("start")->isEnabled());
        }
        // DPO with LoRA adapters shows the LoRA group too.
        method->setCurrentIndex(method->findData("dpo"));
        auto* adapter = panel.findChild<QComboBox*>("dpo.adapter");
        QVERIFY(adapter);
        adapter->setCurrentIndex(adapter->findText("lora"));
        QCOMPARE(panel.config().dpo.adapter, std::string("lora"));
        QVERIFY(shown(panel, "lora.r") && shown(panel, "dpo.beta"));
        method->setCurrentIndex(method->findData("pretrain"));
        QVERIFY(shown(panel, "model.n_layer") && !shown(panel, "lora.r") && !shown(panel, "init_from"));
        QVERIFY(panel.findChild<QWidget*>("data.corpus")->isEnabled());
    }

    void parentPickerSetsInitFrom()
    {
        QTemporaryDir dir;
        std::vector<core::RunRecord> runs{makeParentRun(dir.path(), "r-old", "2026-11-28T10:00:00Z"),
                                          makeParentRun(dir.path(), "r-new", "2026-11-29T10:00:00Z")};
        core::RunRecord noCheckpoint = runs[0];
        noCheckpoint.id = "r-failed";
        noCheckpoint.runDir = (dir.path() + "/runs/r-failed").toStdString();
        runs.push_back(noCheckpoint);
        const auto candidates = RunSetupPanel::parentCandidatesOf(runs);
        // Newest first, best then latest; a run without checkpoints offers nothing.
        QCOMPARE(candidates.size(), 4);
        QCOMPARE(candidates[0].path, dir.path() + "/runs/r-new/checkpoints/best.safetensors");
        QVERIFY2(candidates[0].label.contains("pretrain r-new") && candidates[0].label.contains("best, val loss 1.523"),
                 qPrintable(candidates[0].label));
        QCOMPARE(candidates[1].path, dir.path() + "/runs/r-new/checkpoints/latest.safetensors");
        QVERIFY2(candidates[1].label.contains("latest, step 400"), qPrintable(candidates[1].label));
        QCOMPARE(candidates[3].path, dir.path() + "/runs/r-old/checkpoints/latest.safetensors");

        RunSetupPanel panel;
        panel.setParentCandidates(candidates);
        auto* method = panel.findChild<QComboBox*>("method");
        method->setCurrentIndex(method->findData("lora"));
        auto* picker = panel.findChild<QComboBox*>("parentPicker");
        QCOMPARE(picker->count(), 5);
        emit picker->activated(3); // as a user's pick: r-old's best checkpoint
        QCOMPARE(panel.config().initFrom, (dir.path() + "/runs/r-old/checkpoints/best.safetensors").toStdString());
        QCOMPARE(panel.findChild<QLineEdit*>("init_from")->text(), candidates[2].path);
        QVERIFY(panel.parentConfig().has_value());
        QCOMPARE(panel.parentConfig()->model.vocabSize, int64_t(65));
        QVERIFY(!hasErrorFor(panel, "init_from"));
        QVERIFY2(panel.findChild<QLabel*>("parentInfo")->text().contains("vocabulary 65"),
                 qPrintable(panel.findChild<QLabel*>("parentInfo")->text()));

        // A run folder typed by hand works too; a path that does not exist is an error.
        panel.findChild<QLineEdit*>("init_from")->setText(dir.path() + "/runs/r-new");
        QVERIFY(panel.parentConfig().has_value());
        // Not one of the listed checkpoints: an entry of its own names the run (its folder means its latest).
        QCOMPARE(picker->currentIndex(), 1);
        QVERIFY2(picker->currentText().contains("pretrain r-new: latest checkpoint (its run folder)"),
                 qPrintable(picker->currentText()));
        QCOMPARE(picker->count(), 6);
        panel.findChild<QLineEdit*>("init_from")->setText(dir.path() + "/runs/nothing-here");
        QVERIFY(!panel.parentConfig().has_value());
        QVERIFY(hasErrorFor(panel, "init_from"));
        // The picker follows init_from, and the entry made for a typed path goes.
        panel.findChild<QLineEdit*>("init_from")->setText(candidates[1].path);
        QCOMPARE(picker->currentIndex(), 2);
        QCOMPARE(picker->count(), 5);
    }

    void trainableCountForLora()
    {
        QTemporaryDir dir;
        const core::RunRecord parent = makeParentRun(dir.path(), "r-base", "2026-11-29T10:00:00Z");
        RunSetupPanel panel;
        auto* method = panel.findChild<QComboBox*>("method");
        method->setCurrentIndex(method->findData("lora"));
        QVERIFY2(panel.trainableText().contains("pick a parent"), qPrintable(panel.trainableText()));
        panel.findChild<QLineEdit*>("init_from")->setText(QString::fromStdString(parent.runDir.string()));
        // 4 layers x 128, r 8 on all six projections: 4 * 8 * (4 * 256 + 2 * 640) = 73 728 of 809 856.
        QCOMPARE(panel.trainableText(), QString("Trainable: 74 k of 0.81 M parameters (9.1%)"));
        QCOMPARE(panel.findChild<QLabel*>("trainable")->text(), panel.trainableText());
        // Fewer targets and a lower rank: 4 * 4 * (128 + 128) * 2 = 8 192.
        panel.findChild<QLineEdit*>("lora.targets")->setText("q|v");
        panel.findChild<QSpinBox*>("lora.r")->setValue(4);
        QCOMPARE(panel.trainableText(), QString("Trainable: 8 k of 0.81 M parameters (1.0%)"));
        QCOMPARE(panel.parentConfig()->model.vocabSize, int64_t(65)); // from the parent's tokenizer.json
        method->setCurrentIndex(method->findData("prompt_tuning"));
        panel.findChild<QSpinBox*>("prompt_tuning.num_virtual_tokens")->setValue(20); // 20 * 128 = 2 560
        QCOMPARE(panel.trainableText(), QString("Trainable: 3 k of 0.81 M parameters (0.3%)"));
        method->setCurrentIndex(method->findData("sft"));
        QCOMPARE(panel.trainableText(), QString("Trainable: 0.81 M of 0.81 M parameters (100%)"));
        // The estimates follow the parent's model, not the hidden form's.
        panel.findChild<QSpinBox*>("model.n_layer")->setValue(12);
        QVERIFY2(panel.estimateText().startsWith("0.81 M parameters"), qPrintable(panel.estimateText()));
    }

    void loraSetupRoundTrips()
    {
        QTemporaryDir dir;
        const core::RunRecord parent = makeParentRun(dir.path(), "r-base", "2026-11-29T10:00:00Z");
        RunSetupPanel panel;
        auto* method = panel.findChild<QComboBox*>("method");
        method->setCurrentIndex(method->findData("lora"));
        panel.findChild<QLineEdit*>("init_from")->setText(QString::fromStdString(parent.runDir.string()));
        panel.findChild<QLineEdit*>("data.train")->setText(dir.filePath("identity data.json"));
        panel.findChild<QLineEdit*>("data.format")->setText("alpaca");
        panel.findChild<QSpinBox*>("lora.r")->setValue(4);
        panel.findChild<QLineEdit*>("lora.alpha")->setText("8");
        panel.findChild<QLineEdit*>("lora.dropout")->setText("0.1");
        panel.findChild<QLineEdit*>("lora.targets")->setText("q|v|mlp_out");
        panel.findChild<QComboBox*>("sft.loss_on")->setCurrentText("all");
        const QString chatTemplate = "<|user|>\n{{ user }}\n<|assistant|> {{ assistant }}";
        auto* templateEdit = panel.findChild<QPlainTextEdit*>("sft.chat_template");
        templateEdit->setPlainText(chatTemplate);
        const core::RunConfig edited = panel.config();
        QCOMPARE(edited.method, std::string("lora"));
        QCOMPARE(edited.lora.r, int64_t(4));
        QCOMPARE(edited.lora.alpha, 8.0);
        QCOMPARE(edited.lora.dropout, 0.1);
        QCOMPARE(edited.lora.targets, (std::vector<std::string>{"q", "v", "mlp_out"}));
        QCOMPARE(edited.sft.lossOn, std::string("all"));
        QCOMPARE(edited.sft.chatTemplate, chatTemplate.toStdString());
        QCOMPARE(edited.data.format, std::string("alpaca"));

        const QString file = dir.filePath("lora.yaml");
        QString error;
        QVERIFY2(panel.saveSetup(file, &error), qPrintable(error));
        RunSetupPanel other;
        QVERIFY2(other.loadSetup(file, &error), qPrintable(error));
        QCOMPARE(core::toYaml(other.config()), core::toYaml(edited));
        QCOMPARE(other.findChild<QComboBox*>("method")->currentData().toString(), QString("lora"));
        QCOMPARE(other.findChild<QPlainTextEdit*>("sft.chat_template")->toPlainText(), chatTemplate);
        QVERIFY(shown(other, "lora.r"));
        QCOMPARE(other.trainableText(), QString("Trainable: 18 k of 0.81 M parameters (2.3%)"));

        // "Default" returns to the built-in template.
        other.findChild<QPushButton*>("chatTemplateDefault")->click();
        QCOMPARE(other.config().sft.chatTemplate, std::string());

        // The command line parses back to the same config, template included.
        const QString command = panel.commandLine();
        QVERIFY2(command.startsWith("tunebench-cli train --config " + QFileInfo(file).absoluteFilePath()),
                 qPrintable(command));
        QCOMPARE(core::toYaml(configOfCommand(command, {})), core::toYaml(edited));
        RunSetupPanel fresh;
        auto* freshMethod = fresh.findChild<QComboBox*>("method");
        freshMethod->setCurrentIndex(freshMethod->findData("lora"));
        fresh.findChild<QLineEdit*>("init_from")->setText(QString::fromStdString(parent.runDir.string()));
        fresh.findChild<QPlainTextEdit*>("sft.chat_template")->setPlainText(chatTemplate);
        const QString defaultsFile = dir.filePath("defaults.yaml");
        writeFile(defaultsFile, "method: pretrain\n");
        const QString fromScratch = fresh.commandLine();
        QVERIFY2(fromScratch.contains("--set method=lora") && fromScratch.contains("--set init_from="),
                 qPrintable(fromScratch));
        QCOMPARE(core::toYaml(configOfCommand(fromScratch, defaultsFile)), core::toYaml(fresh.config()));
    }

    void fineTuneDemoPreset()
    {
        RunSetupPanel panel;
        auto* preset = panel.findChild<QComboBox*>("preset");
        const int demo = preset->findText("Fine-tune demo");
        QVERIFY(demo > 0);
        auto* model = qobject_cast<QStandardItemModel*>(preset->model());
        QVERIFY(!model->item(demo)->isEnabled()); // no file named yet
        QVERIFY(model->item(demo)->toolTip().contains("finetune_demo.yaml"));
        QTemporaryDir dir;
        panel.setFineTuneDemo(dir.filePath("finetune_demo.yaml")); // missing
        QVERIFY(!model->item(demo)->isEnabled());
        QVERIFY(!panel.loadFineTuneDemo());

        // The shipped preset, from a fresh project: no run yet, so it waits for step 1 and says so.
        const QString shipped = QStringLiteral(TB_SOURCE_DIR) + "/resources/demo/finetune_demo.yaml";
        panel.setFineTuneDemo(shipped);
        QVERIFY(model->item(demo)->isEnabled());
        emit preset->activated(demo); // as a user's pick
        QCOMPARE(panel.config().method, std::string("sft"));
        QCOMPARE(QString::fromStdString(panel.config().data.train),
                 QStringLiteral(TB_SOURCE_DIR) + "/resources/demo/instructions.jsonl");
        QCOMPARE(preset->currentIndex(), demo);
        QVERIFY(shown(panel, "data.train"));
        QCOMPARE(panel.config().initFrom, std::string());
        QVERIFY2(panel.message().contains("step 1"), qPrintable(panel.message()));
        QVERIFY(!panel.canStart());

        // Step 1 completes: the newest completed pretrain run becomes the parent by itself, said in the form.
        std::vector<core::RunRecord> runs{makeParentRun(dir.path(), "r-old", "2026-11-28T10:00:00Z"),
                                          makeParentRun(dir.path(), "r-new", "2026-11-29T10:00:00Z")};
        core::RunRecord tuned = makeParentRun(dir.path(), "r-sft", "2026-11-30T10:00:00Z");
        tuned.method = "sft"; // newer, but not a pretrain run
        runs.push_back(tuned);
        core::RunRecord running = makeParentRun(dir.path(), "r-running", "2026-12-01T10:00:00Z");
        running.status = core::RunStatus::Running; // newer, but not completed
        runs.push_back(running);
        panel.setParentCandidates(RunSetupPanel::parentCandidatesOf(runs));
        QCOMPARE(QString::fromStdString(panel.config().initFrom), dir.path() + "/runs/r-new/checkpoints/best.safetensors");
        QVERIFY2(panel.message().contains("Parent: pretrain r-new (newest completed pretrain run)"),
                 qPrintable(panel.message()));
        auto* parent = panel.findChild<QComboBox*>("parentPicker");
        QVERIFY2(parent->currentText().contains("pretrain r-new"), qPrintable(parent->currentText()));
        QCOMPARE(preset->currentIndex(), demo);

        // Chosen again with the runs there: the parent at once.
        panel.setConfig(core::RunConfig{});
        QVERIFY(preset->currentIndex() != demo);
        emit preset->activated(demo);
        QVERIFY2(panel.message().contains("Parent: pretrain r-new"), qPrintable(panel.message()));
        QVERIFY(!panel.config().initFrom.empty());
    }

    // Rate's "Tune on these votes..." after the fine-tune demo: preset, parent box, hidden keys and hint all follow
    // the new method (issue 12).
    void tuneOnVotesReplacesTheDemoSetup()
    {
        QTemporaryDir dir;
        const std::vector<core::RunRecord> runs{makeParentRun(dir.path(), "r-base", "2026-11-29T10:00:00Z")};
        RunSetupPanel panel;
        panel.setParentCandidates(RunSetupPanel::parentCandidatesOf(runs));
        const QString demoFile = dir.filePath("finetune_demo.yaml");
        writeFile(demoFile, "method: sft\ndata:\n  train: qa.jsonl\n  replace: ['{{name}}=TuneBench']\n"
                            "sft: {loss_on: all}\n");
        panel.setFineTuneDemo(demoFile);
        QVERIFY(panel.loadFineTuneDemo());
        auto* preset = panel.findChild<QComboBox*>("preset");
        QCOMPARE(preset->currentData().toString(), QString("demo:finetune"));
        QCOMPARE(panel.config().data.replace.size(), size_t(1));

        const QString votes = dir.filePath("votes_preferences.jsonl");
        const QString rated = dir.path() + "/runs/r-base";
        panel.setPreferenceTuning(votes, rated);
        const core::RunConfig c = panel.config();
        QCOMPARE(c.method, std::string("dpo"));
        QCOMPARE(QString::fromStdString(c.initFrom), rated);
        QCOMPARE(QString::fromStdString(c.data.train), votes);
        QCOMPARE(c.data.format, std::string("preference"));
        QVERIFY(c.data.replace.empty());                       // the demo's keys do not stay behind
        QCOMPARE(c.sft.lossOn, core::RunConfig{}.sft.lossOn);
        QCOMPARE(preset->currentIndex(), 0);                     // Custom, not the demo
        auto* parent = panel.findChild<QComboBox*>("parentPicker");
        QVERIFY2(parent->currentText().contains("pretrain r-base") && parent->currentData().toString() == rated,
                 qPrintable(parent->currentText()));             // the rated run, not "Choose a parent run..."
        QVERIFY2(panel.message().contains("DPO") && !panel.message().contains("demo"), qPrintable(panel.message()));
        QVERIFY(panel.findChild<QWidget*>("group DPO")->isVisibleTo(&panel));
        // Choosing another parent (the run's best checkpoint, after the entry made for its folder) removes that entry.
        QCOMPARE(parent->currentIndex(), 1);
        emit parent->activated(2);
        QCOMPARE(QString::fromStdString(panel.config().initFrom), rated + "/checkpoints/best.safetensors");
        QVERIFY(parent->findData(rated) < 0);
    }

    void screenshot()
    {
        RunSetupPanel panel;
        panel.resize(1180, 720);
        const QString corpus = QDir::temp().filePath("tinyshakespeare.txt");
        panel.setCorpus(corpus);
        panel.setCorpusStats(statsFor(corpus, 1115394));
        panel.applyPreset("small");
        panel.findChild<QSpinBox*>("train.warmup_steps")->setValue(3000);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const QString outDir = outputDir();
        QVERIFY(panel.grab().save(outDir + "/run_setup_panel.png"));

        // The panel follows the palette: with a dark one nothing stays light.
        panel.setPalette(darkPalette()); // propagates to every child that does not hard-code colours
        const QImage shot = panel.grab().toImage();
        QVERIFY(shot.save(outDir + "/run_setup_panel_dark.png"));
        QVERIFY(qGray(shot.pixel(shot.width() / 2, shot.height() - 3)) < 100); // the window background
    }

    void screenshotLora()
    {
        QTemporaryDir dir;
        const std::vector<core::RunRecord> runs{makeParentRun(dir.path(), "r-base", "2026-11-29T10:00:00Z")};
        RunSetupPanel panel;
        panel.resize(1180, 760);
        showFineTuning(panel, runs, "lora", "/data/sft/identity.json");
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const QString outDir = outputDir();
        QVERIFY(panel.grab().save(outDir + "/run_setup_panel_lora.png"));
        QVERIFY(panel.findChild<QLabel*>("trainable")->isVisible());
        QVERIFY(panel.findChild<QLabel*>("trainable")->text().contains("74 k of 0.81 M"));
    }

    void screenshotDpo()
    {
        QTemporaryDir dir;
        const std::vector<core::RunRecord> runs{makeParentRun(dir.path(), "r-base", "2026-11-29T10:00:00Z")};
        RunSetupPanel panel;
        panel.resize(1180, 900);
        showFineTuning(panel, runs, "dpo", "/data/preference/dpo_en_demo.json");
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(panel.findChild<QWidget*>("group DPO")->isVisible());
        QVERIFY(!panel.findChild<QWidget*>("group LoRA")->isVisible());
        QVERIFY2(panel.findChild<QLabel*>("trainable")->text().contains("0.81 M of 0.81 M"),
                 qPrintable(panel.findChild<QLabel*>("trainable")->text()));
        auto* adapter = panel.findChild<QComboBox*>("dpo.adapter");
        adapter->setCurrentIndex(adapter->findText("lora"));
        QVERIFY(panel.findChild<QWidget*>("group LoRA")->isVisible());
        QVERIFY(panel.findChild<QLabel*>("trainable")->text().contains("74 k of 0.81 M"));
        const QString outDir = outputDir();
        QVERIFY(panel.grab().save(outDir + "/run_setup_panel_dpo.png"));
    }

    void rlMethodsShowTheirGroups()
    {
        QTemporaryDir dir;
        const std::vector<core::RunRecord> runs{makeParentRun(dir.path(), "r-base", "2026-11-29T10:00:00Z")};
        for (const char* method : {"grpo", "ppo"}) {
            RunSetupPanel panel;
            panel.resize(1180, 900);
            showFineTuning(panel, runs, method, "/data/sft/identity.json");
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            const bool grpo = std::string(method) == "grpo";
            QCOMPARE(panel.findChild<QWidget*>("group GRPO")->isVisible(), grpo);
            QCOMPARE(panel.findChild<QWidget*>("group PPO")->isVisible(), !grpo);
            QVERIFY(panel.findChild<QWidget*>("group Reward")->isVisible());
            QVERIFY(panel.findChild<QWidget*>("group Fine-tuning")->isVisible());
            QVERIFY(!panel.findChild<QWidget*>("group DPO")->isVisible());
            QVERIFY(panel.findChild<QWidget*>("reward.model") != nullptr);
            // Every weight trains (and PPO's value head): not "0 of".
            QVERIFY2(panel.findChild<QLabel*>("trainable")->text().contains("0.81 M of 0.81 M"),
                     qPrintable(panel.findChild<QLabel*>("trainable")->text()));
            // No two shown groups sit on top of each other.
            QList<QGroupBox*> shown;
            for (QGroupBox* box : panel.findChildren<QGroupBox*>())
                if (box->objectName().startsWith("group ") && box->isVisible())
                    shown.append(box);
            QVERIFY(shown.size() >= 4);
            for (int i = 0; i < shown.size(); ++i)
                for (int j = i + 1; j < shown.size(); ++j)
                    QVERIFY2(!shown[i]->geometry().intersects(shown[j]->geometry()),
                             qPrintable(shown[i]->objectName() + " overlaps " + shown[j]->objectName()));
            QVERIFY(panel.grab().save(outputDir() + "/run_setup_panel_" + method + ".png"));
        }
    }
};

QTEST_MAIN(TestRunSetupPanel)
#include "test_run_setup_panel.moc"
