// SPDX-License-Identifier: MIT
#include "ui/panels/tokenizer_panel.h"

#include "core/common/error.h"
#include "core/data/corpus.h"
#include "core/tokenizer/tokenizer.h"
#include "ui/bridge/tokenizer_training.h"
#include "ui/panels/token_piece_view.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace tb::ui {
namespace {

/// The kinds a side can train on the current corpus. `background`: trained on a TokenizerTraining thread (seconds
/// to minutes); the others take milliseconds.
struct KindEntry {
    const char* kind;
    const char* label;
    bool needsCorpus;
    bool background = false;
};
const KindEntry kKinds[] = {
    {"char", QT_TRANSLATE_NOOP("tb::ui::TokenizerPanel", "Character-level (corpus)"), true},
    {"byte", QT_TRANSLATE_NOOP("tb::ui::TokenizerPanel", "Byte-level (256 ids)"), false},
    {"bpe", QT_TRANSLATE_NOOP("tb::ui::TokenizerPanel", "SentencePiece BPE (trained on the corpus)"), true, true},
    {"unigram", QT_TRANSLATE_NOOP("tb::ui::TokenizerPanel", "SentencePiece unigram (trained on the corpus)"), true, true},
};

const KindEntry* findKind(const QString& kind)
{
    for (const KindEntry& entry : kKinds)
        if (kind == QLatin1String(entry.kind))
            return &entry;
    return nullptr;
}

const char* const kSideNames[TokenizerPanel::kSides] = {"A", "B"};

QString number(double value, int decimals) { return QLocale().toString(value, 'f', decimals); }
QString number(int64_t value) { return QLocale().toString(static_cast<qlonglong>(value)); }

/// `text` cut after `maxCharacters` code points (never inside a UTF-8 sequence); `characters` gets the length of the
/// whole text.
std::string capText(std::string text, int64_t maxCharacters, int64_t& characters)
{
    characters = 0;
    size_t cut = text.size();
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
            continue;
        if (characters == maxCharacters)
            cut = i;
        ++characters;
    }
    text.resize(cut);
    return text;
}

} // namespace

struct TokenizerPanel::Side {
    QComboBox* choice = nullptr;
    QLabel* statsLabel = nullptr;
    TokenPieceView* view = nullptr;
    QPlainTextEdit* ids = nullptr;
    std::vector<Choice> choices; // one per combo item; the combo's last item opens a file instead
    int current = -1;
    std::shared_ptr<const core::Tokenizer> tokenizer; // of the current choice (a kind: trained on the corpus)
    QString error;                                    // why there is no tokenizer
    quint64 trainingJob = 0;                          // the TokenizerTraining job this side waits for, or 0
    bool waiting = false;                             // for a training or the corpus; `error` says which
    std::optional<core::TokenizerStats> stats;
};

TokenizerPanel::TokenizerPanel(QWidget* parent) : QWidget(parent), m_training(new TokenizerTraining(this))
{
    for (auto& side : m_sides)
        side = std::make_unique<Side>();
    // A training's result goes to the side still waiting for it (cancelled jobs never report).
    connect(m_training, &TokenizerTraining::finished, this,
            [this](quint64 id, const std::shared_ptr<const core::Tokenizer>& tokenizer) {
                for (auto& side : m_sides)
                    if (side->trainingJob == id) {
                        side->trainingJob = 0;
                        side->waiting = false;
                        side->error.clear();
                        side->tokenizer = tokenizer;
                    }
                refresh();
            });
    connect(m_training, &TokenizerTraining::corpusRead, this,
            [this](quint64 id, const std::shared_ptr<const TokenizerCorpus>& corpus) {
                if (id != m_corpusJob)
                    return;
                m_corpusJob = 0;
                m_corpus = corpus;
                showCorpusState();
                rebuildKindTokenizers();
                emit corpusLoaded();
            });
    connect(m_training, &TokenizerTraining::failed, this, [this](quint64 id, const QString& message) {
        if (id == m_corpusJob) {
            m_corpusJob = 0;
            m_corpusError = message;
            showCorpusState();
            rebuildKindTokenizers();
            emit corpusLoaded();
            return;
        }
        for (auto& side : m_sides)
            if (side->trainingJob == id) {
                side->trainingJob = 0;
                side->waiting = false;
                side->error = message;
            }
        refresh();
    });
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    auto* title = new QLabel(tr("<b>Text</b>"), this);
    m_corpusLabel = new QLabel(this);
    m_corpusLabel->setObjectName("corpusLabel");
    m_corpusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_corpusLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred); // a long path must not widen the dock
    m_sampleLength = new QSpinBox(this);
    m_sampleLength->setObjectName("sampleLength");
    m_sampleLength->setRange(1, kMaxCharacters);
    m_sampleLength->setValue(400);
    m_sampleLength->setSuffix(tr(" chars"));
    m_sampleLength->setToolTip(tr("How many characters \"Sample from corpus\" takes"));
    m_sampleButton = new QPushButton(tr("Sample from corpus"), this);
    m_sampleButton->setObjectName("sampleButton");
    m_sampleButton->setToolTip(tr("Replace the text by a random stretch of the corpus (a new one each time)"));
    auto* top = new QHBoxLayout;
    top->addWidget(title);
    top->addSpacing(12);
    top->addWidget(m_corpusLabel, 1);
    top->addWidget(m_sampleLength);
    top->addWidget(m_sampleButton);

    m_input = new QPlainTextEdit(this);
    m_input->setObjectName("textInput");
    m_input->setFont(fixed);
    m_input->setPlaceholderText(tr("Type or paste text here, or sample it from the corpus"));
    m_notice = new QLabel(this);
    m_notice->setObjectName("notice");
    m_notice->setWordWrap(true);
    m_notice->hide();

    auto* inputBox = new QWidget(this);
    auto* inputLayout = new QVBoxLayout(inputBox);
    inputLayout->setContentsMargins(0, 0, 0, 0);
    inputLayout->addLayout(top);
    inputLayout->addWidget(m_input, 1);
    inputLayout->addWidget(m_notice);

    m_comparison = new QLabel(this);
    m_comparison->setObjectName("comparison");
    m_comparison->setTextFormat(Qt::RichText);
    m_comparison->setWordWrap(true); // wraps in a narrow dock instead of widening it
    auto* sides = new QSplitter(Qt::Horizontal, this);
    sides->setChildrenCollapsible(false);
    for (int side = 0; side < kSides; ++side)
        sides->addWidget(buildSide(side));

    auto* results = new QWidget(this);
    auto* resultsLayout = new QVBoxLayout(results);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    auto* legend = new QLabel(TokenPieceView::legendHtml(), this);
    legend->setTextFormat(Qt::RichText);
    legend->setWordWrap(true);
    auto* summary = new QHBoxLayout;
    summary->addWidget(m_comparison, 1);
    summary->addWidget(legend);
    resultsLayout->addLayout(summary);
    resultsLayout->addWidget(sides, 1);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setChildrenCollapsible(false);
    split->addWidget(inputBox);
    split->addWidget(results);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 4);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &TokenizerPanel::refresh);
    connect(m_input, &QPlainTextEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_sampleButton, &QPushButton::clicked, this, &TokenizerPanel::sampleFromCorpus);

    for (int side = 0; side < kSides; ++side)
        for (const KindEntry& entry : kKinds)
            addChoice(side, {tr(entry.label), QString::fromLatin1(entry.kind), nullptr});
    setTokenizerKind(0, "char");
    setTokenizerKind(1, "byte");
    showCorpusState();
}

TokenizerPanel::~TokenizerPanel() = default;

QWidget* TokenizerPanel::buildSide(int side)
{
    Side& s = *m_sides[static_cast<size_t>(side)];
    auto* box = new QWidget(this);
    box->setObjectName(QStringLiteral("side%1").arg(kSideNames[side]));
    auto* badge = new QLabel(QStringLiteral("<b>%1</b>").arg(kSideNames[side]), box);
    badge->setMinimumWidth(16);
    s.choice = new QComboBox(box);
    s.choice->setObjectName("tokenizerChoice");
    s.choice->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    s.choice->setMinimumContentsLength(10);
    s.choice->addItem(tr("Open tokenizer file…"));
    auto* header = new QHBoxLayout;
    header->addWidget(badge);
    header->addWidget(s.choice, 1);

    s.statsLabel = new QLabel(box);
    s.statsLabel->setObjectName("statsLabel");
    s.statsLabel->setWordWrap(true);
    s.statsLabel->setTextFormat(Qt::RichText);
    s.view = new TokenPieceView(box);
    s.view->setObjectName("tokenView");
    auto* idsCaption = new QLabel(tr("Token ids"), box);
    QFont small = idsCaption->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    idsCaption->setFont(small);
    s.ids = new QPlainTextEdit(box);
    s.ids->setObjectName("tokenIds");
    s.ids->setReadOnly(true);
    s.ids->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    s.ids->setMaximumHeight(s.ids->fontMetrics().lineSpacing() * 4 + 12);

    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(s.statsLabel);
    layout->addWidget(s.view, 1);
    layout->addWidget(idsCaption);
    layout->addWidget(s.ids);

    connect(s.choice, &QComboBox::activated, this, [this, side](int index) { chooseOnSide(side, index); });
    return box;
}

void TokenizerPanel::addChoice(int side, Choice choice)
{
    Side& s = *m_sides[static_cast<size_t>(side)];
    const QSignalBlocker block(s.choice);
    s.choice->insertItem(static_cast<int>(s.choices.size()), choice.label);
    s.choices.push_back(std::move(choice));
}

void TokenizerPanel::chooseOnSide(int side, int comboIndex)
{
    Side& s = *m_sides[static_cast<size_t>(side)];
    if (comboIndex == static_cast<int>(s.choices.size())) { // "Open tokenizer file…"
        {
            const QSignalBlocker block(s.choice);
            s.choice->setCurrentIndex(s.current); // stays unless a file loads
        }
        const QString path = QFileDialog::getOpenFileName(this, tr("Open tokenizer"), QString(),
                                                          tr("Tokenizer (tokenizer.json *.json);;All files (*)"));
        if (!path.isEmpty())
            loadTokenizerFile(side, path);
        return;
    }
    if (comboIndex < 0 || comboIndex >= static_cast<int>(s.choices.size()))
        return;
    s.current = comboIndex;
    {
        const QSignalBlocker block(s.choice);
        s.choice->setCurrentIndex(comboIndex);
    }
    const Choice& choice = s.choices[static_cast<size_t>(comboIndex)];
    s.error.clear();
    s.tokenizer = choice.tokenizer;
    m_training->cancel(s.trainingJob); // a training still running for this side no longer matters
    s.trainingJob = 0;
    s.waiting = false;
    if (!choice.kind.isEmpty()) {
        s.tokenizer.reset();
        const KindEntry* entry = findKind(choice.kind);
        if (entry && entry->needsCorpus && !m_corpus) {
            s.waiting = m_corpusJob != 0;
            s.error = s.waiting ? tr("Reading the corpus...") : tr("Set a corpus to train this tokenizer on.");
        } else if (entry && entry->background) {
            core::TokenizerConfig config;
            config.kind = choice.kind.toStdString();
            // Shares the corpus's text with the job (aliasing), no copy.
            s.trainingJob = m_training->start(config, std::shared_ptr<const std::string>(m_corpus, &m_corpus->text));
            s.waiting = true;
            s.error = tr("Training %1 on the corpus...").arg(choice.label.section(QStringLiteral(" ("), 0, 0));
        } else {
            core::TokenizerConfig config;
            config.kind = choice.kind.toStdString();
            try {
                s.tokenizer = core::makeTokenizer(config, m_corpus ? std::string_view(m_corpus->text) : std::string_view());
            } catch (const std::exception& e) {
                s.error = QString::fromUtf8(e.what());
            }
        }
    }
    refresh();
}

void TokenizerPanel::setTokenizer(int side, std::shared_ptr<const core::Tokenizer> tokenizer, const QString& label)
{
    if (side < 0 || side >= kSides || !tokenizer)
        return;
    Side& s = *m_sides[static_cast<size_t>(side)];
    // The same label again replaces its tokenizer (a run's tokenizer reloaded), not a second entry.
    for (size_t i = 0; i < s.choices.size(); ++i)
        if (s.choices[i].kind.isEmpty() && s.choices[i].label == label) {
            s.choices[i].tokenizer = std::move(tokenizer);
            chooseOnSide(side, static_cast<int>(i));
            return;
        }
    addChoice(side, {label, QString(), std::move(tokenizer)});
    chooseOnSide(side, static_cast<int>(s.choices.size()) - 1);
}

bool TokenizerPanel::loadTokenizerFile(int side, const QString& path)
{
    if (side < 0 || side >= kSides)
        return false;
    Side& s = *m_sides[static_cast<size_t>(side)];
    QFile file(path);
    QString error;
    std::shared_ptr<const core::Tokenizer> tokenizer;
    if (!file.open(QIODevice::ReadOnly)) {
        error = tr("%1: cannot be read (%2)").arg(path, file.errorString());
    } else {
        try {
            tokenizer = core::loadTokenizer(file.readAll().toStdString());
        } catch (const std::exception& e) {
            error = tr("%1: %2").arg(path, QString::fromUtf8(e.what()));
        }
    }
    if (!tokenizer) {
        s.statsLabel->setText(QStringLiteral("<span style='color:#d32f2f'>%1</span>").arg(error.toHtmlEscaped()));
        return false;
    }
    // "run-12/tokenizer.json (char)": a run's tokenizer file is named after its directory.
    const QFileInfo info(path);
    const QString label = tr("%1/%2 (%3)").arg(info.dir().dirName(), info.fileName(),
                                               QString::fromStdString(tokenizer->kind()));
    setTokenizer(side, std::move(tokenizer), label);
    return true;
}

void TokenizerPanel::setTokenizerKind(int side, const QString& kind)
{
    if (side < 0 || side >= kSides)
        return;
    const Side& s = *m_sides[static_cast<size_t>(side)];
    for (size_t i = 0; i < s.choices.size(); ++i)
        if (s.choices[i].kind == kind)
            chooseOnSide(side, static_cast<int>(i));
}

bool TokenizerPanel::isTraining(int side) const
{
    return side >= 0 && side < kSides && m_sides[static_cast<size_t>(side)]->trainingJob != 0;
}

void TokenizerPanel::setCorpus(const QString& path)
{
    m_training->cancel(m_corpusJob);
    m_corpusPath = path;
    m_corpus.reset();
    m_corpusError.clear();
    m_corpusJob = m_training->readCorpus(path);
    showCorpusState();
    rebuildKindTokenizers();
}

void TokenizerPanel::showCorpusState()
{
    m_sampleButton->setEnabled(m_corpus != nullptr);
    if (!m_corpusError.isEmpty()) {
        m_corpusLabel->setText(QStringLiteral("<span style='color:#d32f2f'>%1</span>").arg(m_corpusError.toHtmlEscaped()));
        m_corpusLabel->setToolTip(m_corpusError);
    } else if (m_corpusJob != 0) {
        m_corpusLabel->setText(tr("Reading %1...").arg(QFileInfo(m_corpusPath).fileName()));
        m_corpusLabel->setToolTip(m_corpusPath);
    } else if (!m_corpus) {
        m_corpusLabel->setText(tr("No corpus set"));
        m_corpusLabel->setToolTip(QString());
    } else {
        m_corpusLabel->setText(tr("Corpus: %1 · %2 characters%3")
                                   .arg(QFileInfo(m_corpusPath).fileName(), number(m_corpus->characters),
                                        m_corpus->whole ? QString() : tr(" (samples and training use the first 32 MB)")));
        m_corpusLabel->setToolTip(m_corpusPath);
    }
}

void TokenizerPanel::rebuildKindTokenizers()
{
    for (int side = 0; side < kSides; ++side) {
        const Side& s = *m_sides[static_cast<size_t>(side)];
        if (s.current >= 0 && !s.choices[static_cast<size_t>(s.current)].kind.isEmpty())
            chooseOnSide(side, s.current); // retrains on the new corpus and refreshes
    }
}

void TokenizerPanel::sampleFromCorpus()
{
    if (!m_corpus)
        return;
    const std::string_view text = std::string_view(m_corpus->text).substr(m_corpus->headOffset);
    setText(QString::fromStdString(core::sampleCorpusText(text, m_sampleLength->value(), m_sampleSeed++)));
}

void TokenizerPanel::setText(const QString& text)
{
    {
        const QSignalBlocker block(m_input); // refreshed right away, not after the pause for typing
        m_input->setPlainText(text);
    }
    refresh();
}

QString TokenizerPanel::text() const { return m_input->toPlainText(); }

const core::TokenizerStats* TokenizerPanel::stats(int side) const
{
    if (side < 0 || side >= kSides)
        return nullptr;
    const auto& stats = m_sides[static_cast<size_t>(side)]->stats;
    return stats ? &*stats : nullptr;
}

void TokenizerPanel::refresh()
{
    m_debounce->stop();
    int64_t characters = 0;
    const std::string text = capText(m_input->toPlainText().toStdString(), kMaxCharacters, characters);
    if (characters > kMaxCharacters) {
        m_notice->setText(tr("The text has %1 characters; the first %2 are tokenized and shown.")
                              .arg(number(characters), number(int64_t(kMaxCharacters))));
        m_notice->show();
    } else {
        m_notice->hide();
    }
    for (int side = 0; side < kSides; ++side)
        updateSide(side, text);
    updateComparison();
    emit tokenizationUpdated();
}

void TokenizerPanel::updateSide(int side, const std::string& text)
{
    Side& s = *m_sides[static_cast<size_t>(side)];
    s.stats.reset();
    QString error = s.error;
    if (s.tokenizer) {
        try {
            s.stats = core::computeTokenizerStats(*s.tokenizer, text);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
    }
    if (!s.stats && s.waiting) { // not an error: the tokenizer is on its way
        s.statsLabel->setText(s.error.toHtmlEscaped());
        s.view->showMessage(s.error);
        s.ids->clear();
        return;
    }
    if (!s.stats) {
        s.statsLabel->setText(QStringLiteral("<span style='color:#d32f2f'>%1</span>").arg(error.toHtmlEscaped()));
        s.view->showMessage(error);
        s.ids->clear();
        return;
    }
    const core::TokenizerStats& st = *s.stats;
    const auto count = [](int64_t n, const QString& what, bool alarm) {
        const QString shown = QStringLiteral("<b>%1</b> %2").arg(number(n), what);
        return alarm && n > 0 ? QStringLiteral("<span style='color:#d32f2f'>%1</span>").arg(shown) : shown;
    };
    QStringList parts{
        count(st.tokens, tr("tokens"), false),
        tr("<b>%1</b> tokens/char").arg(number(st.tokensPerCharacter, 2)),
        tr("<b>%1</b> of %2 ids used (%3 %)")
            .arg(number(st.distinctIds), number(st.vocabSize), number(100.0 * st.vocabShare, 1)),
        count(st.unknownTokens, tr("unknown"), true),
        count(st.byteFallbackTokens, tr("byte fallback"), false),
    };
    if (st.controlTokens > 0)
        parts << count(st.controlTokens, tr("control"), false);
    if (st.unplacedTokens > 0)
        parts << count(st.unplacedTokens, tr("not placed in the text"), true);
    s.statsLabel->setText(parts.join(QStringLiteral(" &nbsp;·&nbsp; ")));

    s.view->showTokens(s.tokenizer, st, text);
    QString ids;
    ids.reserve(static_cast<qsizetype>(st.pieces.size()) * 4);
    for (const core::TokenPiece& piece : st.pieces) {
        if (!ids.isEmpty())
            ids += QLatin1Char(' ');
        ids += QString::number(piece.id);
    }
    s.ids->setPlainText(ids);
}

void TokenizerPanel::updateComparison()
{
    QStringList parts;
    for (int side = 0; side < kSides; ++side) {
        const core::TokenizerStats* st = stats(side);
        parts << (st ? tr("<b>%1</b> %2 tokens, %3 per char")
                           .arg(kSideNames[side], number(st->tokens), number(st->tokensPerCharacter, 2))
                     : tr("<b>%1</b> —").arg(kSideNames[side]));
    }
    const core::TokenizerStats* a = stats(0);
    const core::TokenizerStats* b = stats(1);
    if (a && b && a->tokens > 0)
        parts << tr("B needs <b>%1×</b> the tokens of A").arg(number(double(b->tokens) / double(a->tokens), 2));
    m_comparison->setText(parts.join(QStringLiteral(" &nbsp;&nbsp;|&nbsp;&nbsp; ")));
}

} // namespace tb::ui
