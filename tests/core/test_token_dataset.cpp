// SPDX-License-Identifier: MIT
// TokenDataset: nanoGPT's train/val split, get_batch semantics and determinism, and the token cache (created,
// reused, keyed by tokenizer, compact on disk, corrupt files rebuilt).
#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/common/rng.h"
#include "core/data/corpus.h"
#include "core/data/token_dataset.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/test_support.h"

#include <QtTest/QtTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>

using tb::core::Corpus;
using tb::core::Split;
using tb::core::SplitMix64;
using tb::core::TokenDataset;
using tb::core::TokenId;
using tb::test::TempDir;

namespace {

constexpr qint64 kHeaderBytes = 64; // the cache header, see token_dataset.cpp

std::vector<TokenId> iota(int64_t n)
{
    std::vector<TokenId> ids(static_cast<size_t>(n));
    std::iota(ids.begin(), ids.end(), 0);
    return ids;
}

Corpus corpusOf(const std::string& text)
{
    Corpus c;
    c.text = text;
    c.hash = tb::core::hashHex(text);
    c.characters = tb::core::countCodePoints(text);
    return c;
}

std::unique_ptr<tb::core::Tokenizer> tokenizer(const std::string& kind, const std::string& text,
                                               const std::string& unknown = "unk")
{
    tb::core::TokenizerConfig config;
    config.kind = kind;
    config.unknown = unknown;
    return tb::core::makeTokenizer(config, text);
}

std::string readAll(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T>
T fieldAt(const std::string& bytes, size_t offset)
{
    T value{};
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

const std::string kText = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n";

} // namespace

class TestTokenDataset : public QObject {
    Q_OBJECT

private slots:
    void splitMatchesNanoGpt_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<double>("valFraction");
        QTest::addColumn<qint64>("train"); // Python: int(n * (1 - valFraction))
        QTest::newRow("shakespeare_char") << qint64(1115394) << 0.1 << qint64(1003854);
        QTest::newRow("10 tokens") << qint64(10) << 0.1 << qint64(9);
        QTest::newRow("11 tokens") << qint64(11) << 0.1 << qint64(9);
        QTest::newRow("quarter") << qint64(7) << 0.25 << qint64(5);
        QTest::newRow("half") << qint64(3) << 0.5 << qint64(1);
        QTest::newRow("no val") << qint64(100) << 0.0 << qint64(100);
        QTest::newRow("one percent") << qint64(1001) << 0.01 << qint64(990);
    }

    void splitMatchesNanoGpt()
    {
        QFETCH(qint64, n);
        QFETCH(double, valFraction);
        QFETCH(qint64, train);
        const TokenDataset data = TokenDataset::fromTokens(iota(n), valFraction);
        QCOMPARE(data.size(Split::Train), int64_t(train));
        QCOMPARE(data.size(Split::Val), int64_t(n - train));
        QCOMPARE(data.tokens(Split::Train).scalar_type(), torch::kInt32);
        QCOMPARE(data.tokens(Split::Train).dim(), int64_t(1));
        // Train is the head of the stream, val the tail.
        QCOMPARE(data.tokens(Split::Train)[0].item<int64_t>(), int64_t(0));
        if (n > train)
            QCOMPARE(data.tokens(Split::Val)[0].item<int64_t>(), int64_t(train));
        QVERIFY(!data.loadedFromCache());
        QVERIFY(data.cacheFile().empty());
    }

    void rejectsBadValFraction_data()
    {
        QTest::addColumn<qint64>("n");
        QTest::addColumn<double>("valFraction");
        QTest::addColumn<QString>("message");
        const QString range = "must be at least 0 and less than 1";
        QTest::newRow("negative") << qint64(100) << -0.1 << range;
        QTest::newRow("one") << qint64(100) << 1.0 << range;
        QTest::newRow("above one") << qint64(100) << 1.5 << range + " (it is 1.5)";
        QTest::newRow("nan") << qint64(100) << std::numeric_limits<double>::quiet_NaN() << range;
        QTest::newRow("no train") << qint64(1) << 0.5 << "leaves no training tokens (the corpus has 1 tokens)";
        QTest::newRow("no tokens") << qint64(0) << 0.1 << "leaves no training tokens";
        QTest::newRow("no val") << qint64(5) << 1e-20 << "leaves no validation tokens (the corpus has only 5 tokens)";
    }

    void rejectsBadValFraction()
    {
        QFETCH(qint64, n);
        QFETCH(double, valFraction);
        QFETCH(QString, message);
        try {
            TokenDataset::fromTokens(iota(n), valFraction);
            QFAIL("bad split accepted");
        } catch (const tb::core::InputError& e) {
            QCOMPARE(e.field(), std::string("data.val_fraction"));
            QVERIFY2(e.message().find(message.toStdString()) != std::string::npos, e.what());
        }
    }

    void batchIsShiftedByOne()
    {
        // Ids equal their positions, so x[r][t] == start + t is checkable without knowing the starts.
        const TokenDataset data = TokenDataset::fromTokens(iota(1000), 0.1);
        SplitMix64 rng(7);
        const auto [x, y] = data.batch(Split::Train, 8, 16, rng);
        QCOMPARE(x.sizes().vec(), (std::vector<int64_t>{8, 16}));
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{8, 16}));
        QCOMPARE(x.scalar_type(), torch::kInt64);
        QCOMPARE(y.scalar_type(), torch::kInt64);
        QVERIFY(torch::equal(y, x + 1));
        QVERIFY(torch::equal(x.narrow(1, 1, 15), y.narrow(1, 0, 15)));
        QVERIFY(torch::equal(x - x.narrow(1, 0, 1), torch::arange(16, torch::kInt64).expand({8, 16})));
        QVERIFY(y.max().item<int64_t>() < 900); // never reads past the train split
    }

    void batchStartsFollowTheGenerator()
    {
        const TokenDataset data = TokenDataset::fromTokens(iota(1000), 0.2);
        SplitMix64 a(42);
        SplitMix64 b(42);
        SplitMix64 reference(42);
        const auto [x1, y1] = data.batch(Split::Val, 5, 10, a);
        const auto [x2, y2] = data.batch(Split::Val, 5, 10, b);
        QVERIFY(torch::equal(x1, x2));
        QVERIFY(torch::equal(y1, y2));
        QCOMPARE(a.state(), b.state());
        for (int64_t r = 0; r < 5; ++r) // row 0 draws first; val tokens start at id 800
            QCOMPARE(x1[r][0].item<int64_t>(), 800 + int64_t(reference.below(200 - 10)));
        // The next batch differs, and a restored state replays it.
        const uint64_t saved = a.state();
        const auto [x3, y3] = data.batch(Split::Val, 5, 10, a);
        QVERIFY(!torch::equal(x3, x1));
        b.setState(saved);
        QVERIFY(torch::equal(data.batch(Split::Val, 5, 10, b).first, x3));
    }

    void batchAtUsesExplicitStarts()
    {
        const TokenDataset data = TokenDataset::fromTokens(iota(100), 0.1);
        const auto [x, y] = data.batchAt(Split::Train, {0, 5, 89 - 4}, 4);
        QCOMPARE(x[0][0].item<int64_t>(), int64_t(0));
        QCOMPARE(x[1][3].item<int64_t>(), int64_t(8));
        QCOMPARE(y[2][3].item<int64_t>(), int64_t(89)); // last train token
        QVERIFY_THROWS_EXCEPTION(tb::core::Error, data.batchAt(Split::Train, {86}, 4));
        QVERIFY_THROWS_EXCEPTION(tb::core::Error, data.batchAt(Split::Train, {-1}, 4));
    }

    void batchNeedsMoreTokensThanBlockSize()
    {
        const TokenDataset data = TokenDataset::fromTokens(iota(100), 0.1); // val has 10 tokens
        SplitMix64 rng(1);
        QCOMPARE(data.batch(Split::Val, 2, 9, rng).first.size(1), int64_t(9)); // 10 > 9: fine
        try {
            data.batch(Split::Val, 2, 10, rng);
            QFAIL("block size >= split size accepted");
        } catch (const tb::core::Error& e) {
            QCOMPARE(std::string(e.what()), std::string("the val split has 10 tokens, too few for a block size of 10 "
                                                        "(a batch row needs 11)"));
        }
        const TokenDataset noVal = TokenDataset::fromTokens(iota(100), 0.0);
        QVERIFY_THROWS_EXCEPTION(tb::core::Error, noVal.batch(Split::Val, 1, 1, rng));
    }

    void cacheIsCreatedThenReused()
    {
        TempDir dir;
        const Corpus corpus = corpusOf(kText);
        const auto tok = tokenizer("char", kText);
        const TokenDataset first = TokenDataset::build(corpus, *tok, 0.1, dir / "cache");
        QVERIFY(!first.loadedFromCache());
        QVERIFY(std::filesystem::exists(first.cacheFile()));
        QCOMPARE(first.cacheFile().parent_path(), dir / "cache");
        QVERIFY(first.cacheFile().filename().string().find(corpus.hash) != std::string::npos);
        QVERIFY(first.cacheFile().filename().string().find(tok->fingerprint()) != std::string::npos);

        const auto n = static_cast<int64_t>(kText.size());
        const std::string bytes = readAll(first.cacheFile());
        QCOMPARE(qint64(bytes.size()), kHeaderBytes + 2 * n); // uint16 ids
        QCOMPARE(bytes.substr(0, 8), std::string("TBTOKENS"));
        QCOMPARE(fieldAt<uint32_t>(bytes, 12), uint32_t(2));
        QCOMPARE(fieldAt<uint64_t>(bytes, 16), uint64_t(n));

        const TokenDataset second = TokenDataset::build(corpus, *tok, 0.1, dir / "cache");
        QVERIFY(second.loadedFromCache());
        QCOMPARE(second.cacheFile(), first.cacheFile());
        QVERIFY(torch::equal(second.tokens(Split::Train), first.tokens(Split::Train)));
        QVERIFY(torch::equal(second.tokens(Split::Val), first.tokens(Split::Val)));
        const auto ids = tok->encode(kText);
        QCOMPARE(second.tokens(Split::Val)[-1].item<int64_t>(), int64_t(ids.back()));

        // The split is not part of the cache: another fraction reuses the same file.
        const TokenDataset third = TokenDataset::build(corpus, *tok, 0.5, dir / "cache");
        QVERIFY(third.loadedFromCache());
        QCOMPARE(third.size(Split::Train), n / 2);
    }

    void cacheIsKeyedByTokenizerAndCorpus()
    {
        TempDir dir;
        const Corpus corpus = corpusOf(kText);
        const auto charTok = tokenizer("char", kText);
        const TokenDataset a = TokenDataset::build(corpus, *charTok, 0.1, dir.path());
        const TokenDataset b = TokenDataset::build(corpus, *tokenizer("byte", kText), 0.1, dir.path());
        const TokenDataset c = TokenDataset::build(corpus, *tokenizer("char", kText, "error"), 0.1, dir.path());
        const TokenDataset d = TokenDataset::build(corpusOf(kText + "!"), *charTok, 0.1, dir.path());
        for (const TokenDataset* other : {&b, &c, &d}) {
            QVERIFY(!other->loadedFromCache());
            QVERIFY(other->cacheFile() != a.cacheFile());
        }
        QVERIFY(!torch::equal(a.tokens(Split::Train), b.tokens(Split::Train)));
        QVERIFY(TokenDataset::build(corpus, *tokenizer("byte", "xyz"), 0.1, dir.path()).loadedFromCache());
    }

    void corruptCacheIsRebuilt_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::newRow("empty file") << "empty";
        QTest::newRow("half a header") << "short header";
        QTest::newRow("truncated ids") << "truncate";
        QTest::newRow("extra bytes") << "append";
        QTest::newRow("flipped id byte") << "flip";
        QTest::newRow("wrong magic") << "magic";
        QTest::newRow("huge count") << "count";
        QTest::newRow("garbage") << "garbage";
    }

    void corruptCacheIsRebuilt()
    {
        QFETCH(QString, damage);
        TempDir dir;
        const Corpus corpus = corpusOf(kText);
        const auto tok = tokenizer("char", kText);
        const TokenDataset good = TokenDataset::build(corpus, *tok, 0.1, dir.path());
        const auto file = good.cacheFile();
        std::string bytes = readAll(file);
        const size_t size = bytes.size();
        if (damage == "empty")
            bytes.clear();
        else if (damage == "short header")
            bytes.resize(30);
        else if (damage == "truncate")
            bytes.resize(size - 3);
        else if (damage == "append")
            bytes += "xx";
        else if (damage == "flip")
            bytes[kHeaderBytes + 10] = static_cast<char>(bytes[kHeaderBytes + 10] ^ 0x40);
        else if (damage == "magic")
            bytes[0] = 'X';
        else if (damage == "count")
            std::memset(bytes.data() + 16, 0xFF, 8);
        else
            bytes = std::string(size, '\x7F');
        tb::test::writeBytes(file, bytes);

        const TokenDataset rebuilt = TokenDataset::build(corpus, *tok, 0.1, dir.path());
        QVERIFY(!rebuilt.loadedFromCache());
        QVERIFY(torch::equal(rebuilt.tokens(Split::Train), good.tokens(Split::Train)));
        QVERIFY(torch::equal(rebuilt.tokens(Split::Val), good.tokens(Split::Val)));
        QCOMPARE(readAll(file).size(), size); // rewritten
        QVERIFY(TokenDataset::build(corpus, *tok, 0.1, dir.path()).loadedFromCache());
    }

    void largeVocabularyUsesInt32()
    {
        // 70,000 distinct characters (more than uint16 can number) from U+10000 on: 4 bytes each.
        std::string text;
        for (char32_t cp = 0x10000; cp < 0x10000 + 70000; ++cp) {
            text += static_cast<char>(0xF0 | (cp >> 18));
            text += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            text += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            text += static_cast<char>(0x80 | (cp & 0x3F));
        }
        TempDir dir;
        const auto tok = tokenizer("char", text);
        QCOMPARE(tok->vocabSize(), int64_t(70001));
        const TokenDataset first = TokenDataset::build(corpusOf(text), *tok, 0.1, dir.path());
        const std::string bytes = readAll(first.cacheFile());
        QCOMPARE(qint64(bytes.size()), kHeaderBytes + 4 * 70000);
        QCOMPARE(fieldAt<uint32_t>(bytes, 12), uint32_t(4));
        const TokenDataset second = TokenDataset::build(corpusOf(text), *tok, 0.1, dir.path());
        QVERIFY(second.loadedFromCache());
        QCOMPARE(second.tokens(Split::Val)[-1].item<int64_t>(), int64_t(69999));
    }

    void cacheIsOptional()
    {
        const Corpus corpus = corpusOf(kText);
        const auto tok = tokenizer("byte", kText);
        const TokenDataset none = TokenDataset::build(corpus, *tok, 0.1, {});
        QVERIFY(none.cacheFile().empty());
        QVERIFY(!none.loadedFromCache());
        QCOMPARE(none.size(Split::Train) + none.size(Split::Val), int64_t(kText.size()));

        // A cache directory that cannot be created (a file is in the way) is not an error.
        TempDir dir;
        tb::test::writeBytes(dir / "blocker", "x");
        const TokenDataset blocked = TokenDataset::build(corpus, *tok, 0.1, dir / "blocker" / "cache");
        QVERIFY(blocked.cacheFile().empty());
        QCOMPARE(blocked.size(Split::Train), none.size(Split::Train));
    }

    void buildsShakespeare()
    {
        const auto file = tb::test::sharedDataDir() / "corpus" / "tinyshakespeare.txt";
        if (!std::filesystem::exists(file))
            QSKIP("shared tinyshakespeare.txt not available");
        TempDir dir;
        const Corpus corpus = tb::core::loadCorpus(file);
        const auto tok = tokenizer("char", corpus.text);
        const TokenDataset data = TokenDataset::build(corpus, *tok, 0.1, dir.path());
        // nanoGPT's prepare.py: "train has 1,003,854 tokens", "val has 111,540 tokens".
        QCOMPARE(data.size(Split::Train), int64_t(1003854));
        QCOMPARE(data.size(Split::Val), int64_t(111540));
        QCOMPARE(qint64(std::filesystem::file_size(data.cacheFile())), kHeaderBytes + 2 * 1115394);
        QVERIFY(TokenDataset::build(corpus, *tok, 0.1, dir.path()).loadedFromCache());

        SplitMix64 rng(1337);
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 200; ++i) {
            const auto [x, y] = data.batch(Split::Train, 64, 256, rng);
            QCOMPARE(x.size(0), int64_t(64));
        }
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed()) + " ms for 200 batches"));
    }

    void defaultCacheDirFollowsXdg()
    {
        const QByteArray oldXdg = qgetenv("XDG_CACHE_HOME");
        const bool hadXdg = qEnvironmentVariableIsSet("XDG_CACHE_HOME");
        qputenv("XDG_CACHE_HOME", "/tmp/xdg-cache");
        QCOMPARE(tb::core::defaultTokenCacheDir(), std::filesystem::path("/tmp/xdg-cache/tunebench/tokens"));
        qputenv("XDG_CACHE_HOME", "relative/is/ignored");
        const std::filesystem::path home = qgetenv("HOME").toStdString();
        QCOMPARE(tb::core::defaultTokenCacheDir(), home / ".cache" / "tunebench" / "tokens");
        qunsetenv("XDG_CACHE_HOME");
        QCOMPARE(tb::core::defaultTokenCacheDir(), home / ".cache" / "tunebench" / "tokens");
        if (hadXdg)
            qputenv("XDG_CACHE_HOME", oldXdg);
    }
};

QTEST_GUILESS_MAIN(TestTokenDataset)
#include "test_token_dataset.moc"
