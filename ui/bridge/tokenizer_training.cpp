// SPDX-License-Identifier: MIT
#include "ui/bridge/tokenizer_training.h"

#include "core/data/corpus.h"
#include "core/data/stream_tokenize.h"

#include <cctype>
#include <exception>
#include <filesystem>

namespace tb::ui {

TokenizerTraining::TokenizerTraining(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<std::shared_ptr<const tb::core::Tokenizer>>();
    qRegisterMetaType<std::shared_ptr<const tb::ui::TokenizerCorpus>>();
}

TokenizerTraining::~TokenizerTraining()
{
    m_live.clear();
    m_threads.joinAll();
}

void TokenizerTraining::post(quint64 id, std::function<void()> deliver)
{
    // Runs on the worker thread: queue the delivery to this object's thread, where cancelled jobs are dropped.
    QMetaObject::invokeMethod(
        this,
        [this, id, deliver = std::move(deliver)] {
            if (m_live.remove(id))
                deliver();
        },
        Qt::QueuedConnection);
}

quint64 TokenizerTraining::run(std::function<void(quint64 id)> work)
{
    const quint64 id = m_nextId++;
    m_live.insert(id);
    m_threads.start(QStringLiteral("TokenizerTraining"), [this, id, work = std::move(work)] {
        try {
            work(id);
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            post(id, [this, id, message] { emit failed(id, message); });
        }
    });
    return id;
}

quint64 TokenizerTraining::start(const core::TokenizerConfig& config, std::shared_ptr<const std::string> text)
{
    return run([this, config, text = std::move(text)](quint64 id) {
        std::shared_ptr<const core::Tokenizer> tokenizer = core::makeTokenizer(config, text ? *text : std::string());
        post(id, [this, id, tokenizer = std::move(tokenizer)] { emit finished(id, tokenizer); });
    });
}

quint64 TokenizerTraining::readCorpus(const QString& path)
{
    return run([this, file = path.toStdString()](quint64 id) {
        auto corpus = std::make_shared<TokenizerCorpus>();
        std::string extension = std::filesystem::path(file).extension().string();
        for (char& c : extension)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (extension == ".jsonl") { // as core::loadCorpus and core::sampleCorpus decide
            core::Corpus whole = core::loadCorpus(file);
            corpus->text = std::move(whole.text);
            corpus->characters = whole.characters;
        } else {
            const core::CorpusScan scan = core::scanCorpus(file, TokenizerCorpus::kHeadBytes);
            corpus->text = scan.alphabet + scan.head;
            corpus->headOffset = scan.alphabet.size();
            corpus->characters = scan.text.characters;
            corpus->whole = static_cast<int64_t>(scan.head.size()) == scan.text.bytes;
        }
        post(id, [this, id, corpus = std::shared_ptr<const TokenizerCorpus>(std::move(corpus))] {
            emit corpusRead(id, corpus);
        });
    });
}

void TokenizerTraining::cancel(quint64 id) { m_live.remove(id); }

int TokenizerTraining::threadsRunning() const
{
    return m_threads.running();
}

} // namespace tb::ui
