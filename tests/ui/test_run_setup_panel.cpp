// SPDX-License-Identifier: MIT
#include "ui/panels/run_setup_panel.h"

#include "core/io/run_config.h"

#include <QtTest/QtTest>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>

using tb::ui::RunSetupPanel;
namespace core = tb::core;

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
        // Only pretraining can be picked for now.
        auto* method = panel.findChild<QComboBox*>("method");
        QVERIFY(method->count() >= 2);
        QCOMPARE(method->currentData().toString(), QString("pretrain"));
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
        QVERIFY2(command.startsWith("tunebench-cli pretrain --config setup.yaml --set model.n_layer=6"),
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
        const QString outDir = qEnvironmentVariable("TB_TEST_OUTPUT_DIR", QDir::tempPath());
        QDir().mkpath(outDir);
        QVERIFY(panel.grab().save(outDir + "/run_setup_panel.png"));

        // The panel follows the palette: with a dark one nothing stays light.
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(45, 45, 48));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        dark.setColor(QPalette::Base, QColor(30, 30, 32));
        dark.setColor(QPalette::AlternateBase, QColor(52, 52, 56));
        dark.setColor(QPalette::Text, QColor(230, 230, 230));
        dark.setColor(QPalette::Button, QColor(55, 55, 58));
        dark.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        panel.setPalette(dark); // propagates to every child that does not hard-code colours
        const QImage shot = panel.grab().toImage();
        QVERIFY(shot.save(outDir + "/run_setup_panel_dark.png"));
        QVERIFY(qGray(shot.pixel(shot.width() / 2, shot.height() - 3)) < 100); // the window background
    }
};

QTEST_MAIN(TestRunSetupPanel)
#include "test_run_setup_panel.moc"
