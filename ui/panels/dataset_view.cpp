// SPDX-License-Identifier: MIT
#include "ui/panels/dataset_view.h"

#include "ui/panels/plot_style.h"

#include "core/common/error.h"
#include "core/data/chat_template.h"
#include "core/data/sft_examples.h"
#include "core/tokenizer/tokenizer.h"

#include <QComboBox>
#include <QEvent>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QStackedWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>

namespace tb::ui {
namespace {

enum Row { Format, Records, Loaded, Duplicates, Overlap, Lengths, RowCount };

struct RowText {
    const char* name; // objectName "dataset.<name>", for tests
    const char* label;
    const char* tip;
};

constexpr RowText kRows[RowCount] = {
    {"format", "Format", "Detected from the first records, or the format chosen above"},
    {"records", "Records", "Records kept, by kind: documents, conversations, preference pairs, labelled completions"},
    {"loaded", "Read", "Records found in the file, kept, and skipped (with the reasons)"},
    {"duplicates", "Duplicates", "Records whose content exactly repeats an earlier record"},
    {"overlap", "Train/val overlap",
     "Validation records (data.val_fraction of them, held out as fine-tuning holds them out) sharing a 13-word sequence with a training record"},
    {"lengths", "Lengths", "Characters per record (all its turns), shortest / mean / longest"},
};

// "As the model sees it": counted characters on a green tint, context in a muted grey; both read on light and dark
// palettes. The view marks each character's flag in its format, so tests read back what is on show.
const QColor kCountedTint(52, 168, 83, 75);
const QColor kCountedTokenTints[] = {QColor(52, 168, 83, 60), QColor(52, 168, 83, 120)};
const QColor kContextTokenTints[] = {QColor(128, 128, 128, 30), QColor(128, 128, 128, 70)};
const QColor kMutedText(128, 128, 128);
constexpr int kCountedProperty = QTextFormat::UserProperty + 1;
constexpr size_t kModelShownBytes = 20000; // a long document: its start shows, as in the Turns view
constexpr size_t kTokensShown = 3000;      // one coloured run per token is what costs to lay out

constexpr int kLineRole = Qt::UserRole;
constexpr int kRecordRole = Qt::UserRole + 1;

QString count(int64_t v) { return QLocale().toString(static_cast<qlonglong>(v)); }

QString plural(int64_t n, const char* one, const char* many)
{
    return count(n) + QLatin1Char(' ') + QString::fromLatin1(n == 1 ? one : many);
}

QString formatTitle(core::DatasetFormat format)
{
    switch (format) {
    case core::DatasetFormat::Auto: return QObject::tr("unknown");
    case core::DatasetFormat::Text: return QObject::tr("Plain text");
    case core::DatasetFormat::JsonlText: return QObject::tr("Text records {\"text\"}");
    case core::DatasetFormat::Alpaca: return QObject::tr("Alpaca");
    case core::DatasetFormat::ShareGpt: return QObject::tr("ShareGPT");
    case core::DatasetFormat::Messages: return QObject::tr("Messages (role/content)");
    case core::DatasetFormat::PromptCompletion: return QObject::tr("Prompt/completion (TRL)");
    case core::DatasetFormat::Preference: return QObject::tr("Preference, explicit prompt (TRL)");
    case core::DatasetFormat::PreferenceImplicit: return QObject::tr("Preference, implicit prompt (TRL)");
    case core::DatasetFormat::LlamaFactoryPreference: return QObject::tr("LLaMA-Factory preference");
    case core::DatasetFormat::HhRlhf: return QObject::tr("hh-rlhf transcripts");
    case core::DatasetFormat::Kto: return QObject::tr("KTO, unpaired labelled (TRL)");
    }
    return {};
}

QString turnsHtml(const std::vector<core::Turn>& turns)
{
    QString html;
    for (const core::Turn& t : turns) {
        html += QStringLiteral("<p><b>%1</b></p><pre style=\"white-space: pre-wrap\">%2</pre>")
                    .arg(QString::fromUtf8(core::roleName(t.role)).toHtmlEscaped(),
                         QString::fromStdString(t.content).toHtmlEscaped());
    }
    return html;
}

QString sectionHtml(const QString& title, const std::vector<core::Turn>& turns)
{
    return QStringLiteral("<h4>%1</h4>").arg(title.toHtmlEscaped()) + turnsHtml(turns);
}

} // namespace

QString datasetFormatTitle(core::DatasetFormat format) { return formatTitle(format); }

DatasetView::DatasetView(QWidget* parent) : QWidget(parent)
{
    auto* summary = new QWidget(this);
    m_form = new QFormLayout(summary);
    m_form->setContentsMargins(0, 0, 0, 0);
    for (int i = 0; i < RowCount; ++i) {
        m_values[i] = new QLabel(QStringLiteral("-"), summary);
        m_values[i]->setObjectName(QStringLiteral("dataset.") + kRows[i].name);
        m_values[i]->setWordWrap(true);
        m_values[i]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_values[i]->setToolTip(tr(kRows[i].tip));
        auto* label = new QLabel(tr(kRows[i].label), summary);
        label->setToolTip(tr(kRows[i].tip));
        m_form->addRow(label, m_values[i]);
    }
    m_useButton = new QPushButton(tr("Use as fine-tuning data"), summary);
    m_useButton->setObjectName("useAsFineTuning");
    m_useButton->setToolTip(tr("Sets this file and format as the run's fine-tuning data (data.train, data.format)"));
    auto* useRow = new QHBoxLayout;
    useRow->addWidget(m_useButton);
    useRow->addStretch(1);
    m_form->addRow(QString(), useRow);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("lengthHistogram");
    m_plot->setMinimumSize(140, 120);
    m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setPen(QPen(seriesColor::kBlue.darker(120)));
    m_bars->setBrush(seriesColor::kBlue);
    m_plot->xAxis->setLabel(tr("characters per record"));
    m_plot->yAxis->setLabel(tr("records"));
    auto counts = QSharedPointer<QCPAxisTickerFixed>::create(); // whole records: integer ticks only
    counts->setTickStep(1.0);
    counts->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_plot->yAxis->setTicker(counts);
    auto lengths = QSharedPointer<SiAxisTicker>::create();
    lengths->setTickCount(4); // labels like 12.5k must not run into each other in a narrow dock
    m_plot->xAxis->setTicker(lengths);
    applyPlotPalette(m_plot, palette());

    auto* top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(summary);
    top->addWidget(m_plot);
    top->setStretchFactor(0, 1);
    top->setStretchFactor(1, 1);
    top->setChildrenCollapsible(false);

    m_problems = new QListWidget(this);
    m_problems->setObjectName("problems");
    m_problems->setWordWrap(true);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    m_problems->setIconSize(QSize(iconSize, iconSize));
    m_problems->setToolTip(tr("Double-click a problem to see its line or record"));

    auto* recordBox = new QWidget(this);
    m_recordIndex = new QSpinBox(recordBox);
    m_recordIndex->setObjectName("recordIndex");
    m_recordIndex->setPrefix(tr("Record "));
    m_recordWhere = new QLabel(recordBox);
    m_record = new QTextBrowser(recordBox);
    m_record->setObjectName("record");
    m_record->setOpenLinks(false);
    auto* recordBar = new QHBoxLayout;
    recordBar->addWidget(m_recordIndex);
    recordBar->addWidget(m_recordWhere, 1);
    auto* modelPage = new QWidget(recordBox);
    m_modelLegend = new QLabel(modelPage);
    m_modelLegend->setObjectName("modelLegend");
    m_modelLegend->setWordWrap(true);
    m_modelLegend->setTextFormat(Qt::RichText);
    m_modelText = new QPlainTextEdit(modelPage);
    m_modelText->setObjectName("modelText");
    m_modelText->setReadOnly(true);
    m_modelText->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_modelText->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_modelText->setToolTip(tr("The record's text after the chat template and placeholders, exactly as the model "
                               "reads it; tinted characters count in the loss"));
    QTextOption option = m_modelText->document()->defaultTextOption();
    option.setFlags(option.flags() | QTextOption::ShowTabsAndSpaces | QTextOption::ShowLineAndParagraphSeparators);
    m_modelText->document()->setDefaultTextOption(option);
    m_tokensTitle = new QLabel(modelPage);
    m_tokensTitle->setObjectName("modelTokensTitle");
    m_tokensTitle->setWordWrap(true);
    m_tokens = new QTextBrowser(modelPage);
    m_tokens->setObjectName("modelTokens");
    m_tokens->setOpenLinks(false);
    auto* textAndTokens = new QWidget(modelPage);
    auto* textLayout = new QVBoxLayout(textAndTokens);
    textLayout->setContentsMargins(0, 0, 0, 0);
    auto* modelSplit = new QSplitter(Qt::Vertical, textAndTokens);
    auto* tokensBox = new QWidget(modelSplit);
    auto* tokensLayout = new QVBoxLayout(tokensBox);
    tokensLayout->setContentsMargins(0, 0, 0, 0);
    tokensLayout->addWidget(m_tokensTitle);
    tokensLayout->addWidget(m_tokens, 1);
    modelSplit->addWidget(m_modelText);
    modelSplit->addWidget(tokensBox);
    // Small minimums so that the Data dock keeps the height it had without this view (the splitter gives room).
    const int lines = 2 * fontMetrics().lineSpacing();
    m_modelText->setMinimumHeight(lines);
    m_tokens->setMinimumHeight(lines);
    modelSplit->setChildrenCollapsible(false);
    textLayout->addWidget(modelSplit);
    m_modelError = new QLabel(modelPage);
    m_modelError->setObjectName("modelError");
    m_modelError->setWordWrap(true);
    m_modelError->setTextFormat(Qt::PlainText);
    m_modelError->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_modelError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_modelError->setMargin(8);
    m_modelError->setAutoFillBackground(true);
    m_modelError->setBackgroundRole(QPalette::AlternateBase);
    m_modelStack = new QStackedWidget(modelPage);
    m_modelStack->addWidget(textAndTokens);
    m_modelStack->addWidget(m_modelError);
    auto* modelLayout = new QVBoxLayout(modelPage);
    modelLayout->setContentsMargins(0, 0, 0, 0);
    modelLayout->addWidget(m_modelLegend);
    modelLayout->addWidget(m_modelStack, 1);

    // The record as read (its turns) or as the model sees it, chosen in the record bar (a second tab bar would
    // cost the narrow Data dock a row).
    m_recordPages = new QStackedWidget(recordBox);
    m_recordPages->addWidget(m_record);
    m_recordPages->addWidget(modelPage);
    m_recordView = new QComboBox(recordBox);
    m_recordView->setObjectName("recordView");
    m_recordView->addItem(tr("Turns"));
    m_recordView->addItem(tr("As the model sees it"));
    m_recordView->setToolTip(tr("The record's turns as read, or its text after the Run setup's chat template "
                                "(sft.chat_template), loss_on and data.replace, coloured by what the loss counts"));
    recordBar->addWidget(m_recordView);
    auto* recordLayout = new QVBoxLayout(recordBox);
    recordLayout->setContentsMargins(0, 0, 0, 0);
    recordLayout->addLayout(recordBar);
    recordLayout->addWidget(m_recordPages, 1);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName("datasetTabs");
    m_tabs->addTab(m_problems, tr("Problems"));
    m_tabs->addTab(recordBox, tr("Records"));

    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_useButton, &QPushButton::clicked, this, &DatasetView::useAsFineTuningRequested);
    connect(m_problems, &QListWidget::itemActivated, this, &DatasetView::activateProblem);
    connect(m_recordView, &QComboBox::currentIndexChanged, m_recordPages, &QStackedWidget::setCurrentIndex);
    connect(m_recordIndex, &QSpinBox::valueChanged, this, [this](int value) { showRecord(value - 1); });
    setReport(nullptr);
}

void DatasetView::setReport(DatasetReportPtr report)
{
    m_report = std::move(report);
    showSummary();
    fillProblems();
    plotLengths();
    const int records = m_report ? static_cast<int>(m_report->dataset.records.size()) : 0;
    const QSignalBlocker block(m_recordIndex);
    m_recordIndex->setRange(records > 0 ? 1 : 0, records);
    m_recordIndex->setSuffix(tr(" of %1").arg(count(records)));
    m_recordIndex->setEnabled(records > 0);
    showRecord(0);
}

void DatasetView::showSummary()
{
    for (int i = 0; i < RowCount; ++i) {
        m_values[i]->setText(QStringLiteral("-"));
        m_values[i]->setToolTip(tr(kRows[i].tip));
    }
    const bool tunable = m_report && m_report->dataset.format != core::DatasetFormat::Text &&
                         m_report->dataset.format != core::DatasetFormat::JsonlText &&
                         !m_report->dataset.records.empty();
    m_useButton->setEnabled(tunable);
    if (!m_report)
        return;
    const DatasetReport& r = *m_report;
    const core::Dataset& d = r.dataset;
    m_values[Format]->setText(tr("%1 · %2").arg(formatTitle(d.format), QString::fromStdString(d.container)));
    m_values[Format]->setToolTip(tr("Format name: %1 (data.format, --format)")
                                     .arg(QString::fromUtf8(core::datasetFormatName(d.format))));
    QStringList kinds;
    if (r.documents)
        kinds << plural(r.documents, "document", "documents");
    if (r.conversations)
        kinds << plural(r.conversations, "conversation", "conversations");
    if (r.pairs)
        kinds << plural(r.pairs, "preference pair", "preference pairs");
    if (r.labelled)
        kinds << plural(r.labelled, "labelled completion", "labelled completions");
    m_values[Records]->setText(kinds.isEmpty() ? tr("none") : kinds.join(QStringLiteral(", ")));

    QString loaded = tr("%1 read, %2 kept").arg(count(d.summary.read), count(d.summary.kept));
    if (d.summary.skipped > 0) {
        QStringList reasons;
        for (const auto& [reason, n] : d.summary.skippedByReason)
            reasons << QStringLiteral("%1 %2").arg(count(n), QString::fromStdString(reason));
        loaded += tr(", %1 skipped (%2)").arg(count(d.summary.skipped), reasons.join(QStringLiteral(", ")));
    }
    m_values[Loaded]->setText(loaded);

    if (r.duplicates.empty()) {
        m_values[Duplicates]->setText(tr("none"));
    } else {
        const core::DuplicateRecord& first = r.duplicates.front();
        m_values[Duplicates]->setText(tr("%1 (first: record %2 repeats record %3)")
                                          .arg(count(static_cast<int64_t>(r.duplicates.size())))
                                          .arg(first.record)
                                          .arg(first.firstRecord));
        m_values[Duplicates]->setToolTip(tr("Record %1 (line %2) repeats record %3 (line %4); the Problems tab lists "
                                            "every repeat")
                                             .arg(first.record)
                                             .arg(first.line)
                                             .arg(first.firstRecord)
                                             .arg(first.firstLine));
    }
    const core::OverlapReport& o = r.overlap;
    if (o.valRecords == 0)
        m_values[Overlap]->setText(tr("no validation records at val fraction %1").arg(r.valFraction));
    else
    {
        m_values[Overlap]->setText(tr("%1 of %2 val records share a %3-gram with train")
                                       .arg(count(o.overlappingRecords), count(o.valRecords))
                                       .arg(o.n));
        m_values[Overlap]->setToolTip(tr("%1 of the %2 distinct %3-grams of the last %4% of the records also occur "
                                         "in the records before them")
                                          .arg(count(o.sharedNgrams), count(o.valNgrams))
                                          .arg(o.n)
                                          .arg(r.valFraction * 100));
    }
    const core::LengthHistogram& h = r.lengths;
    m_values[Lengths]->setText(h.count == 0 ? tr("-")
                                            : tr("%1 / %2 / %3 characters")
                                                  .arg(count(h.min), QLocale().toString(h.mean, 'f', 0), count(h.max)));
}

void DatasetView::fillProblems()
{
    m_problems->clear();
    if (!m_report) {
        m_tabs->setTabText(0, tr("Problems"));
        return;
    }
    const DatasetReport& r = *m_report;
    const QIcon error = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    auto add = [&](const QString& text, bool isWarning, int64_t line, int64_t record) {
        auto* item = new QListWidgetItem(isWarning ? warning : error, text, m_problems);
        item->setData(kLineRole, static_cast<qlonglong>(line));
        item->setData(kRecordRole, static_cast<qlonglong>(record));
        item->setToolTip(text);
    };
    const QString file = QFileInfo(QString::fromStdString(r.dataset.path)).fileName();
    for (core::DatasetProblem p : r.dataset.problems) {
        p.file = file.toStdString(); // the header names the whole path already
        add(QString::fromStdString(p.describe()), p.warning, p.line, p.warning ? p.record : -1);
    }
    for (const core::DuplicateRecord& dup : r.duplicates)
        add(tr("%1: line %2: record %3 repeats record %4 (line %5) exactly")
                .arg(file)
                .arg(dup.line)
                .arg(dup.record)
                .arg(dup.firstRecord)
                .arg(dup.firstLine),
            true, dup.line, dup.record);
    const int problems = static_cast<int>(r.dataset.problems.size() + r.duplicates.size());
    m_tabs->setTabText(0, problems == 0 ? tr("Problems (none)") : tr("Problems (%1)").arg(count(problems)));
    if (problems == 0)
        new QListWidgetItem(tr("Every record was read."), m_problems);
}

void DatasetView::plotLengths()
{
    QVector<double> keys;
    QVector<double> values;
    double top = 1;
    if (m_report) {
        const core::LengthHistogram& h = m_report->lengths;
        for (size_t i = 0; i < h.counts.size(); ++i) {
            keys << (double(i) + 0.5) * double(h.bucketWidth);
            values << double(h.counts[i]);
            top = std::max(top, double(h.counts[i]));
        }
        m_bars->setWidth(double(h.bucketWidth) * 0.9);
        m_plot->xAxis->setRange(0, std::max<double>(1, double(h.counts.size()) * double(h.bucketWidth)));
    }
    m_bars->setData(keys, values, true);
    m_plot->yAxis->setRange(0, top * 1.1);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void DatasetView::activateProblem(QListWidgetItem* item)
{
    if (!m_report || item == nullptr || !item->data(kLineRole).isValid())
        return;
    const qint64 record = item->data(kRecordRole).toLongLong();
    const auto& records = m_report->dataset.records;
    // A kept record (a duplicate, a warning) opens in the record browser; a skipped one at its line in the file.
    const auto it = std::lower_bound(records.begin(), records.end(), record,
                                     [](const core::DatasetRecord& r, qint64 index) { return r.index < index; });
    if (record >= 0 && it != records.end() && it->index == record) {
        m_recordIndex->setValue(static_cast<int>(it - records.begin()) + 1);
        m_tabs->setCurrentIndex(1);
        return;
    }
    emit problemActivated(item->data(kLineRole).toLongLong(), record);
}

int DatasetView::currentRecord() const { return m_recordIndex->value() - 1; }

QString DatasetView::recordText() const { return m_record->toPlainText(); }

QStringList DatasetView::problemLines() const
{
    QStringList lines;
    for (int i = 0; i < m_problems->count(); ++i)
        if (m_problems->item(i)->data(kLineRole).isValid())
            lines << m_problems->item(i)->text();
    return lines;
}

QList<QPointF> DatasetView::histogramBars() const
{
    QList<QPointF> bars;
    if (!m_report)
        return bars;
    const core::LengthHistogram& h = m_report->lengths;
    for (size_t i = 0; i < h.counts.size(); ++i)
        bars << QPointF(double(i) * double(h.bucketWidth), double(h.counts[i]));
    return bars;
}

void DatasetView::showRecord(int index)
{
    if (!m_report || index < 0 || index >= static_cast<int>(m_report->dataset.records.size())) {
        m_record->clear();
        m_recordWhere->clear();
        showModelView();
        return;
    }
    if (m_recordIndex->value() != index + 1) {
        m_recordIndex->setValue(index + 1); // comes back here through valueChanged
        return;
    }
    const core::DatasetRecord& r = m_report->dataset.records[static_cast<size_t>(index)];
    m_recordWhere->setText(tr("%1, record %2 in the file, line %3")
                               .arg(QString::fromUtf8(core::recordKindName(r.kind)))
                               .arg(r.index)
                               .arg(r.line));
    QString html;
    switch (r.kind) {
    case core::RecordKind::Document: {
        constexpr qsizetype kShown = 20000;
        QString text = QString::fromStdString(r.text);
        const bool cut = text.size() > kShown;
        text.truncate(kShown);
        html = QStringLiteral("<pre style=\"white-space: pre-wrap\">%1</pre>").arg(text.toHtmlEscaped());
        if (cut)
            html += tr("<p><i>(first %1 characters shown)</i></p>").arg(count(kShown));
        break;
    }
    case core::RecordKind::Conversation: html = turnsHtml(r.turns); break;
    case core::RecordKind::Preference:
        html = sectionHtml(tr("Prompt"), r.turns) + sectionHtml(tr("Chosen"), r.chosen) +
               sectionHtml(tr("Rejected"), r.rejected);
        break;
    case core::RecordKind::Labelled:
        html = sectionHtml(tr("Prompt"), r.turns) +
               sectionHtml(r.label ? tr("Completion (desirable)") : tr("Completion (undesirable)"), r.completion);
        break;
    }
    m_record->setHtml(html);
    showModelView();
}

void DatasetView::setChatTemplate(const QString& text)
{
    if (text == m_chatTemplate)
        return;
    m_chatTemplate = text;
    showModelView();
}

void DatasetView::setLossOn(const QString& lossOn)
{
    if (lossOn == m_lossOn)
        return;
    m_lossOn = lossOn;
    showModelView();
}

void DatasetView::setReplacements(const QStringList& items)
{
    if (items == m_replacements)
        return;
    m_replacements = items;
    showModelView();
}

void DatasetView::setTokenizer(std::shared_ptr<const core::Tokenizer> tokenizer, const QString& label)
{
    if (tokenizer == m_tokenizerForTokens && label == m_tokenizerLabel)
        return;
    m_tokenizerForTokens = std::move(tokenizer);
    m_tokenizerLabel = label;
    showModelView();
}

QString DatasetView::legendHtml() const
{
    const auto swatch = [](const QString& style, const QString& text) {
        return QStringLiteral("<span style='%1'>&nbsp;%2&nbsp;</span>").arg(style, text.toHtmlEscaped());
    };
    const QString counted = swatch(QStringLiteral("background-color:%1").arg(kCountedTint.name(QColor::HexArgb)),
                                   tr("counts in the loss"));
    const QString context = swatch(QStringLiteral("color:%1").arg(kMutedText.name()), tr("context only"));
    const QString source = m_chatTemplate.trimmed().isEmpty() ? tr("built-in chat template")
                                                              : tr("the Run setup's chat template");
    return tr("%1 %2 &nbsp;·&nbsp; %3, loss on %4").arg(counted, context, source.toHtmlEscaped(), m_lossOn.toHtmlEscaped());
}

void DatasetView::showModelMessage(const QString& message)
{
    m_modelText->clear();
    m_tokens->clear();
    m_tokensTitle->clear();
    m_tokenFlags.clear();
    m_modelError->setText(message);
    m_modelStack->setCurrentIndex(1);
}

void DatasetView::showModelView()
{
    m_modelLegend->setText(legendHtml());
    const int index = currentRecord();
    if (!m_report || index < 0 || index >= static_cast<int>(m_report->dataset.records.size())) {
        showModelMessage(tr("No record to show."));
        return;
    }
    core::DatasetRecord record = m_report->dataset.records[static_cast<size_t>(index)];
    core::RenderedExample example;
    try {
        const auto chatTemplate = core::ChatTemplate::parse(m_chatTemplate.toStdString(), "Run setup");
        std::vector<std::string> items;
        for (const QString& item : m_replacements)
            items.push_back(item.toStdString());
        core::applyReplacements(record, core::parseReplacements(items, "Run setup"));
        example = core::renderRecord(record, chatTemplate, core::parseLossOn(m_lossOn.toStdString()),
                                     QFileInfo(QString::fromStdString(m_report->dataset.path)).fileName().toStdString());
    } catch (const core::Error& e) {
        showModelMessage(tr("This record cannot be shown as the model sees it:\n%1").arg(QString::fromUtf8(e.what())));
        return;
    }
    m_modelError->clear();
    m_modelStack->setCurrentIndex(0);

    // The text, in runs of equal loss flag; a run never starts inside a UTF-8 sequence (template parts and
    // contents are whole characters), and the shown part is cut at a character boundary.
    size_t shown = std::min(example.text.size(), kModelShownBytes);
    while (shown < example.text.size() && (static_cast<unsigned char>(example.text[shown]) & 0xC0) == 0x80)
        ++shown;
    m_modelText->clear();
    QTextCursor cursor(m_modelText->document());
    QTextCharFormat counted;
    counted.setBackground(kCountedTint);
    counted.setProperty(kCountedProperty, true);
    QTextCharFormat context;
    context.setForeground(kMutedText);
    context.setProperty(kCountedProperty, false);
    for (size_t begin = 0; begin < shown;) {
        size_t end = begin + 1;
        while (end < shown && example.lossMask[end] == example.lossMask[begin])
            ++end;
        cursor.insertText(QString::fromUtf8(example.text.data() + begin, static_cast<qsizetype>(end - begin)),
                          example.lossMask[begin] ? counted : context);
        begin = end;
    }
    if (shown < example.text.size())
        cursor.insertText(tr("\n(first %1 of %2 bytes shown)").arg(count(static_cast<int64_t>(shown)),
                                                                      count(static_cast<int64_t>(example.text.size()))),
                          QTextCharFormat());
    m_modelText->moveCursor(QTextCursor::Start);

    m_tokenFlags.clear();
    if (!m_tokenizerForTokens) {
        m_tokens->clear();
        m_tokensTitle->setText(tr("Tokens: no tokenizer yet (a fine-tuning run's parent run gives one)."));
        return;
    }
    core::TokenizedExample tokens;
    try {
        tokens = core::tokenizeExample(example, *m_tokenizerForTokens);
    } catch (const core::Error& e) {
        m_tokens->clear();
        m_tokensTitle->setText(tr("Tokens: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    // The first token is never predicted (nothing comes before it), so it never counts, as in training.
    int64_t countedTokens = 0;
    for (size_t i = 0; i < tokens.ids.size(); ++i) {
        const bool lossy = i > 0 && tokens.loss[i];
        countedTokens += lossy ? 1 : 0;
        m_tokenFlags += lossy ? QLatin1Char('1') : QLatin1Char('0');
    }
    QString title = tr("%1 tokens with %2, %3 counted in the loss")
                        .arg(count(static_cast<int64_t>(tokens.ids.size())), m_tokenizerLabel.toHtmlEscaped(),
                             count(countedTokens));
    if (tokens.unknownTokens > 0)
        title += tr(", %1 unknown (<unk>)").arg(count(tokens.unknownTokens));
    if (tokens.ids.size() > kTokensShown)
        title += tr(" (first %1 shown)").arg(count(static_cast<int64_t>(kTokensShown)));
    m_tokensTitle->setText(title);
    QString html = QStringLiteral("<div style='font-family:monospace'>");
    const size_t shownTokens = std::min(tokens.ids.size(), kTokensShown);
    for (size_t i = 0; i < shownTokens; ++i) {
        const bool lossy = m_tokenFlags[static_cast<qsizetype>(i)] == QLatin1Char('1');
        const QColor tint = lossy ? kCountedTokenTints[i % 2] : kContextTokenTints[i % 2];
        QString style = QStringLiteral("background-color:%1").arg(tint.name(QColor::HexArgb));
        if (!lossy)
            style += QStringLiteral(";color:%1").arg(kMutedText.name());
        const std::string piece = m_tokenizerForTokens->tokenText(tokens.ids[i]);
        html += QStringLiteral("<span style='%1'>%2</span>")
                    .arg(style, QString::fromStdString(piece).toHtmlEscaped().replace(QLatin1Char(' '),
                                                                                      QStringLiteral("&nbsp;")));
        const std::string decoded = m_tokenizerForTokens->decode({tokens.ids[i]});
        if (!decoded.empty() && decoded.back() == '\n')
            html += QStringLiteral("<br>");
    }
    html += QStringLiteral("</div>");
    m_tokens->setHtml(html);
}

QString DatasetView::modelText() const
{
    return m_modelStack->currentIndex() == 0 ? m_modelText->toPlainText() : QString();
}

QString DatasetView::modelLossMask() const
{
    // Read back from the document: each character's format, and for a line break (a block separator) the format
    // it was inserted with, which Qt keeps as the next block's character format.
    QString mask;
    if (m_modelStack->currentIndex() != 0)
        return mask;
    const QTextDocument* doc = m_modelText->document();
    for (QTextBlock block = doc->begin(); block.isValid(); block = block.next()) {
        if (block != doc->begin())
            mask += block.charFormat().boolProperty(kCountedProperty) ? QLatin1Char('1') : QLatin1Char('0');
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment f = it.fragment();
            mask += QString(f.length(), f.charFormat().boolProperty(kCountedProperty) ? QLatin1Char('1')
                                                                                      : QLatin1Char('0'));
        }
    }
    return mask;
}

QString DatasetView::modelMessage() const
{
    return m_modelStack->currentIndex() == 1 ? m_modelError->text() : QString();
}

QString DatasetView::tokenLossFlags() const { return m_tokenFlags; }

void DatasetView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_plot) {
        applyPlotPalette(m_plot, palette());
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

} // namespace tb::ui
