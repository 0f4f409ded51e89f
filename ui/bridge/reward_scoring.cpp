// SPDX-License-Identifier: MIT
// torch before any Qt header: Qt's `slots` macro breaks torch's headers.
#include <torch/torch.h>

#include "ui/bridge/reward_scoring.h"

#include "core/common/error.h"
#include "core/store/checkpoint.h"
#include "core/store/run_dir.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/reward_model.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tb::ui {

namespace fs = std::filesystem;

/// Worker-thread state: loaded reward models and the policies' tokenizers, kept between jobs.
struct RewardScoring::Worker {
    struct CachedScorer {
        core::RewardScorer scorer;
        fs::path file;
        fs::file_time_type modified;
    };
    std::map<std::string, std::unique_ptr<CachedScorer>> scorers;
    std::map<std::string, std::pair<fs::file_time_type, std::string>> tokenizers; // file -> (modified, serialized)

    /// The file loadRewardScorer() loads for `path`: a run directory's best checkpoint, else its latest.
    static fs::path checkpointFile(const std::string& path)
    {
        std::error_code ec;
        if (!fs::is_directory(path, ec))
            return path;
        const core::RunDirectory dir(path);
        return fs::exists(dir.bestCheckpoint(), ec) ? dir.bestCheckpoint() : dir.latestCheckpoint();
    }

    core::RewardScorer& scorer(const std::string& path)
    {
        const fs::path file = checkpointFile(path);
        std::error_code ec;
        const auto modified = fs::last_write_time(file, ec);
        auto& slot = scorers[path];
        if (!slot || slot->file != file || slot->modified != modified) {
            auto cached = std::make_unique<CachedScorer>();
            cached->scorer = core::loadRewardScorer(path);
            cached->file = file;
            cached->modified = modified;
            slot = std::move(cached);
        }
        return slot->scorer;
    }

    /// The policy's tokenizer as Tokenizer::serialize() writes it after loading: a run directory's tokenizer.json
    /// (else its latest checkpoint's), or a checkpoint file's.
    std::string policyTokenizer(const std::string& path)
    {
        std::error_code ec;
        fs::path file = path;
        if (fs::is_directory(path, ec)) {
            const core::RunDirectory dir(path);
            file = fs::exists(dir.tokenizerFile(), ec) ? dir.tokenizerFile() : dir.latestCheckpoint();
        }
        const auto modified = fs::last_write_time(file, ec);
        if (ec)
            throw core::InputError(file.string(), "", "cannot be read: " + ec.message());
        auto& slot = tokenizers[file.string()];
        if (slot.second.empty() || slot.first != modified) {
            std::string serialized;
            if (file.extension() == ".json") {
                std::ifstream in(file, std::ios::binary);
                std::ostringstream text;
                text << in.rdbuf();
                serialized = text.str();
            } else {
                serialized = core::loadCheckpoint(file).tokenizer;
            }
            // Loaded and written again, as the reward model's is, so that equal tokenizers compare equal.
            slot = {modified, core::loadTokenizer(serialized)->serialize()};
        }
        return slot.second;
    }
};

RewardScoring::RewardScoring(QObject* parent) : QObject(parent), m_worker(std::make_shared<Worker>())
{
    m_thread.setObjectName(QStringLiteral("RewardScoring worker"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start(QThread::LowPriority);
}

RewardScoring::~RewardScoring()
{
    m_thread.quit(); // after the job running now returns; queued jobs are dropped with the event loop
    m_thread.wait();
}

void RewardScoring::post(std::function<void()> deliver)
{
    QMetaObject::invokeMethod(this, std::move(deliver), Qt::QueuedConnection);
}

std::optional<double> RewardScoring::cachedScore(const QString& rewardRun, const QString& prompt,
                                                 const QString& answer) const
{
    const auto it = m_cache.find(Key{rewardRun, prompt, answer});
    return it == m_cache.end() ? std::nullopt : std::optional<double>(it->second);
}

quint64 RewardScoring::score(const QString& rewardRun, const QString& policy, const QString& prompt,
                             const QString& answer)
{
    const quint64 id = m_nextId++;
    m_pending.insert(id);
    const Key key{rewardRun, prompt, answer};
    const std::pair<QString, QString> pairKey{rewardRun, policy};
    const auto match = m_sameTokenizer.find(pairKey);
    const std::optional<double> cached = cachedScore(rewardRun, prompt, answer);
    // Known answers need no job: a tokenizer known to differ, or a known score with a tokenizer known to match.
    if (match != m_sameTokenizer.end() && !match->second.first) {
        post([this, id, detail = match->second.second] {
            m_pending.erase(id);
            emit failed(id, differentTokenizerText(), detail);
        });
        return id;
    }
    if (cached && (policy.isEmpty() || match != m_sameTokenizer.end())) {
        post([this, id, value = *cached] {
            m_pending.erase(id);
            emit scored(id, value);
        });
        return id;
    }
    QMetaObject::invokeMethod(
        m_context,
        [this, id, key, pairKey, cached, worker = m_worker, reward = rewardRun.toStdString(),
         policy = policy.toStdString(), p = prompt.toStdString(), a = answer.toStdString()] {
            try {
                core::RewardScorer& scorer = worker->scorer(reward);
                if (!policy.empty() && worker->policyTokenizer(policy) != scorer.tokenizerJson) {
                    const QString detail = QString::fromStdString(
                        reward + ": its tokenizer differs from the tokenizer of " + policy +
                        ", so it would read other token ids than the model wrote; train the reward model from this "
                        "model's parent");
                    post([this, id, pairKey, detail] {
                        m_pending.erase(id);
                        m_sameTokenizer[pairKey] = {false, detail};
                        emit failed(id, differentTokenizerText(), detail);
                    });
                    return;
                }
                const bool computed = !cached;
                const double value = cached ? *cached : core::scoreAnswer(scorer, p, a);
                const bool checked = !policy.empty();
                post([this, id, key, pairKey, value, computed, checked] {
                    m_pending.erase(id);
                    m_cache[key] = value;
                    if (checked)
                        m_sameTokenizer[pairKey] = {true, QString()};
                    m_computed += computed ? 1 : 0;
                    emit scored(id, value);
                });
            } catch (const std::exception& e) {
                const QString detail = QString::fromStdString(e.what());
                post([this, id, detail] {
                    m_pending.erase(id);
                    emit failed(id, tr("cannot score: %1").arg(detail), detail);
                });
            }
        },
        Qt::QueuedConnection);
    return id;
}

} // namespace tb::ui
