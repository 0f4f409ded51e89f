// SPDX-License-Identifier: MIT
// Char- and byte-level tokenizers: vocabulary, exact round trips (tinyshakespeare, multilingual text), unknown
// policies, display text, serialize/load, and the config errors of makeTokenizer.
#include "core/common/error.h"
#include "core/data/corpus.h"
#include "core/tokenizer/byte_tokenizer.h"
#include "core/tokenizer/char_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/test_support.h"

#include <QtTest/QtTest>

using tb::core::InputError;
using tb::core::TokenId;
using tb::core::Tokenizer;
using tb::core::TokenizerConfig;

namespace {

// é (2 bytes), 中 (3 bytes), 😀 (4 bytes), plus ASCII and a newline.
const std::string kMultilingual = "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80!\nok";

std::unique_ptr<Tokenizer> make(const std::string& kind, const std::string& unknown, std::string_view text)
{
    TokenizerConfig config;
    config.kind = kind;
    config.unknown = unknown;
    return tb::core::makeTokenizer(config, text);
}

const std::string& shakespeare()
{
    static const std::string text = [] {
        const auto file = tb::test::sharedDataDir() / "corpus" / "tinyshakespeare.txt";
        return std::filesystem::exists(file) ? tb::core::loadCorpus(file).text : std::string();
    }();
    return text;
}

bool isValidUtf8(const std::string& s) { return QString::fromUtf8(s).toUtf8().toStdString() == s; }

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void charVocabOfShakespeare()
    {
        if (shakespeare().empty())
            QSKIP("shared tinyshakespeare.txt not available");
        const auto unk = make("char", "unk", shakespeare());
        const auto strict = make("char", "error", shakespeare());
        QCOMPARE(strict->vocabSize(), int64_t(65)); // nanoGPT's shakespeare_char vocab size
        QCOMPARE(unk->vocabSize(), int64_t(66));
        // nanoGPT: chars = sorted(list(set(data))) -> '\n', ' ', '!', ..., 'z'
        const auto& vocab = dynamic_cast<const tb::core::CharTokenizer&>(*strict).vocab();
        QCOMPARE(vocab.front(), char32_t('\n'));
        QCOMPARE(vocab[1], char32_t(' '));
        QCOMPARE(vocab.back(), char32_t('z'));
        QVERIFY(std::is_sorted(vocab.begin(), vocab.end()));
        QCOMPARE(strict->encode("\n !"), (std::vector<TokenId>{0, 1, 2}));
    }

    void roundTripsShakespeare_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("char") << "char";
        QTest::newRow("byte") << "byte";
    }

    void roundTripsShakespeare()
    {
        QFETCH(QString, kind);
        if (shakespeare().empty())
            QSKIP("shared tinyshakespeare.txt not available");
        const auto tok = make(kind.toStdString(), "error", shakespeare());
        const std::vector<TokenId> ids = tok->encode(shakespeare());
        QCOMPARE(ids.size(), shakespeare().size()); // ASCII: one token per byte either way
        for (const TokenId id : ids)
            QVERIFY(id >= 0 && id < tok->vocabSize());
        QVERIFY(tok->decode(ids) == shakespeare());
    }

    void roundTripsMultilingual_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("tokens");
        QTest::newRow("char") << "char" << 13;
        QTest::newRow("byte") << "byte" << int(kMultilingual.size());
    }

    void roundTripsMultilingual()
    {
        QFETCH(QString, kind);
        QFETCH(int, tokens);
        const auto tok = make(kind.toStdString(), "unk", kMultilingual);
        const auto ids = tok->encode(kMultilingual);
        QCOMPARE(int(ids.size()), tokens);
        QCOMPARE(tok->decode(ids), kMultilingual);
    }

    void charVocabIsSortedByCodePoint()
    {
        const auto tok = make("char", "unk", "\xF0\x9F\x98\x80" "b\xC3\xA9" "a\xE4\xB8\xAD" "a");
        const auto& c = dynamic_cast<const tb::core::CharTokenizer&>(*tok);
        QCOMPARE(c.vocab(), (std::vector<char32_t>{U'a', U'b', U'\u00E9', U'\u4E2D', U'\U0001F600'}));
        QCOMPARE(tok->vocabSize(), int64_t(6));
        QCOMPARE(c.unkId(), TokenId(5));
        QCOMPARE(tok->encode("\xF0\x9F\x98\x80\xC3\xA9" "a"), (std::vector<TokenId>{4, 2, 0}));
    }

    void unknownPolicyUnk()
    {
        const auto tok = make("char", "unk", "abc");
        QCOMPARE(tok->vocabSize(), int64_t(4));
        QCOMPARE(tok->encode("a\xC3\xA9z\xF0\x9F\x98\x80"), (std::vector<TokenId>{0, 3, 3, 3}));
        QCOMPARE(tok->decode({0, 3, 1}), std::string("a\xEF\xBF\xBD" "b"));
        QCOMPARE(tok->tokenText(3), std::string("<unk>"));
        QCOMPARE(tok->decode({-1, 99}), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));
    }

    void unknownPolicyError_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("ascii") << QByteArray("abz") << "character U+007A 'z' at position 2 (byte 2) is not in the vocabulary";
        QTest::newRow("bmp") << QByteArray("a\xE4\xB8\xAD" "b\xC3\xA9")
                             << "character U+00E9 '\xC3\xA9' at position 3 (byte 5) is not in the vocabulary";
        QTest::newRow("astral") << QByteArray("\xF0\x9F\x98\x80")
                                << "character U+1F600 '\xF0\x9F\x98\x80' at position 0 (byte 0)";
        QTest::newRow("control") << QByteArray("a\tb") << "character U+0009 at position 1 (byte 1)";
    }

    void unknownPolicyError()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        const auto tok = make("char", "error", "ab\xE4\xB8\xAD");
        QCOMPARE(tok->vocabSize(), int64_t(3));
        try {
            tok->encode(text.toStdString());
            QFAIL("unseen character accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.field(), std::string("tokenizer.unknown"));
            QVERIFY2(e.message().find(message.toStdString()) != std::string::npos, e.what());
        }
    }

    void tokenText_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QByteArray>("character");
        QTest::addColumn<QByteArray>("shown");
        QTest::newRow("char newline") << "char" << QByteArray("\n") << QByteArray("\\n");
        QTest::newRow("char tab") << "char" << QByteArray("\t") << QByteArray("\\t");
        QTest::newRow("char space") << "char" << QByteArray(" ") << QByteArray("\xE2\x90\xA3");
        QTest::newRow("char letter") << "char" << QByteArray("q") << QByteArray("q");
        QTest::newRow("char bell") << "char" << QByteArray("\a") << QByteArray("U+0007");
        QTest::newRow("char cjk") << "char" << QByteArray("\xE4\xB8\xAD") << QByteArray("\xE4\xB8\xAD");
        QTest::newRow("byte newline") << "byte" << QByteArray("\n") << QByteArray("\\n");
        QTest::newRow("byte space") << "byte" << QByteArray(" ") << QByteArray("\xE2\x90\xA3");
        QTest::newRow("byte letter") << "byte" << QByteArray("q") << QByteArray("q");
        QTest::newRow("byte lead") << "byte" << QByteArray("\xC3") << QByteArray("0xC3");
    }

    void tokenText()
    {
        QFETCH(QString, kind);
        QFETCH(QByteArray, character);
        QFETCH(QByteArray, shown);
        const auto tok = make(kind.toStdString(), "unk", character.toStdString());
        const std::vector<TokenId> ids = tok->encode(character.toStdString());
        QVERIFY(!ids.empty());
        QCOMPARE(QByteArray::fromStdString(tok->tokenText(ids.front())), shown);
        QCOMPARE(tok->tokenText(-1), std::string("<invalid id -1>"));
        QCOMPARE(tok->tokenText(100000), std::string("<invalid id 100000>"));
    }

    void byteDecodeRepairsInvalidUtf8_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("expected");
        const QByteArray fffd = "\xEF\xBF\xBD";
        QTest::newRow("valid") << QByteArray("a\xC3\xA9") << QByteArray("a\xC3\xA9");
        QTest::newRow("stray continuation") << QByteArray("a\x80" "b") << "a" + fffd + "b";
        QTest::newRow("truncated") << QByteArray("a\xE4\xB8") << "a" + fffd;
        QTest::newRow("cut short") << QByteArray("\xE4\xB8" "a") << fffd + "a";
        QTest::newRow("overlong") << QByteArray("\xC0\xAF") << fffd + fffd;
        QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << fffd + fffd + fffd;
        QTest::newRow("above max") << QByteArray("\xF4\x90\x80\x80") << fffd + fffd + fffd + fffd;
        QTest::newRow("ff") << QByteArray("\xFF" "a") << fffd + "a";
    }

    void byteDecodeRepairsInvalidUtf8()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, expected);
        tb::core::ByteTokenizer tok;
        std::vector<TokenId> ids;
        for (const char c : bytes)
            ids.push_back(static_cast<unsigned char>(c));
        const std::string decoded = tok.decode(ids);
        QCOMPARE(QByteArray::fromStdString(decoded), expected);
        QVERIFY(isValidUtf8(decoded));
    }

    void byteDecodeOfAnyStreamIsValidUtf8()
    {
        tb::core::ByteTokenizer tok;
        std::vector<TokenId> ids;
        uint64_t x = 12345;
        for (int i = 0; i < 20000; ++i) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            ids.push_back(static_cast<TokenId>(x >> 56));
        }
        ids.push_back(300); // out of range
        QVERIFY(isValidUtf8(tok.decode(ids)));
        QCOMPARE(tok.decode({256}), std::string("\xEF\xBF\xBD"));
    }

    void serializeRoundTrips_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("unknown");
        QTest::newRow("char unk") << "char" << "unk";
        QTest::newRow("char error") << "char" << "error";
        QTest::newRow("byte") << "byte" << "unk";
    }

    void serializeRoundTrips()
    {
        QFETCH(QString, kind);
        QFETCH(QString, unknown);
        const auto tok = make(kind.toStdString(), unknown.toStdString(), kMultilingual);
        const auto loaded = tb::core::loadTokenizer(tok->serialize());
        QCOMPARE(loaded->kind(), tok->kind());
        QCOMPARE(loaded->vocabSize(), tok->vocabSize());
        QCOMPARE(loaded->serialize(), tok->serialize());
        QCOMPARE(loaded->fingerprint(), tok->fingerprint());
        QCOMPARE(loaded->encode(kMultilingual), tok->encode(kMultilingual));
        QCOMPARE(loaded->decode(tok->encode(kMultilingual)), kMultilingual);
    }

    void serializeFormat()
    {
        QCOMPARE(make("char", "unk", "ba\n")->serialize(), std::string(R"({"kind":"char","unknown":"unk","vocab":[10,97,98]})"));
        QCOMPARE(make("char", "error", "a")->serialize(), std::string(R"({"kind":"char","unknown":"error","vocab":[97]})"));
        QCOMPARE(make("byte", "unk", "")->serialize(), std::string(R"({"kind":"byte"})"));
        QCOMPARE(make("byte", "unk", "")->vocabSize(), int64_t(256));
    }

    void fingerprintsDiffer()
    {
        const auto a = make("char", "unk", "abc");
        QCOMPARE(a->fingerprint().size(), size_t(16));
        QCOMPARE(make("char", "unk", "cba")->fingerprint(), a->fingerprint());
        QVERIFY(make("char", "error", "abc")->fingerprint() != a->fingerprint());
        QVERIFY(make("char", "unk", "abd")->fingerprint() != a->fingerprint());
        QVERIFY(make("byte", "unk", "abc")->fingerprint() != a->fingerprint());
    }

    void loadRejectsInvalidText_data()
    {
        QTest::addColumn<QString>("serialized");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << "{kind" << "not valid JSON";
        QTest::newRow("not object") << "[1]" << "expected a JSON object";
        QTest::newRow("no kind") << "{}" << "missing \"kind\"";
        QTest::newRow("bad kind") << R"({"kind":"wordpiece"})" << "unknown kind \"wordpiece\"";
        QTest::newRow("bpe without model") << R"({"kind":"bpe"})" << "needs a \"model\" string";
        QTest::newRow("bpe model not base64") << R"({"kind":"unigram","model":"ab$="})" << "not a sentencepiece model in base64";
        QTest::newRow("no vocab") << R"({"kind":"char","unknown":"unk"})" << "\"vocab\" array";
        QTest::newRow("bad policy") << R"({"kind":"char","unknown":"skip","vocab":[97]})" << "\"unk\" or \"error\"";
        QTest::newRow("unsorted") << R"({"kind":"char","unknown":"unk","vocab":[98,97]})" << "sorted ascending";
        QTest::newRow("duplicate") << R"({"kind":"char","unknown":"unk","vocab":[97,97]})" << "without duplicates";
        QTest::newRow("surrogate") << R"({"kind":"char","unknown":"unk","vocab":[55296]})" << "not a Unicode scalar";
        QTest::newRow("too big") << R"({"kind":"char","unknown":"unk","vocab":[1114112]})" << "not a Unicode scalar";
        QTest::newRow("negative") << R"({"kind":"char","unknown":"unk","vocab":[-1]})" << "expected a code point";
        QTest::newRow("string item") << R"({"kind":"char","unknown":"unk","vocab":["a"]})" << "expected a code point";
    }

    void loadRejectsInvalidText()
    {
        QFETCH(QString, serialized);
        QFETCH(QString, message);
        try {
            tb::core::loadTokenizer(serialized.toStdString());
            QFAIL("invalid tokenizer accepted");
        } catch (const tb::core::Error& e) {
            QVERIFY2(std::string(e.what()).find(message.toStdString()) != std::string::npos, e.what());
        }
    }

    void makeRejectsBadConfig_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("unknown");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::newRow("kind") << "wordpiece" << "unk" << "tokenizer.kind"
                              << "unknown tokenizer kind 'wordpiece' (expected char, byte, bpe or unigram)";
        QTest::newRow("policy") << "char" << "skip" << "tokenizer.unknown"
                                << "unknown policy 'skip' for unseen characters (expected unk or error)";
        QTest::newRow("policy byte") << "byte" << "" << "tokenizer.unknown"
                                     << "unknown policy '' for unseen characters (expected unk or error)";
    }

    void makeRejectsBadConfig()
    {
        QFETCH(QString, kind);
        QFETCH(QString, unknown);
        QFETCH(QString, field);
        QFETCH(QString, message);
        try {
            make(kind.toStdString(), unknown.toStdString(), "abc");
            QFAIL("bad config accepted");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(e.field()), field);
            QCOMPARE(QString::fromStdString(e.message()), message);
        }
    }

    void charNeedsText()
    {
        QVERIFY_THROWS_EXCEPTION(InputError, make("char", "unk", ""));
    }

    void encodesShakespeareQuickly()
    {
        if (shakespeare().empty())
            QSKIP("shared tinyshakespeare.txt not available");
        const auto tok = make("char", "unk", shakespeare());
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < 5; ++i)
            QCOMPARE(tok->encode(shakespeare()).size(), shakespeare().size());
        // ~5.5 MB; a table lookup per byte takes a few ms. Generous bound for slow, shared CI machines.
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed()) + " ms"));
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
