// SPDX-License-Identifier: MIT
#include "ui/panels/data_panel.h"

#include "core/train/preflight.h"
#include "ui/bridge/corpus_scan.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTextOption>
#include <QToolButton>
#include <QVBoxLayout>

namespace tb::ui {
namespace {

enum Stat { File, Format, Size, Characters, Lines, Distinct, Documents, Tokenizer, Tokens, TrainTokens, ValTokens,
            Vocabulary, StatCount };

struct StatRow {
    const char* name;  // objectName "stat.<name>", for tests and style sheets
    const char* label;
    const char* tip;
};

constexpr StatRow kRows[StatCount] = {
    {"file", "File", "The corpus file"},
    {"format", "Format", "Plain text, or JSONL records of {\"text\": ...}"},
    {"size", "Size on disk", "Bytes in the file"},
    {"characters", "Characters", "Unicode characters after normalisation (CRLF counts as one)"},
    {"lines", "Lines", "Lines of text; a last line without a newline counts"},
    {"distinct", "Distinct characters", "Different characters: the char tokenizer's vocabulary (plus <unk>)"},
    {"documents", "Documents", "1 for a text file; records for JSONL"},
    {"tokenizer", "Tokenizer", "Set in Run setup (tokenizer.kind)"},
    {"tokens", "Tokens", "Tokens the whole corpus becomes with this tokenizer"},
    {"train", "Train tokens", "The first part of the token stream, used for training"},
    {"val", "Val tokens", "The last data.val_fraction of the token stream, held out for validation"},
    {"vocab", "Vocabulary", "Token ids the model's embedding needs"},
};

QString count(int64_t v) { return QLocale().toString(static_cast<qlonglong>(v)); }

} // namespace

DataPanel::DataPanel(QWidget* parent) : QWidget(parent), m_scan(new CorpusScan(this))
{
    setAcceptDrops(true);

    m_openButton = new QPushButton(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Open corpus..."), this);
    m_openButton->setToolTip(tr("Open a UTF-8 text file or a .jsonl file of {\"text\": ...} records. "
                                "You can also drop a file onto this panel."));
    m_pathLabel = new QLabel(tr("No corpus yet"), this);
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_pathLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(200);
    m_progress->setTextVisible(true);
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_progress->hide();
    m_cancelButton->hide();

    auto* top = new QHBoxLayout;
    top->addWidget(m_openButton);
    top->addWidget(m_pathLabel, 1);
    top->addWidget(m_progress);
    top->addWidget(m_cancelButton);

    // An inline message, as desktop tools show load errors, in the palette's colours.
    m_errorBox = new QFrame(this);
    m_errorBox->setFrameShape(QFrame::StyledPanel);
    m_errorBox->setAutoFillBackground(true);
    m_errorBox->setBackgroundRole(QPalette::AlternateBase);
    auto* errorIcon = new QLabel(m_errorBox);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    errorIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(iconSize, iconSize));
    errorIcon->setAlignment(Qt::AlignTop);
    m_errorLabel = new QLabel(m_errorBox);
    m_errorLabel->setObjectName("errorText");
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextFormat(Qt::RichText);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* dismiss = new QToolButton(m_errorBox);
    dismiss->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    dismiss->setAutoRaise(true);
    dismiss->setToolTip(tr("Dismiss"));
    auto* errorLayout = new QHBoxLayout(m_errorBox);
    errorLayout->addWidget(errorIcon);
    errorLayout->addWidget(m_errorLabel, 1);
    errorLayout->addWidget(dismiss, 0, Qt::AlignTop);
    m_errorBox->hide();

    m_previewTitle = new QLabel(tr("Preview"), this);
    m_preview = new QPlainTextEdit(this);
    m_preview->setObjectName("preview");
    m_preview->setReadOnly(true);
    m_preview->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_preview->setPlaceholderText(tr("Drop a text or JSONL file here, or click Open corpus..."));
    QTextOption option = m_preview->document()->defaultTextOption();
    option.setFlags(option.flags() | QTextOption::ShowTabsAndSpaces | QTextOption::ShowLineAndParagraphSeparators);
    m_preview->document()->setDefaultTextOption(option);
    auto* previewBox = new QWidget(this);
    auto* previewLayout = new QVBoxLayout(previewBox);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addWidget(m_previewTitle);
    previewLayout->addWidget(m_preview, 1);

    auto* statsBox = new QGroupBox(tr("Statistics"), this);
    m_statsForm = new QFormLayout(statsBox);
    m_statsForm->setLabelAlignment(Qt::AlignLeft);
    for (int i = 0; i < StatCount; ++i) {
        m_values[i] = new QLabel(QStringLiteral("-"), statsBox);
        m_values[i]->setObjectName(QStringLiteral("stat.") + kRows[i].name);
        m_values[i]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_values[i]->setToolTip(tr(kRows[i].tip));
        auto* label = new QLabel(tr(kRows[i].label), statsBox);
        label->setToolTip(tr(kRows[i].tip));
        m_statsForm->addRow(label, m_values[i]);
    }
    m_values[File]->setWordWrap(true);
    m_values[File]->setMinimumWidth(160);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(previewBox);
    splitter->addWidget(statsBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_errorBox);
    layout->addWidget(splitter, 1);

    connect(m_openButton, &QPushButton::clicked, this, &DataPanel::browseForCorpus);
    connect(m_cancelButton, &QPushButton::clicked, this, &DataPanel::cancelLoading);
    connect(dismiss, &QToolButton::clicked, m_errorBox, &QWidget::hide);
    connect(m_scan, &CorpusScan::progressed, this, [this](int percent) {
        m_progress->setRange(0, 100);
        m_progress->setValue(percent);
    });
    connect(m_scan, &CorpusScan::finished, this, [this](const core::CorpusStats& stats, const QString& preview) {
        setLoading(false);
        m_errorBox->hide();
        m_errorLabel->clear();
        m_path = m_loadingPath;
        m_stats = stats;
        m_preview->setPlainText(preview);
        const bool cut = stats.textBytes > static_cast<int64_t>(CorpusScan::kPreviewBytes);
        m_previewTitle->setText(cut ? tr("Preview (first 64 KB of %1)").arg(QString::fromStdString(
                                                                            core::formatBytes(stats.textBytes)))
                                    : tr("Preview (whole corpus)"));
        m_pathLabel->setText(QDir::toNativeSeparators(m_path));
        m_pathLabel->setToolTip(QDir::toNativeSeparators(m_path));
        showStats();
        emit statsChanged(stats);
        emit corpusChanged(m_path);
    });
    connect(m_scan, &CorpusScan::failed, this, [this](const QString& path, const QString& message) {
        setLoading(false);
        showError(path, message);
        emit corpusFailed(path, message);
    });
}

core::TokenSplit DataPanel::tokenSplit() const
{
    return m_stats ? core::splitTokens(*m_stats, m_tokenizer, m_valFraction) : core::TokenSplit{};
}

QString DataPanel::errorText() const { return m_errorBox->isHidden() ? QString() : m_errorText; }

QString DataPanel::previewText() const { return m_preview->toPlainText(); }

bool DataPanel::isLoading() const { return m_scan->isRunning(); }

void DataPanel::openCorpus(const QString& path)
{
    m_loadingPath = QFileInfo(path).absoluteFilePath();
    setLoading(true);
    m_scan->start(m_loadingPath);
}

void DataPanel::browseForCorpus()
{
    const QString start = m_path.isEmpty() ? QString() : QFileInfo(m_path).absolutePath();
    const QString file = QFileDialog::getOpenFileName(this, tr("Open corpus"), start,
                                                      tr("Corpora (*.txt *.jsonl *.md);;All files (*)"));
    if (!file.isEmpty())
        openCorpus(file);
}

void DataPanel::cancelLoading()
{
    m_scan->cancel();
    setLoading(false);
}

void DataPanel::setTokenization(const core::TokenizerConfig& tokenizer, double valFraction)
{
    m_tokenizer = tokenizer;
    m_valFraction = valFraction;
    showStats();
}

void DataPanel::dragEnterEvent(QDragEnterEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.front().isLocalFile())
        event->acceptProposedAction();
}

void DataPanel::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    openCorpus(urls.front().toLocalFile());
}

void DataPanel::showStats()
{
    if (!m_stats) {
        for (QLabel* v : m_values)
            v->setText(QStringLiteral("-"));
        return;
    }
    const auto& s = *m_stats;
    const core::TokenSplit split = tokenSplit();
    m_values[File]->setText(QFileInfo(m_path).fileName());
    m_values[File]->setToolTip(QDir::toNativeSeparators(m_path));
    m_values[Format]->setText(s.format == "jsonl" ? tr("JSONL") : tr("Plain text"));
    m_values[Size]->setText(s.fileBytes < 1000 ? tr("%1 bytes").arg(count(s.fileBytes))
                                               : tr("%1 (%2 bytes)").arg(QString::fromStdString(
                                                                             core::formatBytes(s.fileBytes)),
                                                                         count(s.fileBytes)));
    m_values[Characters]->setText(count(s.characters));
    m_values[Lines]->setText(count(s.lines));
    m_values[Distinct]->setText(count(s.distinctCharacters));
    m_values[Documents]->setText(count(s.documents));
    m_values[Tokenizer]->setText(QString::fromStdString(m_tokenizer.kind));
    if (split.tokens > 0) {
        m_values[Tokens]->setText(count(split.tokens));
        const double valPercent = 100.0 * double(split.valTokens) / double(split.tokens);
        m_values[TrainTokens]->setText(
            tr("%1 (%2%)").arg(count(split.trainTokens), QLocale().toString(100.0 - valPercent, 'f', 1)));
        m_values[ValTokens]->setText(tr("%1 (%2%)").arg(count(split.valTokens), QLocale().toString(valPercent, 'f', 1)));
        m_values[Vocabulary]->setText(count(split.vocabSize));
    } else {
        for (int i : {Tokens, TrainTokens, ValTokens, Vocabulary})
            m_values[i]->setText(tr("n/a for this tokenizer"));
    }
}

void DataPanel::showError(const QString& path, const QString& message)
{
    const QString title = tr("Could not open %1.").arg(QFileInfo(path).fileName());
    const QString kept = m_path.isEmpty() ? QString() : tr("Still using %1.").arg(QFileInfo(m_path).fileName());
    m_errorText = title + QLatin1Char('\n') + message + (kept.isEmpty() ? QString() : QLatin1Char('\n') + kept);
    m_errorLabel->setText(QStringLiteral("<b>%1</b><br>%2%3")
                              .arg(title.toHtmlEscaped(), message.toHtmlEscaped(),
                                   kept.isEmpty() ? QString() : QStringLiteral("<br>") + kept.toHtmlEscaped()));
    m_errorBox->show();
}

void DataPanel::setLoading(bool loading)
{
    m_progress->setVisible(loading);
    m_cancelButton->setVisible(loading);
    m_openButton->setEnabled(!loading);
    if (loading) {
        m_progress->setRange(0, 0); // busy until the count starts
        m_pathLabel->setText(tr("Loading %1...").arg(QFileInfo(m_loadingPath).fileName()));
    } else {
        m_pathLabel->setText(m_path.isEmpty() ? tr("No corpus yet") : QDir::toNativeSeparators(m_path));
    }
}

} // namespace tb::ui
