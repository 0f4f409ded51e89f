// SPDX-License-Identifier: MIT
// Streaming tokenization of corpora too big for memory: the text, hash, errors and token ids must equal what
// loading the whole file gives, whatever the chunk size; cancelling leaves no file; the cache is reused.
#include "core/common/error.h"
#include "core/common/rng.h"
#include "core/data/corpus.h"
#include "core/data/corpus_tokens.h"
#include "core/data/stream_tokenize.h"
#include "core/data/token_cache.h"
#include "core/data/token_dataset.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_config.h"
#include "tests/core/test_support.h"

#include <QtTest/QtTest>

#include <fstream>

using namespace tb::core;
using tb::test::TempDir;
namespace fs = std::filesystem;

namespace {

void writeBytes(const fs::path& file, const std::string& bytes)
{
    std::ofstream out(file, std::ios::binary);
    out << bytes;
}

/// Text with every hazard for chunk cuts: multi-byte characters, CRLF, lone CR, a BOM and a long line.
std::string hazardText(uint64_t seed)
{
    const std::vector<std::string> pieces = {"a", "b", " ", "\n", "\r\n", "\r", "é", "€", "😀", "日本", "\t", "xyz"};
    SplitMix64 rng(seed);
    std::string text = "\xEF\xBB\xBF";
    for (int i = 0; i < 3000; ++i)
        text += pieces[rng.below(pieces.size())];
    text += std::string(700, 'L') + "€" + std::string(300, 'M'); // a line longer than the small chunks
    return text;
}

std::string streamedText(const fs::path& file, size_t chunk, StreamedText* stats = nullptr)
{
    std::string all;
    StreamOptions options;
    options.chunkBytes = chunk;
    const StreamedText s = streamCorpusText(file, [&](std::string_view piece) { all += piece; }, options);
    if (stats != nullptr)
        *stats = s;
    return all;
}

std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

class TestStreamTokenize : public QObject {
    Q_OBJECT
private slots:
    void textAndHashEqualLoadCorpusForAnyChunkSize()
    {
        TempDir dir;
        for (uint64_t seed : {1u, 2u, 3u}) {
            const fs::path file = dir / QStringLiteral("c%1.txt").arg(seed).toStdString();
            writeBytes(file, hazardText(seed));
            const Corpus whole = loadCorpus(file);
            for (size_t chunk : {64u, 100u, 333u, 4096u, 1u << 20}) {
                StreamedText stats;
                QCOMPARE(streamedText(file, chunk, &stats), whole.text);
                QCOMPARE(stats.hash, whole.hash);
                QCOMPARE(stats.characters, whole.characters);
                QCOMPARE(stats.bytes, int64_t(whole.text.size()));
            }
        }
    }

    void errorsEqualLoadCorpus_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("nul late") << QByteArray(std::string(5000, 'a').append(1, '\0').append("b").c_str(), 5002);
        QTest::newRow("bad utf8 line 3") << QByteArray("ab\ncd\r\nxy\xC3(z\n");
        QTest::newRow("stray continuation far") << QByteArray((std::string(3000, 'q') + "\n\x80").c_str());
        QTest::newRow("truncated at end") << QByteArray("abc\xE2\x82");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("only bom") << QByteArray("\xEF\xBB\xBF");
        QTest::newRow("blank") << QByteArray(" \n\r\n\t ");
    }

    void errorsEqualLoadCorpus()
    {
        QFETCH(QByteArray, bytes);
        TempDir dir;
        const fs::path file = dir / "bad.txt";
        writeBytes(file, bytes.toStdString());
        const std::string expected = errorOf([&] { loadCorpus(file); });
        QVERIFY(expected != "(no error)");
        for (size_t chunk : {64u, 1000u, 1u << 20})
            QCOMPARE(errorOf([&] { streamedText(file, chunk); }), expected);
    }

    void missingFileAndDirectory()
    {
        TempDir dir;
        QCOMPARE(errorOf([&] { streamedText(dir / "nope.txt", 64); }), errorOf([&] { loadCorpus(dir / "nope.txt"); }));
        QCOMPARE(errorOf([&] { streamedText(dir.path(), 64); }), errorOf([&] { loadCorpus(dir.path()); }));
    }

    void alphabetBuildsTheSameCharTokenizer()
    {
        TempDir dir;
        const fs::path file = dir / "c.txt";
        writeBytes(file, hazardText(7));
        StreamOptions options;
        options.chunkBytes = 128;
        const CorpusScan scan = scanCorpus(file, 50, options);
        const Corpus whole = loadCorpus(file);
        TokenizerConfig config;
        config.kind = "char";
        const auto fromScan = makeTokenizer(config, scan.tokenizerSample());
        const auto fromWhole = makeTokenizer(config, whole.text);
        QCOMPARE(fromScan->fingerprint(), fromWhole->fingerprint());
        QCOMPARE(scan.head, whole.text.substr(0, scan.head.size()));
        QVERIFY(scan.head.size() >= 50 && scan.head.size() < 54); // cut at a character boundary
    }

    void cachedIdsEqualWholeEncode_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("char") << "char";
        QTest::newRow("byte") << "byte";
    }

    void cachedIdsEqualWholeEncode()
    {
        QFETCH(QString, kind);
        TempDir dir;
        const fs::path file = dir / "c.txt";
        writeBytes(file, hazardText(11));
        const Corpus whole = loadCorpus(file);
        TokenizerConfig config;
        config.kind = kind.toStdString();
        const auto tokenizer = makeTokenizer(config, whole.text);
        const auto expected = tokenizer->encode(whole.text);
        for (size_t chunk : {64u, 777u}) {
            StreamOptions options;
            options.chunkBytes = chunk;
            const fs::path cacheDir = dir / QStringLiteral("cache%1").arg(chunk).toStdString();
            const TokenizedFile out = tokenizeFileToCache(file, *tokenizer, cacheDir, options);
            QVERIFY(!out.fromCache);
            QCOMPARE(out.tokens, int64_t(expected.size()));
            QCOMPARE(out.corpusHash, whole.hash);
            const TokenCacheKey key{whole.hash, tokenizer->fingerprint(), tokenizer->vocabSize()};
            const auto streamed = TokenDataset::openCache(out.cacheFile, key, 0.1);
            QVERIFY(streamed.has_value());
            const TokenDataset inMemory = TokenDataset::fromTokens(expected, 0.1);
            QVERIFY(torch::equal(streamed->tokens(Split::Train), inMemory.tokens(Split::Train)));
            QVERIFY(torch::equal(streamed->tokens(Split::Val), inMemory.tokens(Split::Val)));
            // The in-memory builder reads the same cache file.
            const TokenDataset built = TokenDataset::build(whole, *tokenizer, 0.1, cacheDir);
            QVERIFY(built.loadedFromCache());
            // A second streaming call reuses it.
            QVERIFY(tokenizeFileToCache(file, *tokenizer, cacheDir, options).fromCache);
        }
    }

    void damagedCacheIsRebuilt()
    {
        TempDir dir;
        const fs::path file = dir / "c.txt";
        writeBytes(file, hazardText(5));
        TokenizerConfig config;
        config.kind = "char";
        const auto tokenizer = makeTokenizer(config, loadCorpus(file).text);
        const TokenizedFile first = tokenizeFileToCache(file, *tokenizer, dir / "cache");
        {
            std::fstream f(first.cacheFile, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(100);
            f.put('\x7f');
        }
        const TokenizedFile second = tokenizeFileToCache(file, *tokenizer, dir / "cache");
        QVERIFY(!second.fromCache);
        QCOMPARE(second.tokens, first.tokens);
        QVERIFY(tokenizeFileToCache(file, *tokenizer, dir / "cache").fromCache);
    }

    void cancelLeavesNoFile()
    {
        TempDir dir;
        const fs::path file = dir / "c.txt";
        writeBytes(file, hazardText(3) + hazardText(4));
        TokenizerConfig config;
        config.kind = "byte";
        const auto tokenizer = makeTokenizer(config, "");
        std::stop_source stop;
        StreamOptions options;
        options.chunkBytes = 256;
        options.stop = stop.get_token();
        const auto chunksPerPass = int64_t(fs::file_size(file) / options.chunkBytes) + 1;
        int64_t calls = 0;
        options.progress = [&](int64_t done, int64_t total) {
            QVERIFY(done <= total);
            if (++calls == chunksPerPass + 5) // during the second (encoding) pass, with the file open
                stop.request_stop();
        };
        const TokenizedFile out = tokenizeFileToCache(file, *tokenizer, dir / "cache", options);
        QVERIFY(out.cancelled);
        QVERIFY(out.cacheFile.empty());
        QVERIFY(calls > chunksPerPass);
        QVERIFY(fs::is_directory(dir / "cache")); // the encoding pass had begun writing
        QVERIFY(fs::is_empty(dir / "cache"));
    }

    void loadTokenDatasetStreamsPlainTextAndLoadsJsonl()
    {
        TempDir dir;
        const fs::path text = dir / "c.txt";
        writeBytes(text, hazardText(9));
        TokenizerConfig config;
        config.kind = "char";
        const CorpusSample sample = sampleCorpus(text);
        QCOMPARE(sample.hash, loadCorpus(text).hash);
        QCOMPARE(corpusHash(text), sample.hash);
        const auto tokenizer = makeTokenizer(config, sample.text);
        const TokenDataset a = loadTokenDataset(text, *tokenizer, 0.1, dir / "cache");
        QVERIFY(!a.loadedFromCache()); // tokenized by streaming, then read from the fresh cache file
        const TokenDataset inMemory = TokenDataset::fromTokens(tokenizer->encode(loadCorpus(text).text), 0.1);
        QVERIFY(torch::equal(a.tokens(Split::Val), inMemory.tokens(Split::Val)));

        const fs::path jsonl = dir / "c.jsonl";
        writeBytes(jsonl, "{\"text\": \"hello\"}\n{\"text\": \"world, again and again\"}\n");
        const CorpusSample js = sampleCorpus(jsonl);
        QCOMPARE(js.text, loadCorpus(jsonl).text);
        const auto t2 = makeTokenizer(config, js.text);
        QCOMPARE(loadTokenDataset(jsonl, *t2, 0.1, {}).size(Split::Train) +
                     loadTokenDataset(jsonl, *t2, 0.1, {}).size(Split::Val),
                 int64_t(js.text.size()));
    }
};

QTEST_GUILESS_MAIN(TestStreamTokenize)
#include "test_stream_tokenize.moc"
