// SPDX-License-Identifier: MIT
#include "ui/bridge/corpus_scan.h"

#include "core/common/error.h"
#include "core/data/corpus.h"
#include "core/data/stream_tokenize.h"

#include <cctype>
#include <filesystem>
#include <functional>
#include <optional>

namespace tb::ui {
namespace {

bool isJsonl(const std::string& file)
{
    std::string extension = std::filesystem::path(file).extension().string();
    for (char& c : extension)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension == ".jsonl";
}

/// The statistics of a plain-text corpus from one streaming pass (core::scanCorpus); nullopt when cancelled.
/// `head` receives the first kPreviewBytes of the normalised text.
std::optional<core::CorpusStats> streamStats(const std::string& file, std::stop_token stop,
                                             const std::function<bool(double)>& report, std::string& head)
{
    core::StreamOptions options;
    options.stop = std::move(stop);
    options.progress = [&](int64_t done, int64_t total) {
        if (total > 0)
            report(double(done) / double(total));
    };
    const core::CorpusScan scan = core::scanCorpus(file, CorpusScan::kPreviewBytes, options);
    if (scan.text.cancelled)
        return std::nullopt;
    core::CorpusStats stats;
    stats.path = file;
    stats.format = "text";
    stats.hash = scan.text.hash;
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    stats.fileBytes = ec ? 0 : static_cast<int64_t>(size);
    stats.textBytes = scan.text.bytes;
    stats.characters = scan.text.characters;
    stats.lines = scan.text.lines;
    for (const char c : scan.alphabet) // code points: every byte that does not continue a UTF-8 sequence
        stats.distinctCharacters += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    stats.documents = 1;
    head = scan.head;
    return stats;
}

} // namespace

CorpusScan::CorpusScan(QObject* parent) : QObject(parent) { qRegisterMetaType<tb::core::CorpusStats>(); }

CorpusScan::~CorpusScan()
{
    cancel();
    m_threads.joinAll();
}

void CorpusScan::post(quint64 generation, std::function<void()> deliver)
{
    // Runs on the worker thread: queue the delivery to this object's thread, where the generation is checked.
    QMetaObject::invokeMethod(
        this,
        [this, generation, deliver = std::move(deliver)] {
            if (generation == m_generation)
                deliver();
        },
        Qt::QueuedConnection);
}

void CorpusScan::start(const QString& path)
{
    cancel();
    const quint64 generation = ++m_generation;
    auto job = std::make_shared<Job>();
    m_job = job;
    m_running = true;
    const std::string file = path.toStdString();
    m_threads.start(QStringLiteral("CorpusScan"), [this, job, file, path, generation] {
        try {
            int lastPercent = -1;
            auto report = [&](double fraction) {
                const int percent = static_cast<int>(fraction * 100.0);
                if (percent != lastPercent) {
                    lastPercent = percent;
                    post(generation, [this, percent] { emit progressed(percent); });
                }
                return !job->cancelled.load();
            };
            std::optional<core::CorpusStats> stats;
            QString preview;
            if (isJsonl(file)) {
                // JSONL corpora are records of {"text"}: loaded whole, as a run loads them.
                const core::Corpus corpus = core::loadCorpus(file);
                if (job->cancelled)
                    return;
                stats = core::scanCorpusStats(corpus, report);
                if (stats)
                    preview = QString::fromStdString(core::textPreview(corpus.text, kPreviewBytes));
            } else {
                // Plain text is streamed in chunks: memory stays small whatever the size, and cancel is prompt.
                std::string head;
                stats = streamStats(file, job->stop.get_token(), report, head);
                preview = QString::fromStdString(head);
            }
            if (!stats)
                return;
            post(generation, [this, stats = *stats, preview] {
                m_running = false;
                emit finished(stats, preview);
            });
        } catch (const std::exception& e) {
            const QString message = QString::fromStdString(e.what());
            post(generation, [this, path, message] {
                m_running = false;
                emit failed(path, message);
            });
        }
    });
}

void CorpusScan::cancel()
{
    if (m_job) {
        m_job->cancelled = true;
        m_job->stop.request_stop();
    }
    m_job.reset();
    ++m_generation; // whatever the old scan still posts is dropped
    m_running = false;
}

} // namespace tb::ui
