// SPDX-License-Identifier: MIT
// torch before any Qt header: Qt's `slots` macro breaks torch's headers.
#include <torch/torch.h>

#include "ui/bridge/inference_session.h"

#include "core/common/error.h"
#include "core/data/chat_prompt.h"
#include "core/data/corpus_tokens.h"
#include "core/eval/diversity.h"
#include "core/eval/generate.h"
#include "core/eval/next_token.h"
#include "core/store/model_loader.h"
#include "core/store/run_dir.h"

#include <QElapsedTimer>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stop_token>

namespace tb::ui {

namespace fs = std::filesystem;

struct InferenceSession::Job {
    quint64 id = 0;
    Kind kind = Kind::Analysis;
    std::stop_source stop;
};

/// Worker-thread state: loaded models and memorization indexes, kept between jobs.
struct InferenceSession::Worker {
    struct CachedModel {
        core::LoadedModel loaded;
        fs::path file;
        fs::file_time_type modified;
    };
    struct TrainingText {
        std::string corpus;
        std::vector<core::TokenId> tokens;
        std::vector<int> newlines; // per token id: line feeds in its text
    };

    std::map<std::string, std::unique_ptr<CachedModel>> models;          // by key()
    std::map<std::string, std::shared_ptr<TrainingText>> texts;          // by key()
    std::map<std::pair<std::string, int>, std::unique_ptr<core::MemorizationIndex>> indexes;

    static std::string key(const core::CompareModel& m) { return m.path + '\n' + m.checkpoint; }

    /// The file loadModel() picks for `m` (a missing one is left for loadModel to report).
    static fs::path checkpointFile(const core::CompareModel& m)
    {
        std::error_code ec;
        if (!fs::is_directory(m.path, ec))
            return m.path;
        const core::RunDirectory dir(m.path);
        if (m.checkpoint != "latest" && fs::exists(dir.bestCheckpoint(), ec))
            return dir.bestCheckpoint();
        return dir.latestCheckpoint();
    }

    /// Loads `m`, or reuses the cached model while its checkpoint file is the same and unchanged (a run that
    /// trained on since, or a new best checkpoint, is reloaded).
    core::LoadedModel& model(const core::CompareModel& m)
    {
        const fs::path file = checkpointFile(m);
        std::error_code ec;
        const auto modified = fs::last_write_time(file, ec);
        auto& slot = models[key(m)];
        if (!slot || slot->file != file || slot->modified != modified) {
            auto cached = std::make_unique<CachedModel>();
            cached->loaded = core::loadModel(m.path, m.checkpoint != "latest");
            cached->file = file;
            cached->modified = modified;
            slot = std::move(cached);
            texts.erase(key(m));
            for (auto it = indexes.begin(); it != indexes.end();)
                it = it->first.first == key(m) ? indexes.erase(it) : std::next(it);
        }
        return slot->loaded;
    }

    /// The prompt as model `m` gets it (core::promptForRun: a fine-tuned run's chat template when `chatTemplate`).
    static core::ChatPrompt formatPrompt(const core::LoadedModel& m, const QString& prompt, bool chatTemplate)
    {
        return core::promptForRun(m.config, prompt.toStdString(), chatTemplate);
    }

    static std::vector<core::TokenId> encodePrompt(const core::LoadedModel& m, const core::ChatPrompt& prompt)
    {
        auto ids = m.tokenizer->encode(prompt.text);
        if (ids.empty())
            throw core::InputError("", "prompt", "is empty: give at least one character to start from");
        return ids;
    }
};

namespace {

core::SampleOptions sampleOptions(const core::CompareSettings& s, uint64_t seed)
{
    core::SampleOptions o;
    o.maxNewTokens = s.maxNewTokens;
    o.temperature = s.temperature;
    o.topK = s.topK;
    o.topP = s.topP;
    o.repetitionPenalty = s.repetitionPenalty;
    o.greedy = s.greedy;
    o.seed = seed;
    return o;
}

void checkSettings(const core::CompareSettings& s)
{
    if (const std::string problem = core::validateCompareSettings(s); !problem.empty())
        throw core::InputError("", "settings", problem);
}

std::vector<float> toFloats(const torch::Tensor& t)
{
    const torch::Tensor c = t.to(torch::kFloat).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

QString decoded(const core::Tokenizer& tokenizer, const std::vector<core::TokenId>& ids)
{
    return QString::fromStdString(tokenizer.decode(ids));
}

/// core::generate from `m`, stopping at `stop` or where a chat answer ends (`answerEnd`, when not empty); counts
/// the tokens into `count`.
std::vector<core::TokenId> generateAnswer(core::LoadedModel& m, const std::vector<core::TokenId>& promptIds,
                                          const core::SampleOptions& options, const std::string& answerEnd,
                                          const std::stop_token& stop, std::atomic<qint64>& count)
{
    std::vector<core::TokenId> generated;
    return core::generate(m.model, promptIds, options, [&](core::TokenId token) {
        ++count;
        generated.push_back(token);
        std::string text = answerEnd.empty() ? std::string() : m.tokenizer->decode(generated);
        return !core::cutAtAnswerEnd(text, answerEnd) && !stop.stop_requested();
    });
}

/// The text of `ids`, cut where a chat answer ends.
QString answerText(const core::Tokenizer& tokenizer, const std::vector<core::TokenId>& ids,
                   const std::string& answerEnd)
{
    std::string text = tokenizer.decode(ids);
    core::cutAtAnswerEnd(text, answerEnd);
    return QString::fromStdString(text);
}

} // namespace

InferenceSession::InferenceSession(QObject* parent) : QObject(parent), m_worker(std::make_unique<Worker>())
{
    qRegisterMetaType<tb::ui::LoadedModelInfo>();
    qRegisterMetaType<tb::ui::NextTokenResult>();
    qRegisterMetaType<tb::ui::KlResult>();
    qRegisterMetaType<tb::ui::SeedFanResult>();
    qRegisterMetaType<tb::ui::BatteryResult>();
    qRegisterMetaType<std::vector<tb::core::CompareOutput>>();
    qRegisterMetaType<std::vector<tb::ui::MemorizedSpanInfo>>();
    m_thread.setObjectName(QStringLiteral("InferenceSession worker"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

InferenceSession::~InferenceSession()
{
    stop();
    m_thread.quit(); // after the job running now returns; queued jobs are dropped with the event loop
    m_thread.wait();
}

void InferenceSession::stop()
{
    for (auto& [id, job] : m_jobs)
        job->stop.request_stop();
}

void InferenceSession::post(std::function<void()> deliver)
{
    QMetaObject::invokeMethod(this, std::move(deliver), Qt::QueuedConnection);
}

void InferenceSession::endJob(quint64 id) { m_jobs.erase(id); }

quint64 InferenceSession::enqueue(Kind kind, std::function<void(Worker&, Job&)> work)
{
    if (kind == Kind::Generation) {
        for (auto& [id, job] : m_jobs)
            if (job->kind == Kind::Generation)
                job->stop.request_stop();
    }
    auto job = std::make_shared<Job>();
    job->id = m_nextId++;
    job->kind = kind;
    m_jobs[job->id] = job;
    QMetaObject::invokeMethod(
        m_context,
        [this, job, work = std::move(work)] {
            const quint64 id = job->id;
            m_tokenCount = 0;
            if (job->stop.stop_requested()) {
                if (job->kind == Kind::Generation)
                    post([this, id] {
                        endJob(id);
                        emit generationFinished(id, {}, true);
                    });
                else
                    post([this, id] {
                        endJob(id);
                        emit cancelled(id);
                    });
                return;
            }
            try {
                work(*m_worker, *job);
            } catch (const std::exception& e) {
                const QString message = QString::fromStdString(e.what());
                post([this, id, message] {
                    endJob(id);
                    emit failed(id, message);
                });
            }
        },
        Qt::QueuedConnection);
    return job->id;
}

quint64 InferenceSession::generate(const std::vector<core::CompareModel>& models, const QString& prompt,
                                   const core::CompareSettings& settings)
{
    return enqueue(Kind::Generation, [this, models, prompt, settings](Worker& w, Job& job) {
        checkSettings(settings);
        if (models.empty())
            throw core::InputError("", "models", "pick at least one model");
        const quint64 id = job.id;
        std::vector<core::LoadedModel*> loaded;
        for (size_t i = 0; i < models.size(); ++i) {
            core::LoadedModel& m = w.model(models[i]);
            loaded.push_back(&m);
            LoadedModelInfo info{QString::fromStdString(models[i].path), QString::fromStdString(m.checkpoint.string()),
                                 m.step, QString::fromStdString(m.config.method),
                                 qint64(m.config.model.parameterCount()), m.tokenizer->vocabSize(),
                                 QString::fromStdString(w.formatPrompt(m, prompt, settings.chatTemplate).format)};
            post([this, id, i, info] { emit modelLoaded(id, int(i), info); });
        }
        const auto stop = job.stop.get_token();
        std::vector<core::CompareOutput> outputs;
        for (size_t i = 0; i < loaded.size() && !stop.stop_requested(); ++i) {
            core::LoadedModel& m = *loaded[i];
            const core::ChatPrompt input = w.formatPrompt(m, prompt, settings.chatTemplate);
            outputs.push_back(generateOne(job, int(i), m, w.encodePrompt(m, input), {}, settings,
                                          core::compareSeed(settings, i), input.answerEnd));
        }
        const bool stopped = stop.stop_requested();
        post([this, id, outputs = std::move(outputs), stopped] {
            endJob(id);
            emit generationFinished(id, outputs, stopped);
        });
    });
}

core::CompareOutput InferenceSession::generateOne(Job& job, int i, core::LoadedModel& m,
                                                 const std::vector<core::TokenId>& promptIds,
                                                 const std::vector<core::TokenId>& prefix,
                                                 const core::CompareSettings& settings, uint64_t seed,
                                                 const std::string& answerEnd)
{
    const quint64 id = job.id;
    const auto stop = job.stop.get_token();
    post([this, id, i, ids = QList<int>(promptIds.begin(), promptIds.end())] { emit generationStarted(id, i, ids); });
    std::vector<core::TokenId> all;
    QList<int> pending;
    QList<int> ends;
    qsizetype textLength = 0;
    QElapsedTimer sinceFlush;
    QElapsedTimer clock;
    auto flush = [&] {
        const double seconds = double(clock.nsecsElapsed()) / 1e9;
        const int64_t generated = int64_t(all.size()) - int64_t(prefix.size());
        const double speed = seconds > 0 ? double(generated) / seconds : 0.0;
        std::string whole = m.tokenizer->decode(all);
        core::cutAtAnswerEnd(whole, answerEnd);
        const QString text = QString::fromStdString(whole);
        post([this, id, i, ids = pending, text, ends, speed] {
            emit tokensGenerated(id, i, ids, text, ends, speed);
        });
        pending.clear();
        ends.clear();
        sinceFlush.start();
    };
    auto track = [&](core::TokenId token) {
        // Where the token ends in the decoded text: its own text's length when it decodes on its own (char and
        // sentencepiece pieces), else the length of the whole prefix (a byte inside a character).
        all.push_back(token);
        pending.push_back(token);
        const QString piece = QString::fromStdString(m.tokenizer->decode({token}));
        if (!piece.contains(QChar(0xFFFD)))
            textLength += piece.size();
        else
            textLength = decoded(*m.tokenizer, all).size();
        ends.push_back(int(textLength));
    };
    // A branch's kept tokens go out first, as one update.
    for (core::TokenId token : prefix)
        track(token);
    if (!prefix.empty())
        flush();
    std::vector<core::TokenId> context = promptIds;
    context.insert(context.end(), prefix.begin(), prefix.end());
    clock.start();
    bool answered = false; // the chat answer reached the end of the assistant's turn
    const auto tokens = core::generate(m.model, context, sampleOptions(settings, seed), [&](core::TokenId token) {
        track(token);
        ++m_tokenCount;
        if (!answerEnd.empty()) {
            std::string text = m.tokenizer->decode(all);
            answered = core::cutAtAnswerEnd(text, answerEnd);
        }
        if (answered || !sinceFlush.isValid() || sinceFlush.elapsed() >= kMinTokenIntervalMs)
            flush();
        return !answered && !stop.stop_requested();
    });
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    if (!pending.isEmpty())
        flush();
    core::CompareOutput out;
    out.tokens = prefix;
    out.tokens.insert(out.tokens.end(), tokens.begin(), tokens.end());
    out.text = m.tokenizer->decode(out.tokens);
    core::cutAtAnswerEnd(out.text, answerEnd);
    out.tokensPerSecond = seconds > 0 ? double(tokens.size()) / seconds : 0.0;
    out.stopped = !answered && int64_t(tokens.size()) < settings.maxNewTokens;
    return out;
}

quint64 InferenceSession::branch(const core::CompareModel& model, size_t modelIndex,
                                 const std::vector<core::TokenId>& promptIds,
                                 const std::vector<core::TokenId>& prefix, const core::CompareSettings& settings)
{
    return enqueue(Kind::Generation, [this, model, modelIndex, promptIds, prefix, settings](Worker& w, Job& job) {
        checkSettings(settings);
        if (promptIds.empty() && prefix.empty())
            throw core::InputError("", "prompt", "is empty: a branch needs at least one token to start from");
        core::LoadedModel& m = w.model(model);
        for (const auto* ids : {&promptIds, &prefix})
            for (core::TokenId t : *ids)
                if (t < 0 || t >= m.tokenizer->vocabSize())
                    throw core::InputError("", "prefix",
                                           "token " + std::to_string(t) + " is not in the model's vocabulary");
        const quint64 id = job.id;
        // A branch of a chat answer ends with the assistant's turn too.
        const std::string answerEnd = w.formatPrompt(m, {}, settings.chatTemplate).answerEnd;
        std::vector<core::CompareOutput> outputs{generateOne(job, 0, m, promptIds, prefix, settings,
                                                             core::compareSeed(settings, modelIndex), answerEnd)};
        const bool stopped = job.stop.stop_requested();
        post([this, id, outputs = std::move(outputs), stopped] {
            endJob(id);
            emit generationFinished(id, outputs, stopped);
        });
    });
}

quint64 InferenceSession::nextToken(const core::CompareModel& model, const std::vector<core::TokenId>& context,
                                    core::TokenId chosen, int k, const core::CompareSettings& settings,
                                    bool withVocabulary)
{
    return enqueue(Kind::Analysis, [this, model, context, chosen, k, settings, withVocabulary](Worker& w, Job& job) {
        if (context.empty())
            throw core::InputError("", "context", "is empty: the next-token view needs at least one token before it");
        core::LoadedModel& m = w.model(model);
        for (core::TokenId t : context)
            if (t < 0 || t >= m.tokenizer->vocabSize())
                throw core::InputError("", "context",
                                       "token " + std::to_string(t) + " is not in the model's vocabulary");
        const torch::Tensor logits = core::nextTokenLogits(m.model, context).select(0, int64_t(context.size()) - 1);
        const auto dist = core::tokenDistribution(torch::softmax(logits.to(torch::kDouble), 0), k, chosen);
        NextTokenResult r;
        r.logits = toFloats(logits);
        r.filtered = toFloats(core::filteredProbabilities(logits, sampleOptions(settings, settings.seed)));
        r.topIds = dist.ids;
        r.topProbs = dist.probs;
        for (core::TokenId id : dist.ids)
            r.topTexts << QString::fromStdString(m.tokenizer->tokenText(id));
        r.entropy = dist.entropy;
        r.chosenRank = dist.chosenRank;
        r.chosenProb = dist.chosenProb;
        if (withVocabulary) {
            r.vocabulary.reserve(qsizetype(m.tokenizer->vocabSize()));
            for (core::TokenId v = 0; v < core::TokenId(m.tokenizer->vocabSize()); ++v)
                r.vocabulary << QString::fromStdString(m.tokenizer->tokenText(v));
        }
        post([this, id = job.id, r = std::move(r)] {
            endJob(id);
            emit nextTokenReady(id, r);
        });
    });
}

quint64 InferenceSession::tokenKl(const core::CompareModel& p, const core::CompareModel& q, const QString& text)
{
    return enqueue(Kind::Analysis, [this, p, q, text](Worker& w, Job& job) {
        core::LoadedModel& mp = w.model(p);
        runKl(w, job, mp, q, mp.tokenizer->encode(text.toStdString()));
    });
}

quint64 InferenceSession::tokenKl(const core::CompareModel& p, const core::CompareModel& q,
                                  const std::vector<core::TokenId>& tokens)
{
    return enqueue(Kind::Analysis,
                   [this, p, q, tokens](Worker& w, Job& job) { runKl(w, job, w.model(p), q, tokens); });
}

void InferenceSession::runKl(Worker& w, Job& job, core::LoadedModel& mp, const core::CompareModel& q,
                             const std::vector<core::TokenId>& tokens)
{
    core::LoadedModel& mq = w.model(q);
    if (mp.tokenizer->serialize() != mq.tokenizer->serialize())
        throw core::Error("the two models use different tokenizers; per-token KL needs the same one");
    KlResult r;
    r.tokens = tokens;
    if (r.tokens.empty())
        throw core::InputError("", "text", "is empty");
    for (core::TokenId t : r.tokens)
        if (t < 0 || t >= mp.tokenizer->vocabSize())
            throw core::InputError("", "text", "token " + std::to_string(t) + " is not in the model's vocabulary");
    r.kl = core::tokenKl(mp.model, mq.model, r.tokens);
    for (core::TokenId id : r.tokens)
        r.pieces << QString::fromStdString(mp.tokenizer->tokenText(id));
    post([this, id = job.id, r = std::move(r)] {
        endJob(id);
        emit klReady(id, r);
    });
}

quint64 InferenceSession::seedFan(const core::CompareModel& model, const QString& prompt,
                                  const core::CompareSettings& settings, int count)
{
    return enqueue(Kind::Generation, [this, model, prompt, settings, count](Worker& w, Job& job) {
        checkSettings(settings);
        if (count < 1)
            throw core::InputError("", "samples", "must be at least 1");
        core::LoadedModel& m = w.model(model);
        const core::ChatPrompt input = w.formatPrompt(m, prompt, settings.chatTemplate);
        const auto promptIds = w.encodePrompt(m, input);
        const auto stop = job.stop.get_token();
        const quint64 id = job.id;
        SeedFanResult r;
        for (int i = 0; i < count; ++i) {
            const uint64_t seed = settings.seed + uint64_t(i);
            auto tokens =
                generateAnswer(m, promptIds, sampleOptions(settings, seed), input.answerEnd, stop, m_tokenCount);
            if (stop.stop_requested()) {
                post([this, id] {
                    endJob(id);
                    emit cancelled(id);
                });
                return;
            }
            const QString text = answerText(*m.tokenizer, tokens, input.answerEnd);
            r.seeds.push_back(seed);
            r.texts << text;
            r.tokens.push_back(std::move(tokens));
            post([this, id, i, text] { emit seedSampleReady(id, i, text); });
        }
        r.distinct1 = core::distinctN(r.tokens, 1);
        r.distinct2 = core::distinctN(r.tokens, 2);
        post([this, id, r = std::move(r)] {
            endJob(id);
            emit seedFanReady(id, r);
        });
    });
}

quint64 InferenceSession::battery(const std::vector<core::CompareModel>& models, const QStringList& phrasings,
                                  const QString& reference, const core::CompareSettings& settings)
{
    return enqueue(Kind::Generation, [this, models, phrasings, reference, settings](Worker& w, Job& job) {
        checkSettings(settings);
        if (models.empty())
            throw core::InputError("", "models", "pick at least one model");
        const auto stop = job.stop.get_token();
        const quint64 id = job.id;
        BatteryResult r;
        for (int p = 0; p < phrasings.size(); ++p) {
            r.outputs.emplace_back();
            r.logProbs.emplace_back();
            for (size_t i = 0; i < models.size(); ++i) {
                core::LoadedModel& m = w.model(models[i]);
                const core::ChatPrompt input = w.formatPrompt(m, phrasings[p], settings.chatTemplate);
                const auto promptIds = w.encodePrompt(m, input);
                const auto tokens =
                    generateAnswer(m, promptIds, sampleOptions(settings, core::compareSeed(settings, i)),
                                   input.answerEnd, stop, m_tokenCount);
                if (stop.stop_requested()) {
                    post([this, id] {
                        endJob(id);
                        emit cancelled(id);
                    });
                    return;
                }
                const auto referenceIds = m.tokenizer->encode(reference.toStdString());
                const double logProb = referenceIds.empty() ? std::numeric_limits<double>::quiet_NaN()
                                                            : core::continuationLogProb(m.model, promptIds, referenceIds);
                const QString text = answerText(*m.tokenizer, tokens, input.answerEnd);
                r.outputs.back() << text;
                r.logProbs.back().push_back(logProb);
                post([this, id, p, i, text, logProb] { emit batteryCellReady(id, p, int(i), text, logProb); });
            }
        }
        post([this, id, r = std::move(r)] {
            endJob(id);
            emit batteryReady(id, r);
        });
    });
}

quint64 InferenceSession::memorization(const core::CompareModel& model, const std::vector<core::TokenId>& generated,
                                       int minLength)
{
    return enqueue(Kind::Analysis, [this, model, generated, minLength](Worker& w, Job& job) {
        if (minLength < 1)
            throw core::InputError("", "n", "the shortest span must be at least 1 token");
        core::LoadedModel& m = w.model(model);
        const quint64 id = job.id;
        const std::string key = Worker::key(model);
        auto progress = [this, id](const QString& stage, int percent) {
            post([this, id, stage, percent] { emit memorizationProgress(id, stage, percent); });
        };
        std::shared_ptr<Worker::TrainingText>& text = w.texts[key];
        if (!text) {
            const std::string corpus = m.config.data.corpus;
            if (corpus.empty())
                throw core::InputError(m.checkpoint.string(), "data.corpus",
                                       "the run names no training corpus to search");
            core::StreamOptions options;
            options.stop = job.stop.get_token();
            int last = -1;
            options.progress = [&](int64_t done, int64_t total) {
                const int percent = total > 0 ? int(100 * done / total) : 0;
                if (percent != last)
                    progress(QObject::tr("Reading the training corpus"), last = percent);
            };
            progress(QObject::tr("Reading the training corpus"), 0);
            const fs::path cacheDir =
                m.config.data.cacheDir.empty() ? core::defaultTokenCacheDir() : fs::path(m.config.data.cacheDir);
            const core::TokenDataset data =
                core::loadTokenDataset(corpus, *m.tokenizer, m.config.data.valFraction, cacheDir, {}, options);
            if (job.stop.stop_requested()) {
                w.texts.erase(key);
                post([this, id] {
                    endJob(id);
                    emit cancelled(id);
                });
                return;
            }
            auto t = std::make_shared<Worker::TrainingText>();
            t->corpus = corpus;
            const torch::Tensor train = data.tokens(core::Split::Train).to(torch::kInt).contiguous();
            t->tokens.assign(train.data_ptr<int32_t>(), train.data_ptr<int32_t>() + train.numel());
            t->newlines.resize(size_t(m.tokenizer->vocabSize()));
            for (core::TokenId v = 0; v < core::TokenId(t->newlines.size()); ++v) {
                const std::string piece = m.tokenizer->decode({v});
                t->newlines[size_t(v)] = int(std::count(piece.begin(), piece.end(), '\n'));
            }
            text = std::move(t);
        }
        auto& index = w.indexes[{key, minLength}];
        if (!index) {
            progress(QObject::tr("Indexing the training tokens"), 0);
            index = std::make_unique<core::MemorizationIndex>(text->tokens, minLength);
            progress(QObject::tr("Indexing the training tokens"), 100);
        }
        std::vector<MemorizedSpanInfo> spans;
        constexpr int64_t kContext = 12;
        for (const core::MemorizedSpan& span : index->find(generated)) {
            MemorizedSpanInfo info;
            info.span = span;
            info.corpus = QString::fromStdString(text->corpus);
            int64_t line = 1;
            for (int64_t i = 0; i < span.trainOffset; ++i)
                line += text->newlines[size_t(text->tokens[size_t(i)])];
            info.line = line;
            info.text = decoded(*m.tokenizer, std::vector<core::TokenId>(generated.begin() + span.start,
                                                                          generated.begin() + span.start + span.length));
            const int64_t from = std::max<int64_t>(0, span.trainOffset - kContext);
            const int64_t to = std::min<int64_t>(int64_t(text->tokens.size()), span.trainOffset + span.length + kContext);
            info.context = decoded(*m.tokenizer, std::vector<core::TokenId>(text->tokens.begin() + from,
                                                                             text->tokens.begin() + to));
            spans.push_back(std::move(info));
        }
        post([this, id, spans = std::move(spans)] {
            endJob(id);
            emit memorizationReady(id, spans);
        });
    });
}

} // namespace tb::ui
