// SPDX-License-Identifier: MIT
// Builds tokenizers on worker threads, so training SentencePiece (seconds to minutes on a large corpus) never freezes
// the GUI, and reads the text they are built from (readCorpus: one streaming pass, bounded memory). Each start() or
// readCorpus() is a job with its own thread and id; its result arrives as finished(id, tokenizer),
// corpusRead(id, corpus) or failed(id, message) on the thread that owns this object (the GUI thread). cancel(id) drops a job's result:
// sentencepiece's trainer has no way to stop early, so its thread runs to the end in the background. The
// destructor waits for every job's thread. Use from one thread.
#pragma once

#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_config.h"
#include "ui/bridge/job_threads.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QSet>
#include <QString>

#include <functional>
#include <memory>
#include <string>

namespace tb::ui {

/// What a tokenizer is built from, as a run builds it (core::sampleCorpus): a plain-text corpus's alphabet followed
/// by its first kHeadBytes of normalised text, or a JSONL corpus's whole text.
struct TokenizerCorpus {
    static constexpr size_t kHeadBytes = size_t{32} << 20; // as core::sampleCorpus
    std::string text;
    size_t headOffset = 0;  // where the corpus's own text starts in `text` (after the alphabet)
    int64_t characters = 0; // of the whole corpus
    bool whole = true;      // `text` from headOffset on is the whole corpus
};

} // namespace tb::ui

Q_DECLARE_METATYPE(std::shared_ptr<const tb::core::Tokenizer>)
Q_DECLARE_METATYPE(std::shared_ptr<const tb::ui::TokenizerCorpus>)

namespace tb::ui {

class TokenizerTraining : public QObject {
    Q_OBJECT
public:
    explicit TokenizerTraining(QObject* parent = nullptr);
    ~TokenizerTraining() override;

    TokenizerTraining(const TokenizerTraining&) = delete;
    TokenizerTraining& operator=(const TokenizerTraining&) = delete;

    /// Builds a tokenizer for `config` from `text` (core::makeTokenizer) on a new thread; returns the job's id (> 0).
    quint64 start(const core::TokenizerConfig& config, std::shared_ptr<const std::string> text);
    /// Reads `path` into a TokenizerCorpus on a new thread; returns the job's id (> 0). Errors are InputErrors.
    quint64 readCorpus(const QString& path);
    /// Drops job `id`'s result; unknown or finished ids are ignored.
    void cancel(quint64 id);
    /// Jobs whose result is still to come (not cancelled).
    int pending() const { return static_cast<int>(m_live.size()); }
    /// Worker threads still running, cancelled jobs included.
    int threadsRunning() const;

signals:
    void finished(quint64 id, const std::shared_ptr<const tb::core::Tokenizer>& tokenizer);
    void corpusRead(quint64 id, const std::shared_ptr<const tb::ui::TokenizerCorpus>& corpus);
    /// The InputError's or SpmLibraryError's message (a bad setting, the plugin missing).
    void failed(quint64 id, const QString& message);

private:
    void post(quint64 id, std::function<void()> deliver);
    quint64 run(std::function<void(quint64 id)> work);

    quint64 m_nextId = 1;
    QSet<quint64> m_live;
    JobThreads m_threads;
};

} // namespace tb::ui
