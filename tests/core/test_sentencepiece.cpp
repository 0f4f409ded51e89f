// SPDX-License-Identifier: MIT
// SentencePiece tokenizers through the dlopen()ed shim: training on tinyshakespeare, exact round trips of the whole
// file after save and load, byte fallback, the errors for bad models, a missing library and vocabularies that do not
// fit, the config keys, and a short training run that samples text with a BPE tokenizer.
#include "core/common/atomic_file.h"
#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/eval/generate.h"
#include "core/io/run_config.h"
#include "core/store/checkpoint.h"
#include "core/store/model_loader.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/spm_library.h"
#include "core/train/trainer.h"
#include "tests/core/test_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>

using namespace tb::core;

namespace {

std::filesystem::path shakespearePath() { return tb::test::sharedDataDir() / "corpus" / "tinyshakespeare.txt"; }

SentencePieceOptions quickOptions(const std::string& type, int64_t vocabSize = 1000, bool byteFallback = true)
{
    SentencePieceOptions o;
    o.modelType = type;
    o.vocabSize = vocabSize;
    o.byteFallback = byteFallback;
    o.trainingLines = 4000; // a sample keeps the unigram trainer at a few seconds; encoding covers the whole file
    return o;
}

template <typename F>
QString errorOf(F&& f)
{
    try {
        f();
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestSentencepiece : public QObject {
    Q_OBJECT
private:
    std::string m_text;

private slots:
    void initTestCase()
    {
        if (!std::filesystem::exists(shakespearePath()))
            QSKIP("../shared/data/corpus/tinyshakespeare.txt is absent");
        m_text = readFile(shakespearePath());
        QVERIFY(m_text.size() > 1000000);
    }

    void roundTripsTheWholeFileAfterSaveAndLoad_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<bool>("byteFallback");
        QTest::newRow("bpe") << "bpe" << true;
        QTest::newRow("unigram") << "unigram" << true;
        QTest::newRow("bpe without byte fallback") << "bpe" << false;
    }

    void roundTripsTheWholeFileAfterSaveAndLoad()
    {
        QFETCH(QString, type);
        QFETCH(bool, byteFallback);
        const auto trained = SentencePieceTokenizer::train(m_text, quickOptions(type.toStdString(), 1000, byteFallback));
        QCOMPARE(trained->kind(), type.toStdString());
        QCOMPARE(trained->vocabSize(), int64_t(1000));

        // Saved as the run saves it (tokenizer.json), loaded into a fresh tokenizer.
        tb::test::TempDir dir;
        writeFileAtomically(dir / "tokenizer.json", trained->serialize());
        const auto loaded = loadTokenizer(readFile(dir / "tokenizer.json"));
        QCOMPARE(loaded->kind(), type.toStdString());
        QCOMPARE(loaded->vocabSize(), int64_t(1000));
        QCOMPARE(loaded->serialize(), trained->serialize());

        const std::vector<TokenId> ids = loaded->encode(m_text);
        QVERIFY(std::all_of(ids.begin(), ids.end(), [](TokenId id) { return id >= 0 && id < 1000; }));
        // A 1000-piece vocabulary needs well under half as many tokens as there are characters.
        QVERIFY2(ids.size() < m_text.size() / 2, std::to_string(ids.size()).c_str());
        const std::string decoded = loaded->decode(ids);
        QCOMPARE(decoded.size(), m_text.size());
        QVERIFY(decoded == m_text);
        // Every character of the file has a piece: nothing fell back to <unk> or bytes.
        const auto sp = dynamic_cast<const SentencePieceTokenizer*>(loaded.get());
        QVERIFY(sp != nullptr);
        QVERIFY(std::none_of(ids.begin(), ids.end(), [&](TokenId id) {
            return sp->pieceKind(id) != PieceKind::Normal;
        }));
        // Encoding is per line, so a part of the text encodes as the matching part of the whole.
        const size_t cut = m_text.find('\n', 5000) + 1;
        std::vector<TokenId> parts = loaded->encode(std::string_view(m_text).substr(0, cut));
        const std::vector<TokenId> rest = loaded->encode(std::string_view(m_text).substr(cut, 20000));
        parts.insert(parts.end(), rest.begin(), rest.end());
        const std::vector<TokenId> whole = loaded->encode(std::string_view(m_text).substr(0, cut + 20000));
        QVERIFY(parts == whole);
    }

    void trainingIsDeterministic()
    {
        const std::string slice = m_text.substr(0, 200000);
        const auto a = SentencePieceTokenizer::train(slice, quickOptions("bpe", 400));
        const auto b = SentencePieceTokenizer::train(slice, quickOptions("bpe", 400));
        QCOMPARE(a->fingerprint(), b->fingerprint());
    }

    void byteFallbackEncodesUnseenCharactersExactly()
    {
        const auto tok = SentencePieceTokenizer::train(m_text.substr(0, 300000), quickOptions("unigram", 600));
        const std::string text = "Price: € 😀 done\n";
        const auto ids = tok->encode(text);
        QCOMPARE(tok->decode(ids), text);
        int bytes = 0;
        for (const TokenId id : ids)
            bytes += tok->pieceKind(id) == PieceKind::Byte ? 1 : 0;
        QCOMPARE(bytes, 3 + 4); // € is three UTF-8 bytes, 😀 four
        // € = E2 82 AC: its first byte piece shows as the byte tokenizer shows it.
        const auto euro = std::find_if(ids.begin(), ids.end(), [&](TokenId id) {
            return tok->pieceKind(id) == PieceKind::Byte;
        });
        QCOMPARE(tok->tokenText(*euro), std::string("0xE2"));
        QCOMPARE(tok->piece(*euro), std::string("<0xE2>"));
    }

    void withoutByteFallbackUnseenCharactersBecomeUnk()
    {
        const auto tok = SentencePieceTokenizer::train(m_text.substr(0, 300000), quickOptions("bpe", 300, false));
        const auto ids = tok->encode("a€b");
        QVERIFY(std::any_of(ids.begin(), ids.end(), [&](TokenId id) {
            return tok->pieceKind(id) == PieceKind::Unknown;
        }));
        QCOMPARE(tok->decode(ids), std::string("a\xEF\xBF\xBD" "b"));
        QCOMPARE(tok->tokenText(0), std::string("<unk>"));
    }

    void tokenTextShowsSpacesAndNewlines()
    {
        const auto tok = SentencePieceTokenizer::train(m_text.substr(0, 300000), quickOptions("bpe", 600));
        const auto the = tok->encode(" the");
        QCOMPARE(the.size(), size_t(1));
        QCOMPARE(tok->tokenText(the[0]), std::string("\u2423the"));
        QCOMPARE(tok->piece(the[0]), std::string("\u2581the"));
        const auto newline = tok->encode("\n");
        QCOMPARE(newline.size(), size_t(1));
        QCOMPARE(tok->tokenText(newline[0]), std::string("\\n"));
        QCOMPARE(tok->tokenText(600), std::string("<invalid id 600>"));
        QCOMPARE(tok->decode({the[0], 600, -1, newline[0]}), std::string(" the\xEF\xBF\xBD\xEF\xBF\xBD\n"));
    }

    void badModelBytesAreAClearError()
    {
        QVERIFY(errorOf([] { SentencePieceTokenizer("bpe", "not a model at all"); })
                    .contains("invalid tokenizer: the sentencepiece model does not load: the bytes are not a "
                              "sentencepiece model"));
        QVERIFY(errorOf([] { SentencePieceTokenizer("unigram", ""); }).contains("the sentencepiece model is empty"));
        const std::string json = "{\"kind\":\"bpe\",\"model\":\"" + encodeBase64("\x0a\x05garbage") + "\"}";
        QVERIFY(errorOf([&] { loadTokenizer(json); }).contains("does not load"));
    }

    void missingLibraryIsAClearError()
    {
        const QString missing = errorOf([] { SpmLibrary::open("/nonexistent/libtb_spm.so"); });
        QVERIFY2(missing.contains("/nonexistent/libtb_spm.so does not exist"), qPrintable(missing));
        QVERIFY2(missing.contains("TB_SPM_LIBRARY"), qPrintable(missing));
        // A file that is there but is not a shared library.
        const QString notLibrary = errorOf([] { SpmLibrary::open(shakespearePath()); });
        QVERIFY2(notLibrary.contains("cannot load the sentencepiece library"), qPrintable(notLibrary));
        // The build tree's library is found without help.
        QVERIFY(std::filesystem::exists(SpmLibrary::shared().path()));
    }

    void vocabularyThatDoesNotFitNamesTheKey_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("vocabSize");
        QTest::addColumn<bool>("byteFallback");
        QTest::addColumn<QString>("message");
        QTest::newRow("below the fixed pieces") << "bpe" << 200 << true << "must be between 259 and 16777216";
        QTest::newRow("fewer than the characters")
            << "bpe" << 300 << true << "300 is too small: the corpus has 64 distinct characters";
        QTest::newRow("no fallback, fewer than the characters")
            << "unigram" << 50 << false << "need at least 66 (or lower tokenizer.character_coverage)";
        QTest::newRow("more than the corpus holds") << "unigram" << 5000 << false << "Vocabulary size too high (5000)";
    }

    void vocabularyThatDoesNotFitNamesTheKey()
    {
        QFETCH(QString, type);
        QFETCH(int, vocabSize);
        QFETCH(bool, byteFallback);
        QFETCH(QString, message);
        const std::string text = vocabSize == 5000 ? m_text.substr(0, 3000) : m_text;
        try {
            SentencePieceTokenizer::train(text, quickOptions(type.toStdString(), vocabSize, byteFallback), "c.txt");
            QFAIL("a vocabulary that cannot fit was accepted");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("tokenizer.vocab_size"));
            QCOMPARE(QString::fromStdString(e.file()), QString("c.txt"));
            QVERIFY2(QString::fromStdString(e.message()).contains(message), e.what());
        }
    }

    void configKeysParseValidateAndRoundTrip()
    {
        RunConfig c = parseRunConfig(
            "tokenizer: {kind: unigram, vocab_size: 512, character_coverage: 0.9995, byte_fallback: false}\n"
            "data: {corpus: c.txt}\n",
            "t.yaml");
        QCOMPARE(c.tokenizer.kind, std::string("unigram"));
        QCOMPARE(c.tokenizer.vocabSize, int64_t(512));
        QCOMPARE(c.tokenizer.characterCoverage, 0.9995);
        QCOMPARE(c.tokenizer.byteFallback, false);
        QVERIFY(c.validate().empty());
        const RunConfig back = parseRunConfig(toYaml(c), "back.yaml");
        QCOMPARE(back.tokenizer.characterCoverage, 0.9995);
        QCOMPARE(back.tokenizer.byteFallback, false);

        try {
            parseRunConfig("tokenizer: {byte_fallback: maybe}\n", "t.yaml");
            QFAIL("byte_fallback: maybe accepted");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), QString("tokenizer.byte_fallback"));
        }
        c.tokenizer.byteFallback = true;
        c.tokenizer.vocabSize = 200;
        c.tokenizer.characterCoverage = 1.5;
        const auto problems = c.validate();
        QCOMPARE(problems.size(), size_t(2));
        QVERIFY2(problems[0].find("tokenizer.vocab_size must exceed 258 for unigram with byte fallback") == 0,
                 problems[0].c_str());
        QCOMPARE(problems[1], std::string("tokenizer.character_coverage must be in (0, 1] (it is 1.5)"));
    }

    void trainerRunsAndSamplesWithBpe()
    {
        tb::test::TempDir dir;
        writeFileAtomically(dir / "corpus.txt", std::string_view(m_text).substr(0, 100000));
        RunConfig c;
        c.model.nLayer = 1;
        c.model.nHead = 2;
        c.model.nEmbd = 32;
        c.model.blockSize = 32;
        c.model.dropout = 0.0;
        c.train.batchSize = 4;
        c.train.maxSteps = 6;
        c.train.warmupSteps = 2;
        c.train.evalInterval = 3;
        c.train.evalIters = 2;
        c.train.threads = 1;
        c.data.corpus = (dir / "corpus.txt").string();
        c.data.cacheDir = (dir / "cache").string();
        c.tokenizer.kind = "bpe";
        c.tokenizer.vocabSize = 400;
        QVERIFY(c.validate().empty());

        const auto runDir = dir / "run";
        {
            auto trainer = Trainer::create(c, runDir);
            TrainingObserver quiet;
            trainer->run(quiet);
        }
        // The run directory and the checkpoint both carry the same trained tokenizer.
        const std::string saved = readFile(runDir / "tokenizer.json");
        QCOMPARE(nlohmann::json::parse(saved)["kind"].get<std::string>(), std::string("bpe"));
        LoadedModel loaded = loadModel(runDir);
        QCOMPARE(loaded.tokenizer->serialize(), saved);
        QCOMPARE(loaded.tokenizer->vocabSize(), int64_t(400));
        QCOMPARE(loaded.config.model.vocabSize, int64_t(400));

        SampleOptions options;
        options.maxNewTokens = 24;
        const auto prompt = loaded.tokenizer->encode("ROMEO:\n");
        const auto ids = generate(loaded.model, prompt, options);
        QCOMPARE(ids.size(), size_t(24));
        const std::string text = loaded.tokenizer->decode(ids);
        QVERIFY(!text.empty());
        QCOMPARE(text, sanitiseUtf8(text)); // valid UTF-8 whatever was sampled
    }
};

QTEST_GUILESS_MAIN(TestSentencepiece)
#include "test_sentencepiece.moc"
