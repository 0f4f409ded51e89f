// SPDX-License-Identifier: MIT
// computeTokenizerStats: pieces, byte and character spans, segments (multi-byte characters split by byte tokens),
// counts, unknown and control tokens, the default span alignment of Tokenizer, and sampleCorpusText.
#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/data/corpus.h"
#include "core/tokenizer/byte_tokenizer.h"
#include "core/tokenizer/char_tokenizer.h"
#include "core/tokenizer/tokenizer_stats.h"
#include "tests/core/test_support.h"

#include <QtTest/QtTest>

using tb::core::ByteTokenizer;
using tb::core::CharTokenizer;
using tb::core::computeTokenizerStats;
using tb::core::PieceKind;
using tb::core::TokenId;
using tb::core::TokenizerStats;

namespace {

// a (1 byte), é (2 bytes), 中 (3 bytes), 😀 (4 bytes)
const std::string kMixed = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";

const std::string& shakespeare()
{
    static const std::string text = [] {
        const auto file = tb::test::sharedDataDir() / "corpus" / "tinyshakespeare.txt";
        return std::filesystem::exists(file) ? tb::core::loadCorpus(file).text : std::string();
    }();
    return text;
}

bool isValidUtf8(const std::string& s) { return QString::fromUtf8(s).toUtf8().toStdString() == s; }

/// The text each segment covers, in order.
std::vector<std::string> segmentTexts(const TokenizerStats& stats, std::string_view text)
{
    std::vector<std::string> out;
    for (const auto& s : stats.segments)
        out.emplace_back(text.substr(s.byteBegin, s.byteEnd - s.byteBegin));
    return out;
}

/// A sentencepiece-like toy that keeps Tokenizer's default encodeWithSpans: it prepends <s>, matches the longest
/// vocabulary piece, maps anything else to <unk> (one character), and its decode drops the leading space of the
/// result, as sentencepiece does, so decode({" world"}) is "world".
class ToyTokenizer final : public tb::core::Tokenizer {
public:
    static constexpr TokenId kBos = 0, kUnk = 1;
    std::string kind() const override { return "toy"; }
    int64_t vocabSize() const override { return static_cast<int64_t>(m_vocab.size()); }
    std::vector<TokenId> encode(std::string_view text) const override
    {
        std::vector<TokenId> ids{kBos};
        size_t i = 0;
        while (i < text.size()) {
            TokenId best = kUnk;
            size_t bestLength = 0;
            for (size_t id = 2; id < m_vocab.size(); ++id)
                if (text.substr(i).starts_with(m_vocab[id]) && m_vocab[id].size() > bestLength) {
                    best = static_cast<TokenId>(id);
                    bestLength = m_vocab[id].size();
                }
            ids.push_back(best);
            i += best == kUnk ? tb::core::decodeUtf8(text, i).length : bestLength;
        }
        return ids;
    }
    std::string decode(const std::vector<TokenId>& ids) const override
    {
        std::string out;
        for (const TokenId id : ids)
            out += id == kBos ? "" : id == kUnk ? "\xE2\x81\x87" : m_vocab[static_cast<size_t>(id)]; // ⁇
        return out.starts_with(' ') ? out.substr(1) : out;
    }
    std::string tokenText(TokenId id) const override { return m_vocab[static_cast<size_t>(id)]; }
    PieceKind pieceKind(TokenId id) const override
    {
        return id == kBos ? PieceKind::Control : id == kUnk ? PieceKind::Unknown : PieceKind::Normal;
    }
    std::string serialize() const override { return R"({"kind":"toy"})"; }

private:
    std::vector<std::string> m_vocab{"<s>", "<unk>", "hello", " world", "!", " "};
};

} // namespace

class TestTokenizerStats : public QObject {
    Q_OBJECT

private slots:
    void charPiecesHaveCharacterSpans()
    {
        const auto tok = CharTokenizer::fromText("a\xC3\xA9 \n", CharTokenizer::Unknown::Unk);
        const std::string text = "\xC3\xA9" "a \n\xC3\xA9";
        const TokenizerStats stats = computeTokenizerStats(tok, text);
        QCOMPARE(stats.tokens, int64_t(5));
        QCOMPARE(stats.characters, int64_t(5));
        QCOMPARE(stats.bytes, int64_t(7));
        QCOMPARE(stats.tokensPerCharacter, 1.0);
        const std::vector<std::pair<size_t, size_t>> bytes{{0, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 7}};
        for (size_t k = 0; k < stats.pieces.size(); ++k) {
            const auto& p = stats.pieces[k];
            QCOMPARE(p.byteBegin, bytes[k].first);
            QCOMPARE(p.byteEnd, bytes[k].second);
            QCOMPARE(p.charBegin, int64_t(k));
            QCOMPARE(p.charEnd, int64_t(k + 1));
            QVERIFY(!p.partialCharacter);
            QCOMPARE(p.kind, PieceKind::Normal);
        }
        // Vocabulary sorted by code point: \n=0, ' '=1, a=2, é=3, <unk>=4.
        std::vector<TokenId> ids;
        for (const auto& p : stats.pieces)
            ids.push_back(p.id);
        QCOMPARE(ids, (std::vector<TokenId>{3, 2, 1, 0, 3}));
        QCOMPARE(stats.segments.size(), size_t(5));
        QCOMPARE(stats.distinctIds, int64_t(4));
        QCOMPARE(stats.vocabSize, int64_t(5));
        QCOMPARE(stats.vocabShare, 0.8);
        QCOMPARE(stats.unknownTokens, int64_t(0));
    }

    void byteTokensOfOneCharacterFormOneSegment()
    {
        const ByteTokenizer tok;
        const TokenizerStats stats = computeTokenizerStats(tok, kMixed);
        QCOMPARE(stats.tokens, int64_t(10));
        QCOMPARE(stats.characters, int64_t(4));
        QCOMPARE(stats.tokensPerCharacter, 2.5);
        QCOMPARE(stats.distinctIds, int64_t(10));
        QCOMPARE(stats.vocabShare, 10.0 / 256.0);
        QCOMPARE(stats.byteFallbackTokens, int64_t(0)); // bytes are the byte tokenizer's vocabulary, not a fallback
        QCOMPARE(stats.unknownTokens, int64_t(0));

        // é's two bytes: each piece spans its byte, both touch character 1, and each holds part of it.
        QCOMPARE(stats.pieces[1].id, TokenId(0xC3));
        QCOMPARE(stats.pieces[1].byteBegin, size_t(1));
        QCOMPARE(stats.pieces[1].byteEnd, size_t(2));
        QCOMPARE(stats.pieces[2].byteBegin, size_t(2));
        QCOMPARE(stats.pieces[2].charBegin, int64_t(1));
        QCOMPARE(stats.pieces[2].charEnd, int64_t(2));
        QVERIFY(!stats.pieces[0].partialCharacter);
        for (size_t k = 1; k < stats.pieces.size(); ++k)
            QVERIFY(stats.pieces[k].partialCharacter);

        QCOMPARE(stats.segments.size(), size_t(4));
        const std::vector<size_t> counts{1, 2, 3, 4};
        size_t first = 0;
        for (size_t s = 0; s < 4; ++s) {
            QCOMPARE(stats.segments[s].pieceCount, counts[s]);
            QCOMPARE(stats.segments[s].firstPiece, first);
            QCOMPARE(stats.segments[s].charBegin, int64_t(s));
            QCOMPARE(stats.segments[s].charEnd, int64_t(s + 1));
            first += counts[s];
        }
        QCOMPARE(segmentTexts(stats, kMixed),
                 (std::vector<std::string>{"a", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80"}));
    }

    void unknownCharactersAreCounted()
    {
        const auto tok = CharTokenizer::fromText("abc ", CharTokenizer::Unknown::Unk); // no z, no é
        const std::string text = "abz \xC3\xA9z";
        const TokenizerStats stats = computeTokenizerStats(tok, text);
        QCOMPARE(stats.tokens, int64_t(6));
        QCOMPARE(stats.unknownTokens, int64_t(3));
        QCOMPARE(stats.pieces[2].kind, PieceKind::Unknown);
        QCOMPARE(stats.pieces[2].id, tok.unkId());
        QCOMPARE(stats.pieces[4].kind, PieceKind::Unknown);
        QCOMPARE(stats.pieces[4].byteBegin, size_t(4)); // <unk> still spans the character it replaced
        QCOMPARE(stats.pieces[4].byteEnd, size_t(6));
        QCOMPARE(stats.distinctIds, int64_t(4)); // a, b, ' ', <unk>
        QCOMPARE(stats.vocabShare, 4.0 / 5.0);

        // The "error" policy refuses the text; the panel shows that message.
        const auto strict = CharTokenizer::fromText("abc ", CharTokenizer::Unknown::Error);
        QVERIFY_THROWS_EXCEPTION(tb::core::InputError, computeTokenizerStats(strict, text));
    }

    void vocabShareOnShakespeare()
    {
        if (shakespeare().empty())
            QSKIP("shared tinyshakespeare.txt not available");
        const auto tok = CharTokenizer::fromText(shakespeare(), CharTokenizer::Unknown::Unk);
        const TokenizerStats whole = computeTokenizerStats(tok, shakespeare());
        QCOMPARE(whole.distinctIds, int64_t(65)); // every character but <unk>
        QCOMPARE(whole.vocabShare, 65.0 / 66.0);
        QCOMPARE(whole.tokens, int64_t(shakespeare().size()));
        QCOMPARE(whole.segments.size(), shakespeare().size());

        const std::string line = "First Citizen:";
        const TokenizerStats some = computeTokenizerStats(tok, line);
        QCOMPARE(some.distinctIds, int64_t(11)); // F i r s t ' ' C z e n :
        QCOMPARE(computeTokenizerStats(ByteTokenizer(), line).vocabShare, 11.0 / 256.0);
    }

    void emptyText()
    {
        const TokenizerStats stats = computeTokenizerStats(ByteTokenizer(), "");
        QCOMPARE(stats.tokens, int64_t(0));
        QCOMPARE(stats.tokensPerCharacter, 0.0);
        QVERIFY(stats.segments.empty());
    }

    void defaultAlignmentPlacesSubwords()
    {
        const ToyTokenizer tok;
        const std::string text = "hello world#!";
        const TokenizerStats stats = computeTokenizerStats(tok, text);
        // <s> hello " world" <unk> !
        QCOMPARE(stats.tokens, int64_t(5));
        const std::vector<std::pair<size_t, size_t>> bytes{{0, 0}, {0, 5}, {5, 11}, {11, 12}, {12, 13}};
        for (size_t k = 0; k < bytes.size(); ++k) {
            QCOMPARE(stats.pieces[k].byteBegin, bytes[k].first);
            QCOMPARE(stats.pieces[k].byteEnd, bytes[k].second);
        }
        QCOMPARE(stats.controlTokens, int64_t(1));
        QCOMPARE(stats.unknownTokens, int64_t(1));
        QCOMPARE(stats.unplacedTokens, int64_t(0));
        // <s> joins the segment of "hello", which starts where it stands.
        QCOMPARE(stats.segments.size(), size_t(4));
        QCOMPARE(stats.segments[0].firstPiece, size_t(0));
        QCOMPARE(stats.segments[0].pieceCount, size_t(2));
        QCOMPARE(segmentTexts(stats, text), (std::vector<std::string>{"hello", " world", "#", "!"}));

        // An <unk> at the end stands for the rest of the text.
        const TokenizerStats tail = computeTokenizerStats(tok, "hello##");
        QCOMPARE(tail.tokens, int64_t(4)); // <s> hello <unk> <unk>
        QCOMPARE(tail.pieces[2].byteEnd, tail.pieces[2].byteBegin);
        QCOMPARE(tail.pieces[3].byteBegin, size_t(5));
        QCOMPARE(tail.pieces[3].byteEnd, size_t(7));
        QCOMPARE(segmentTexts(tail, "hello##"), (std::vector<std::string>{"hello", "##"}));
    }

    void sampleIsAStretchOfTheCorpus()
    {
        if (shakespeare().empty())
            QSKIP("shared tinyshakespeare.txt not available");
        const std::string& corpus = shakespeare();
        const std::string a = tb::core::sampleCorpusText(corpus, 400, 7);
        QCOMPARE(a, tb::core::sampleCorpusText(corpus, 400, 7));
        QVERIFY(a != tb::core::sampleCorpusText(corpus, 400, 8));
        for (uint64_t seed = 0; seed < 50; ++seed) {
            const std::string s = tb::core::sampleCorpusText(corpus, 400, seed);
            QCOMPARE(s.size(), size_t(400));
            const size_t at = corpus.find(s);
            QVERIFY(at != std::string::npos);
            // Lines are at most 63 characters, so a line always starts in the first quarter of 400.
            QVERIFY2(at == 0 || corpus[at - 1] == '\n', qPrintable(QString::number(seed)));
            QVERIFY(s.front() != '\n'); // past blank lines as well
        }
    }

    void sampleNeverCutsACharacter()
    {
        std::string corpus;
        for (int i = 0; i < 300; ++i)
            corpus += kMixed + (i % 7 == 0 ? "\n" : " ");
        for (uint64_t seed = 0; seed < 200; ++seed) {
            const std::string s = tb::core::sampleCorpusText(corpus, 37, seed);
            QVERIFY(isValidUtf8(s));
            QCOMPARE(tb::core::countCodePoints(s), int64_t(37));
            QVERIFY(corpus.find(s) != std::string::npos);
        }
    }

    void sampleOfAShortCorpus()
    {
        QCOMPARE(tb::core::sampleCorpusText("abc", 10, 1), std::string("abc"));
        QCOMPARE(tb::core::sampleCorpusText(kMixed, 4, 1), kMixed);
        QCOMPARE(tb::core::sampleCorpusText("abc", 0, 1), std::string());
        QCOMPARE(tb::core::sampleCorpusText("", 5, 1), std::string());
        // Starts near the end run into it and take the last characters instead.
        for (uint64_t seed = 0; seed < 20; ++seed) {
            const std::string s = tb::core::sampleCorpusText("abcdefghij", 9, seed);
            QVERIFY(s == "abcdefghi" || s == "bcdefghij");
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenizerStats)
#include "test_tokenizer_stats.moc"
