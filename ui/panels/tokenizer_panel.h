// SPDX-License-Identifier: MIT
// The Tokenizer panel: a text (typed, pasted, or sampled from the corpus) shown as the pieces of two tokenizers side
// by side, with their ids, tokens per character, vocabulary use and unknown/byte-fallback counts. Each side picks a
// tokenizer kind trained on the current corpus, a tokenizer file (a run's tokenizer.json), or one the application
// hands in. Typing re-tokenizes after a short pause; texts longer than kMaxCharacters are cut with a notice.
// SentencePiece kinds (bpe, unigram) train on a worker thread (TokenizerTraining): the side says so meanwhile, the
// panel stays responsive, and choosing something else drops the training's result. The rest is cheap and runs on the
// GUI thread; GUI thread only.
#pragma once

#include "core/tokenizer/tokenizer_stats.h"

#include <QString>
#include <QWidget>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTimer;

namespace tb::ui {

class TokenPieceView;
class TokenizerTraining;
struct TokenizerCorpus;

class TokenizerPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kSides = 2;
    // Tokenized and shown; the rest of a longer text is left out. Laying out one coloured run per token is what
    // costs (10-40 ms per thousand tokens and side, measured on a loaded 2-core machine), so this keeps an update
    // of both sides well under a second there.
    static constexpr int kMaxCharacters = 10000;
    static constexpr int kDebounceMs = 150;

    explicit TokenizerPanel(QWidget* parent = nullptr);
    ~TokenizerPanel() override;

    /// Reads the corpus that "Sample from corpus" draws from and the tokenizer kinds train on, in the background
    /// and as a run does (core::sampleCorpus: a plain text's alphabet and first 32 MB, a JSONL corpus whole), then
    /// retrains the kinds on show. An unreadable corpus is reported in the panel; the previous one is dropped.
    void setCorpus(const QString& path);
    /// From setCorpus() until the corpus is read (corpusLoaded()) or has failed.
    bool isReadingCorpus() const { return m_corpusJob != 0; }
    /// Shows `tokenizer` on `side` (0 = left, 1 = right), listed in that side's choice as `label`.
    void setTokenizer(int side, std::shared_ptr<const core::Tokenizer> tokenizer, const QString& label);
    /// Loads a tokenizer file (tokenizer.json of a run directory) on `side`. Returns false and shows why on error.
    bool loadTokenizerFile(int side, const QString& path);
    /// Selects a kind ("char", "byte", ...) trained on the current corpus on `side`.
    void setTokenizerKind(int side, const QString& kind);

    void setText(const QString& text);
    QString text() const;

    /// What the last update measured on `side`; nullptr while that side has no tokenizer or failed.
    const core::TokenizerStats* stats(int side) const;
    /// A side is waiting for its SentencePiece tokenizer to train.
    bool isTraining(int side) const;

public slots:
    /// Replaces the text by a random stretch of the corpus (the length in the spin box; a new seed each time).
    void sampleFromCorpus();
    /// Re-tokenizes the text now (typing does it after kDebounceMs).
    void refresh();

signals:
    /// Both sides show the current text (after a debounced edit, a sample, or a tokenizer change).
    void tokenizationUpdated();
    /// The corpus of setCorpus() was read, or could not be (the panel shows why).
    void corpusLoaded();

private:
    struct Side;
    struct Choice {
        QString label;
        QString kind;                                    // trained on the corpus when not empty
        std::shared_ptr<const core::Tokenizer> tokenizer; // else this one
    };

    QWidget* buildSide(int side);
    void chooseOnSide(int side, int comboIndex);
    void addChoice(int side, Choice choice);
    void rebuildKindTokenizers();
    void updateSide(int side, const std::string& text);
    void updateComparison();
    void showCorpusState();

    QPlainTextEdit* m_input = nullptr;
    QPushButton* m_sampleButton = nullptr;
    QSpinBox* m_sampleLength = nullptr;
    QLabel* m_corpusLabel = nullptr;
    QLabel* m_notice = nullptr;
    QLabel* m_comparison = nullptr;
    QTimer* m_debounce = nullptr;
    std::array<std::unique_ptr<Side>, kSides> m_sides;

    TokenizerTraining* m_training = nullptr;
    QString m_corpusPath;
    std::shared_ptr<const TokenizerCorpus> m_corpus; // null until read
    quint64 m_corpusJob = 0;                         // the TokenizerTraining job reading it
    QString m_corpusError;
    uint64_t m_sampleSeed = 1;
};

} // namespace tb::ui
