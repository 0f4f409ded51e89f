// SPDX-License-Identifier: MIT
// InferenceSession on two tiny models trained here: streamed tokens arrive in order and equal core::generate with
// the same seed (lock-step and independent seeds), stop ends within a token, a new generation stops the old one,
// greedy is the same for every seed of a seed fan, and next-token, KL, battery and memorization results equal the
// core functions they wrap; a branch continues prompt + prefix exactly as core::generate does; with the chat template
// a fine-tuned model gets its own template and stops at the end of its turn, a pretrained one the raw prompt. Bad
// input arrives as failed().
#include "core/eval/diversity.h"
#include "core/eval/generate.h"
#include "core/eval/next_token.h"
#include "core/store/model_loader.h"
#include "core/train/trainer.h"
#include "tests/bridge/session_fixtures.h"
#include "ui/bridge/inference_session.h"

#include <torch/torch.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <memory>

using namespace tb;
using tb::ui::InferenceSession;

namespace {

core::SampleOptions optionsFor(const core::CompareSettings& s, size_t model)
{
    core::SampleOptions o;
    o.maxNewTokens = s.maxNewTokens;
    o.temperature = s.temperature;
    o.topK = s.topK;
    o.topP = s.topP;
    o.repetitionPenalty = s.repetitionPenalty;
    o.greedy = s.greedy;
    o.seed = core::compareSeed(s, model);
    return o;
}

const char* const kPrompt = "the cat ";

} // namespace

class TestInferenceSession : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_corpus = test::writeCorpus(m_dir);
        // Two different models: another init seed and fewer steps.
        for (int i = 0; i < 2; ++i) {
            core::RunConfig config = test::tinyConfig(m_dir, m_corpus);
            config.train.seed = 11 + uint64_t(i);
            config.train.maxSteps = i == 0 ? 40 : 15;
            const QString runDir = m_dir.filePath(QStringLiteral("run%1").arg(i));
            core::TrainingObserver quiet;
            core::Trainer::create(config, runDir.toStdString())->run(quiet);
            m_models.push_back({runDir.toStdString(), QStringLiteral("run%1").arg(i).toStdString(), "latest"});
        }
    }

    void streamsTokensEqualToCoreGenerate_data()
    {
        QTest::addColumn<bool>("lockStep");
        QTest::newRow("lock-step") << true;
        QTest::newRow("independent") << false;
    }

    void streamsTokensEqualToCoreGenerate()
    {
        QFETCH(bool, lockStep);
        core::CompareSettings settings;
        settings.temperature = 1.0;
        settings.maxNewTokens = 80;
        settings.seed = 5;
        settings.seedMode = lockStep ? core::SeedMode::LockStep : core::SeedMode::Independent;
        InferenceSession session;
        QSignalSpy loaded(&session, &InferenceSession::modelLoaded);
        QSignalSpy started(&session, &InferenceSession::generationStarted);
        QSignalSpy tokens(&session, &InferenceSession::tokensGenerated);
        QSignalSpy finished(&session, &InferenceSession::generationFinished);
        const quint64 job = session.generate(m_models, QString::fromLatin1(kPrompt), settings);
        QVERIFY(session.isBusy());
        QVERIFY(finished.wait(60000));
        QVERIFY(!session.isBusy());
        QCOMPARE(finished.first().at(0).value<quint64>(), job);
        QCOMPARE(finished.first().at(2).toBool(), false);
        const auto outputs = finished.first().at(1).value<std::vector<core::CompareOutput>>();
        QCOMPARE(outputs.size(), size_t(2));
        QCOMPARE(loaded.size(), 2);

        QCOMPARE(started.size(), 2);
        std::vector<std::vector<int>> streamed(2);
        std::vector<std::vector<int>> ends(2);
        std::vector<int> signalsPerModel(2, 0);
        QString lastText[2];
        for (const auto& args : tokens) {
            QCOMPARE(args.at(0).value<quint64>(), job);
            const int model = args.at(1).toInt();
            for (int id : args.at(2).value<QList<int>>())
                streamed[size_t(model)].push_back(id);
            lastText[model] = args.at(3).toString();
            for (int end : args.at(4).value<QList<int>>())
                ends[size_t(model)].push_back(end);
            ++signalsPerModel[size_t(model)];
            if (model == 1)
                QCOMPARE(signalsPerModel[0] > 0, true); // one model after the other
        }
        std::vector<std::vector<core::TokenId>> direct;
        for (size_t m = 0; m < 2; ++m) {
            core::LoadedModel reference = core::loadModel(m_models[m].path, false);
            const auto expected =
                core::generate(reference.model, reference.tokenizer->encode(kPrompt), optionsFor(settings, m));
            QCOMPARE(expected.size(), size_t(80));
            QCOMPARE(std::vector<int>(expected.begin(), expected.end()), streamed[m]);
            QCOMPARE(outputs[m].tokens, expected);
            QCOMPARE(outputs[m].text, reference.tokenizer->decode(expected));
            QCOMPARE(lastText[m], QString::fromStdString(outputs[m].text));
            const auto promptIds = reference.tokenizer->encode(kPrompt);
            QCOMPARE(started.at(int(m)).at(2).value<QList<int>>(), QList<int>(promptIds.begin(), promptIds.end()));
            // Token k ends where the text of the first k + 1 tokens ends.
            QCOMPARE(ends[m].size(), expected.size());
            for (size_t k = 0; k < expected.size(); k += 7)
                QCOMPARE(qsizetype(ends[m][k]),
                         QString::fromStdString(reference.tokenizer->decode(
                                                    std::vector<core::TokenId>(expected.begin(), expected.begin() + k + 1)))
                             .size());
            QVERIFY(signalsPerModel[m] >= 2); // the first token goes at once, the rest follow
            QVERIFY(outputs[m].tokensPerSecond > 0);
            QVERIFY(!outputs[m].stopped);
            direct.push_back(expected);
        }
        QVERIFY(direct[0] != direct[1]); // two different models (or seeds)
    }

    void stopEndsWithinAToken()
    {
        core::CompareSettings settings;
        settings.maxNewTokens = 20000;
        InferenceSession session;
        QSignalSpy tokens(&session, &InferenceSession::tokensGenerated);
        QSignalSpy finished(&session, &InferenceSession::generationFinished);
        session.generate(m_models, QString::fromLatin1(kPrompt), settings);
        QVERIFY(tokens.wait(60000));
        session.stop();
        const qint64 atStop = session.generatedTokenCount();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(2).toBool(), true);
        const auto outputs = finished.first().at(1).value<std::vector<core::CompareOutput>>();
        QCOMPARE(outputs.size(), size_t(1)); // the second model never started
        QVERIFY(outputs[0].stopped);
        QVERIFY(qint64(outputs[0].tokens.size()) <= atStop + 1);
        QVERIFY(outputs[0].tokens.size() < size_t(settings.maxNewTokens));
    }

    void newGenerationStopsTheOldOne()
    {
        core::CompareSettings settings;
        settings.maxNewTokens = 20000;
        InferenceSession session;
        QSignalSpy tokens(&session, &InferenceSession::tokensGenerated);
        QSignalSpy finished(&session, &InferenceSession::generationFinished);
        const quint64 first = session.generate(m_models, QString::fromLatin1(kPrompt), settings);
        QVERIFY(tokens.wait(60000));
        settings.maxNewTokens = 10;
        const quint64 second = session.generate({m_models[1]}, QString::fromLatin1(kPrompt), settings);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 60000);
        QCOMPARE(finished.at(0).at(0).value<quint64>(), first);
        QCOMPARE(finished.at(0).at(2).toBool(), true);
        QCOMPARE(finished.at(1).at(0).value<quint64>(), second);
        QCOMPARE(finished.at(1).at(2).toBool(), false);
        QCOMPARE(finished.at(1).at(1).value<std::vector<core::CompareOutput>>()[0].tokens.size(), size_t(10));
    }

    void seedFanGreedyIsTheSameForEverySeed()
    {
        core::CompareSettings settings;
        settings.maxNewTokens = 40;
        settings.temperature = 1.0;
        InferenceSession session;
        QSignalSpy fan(&session, &InferenceSession::seedFanReady);
        QSignalSpy samples(&session, &InferenceSession::seedSampleReady);
        session.seedFan(m_models[0], QString::fromLatin1(kPrompt), settings, 4);
        settings.greedy = true;
        session.seedFan(m_models[0], QString::fromLatin1(kPrompt), settings, 4); // stops nothing: the first is queued
        QTRY_COMPARE_WITH_TIMEOUT(fan.size(), 1, 60000);
        // The greedy fan stopped the sampled one before it ran, so only the greedy fan has a result.
        const auto greedy = fan.first().at(1).value<ui::SeedFanResult>();
        QCOMPARE(greedy.texts.size(), 4);
        QCOMPARE(samples.size(), 4);
        for (const QString& text : greedy.texts)
            QCOMPARE(text, greedy.texts.front());
        QCOMPARE(greedy.seeds, (std::vector<quint64>{1337, 1338, 1339, 1340}));
        QCOMPARE(greedy.distinct2, core::distinctN(greedy.tokens, 2));

        settings.greedy = false;
        QSignalSpy cancelled(&session, &InferenceSession::cancelled);
        session.seedFan(m_models[0], QString::fromLatin1(kPrompt), settings, 4);
        QVERIFY(fan.wait(60000));
        const auto sampled = fan.last().at(1).value<ui::SeedFanResult>();
        QStringList distinct = sampled.texts;
        distinct.removeDuplicates();
        QVERIFY(distinct.size() > 1); // different seeds, different samples
        QVERIFY(cancelled.isEmpty());
        QVERIFY(sampled.distinct2 > greedy.distinct2);
    }

    void branchContinuesAPrefix()
    {
        core::LoadedModel b = core::loadModel(m_models[1].path, false);
        const auto prompt = b.tokenizer->encode(kPrompt);
        const auto prefix = b.tokenizer->encode("sat ox");
        core::CompareSettings settings;
        settings.temperature = 0.9;
        settings.maxNewTokens = 30;
        settings.seed = 3;
        settings.seedMode = core::SeedMode::Independent;
        InferenceSession session;
        QSignalSpy started(&session, &InferenceSession::generationStarted);
        QSignalSpy tokens(&session, &InferenceSession::tokensGenerated);
        QSignalSpy finished(&session, &InferenceSession::generationFinished);
        QSignalSpy next(&session, &InferenceSession::nextTokenReady);
        QSignalSpy kl(&session, &InferenceSession::klReady);
        QSignalSpy failed(&session, &InferenceSession::failed);
        const quint64 job = session.branch(m_models[1], 1, prompt, prefix, settings);
        QVERIFY(finished.wait(60000));
        QVERIFY(failed.isEmpty());
        QCOMPARE(started.size(), 1);
        QCOMPARE(started.first().at(1).toInt(), 0);
        const auto startedIds = started.first().at(2).value<QList<int>>();
        QCOMPARE(std::vector<core::TokenId>(startedIds.begin(), startedIds.end()), prompt);

        // The output is the prefix, then what core::generate continues prompt + prefix with (model index 1's seed).
        std::vector<core::TokenId> context = prompt;
        context.insert(context.end(), prefix.begin(), prefix.end());
        std::vector<core::TokenId> expected = prefix;
        const auto more = core::generate(b.model, context, optionsFor(settings, 1));
        expected.insert(expected.end(), more.begin(), more.end());
        QCOMPARE(finished.first().at(0).value<quint64>(), job);
        const auto outputs = finished.first().at(1).value<std::vector<core::CompareOutput>>();
        QCOMPARE(outputs.size(), size_t(1));
        QCOMPARE(outputs[0].tokens, expected);
        QCOMPARE(outputs[0].text, b.tokenizer->decode(expected));
        QVERIFY(!outputs[0].stopped);
        // Streamed: the prefix first, on its own; all updates together are the output, the last text the whole.
        const auto first = tokens.first().at(2).value<QList<int>>();
        QCOMPARE(std::vector<core::TokenId>(first.begin(), first.end()), prefix);
        std::vector<core::TokenId> streamed;
        QList<int> ends;
        for (const auto& update : tokens) {
            const auto ids = update.at(2).value<QList<int>>();
            streamed.insert(streamed.end(), ids.begin(), ids.end());
            ends.append(update.at(4).value<QList<int>>());
        }
        QCOMPARE(streamed, expected);
        QCOMPARE(tokens.last().at(3).toString(), QString::fromStdString(outputs[0].text));
        QCOMPARE(ends.size(), qsizetype(expected.size()));
        QCOMPARE(ends.last(), int(tokens.last().at(3).toString().size()));

        // Token ids out of the vocabulary fail with a message naming the field.
        session.branch(m_models[1], 1, prompt, {core::TokenId(b.tokenizer->vocabSize())}, settings);
        QVERIFY(failed.wait(60000));
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("prefix")));

        // Next token with the vocabulary: every id's display text; KL of ids = KL of the same text.
        session.nextToken(m_models[1], context, -1, 3, settings, true);
        session.nextToken(m_models[1], context, -1, 3, settings);
        session.tokenKl(m_models[0], m_models[1], expected);
        QVERIFY(kl.wait(60000));
        QCOMPARE(next.size(), 2);
        const auto withVocabulary = next.at(0).at(1).value<ui::NextTokenResult>();
        QCOMPARE(withVocabulary.vocabulary.size(), qsizetype(b.tokenizer->vocabSize()));
        for (core::TokenId v = 0; v < core::TokenId(b.tokenizer->vocabSize()); ++v)
            QCOMPARE(withVocabulary.vocabulary[v], QString::fromStdString(b.tokenizer->tokenText(v)));
        QVERIFY(next.at(1).at(1).value<ui::NextTokenResult>().vocabulary.isEmpty());
        core::LoadedModel a = core::loadModel(m_models[0].path, false);
        const auto ids = kl.first().at(1).value<ui::KlResult>();
        QCOMPARE(ids.tokens, expected);
        QCOMPARE(ids.kl, core::tokenKl(a.model, b.model, expected));
    }

    void nextTokenKlAndBatteryEqualCore()
    {
        core::LoadedModel a = core::loadModel(m_models[0].path, false);
        core::LoadedModel b = core::loadModel(m_models[1].path, false);
        const auto context = a.tokenizer->encode("the dog ran ");
        const core::TokenId chosen = a.tokenizer->encode("f").front();
        core::CompareSettings settings;
        settings.topK = 3;
        InferenceSession session;
        QSignalSpy next(&session, &InferenceSession::nextTokenReady);
        QSignalSpy kl(&session, &InferenceSession::klReady);
        QSignalSpy battery(&session, &InferenceSession::batteryReady);
        QSignalSpy failed(&session, &InferenceSession::failed);
        session.nextToken(m_models[0], context, chosen, 5, settings);
        session.tokenKl(m_models[0], m_models[0], QStringLiteral("the dog ran far away."));
        session.tokenKl(m_models[0], m_models[1], QStringLiteral("the dog ran far away."));
        settings.maxNewTokens = 12;
        session.battery(m_models, {QStringLiteral("the cat "), QStringLiteral("a dog ")}, QStringLiteral("sat on"),
                        settings);
        QVERIFY(battery.wait(60000));
        QVERIFY(failed.isEmpty());

        const auto r = next.first().at(1).value<ui::NextTokenResult>();
        const torch::Tensor logits = core::nextTokenLogits(a.model, context).select(0, int64_t(context.size()) - 1);
        const auto dist = core::tokenDistribution(torch::softmax(logits.to(torch::kDouble), 0), 5, chosen);
        QCOMPARE(r.logits.size(), size_t(a.tokenizer->vocabSize()));
        for (size_t i = 0; i < r.logits.size(); ++i)
            QCOMPARE(r.logits[i], logits[int64_t(i)].item<float>());
        QCOMPARE(r.topIds, dist.ids);
        QCOMPARE(r.topIds.front(), core::TokenId(logits.argmax().item<int64_t>()));
        QCOMPARE(r.entropy, dist.entropy);
        QCOMPARE(r.chosenRank, dist.chosenRank);
        QCOMPARE(r.topTexts.size(), 5);
        // top-k 3: exactly three tokens keep probability, summing to 1.
        QCOMPARE(std::count_if(r.filtered.begin(), r.filtered.end(), [](float p) { return p > 0; }), 3L);

        const auto self = kl.at(0).at(1).value<ui::KlResult>();
        QCOMPARE(self.tokens, a.tokenizer->encode("the dog ran far away."));
        for (double v : self.kl)
            QCOMPARE(v, 0.0);
        const auto other = kl.at(1).at(1).value<ui::KlResult>();
        QCOMPARE(other.kl, core::tokenKl(a.model, b.model, other.tokens));
        QVERIFY(*std::max_element(other.kl.begin(), other.kl.end()) > 0);
        QCOMPARE(other.pieces.size(), int(other.tokens.size()));

        const auto cells = battery.first().at(1).value<ui::BatteryResult>();
        QCOMPARE(cells.outputs.size(), size_t(2));
        const char* const phrasings[] = {"the cat ", "a dog "};
        for (size_t p = 0; p < 2; ++p) {
            for (size_t m = 0; m < 2; ++m) {
                core::LoadedModel& model = m == 0 ? a : b;
                const auto prompt = model.tokenizer->encode(phrasings[p]);
                const auto expected = core::generate(model.model, prompt, optionsFor(settings, m));
                QCOMPARE(cells.outputs[p][int(m)], QString::fromStdString(model.tokenizer->decode(expected)));
                QCOMPARE(cells.logProbs[p][m],
                         core::continuationLogProb(model.model, prompt, model.tokenizer->encode("sat on")));
                QVERIFY(cells.logProbs[p][m] < 0);
            }
        }
    }

    void memorizationFindsTrainingText()
    {
        QFile file(m_corpus);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString corpus = QString::fromUtf8(file.readAll());
        const QString piece = corpus.mid(700, 50);
        core::LoadedModel a = core::loadModel(m_models[0].path, false);
        std::vector<core::TokenId> generated = a.tokenizer->encode(".\n.\n");
        const auto inside = a.tokenizer->encode(piece.toStdString());
        generated.insert(generated.end(), inside.begin(), inside.end());

        InferenceSession session;
        QSignalSpy progress(&session, &InferenceSession::memorizationProgress);
        QSignalSpy ready(&session, &InferenceSession::memorizationReady);
        session.memorization(m_models[0], generated, 8);
        QVERIFY(ready.wait(60000));
        QVERIFY(progress.size() >= 2);
        const auto spans = ready.first().at(1).value<std::vector<ui::MemorizedSpanInfo>>();
        QVERIFY(!spans.empty());
        const auto& longest = *std::max_element(spans.begin(), spans.end(), [](const auto& x, const auto& y) {
            return x.span.length < y.span.length;
        });
        // The 50 characters (char tokenizer: one token each) come back whole, maybe grown by a neighbour that
        // happens to match too.
        QVERIFY(longest.span.length >= 50);
        QVERIFY(longest.text.contains(piece));
        QVERIFY(longest.context.contains(longest.text));
        QCOMPARE(longest.corpus, m_corpus);
        const qsizetype at = corpus.indexOf(longest.text);
        QVERIFY(at >= 0);
        QCOMPARE(longest.line, qint64(corpus.left(longest.span.trainOffset).count(QLatin1Char('\n')) + 1));
        QCOMPARE(corpus.mid(longest.span.trainOffset, longest.text.size()), longest.text);

        // A second request reuses the index: no progress this time.
        progress.clear();
        session.memorization(m_models[0], generated, 8);
        QVERIFY(ready.wait(60000));
        QVERIFY(progress.isEmpty());
    }

    void badInputFails()
    {
        InferenceSession session;
        QSignalSpy failed(&session, &InferenceSession::failed);
        const quint64 job = session.generate({{m_dir.filePath("missing").toStdString(), "x", "best"}},
                                             QStringLiteral("hi"), core::CompareSettings{});
        QVERIFY(failed.wait(30000));
        QCOMPARE(failed.first().at(0).value<quint64>(), job);
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("missing")));
        core::CompareSettings bad;
        bad.topP = 0;
        session.generate(m_models, QStringLiteral("hi"), bad);
        QVERIFY(failed.wait(30000));
        QVERIFY(failed.last().at(1).toString().contains(QStringLiteral("top_p")));
        session.nextToken(m_models[0], {}, -1, 5, core::CompareSettings{});
        QVERIFY(failed.wait(30000));
        QVERIFY(failed.last().at(1).toString().contains(QStringLiteral("context")));
        QVERIFY(!session.isBusy());
    }

    // "Use chat template": a fine-tuned run's prompt goes through its own chat template and its answer ends with the
    // assistant's turn, exactly as core::generate on the templated prompt (cut at the turn's end); a pretrained run
    // gets the raw prompt. Off, every model gets the raw prompt.
    void chatTemplatePerModel()
    {
        // An SFT child of run0 with its own template, taught to answer "a mat." and end the turn.
        const char* const questions[] = {"a dog", "a cat", "the cat", "far", "the mat", "ran", "sat", "dog", "cat",
                                         "a mat"};
        QByteArray records = "[";
        for (const char* q : questions)
            records += QByteArray(records.size() > 1 ? "," : "") + "{\"instruction\": \"" + q +
                       "\", \"input\": \"\", \"output\": \"a mat.\"}";
        records += "]";
        const QString data = m_dir.filePath(QStringLiteral("answers.json"));
        QFile file(data);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(records) == records.size());
        file.close();
        core::RunConfig config = test::tinyConfig(m_dir, m_corpus);
        config.method = "sft";
        config.initFrom = m_models[0].path;
        config.data.train = data.toStdString();
        config.data.valFraction = 0.2;
        config.sft.chatTemplate = "[[user]]{content}. [[assistant]]{content}\\n";
        config.model.dropout = 0.0;
        config.train.learningRate = 1e-2;
        config.train.maxSteps = 80;
        config.train.evalInterval = 40;
        config.train.probePrompts = {};
        const QString tunedDir = m_dir.filePath(QStringLiteral("tuned"));
        core::TrainingObserver quiet;
        core::Trainer::create(config, tunedDir.toStdString())->run(quiet);
        const std::vector<core::CompareModel> models{{tunedDir.toStdString(), "tuned", "latest"}, m_models[1]};

        core::CompareSettings settings;
        settings.greedy = true;
        settings.maxNewTokens = 40;
        const QString prompt = QStringLiteral("the dog");
        for (const bool chat : {true, false}) {
            settings.chatTemplate = chat;
            InferenceSession session;
            QSignalSpy loaded(&session, &InferenceSession::modelLoaded);
            QSignalSpy started(&session, &InferenceSession::generationStarted);
            QSignalSpy finished(&session, &InferenceSession::generationFinished);
            session.generate(models, prompt, settings);
            QVERIFY(finished.wait(60000));
            const auto outputs = finished.first().at(1).value<std::vector<core::CompareOutput>>();
            QCOMPARE(outputs.size(), size_t(2));
            QCOMPARE(loaded.size(), 2);
            QCOMPARE(started.size(), 2);
            for (size_t m = 0; m < 2; ++m) {
                core::LoadedModel reference = core::loadModel(models[m].path, false);
                const bool templated = chat && m == 0;
                const std::string input = templated ? "the dog. " : "the dog";
                const auto promptIds = reference.tokenizer->encode(input);
                QCOMPARE(started.at(int(m)).at(2).value<QList<int>>(), QList<int>(promptIds.begin(), promptIds.end()));
                auto expected = core::generate(reference.model, promptIds, optionsFor(settings, m));
                std::string text = reference.tokenizer->decode(expected);
                if (templated) {
                    // The tuned model learnt to end its answer; the column stops there and shows the answer only.
                    const size_t end = text.find('\n');
                    QVERIFY2(end != std::string::npos, text.c_str());
                    text.resize(end);
                    expected.resize(end + 1); // char tokenizer: one token per character, the newline included
                }
                QCOMPARE(outputs[m].text, text);
                QCOMPARE(outputs[m].tokens, expected);
                QVERIFY(!outputs[m].stopped);
                const auto info = loaded.at(int(m)).at(2).value<tb::ui::LoadedModelInfo>();
                QCOMPARE(info.promptFormat, templated ? QStringLiteral("run's chat template")
                                                      : QStringLiteral("raw prompt"));
            }
            if (chat)
                QCOMPARE(outputs[0].text, std::string("a mat."));
        }
    }

    void destructorStopsAndJoins()
    {
        core::CompareSettings settings;
        settings.maxNewTokens = 1000000;
        auto session = std::make_unique<InferenceSession>();
        QSignalSpy tokens(session.get(), &InferenceSession::tokensGenerated);
        session->generate(m_models, QString::fromLatin1(kPrompt), settings);
        QVERIFY(tokens.wait(60000));
        session.reset(); // must return within a token, not after a million
    }

private:
    QTemporaryDir m_dir;
    QString m_corpus;
    std::vector<core::CompareModel> m_models;
};

QTEST_GUILESS_MAIN(TestInferenceSession)
#include "test_inference_session.moc"
