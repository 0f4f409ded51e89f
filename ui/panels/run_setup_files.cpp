// SPDX-License-Identifier: MIT
// RunSetupPanel's setup files: the equivalent CLI command line, saving and loading a setup (the CLI's YAML), and the
// dialogs around them. The form itself is run_setup_panel.cpp.
#include "ui/panels/run_setup_panel.h"

#include "core/common/atomic_file.h"
#include "core/common/error.h"

#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace tb::ui {

namespace {

/// A shell word: quoted when it holds anything but plain characters.
QString shellQuote(const QString& word)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:=+,@%-]+$"));
    if (plain.match(word).hasMatch())
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

QString RunSetupPanel::commandLine() const
{
    const core::RunConfig defaults;
    const bool fromFile = !m_setupFile.isEmpty();
    // `train` runs every method (`pretrain` is its alias).
    QStringList words{QStringLiteral("tunebench-cli"), QStringLiteral("train"), QStringLiteral("--config"),
                      shellQuote(fromFile ? m_setupFile : QStringLiteral("setup.yaml"))};
    for (const auto& key : core::configKeys()) {
        const std::string value = core::configValue(m_config, key);
        const bool differs = value != core::configValue(defaults, key) ||
                             (fromFile && value != core::configValue(m_fileConfig, key));
        if (differs)
            words << QStringLiteral("--set") << shellQuote(QString::fromStdString(key + "=" + value));
    }
    return words.join(QLatin1Char(' '));
}

bool RunSetupPanel::saveSetup(const QString& file, QString* error)
{
    try {
        core::writeFileAtomically(file.toStdString(), core::toYaml(m_config));
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    m_setupFile = QFileInfo(file).absoluteFilePath();
    m_fileConfig = m_config;
    return true;
}

bool RunSetupPanel::loadSetup(const QString& file, QString* error)
{
    m_demoNeedsParent = false; // a setup of its own; loadFineTuneDemo() sets it again for the demo
    core::RunConfig loaded;
    try {
        loaded = core::loadRunConfig(file.toStdString());
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    m_setupFile = QFileInfo(file).absoluteFilePath();
    m_fileConfig = loaded;
    setConfig(loaded);
    return true;
}

void RunSetupPanel::openSetup()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Load setup"), QFileInfo(m_setupFile).absolutePath(),
                                                      tr("Setups (*.yaml *.yml *.json);;All files (*)"));
    if (file.isEmpty())
        return;
    QString error;
    showMessage(loadSetup(file, &error) ? tr("Loaded %1.").arg(QDir::toNativeSeparators(file))
                                        : tr("Could not load the setup: %1").arg(error));
}

void RunSetupPanel::saveSetupAs()
{
    QString file = QFileDialog::getSaveFileName(this, tr("Save setup"),
                                                m_setupFile.isEmpty() ? QStringLiteral("setup.yaml") : m_setupFile,
                                                tr("Setups (*.yaml *.yml);;All files (*)"));
    if (file.isEmpty())
        return;
    QString error;
    showMessage(saveSetup(file, &error) ? tr("Saved %1.").arg(QDir::toNativeSeparators(file))
                                        : tr("Could not save the setup: %1").arg(error));
}

void RunSetupPanel::showCommand()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Equivalent command"));
    auto* note = new QLabel(m_setupFile.isEmpty()
                                ? tr("Save the setup as setup.yaml first (Save...), then run this in its folder. "
                                     "Settings that differ from the defaults are passed with --set.")
                                : tr("Runs this setup from %1; settings that differ from the defaults or from the "
                                     "file are passed with --set.")
                                      .arg(QDir::toNativeSeparators(m_setupFile)),
                            &dialog);
    note->setWordWrap(true);
    auto* text = new QPlainTextEdit(commandLine(), &dialog);
    text->setReadOnly(true);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    QPushButton* copy = buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, &dialog, [text] { QApplication::clipboard()->setText(text->toPlainText()); });
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(note);
    layout->addWidget(text);
    layout->addWidget(buttons);
    dialog.resize(640, 240);
    dialog.exec();
}

} // namespace tb::ui
