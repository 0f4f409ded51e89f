// SPDX-License-Identifier: MIT
#include "ui/panels/data_panel.h"

#include "core/common/error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/preflight.h"
#include "ui/bridge/corpus_scan.h"
#include "ui/panels/dataset_view.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
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
#include <QLineEdit>
#include <QLocale>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QTextBlock>
#include <QTextOption>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

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

/// Plain text goes to the streaming corpus scan; JSON, JSONL, CSV and gzip files to the dataset reader. Decided by
/// the extension, else by the first non-blank byte of the file (as core::loadDataset decides).
bool looksLikePlainText(const QString& path)
{
    const QString name = path.toLower();
    for (const char* text : {".txt", ".md", ".text"})
        if (name.endsWith(QLatin1String(text)))
            return true;
    for (const char* data : {".json", ".jsonl", ".csv", ".gz"})
        if (name.endsWith(QLatin1String(data)))
            return false;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return true; // the corpus scan reports why it cannot be read
    const QByteArray head = file.read(4096);
    if (head.startsWith("\x1f\x8b"))
        return false;
    for (const char c : head) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\xEF' || c == '\xBB' || c == '\xBF')
            continue;
        return c != '[' && c != '{';
    }
    return true;
}

} // namespace

DataPanel::DataPanel(QWidget* parent)
    : QWidget(parent), m_scan(new CorpusScan(this)), m_datasetScan(new DatasetScan(this))
{
    setAcceptDrops(true);

    m_openButton = new QPushButton(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("Open..."), this);
    m_openButton->setToolTip(tr("Open a UTF-8 text corpus, or a dataset: JSON, JSONL or CSV records in any "
                                "supported format, optionally .gz. You can also drop a file onto this panel."));
    m_pathLabel = new QLabel(tr("No corpus yet"), this);
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_pathLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(200);
    m_progress->setTextVisible(true);
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_progress->hide();
    m_cancelButton->hide();

    m_formatBox = new QComboBox(this);
    m_formatBox->setObjectName("datasetFormat");
    m_formatBox->setToolTip(tr("The file's format: detected from its first records, or chosen here"));
    m_formatBox->addItem(tr("Auto-detect format"), QStringLiteral("auto"));
    for (const core::DatasetFormat f : core::allDatasetFormats())
        m_formatBox->addItem(datasetFormatTitle(f), QString::fromUtf8(core::datasetFormatName(f)));
    m_formatBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_formatBox->setMinimumContentsLength(9); // the list itself shows the full names
    m_policyBox = new QComboBox(this);
    m_policyBox->setObjectName("errorPolicy");
    m_policyBox->setToolTip(tr("What a malformed record does: skipped and listed under Problems, or the load stops "
                               "at the first one"));
    m_policyBox->addItem(tr("Skip bad records"), int(core::ErrorPolicy::Skip));
    m_policyBox->addItem(tr("Stop at the first bad record"), int(core::ErrorPolicy::Stop));
    m_policyBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_policyBox->setMinimumContentsLength(9);

    auto* top = new QHBoxLayout;
    top->addWidget(m_openButton);
    top->addWidget(m_pathLabel, 1);
    top->addWidget(m_progress);
    top->addWidget(m_cancelButton);
    top->addWidget(m_formatBox);
    top->addWidget(m_policyBox);

    // Field mapping for files whose keys or columns are named differently from the format's fields (CSV above all).
    m_mapRow = new QWidget(this);
    m_mapEdit = new QLineEdit(m_mapRow);
    m_mapEdit->setObjectName("fieldMapping");
    m_mapEdit->setPlaceholderText(tr("field=column, e.g. prompt=question, completion=answer"));
    m_mapEdit->setToolTip(tr("Maps the fields a format reads to this file's columns or keys (as --map in "
                             "tunebench-cli data check); docs/formats.md lists each format's fields"));
    m_columnsLabel = new QLabel(m_mapRow);
    m_columnsLabel->setObjectName("csvColumns");
    m_columnsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* apply = new QPushButton(tr("Apply"), m_mapRow);
    auto* mapLayout = new QHBoxLayout(m_mapRow);
    mapLayout->setContentsMargins(0, 0, 0, 0);
    mapLayout->addWidget(new QLabel(tr("Map fields:"), m_mapRow));
    mapLayout->addWidget(m_mapEdit, 2);
    mapLayout->addWidget(apply);
    mapLayout->addWidget(m_columnsLabel, 1);
    m_mapRow->hide();

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
    m_previewTitle->setWordWrap(true); // "Preview (first 64 KB of 136 KB)" must not widen the dock
    m_preview = new QPlainTextEdit(this);
    m_preview->setObjectName("preview");
    m_preview->setReadOnly(true);
    m_preview->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_preview->setPlaceholderText(tr("Drop a text corpus or a dataset (JSON, JSONL, CSV, .gz) here, or click "
                                     "Open..."));
    QTextOption option = m_preview->document()->defaultTextOption();
    option.setFlags(option.flags() | QTextOption::ShowTabsAndSpaces | QTextOption::ShowLineAndParagraphSeparators);
    m_preview->document()->setDefaultTextOption(option);
    auto* previewBox = new QWidget(this);
    auto* previewLayout = new QVBoxLayout(previewBox);
    previewLayout->setContentsMargins(0, 0, 0, 0);
    previewLayout->addWidget(m_previewTitle);
    previewLayout->addWidget(m_preview, 1);

    auto* statsBox = new QGroupBox(tr("Statistics"), this);
    m_statsBox = statsBox;
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

    m_datasetView = new DatasetView(this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName("dataTabs");
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(splitter, tr("Preview"));
    m_tabs->addTab(m_datasetView, tr("Dataset"));
    m_tabs->setTabEnabled(1, false);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_mapRow);
    layout->addWidget(m_errorBox);
    layout->addWidget(m_tabs, 1);

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
        m_path = m_shownPath = m_loadingPath;
        m_failedPath.clear();
        m_datasetPath.clear();
        m_stats = stats;
        m_datasetView->setReport(nullptr);
        m_tabs->setTabEnabled(1, false);
        m_tabs->setCurrentIndex(0);
        m_statsBox->show();
        m_mapRow->hide();
        const bool cut = stats.textBytes > static_cast<int64_t>(CorpusScan::kPreviewBytes);
        setPreview(preview, cut ? tr("Preview (first 64 KB of %1)")
                                      .arg(QString::fromStdString(core::formatBytes(stats.textBytes)))
                                : tr("Preview (whole corpus)"));
        m_pathLabel->setText(QDir::toNativeSeparators(m_path));
        m_pathLabel->setToolTip(QDir::toNativeSeparators(m_path));
        showStats();
        emit statsChanged(stats);
        emit corpusChanged(m_path);
    });
    connect(m_scan, &CorpusScan::failed, this, [this](const QString& path, const QString& message) {
        setLoading(false);
        m_failedPath = path;
        showError(path, message);
        emit corpusFailed(path, message);
    });
    connect(m_datasetScan, &DatasetScan::columnsFound, this,
            [this](const QString&, const QStringList& columns) { setColumns(columns); });
    connect(m_datasetScan, &DatasetScan::finished, this, &DataPanel::showDataset);
    connect(m_datasetScan, &DatasetScan::failed, this, [this](const QString& path, const QString& message) {
        setLoading(false);
        m_failedPath = path;
        m_mapRow->show(); // a mapping is how an undetectable format or a renamed field gets read
        showError(path, message);
        emit corpusFailed(path, message);
    });
    connect(m_datasetView, &DatasetView::problemActivated, this, [this](qint64 line, qint64) { showFileLine(line); });
    connect(m_datasetView, &DatasetView::useAsFineTuningRequested, this, [this] {
        if (const DatasetReportPtr& r = m_datasetView->report())
            emit datasetChosen(m_datasetPath, QString::fromUtf8(core::datasetFormatName(r->dataset.format)));
    });
    connect(apply, &QPushButton::clicked, this, &DataPanel::reload);
    connect(m_mapEdit, &QLineEdit::returnPressed, this, &DataPanel::reload);
    connect(m_formatBox, &QComboBox::activated, this, &DataPanel::reload);
    connect(m_policyBox, &QComboBox::activated, this, &DataPanel::reload);
}

core::DatasetFormat DataPanel::datasetFormat() const
{
    return core::parseDatasetFormat(m_formatBox->currentData().toString().toStdString())
        .value_or(core::DatasetFormat::Auto);
}

core::ErrorPolicy DataPanel::errorPolicy() const
{
    return static_cast<core::ErrorPolicy>(m_policyBox->currentData().toInt());
}

void DataPanel::setDatasetFormat(core::DatasetFormat format)
{
    m_formatBox->setCurrentIndex(
        std::max(0, m_formatBox->findData(QString::fromUtf8(core::datasetFormatName(format)))));
}

void DataPanel::setErrorPolicy(core::ErrorPolicy policy)
{
    m_policyBox->setCurrentIndex(std::max(0, m_policyBox->findData(int(policy))));
}

void DataPanel::setFieldMapping(const QString& mapping)
{
    m_mapEdit->setText(mapping);
    if (!mapping.trimmed().isEmpty())
        m_mapRow->show();
}

void DataPanel::reload()
{
    const QString path = !m_failedPath.isEmpty() ? m_failedPath : m_shownPath;
    if (!path.isEmpty() && !isLoading())
        openCorpus(path);
}

void DataPanel::showDataset(const DatasetReportPtr& report)
{
    setLoading(false);
    m_errorBox->hide();
    m_errorLabel->clear();
    m_failedPath.clear();
    m_datasetPath = m_shownPath = m_loadingPath;
    m_datasetView->setReport(report);
    m_tabs->setTabEnabled(1, true);
    const bool csv = report->dataset.container.starts_with("csv");
    m_mapRow->setVisible(csv || !m_mapEdit->text().trimmed().isEmpty());
    if (!csv)
        setColumns({});
    if (report->corpusStats) {
        // {"text"} records: a pretraining corpus as well.
        m_path = m_loadingPath;
        m_stats = *report->corpusStats;
        m_statsBox->show();
        const bool cut = m_stats->textBytes > static_cast<int64_t>(DatasetScan::kPreviewBytes);
        setPreview(report->corpusPreview, cut ? tr("Preview (first 64 KB of the text)") : tr("Preview (whole corpus)"));
        showStats();
        m_tabs->setCurrentIndex(0);
    } else {
        m_statsBox->hide();
        setPreview(report->rawPreview, report->rawPreviewCut ? tr("The file (first 64 KB)") : tr("The file"));
        m_tabs->setCurrentIndex(1);
    }
    m_pathLabel->setText(QDir::toNativeSeparators(m_shownPath));
    m_pathLabel->setToolTip(QDir::toNativeSeparators(m_shownPath));
    if (report->corpusStats) {
        emit statsChanged(*m_stats);
        emit corpusChanged(m_path);
    }
}

void DataPanel::setPreview(const QString& text, const QString& title)
{
    m_preview->setPlainText(text);
    m_previewTitle->setText(title);
}

void DataPanel::setColumns(const QStringList& columns)
{
    m_columnsLabel->setText(columns.isEmpty() ? QString() : tr("Columns: %1").arg(columns.join(QStringLiteral(", "))));
    if (!columns.isEmpty())
        m_mapRow->show();
}

void DataPanel::showFileLine(qint64 line)
{
    m_tabs->setCurrentIndex(0);
    const QTextBlock block = m_preview->document()->findBlockByNumber(static_cast<int>(line - 1));
    if (line < 1 || !block.isValid()) {
        m_previewTitle->setText(line < 1 ? tr("The file (the problem has no line)")
                                         : tr("The file (line %1 is past the preview)").arg(line));
        return;
    }
    QTextCursor cursor(block);
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
    m_preview->setTextCursor(cursor);
    m_preview->centerCursor();
    m_previewTitle->setText(tr("The file, line %1").arg(line));
}

core::TokenSplit DataPanel::tokenSplit() const
{
    return m_stats ? core::splitTokens(*m_stats, m_tokenizer, m_valFraction) : core::TokenSplit{};
}

QString DataPanel::errorText() const { return m_errorBox->isHidden() ? QString() : m_errorText; }

QString DataPanel::previewText() const { return m_preview->toPlainText(); }


bool DataPanel::isLoading() const { return m_scan->isRunning() || m_datasetScan->isRunning(); }

void DataPanel::openCorpus(const QString& path)
{
    m_loadingPath = QFileInfo(path).absoluteFilePath();
    const core::DatasetFormat format = datasetFormat();
    core::DatasetLoadOptions options;
    options.format = format;
    options.policy = errorPolicy();
    try {
        for (const QString& assignment : m_mapEdit->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
            if (!assignment.trimmed().isEmpty())
                core::addFieldMapping(options.fieldMap, assignment.trimmed().toStdString(), "Map fields");
    } catch (const std::exception& e) {
        m_failedPath = m_loadingPath;
        showError(m_loadingPath, QString::fromStdString(e.what()));
        return;
    }
    m_scan->cancel();
    m_datasetScan->cancel();
    setLoading(true);
    if (format == core::DatasetFormat::Text ||
        (format == core::DatasetFormat::Auto && options.fieldMap.empty() && looksLikePlainText(m_loadingPath)))
        m_scan->start(m_loadingPath);
    else
        m_datasetScan->start(m_loadingPath, options, m_valFraction);
}

void DataPanel::browseForCorpus()
{
    const QString start = m_path.isEmpty() ? QString() : QFileInfo(m_path).absolutePath();
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Open corpus or dataset"), start,
        tr("Corpora and datasets (*.txt *.md *.json *.jsonl *.csv *.gz);;All files (*)"));
    if (!file.isEmpty())
        openCorpus(file);
}

void DataPanel::cancelLoading()
{
    m_scan->cancel();
    m_datasetScan->cancel();
    setLoading(false);
}

void DataPanel::setChatTemplate(const QString& text) { m_datasetView->setChatTemplate(text); }

void DataPanel::setLossOn(const QString& lossOn) { m_datasetView->setLossOn(lossOn); }

void DataPanel::setReplacements(const QStringList& items) { m_datasetView->setReplacements(items); }

void DataPanel::setParentRun(const QString& path)
{
    if (path == m_parentRun)
        return;
    m_parentRun = path;
    std::shared_ptr<const core::Tokenizer> tokenizer;
    QString label;
    if (!path.isEmpty()) {
        // A run directory holds tokenizer.json; a checkpoint lies in it or in its checkpoints/ folder.
        const QFileInfo info(path);
        QStringList candidates;
        if (info.isDir())
            candidates << QDir(path).filePath(QStringLiteral("tokenizer.json"));
        else
            candidates << info.dir().filePath(QStringLiteral("tokenizer.json"))
                       << QDir(info.dir().filePath(QStringLiteral(".."))).filePath(QStringLiteral("tokenizer.json"));
        for (const QString& candidate : candidates) {
            QFile file(candidate);
            if (!file.open(QIODevice::ReadOnly))
                continue;
            try {
                tokenizer = core::loadTokenizer(file.readAll().toStdString());
                label = tr("the parent run's %1 tokenizer").arg(QString::fromStdString(tokenizer->kind()));
            } catch (const core::Error&) {
                tokenizer.reset(); // not a tokenizer: no tokens rather than wrong ones
            }
            break;
        }
    }
    m_datasetView->setTokenizer(std::move(tokenizer), label);
}

void DataPanel::setTokenization(const core::TokenizerConfig& tokenizer, double valFraction)
{
    m_tokenizer = tokenizer;
    const bool splitChanged = valFraction != m_valFraction;
    m_valFraction = valFraction;
    showStats();
    // The overlap check splits the records by the val fraction: a dataset on show is checked again.
    if (splitChanged && !m_datasetPath.isEmpty() && m_shownPath == m_datasetPath && m_failedPath.isEmpty() &&
        !isLoading())
        openCorpus(m_datasetPath);
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
        // SentencePiece counts are estimates (core::subwordBytesPerToken) until a run tokenizes the corpus.
        const QString about = split.estimated ? tr("about ") : QString();
        m_values[Tokens]->setText(about + count(split.tokens));
        m_values[Tokens]->setToolTip(split.estimated ? tr("Estimated from the text's bytes and the vocabulary size; "
                                                          "a run counts them exactly")
                                                     : tr(kRows[Tokens].tip));
        const double valPercent = 100.0 * double(split.valTokens) / double(split.tokens);
        m_values[TrainTokens]->setText(
            about + tr("%1 (%2%)").arg(count(split.trainTokens), QLocale().toString(100.0 - valPercent, 'f', 1)));
        m_values[ValTokens]->setText(
            about + tr("%1 (%2%)").arg(count(split.valTokens), QLocale().toString(valPercent, 'f', 1)));
        m_values[Vocabulary]->setText(count(split.vocabSize));
    } else {
        for (int i : {Tokens, TrainTokens, ValTokens, Vocabulary})
            m_values[i]->setText(tr("n/a for this tokenizer"));
    }
}

void DataPanel::showError(const QString& path, const QString& message)
{
    const QString title = tr("Could not open %1.").arg(QFileInfo(path).fileName());
    const QString kept =
        m_shownPath.isEmpty() ? QString() : tr("Still showing %1.").arg(QFileInfo(m_shownPath).fileName());
    m_errorText = title + QLatin1Char('\n') + message + (kept.isEmpty() ? QString() : QLatin1Char('\n') + kept);
    m_errorLabel->setText(QStringLiteral("<b>%1</b><br>%2%3")
                              .arg(title.toHtmlEscaped(), message.toHtmlEscaped(),
                                   kept.isEmpty() ? QString() : QStringLiteral("<br>") + kept.toHtmlEscaped()));
    m_errorBox->show();
}

void DataPanel::setLoading(bool loading)
{
    // The progress bar and Cancel take the place of the format and policy boxes (unusable while loading), so the
    // row needs no more width than before: a wider row grew the dock and the window past a 1366-pixel screen.
    m_formatBox->setVisible(!loading);
    m_policyBox->setVisible(!loading);
    m_progress->setVisible(loading);
    m_cancelButton->setVisible(loading);
    m_openButton->setEnabled(!loading);
    if (loading) {
        m_progress->setRange(0, 0); // busy until the count starts
        m_pathLabel->setText(tr("Loading %1...").arg(QFileInfo(m_loadingPath).fileName()));
    } else {
        m_pathLabel->setText(m_shownPath.isEmpty() ? tr("No corpus yet") : QDir::toNativeSeparators(m_shownPath));
    }
}

} // namespace tb::ui
