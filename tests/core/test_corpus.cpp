// SPDX-License-Identifier: MIT
// Corpus loading: normalisation (BOM, CRLF, CR), strict UTF-8 with exact byte offsets and lines, the binary / empty
// / missing / directory errors, and JSONL records with exact line numbers and the "text" field.
#include "core/common/error.h"
#include "core/common/hash.h"
#include "core/data/corpus.h"
#include "tests/core/test_support.h"

#include <QtTest/QtTest>

#include <sys/stat.h>
#include <unistd.h>

using tb::core::Corpus;
using tb::core::InputError;
using tb::test::TempDir;
using tb::test::writeBytes;

namespace {

/// Loads `bytes` from a fresh file named `name` and returns the InputError it must throw.
InputError loadError(const TempDir& dir, const std::string& name, const std::string& bytes)
{
    const auto file = dir / name;
    writeBytes(file, bytes);
    try {
        tb::core::loadCorpus(file);
    } catch (const InputError& e) {
        return e;
    }
    QTest::qFail("expected an InputError", __FILE__, __LINE__);
    return InputError("", "", "");
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

class TestCorpus : public QObject {
    Q_OBJECT

private slots:
    void normalisesText_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("plain") << QByteArray("hello\nworld\n") << QByteArray("hello\nworld\n");
        QTest::newRow("bom") << QByteArray("\xEF\xBB\xBFhello") << QByteArray("hello");
        QTest::newRow("crlf") << QByteArray("a\r\nb\r\n") << QByteArray("a\nb\n");
        QTest::newRow("lone cr") << QByteArray("a\rb\r") << QByteArray("a\nb\n");
        QTest::newRow("cr cr lf") << QByteArray("a\r\r\nb") << QByteArray("a\n\nb");
        QTest::newRow("bom + crlf + multibyte")
            << QByteArray("\xEF\xBB\xBF\xC3\xA9t\xC3\xA9\r\n\xE4\xB8\xAD \xF0\x9F\x98\x80")
            << QByteArray("\xC3\xA9t\xC3\xA9\n\xE4\xB8\xAD \xF0\x9F\x98\x80");
    }

    void normalisesText()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, expected);
        TempDir dir;
        writeBytes(dir / "c.txt", raw.toStdString());
        const Corpus c = tb::core::loadCorpus(dir / "c.txt");
        QCOMPARE(QByteArray::fromStdString(c.text), expected);
        QCOMPARE(c.format, std::string("text"));
        QCOMPARE(c.documents, int64_t(1));
        QCOMPARE(c.hash, tb::core::hashHex(expected.toStdString()));
        QCOMPARE(c.characters, int64_t(QString::fromUtf8(expected).toUcs4().size()));
        QCOMPARE(c.path, (dir / "c.txt").string());
    }

    void countsCodePoints()
    {
        QCOMPARE(tb::core::countCodePoints(""), int64_t(0));
        QCOMPARE(tb::core::countCodePoints("abc"), int64_t(3));
        QCOMPARE(tb::core::countCodePoints("\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"), int64_t(3)); // é 中 😀
    }

    void rejectsInvalidUtf8_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<qint64>("line");
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<QString>("detail");
        // Offsets are into the original file, BOM and CRLF included.
        QTest::newRow("stray continuation") << QByteArray("ab\n\x80x") << qint64(2) << qint64(3)
                                            << "byte 0x80 is a continuation byte with no lead byte";
        QTest::newRow("truncated at end") << QByteArray("ok\r\nend \xE4\xB8") << qint64(2) << qint64(8)
                                          << "ends in the middle of a multi-byte character (bytes E4 B8)";
        QTest::newRow("overlong 2-byte") << QByteArray("\xEF\xBB\xBF" "a\n\nb\xC0\xAF") << qint64(3) << qint64(7)
                                         << "overlong encoding (bytes C0 AF";
        QTest::newRow("overlong 3-byte") << QByteArray("x\xE0\x80\xAFy") << qint64(1) << qint64(1)
                                         << "overlong encoding (bytes E0 80 AF";
        QTest::newRow("surrogate") << QByteArray("a\rb\r\xED\xA0\x80") << qint64(3) << qint64(4)
                                   << "bytes ED A0 80 encode a UTF-16 surrogate";
        QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << qint64(1) << qint64(0)
                                        << "encode a code point above U+10FFFF";
        QTest::newRow("cut short") << QByteArray("\xC3\xA9\xE4\xB8" "A") << qint64(1) << qint64(2)
                                   << "starting with byte 0xE4 is cut short by byte 0x41";
        QTest::newRow("latin-1") << QByteArray("caf\xE9\n") << qint64(1) << qint64(3)
                                 << "starting with byte 0xE9 is cut short by byte 0x0A";
        QTest::newRow("invalid byte") << QByteArray("a\n\xFF") << qint64(2) << qint64(2)
                                      << "byte 0xFF never appears in UTF-8";
    }

    void rejectsInvalidUtf8()
    {
        QFETCH(QByteArray, raw);
        QFETCH(qint64, line);
        QFETCH(qint64, offset);
        QFETCH(QString, detail);
        TempDir dir;
        const InputError e = loadError(dir, "bad.txt", raw.toStdString());
        QCOMPARE(e.line(), int64_t(line));
        QCOMPARE(e.byteOffset(), int64_t(offset));
        const std::string what = e.what();
        QVERIFY2(contains(what, detail.toStdString()), what.c_str());
        const std::string where = (dir / "bad.txt").string() + ":" + std::to_string(line) + " (byte " +
                                  std::to_string(offset) + "): is not valid UTF-8";
        QVERIFY2(contains(what, where), what.c_str());
    }

    void rejectsBadFiles_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QByteArray() << "is empty";
        QTest::newRow("bom only") << QByteArray("\xEF\xBB\xBF") << "is empty";
        QTest::newRow("whitespace") << QByteArray(" \r\n\t\n  ") << "is empty (it contains only whitespace)";
        QTest::newRow("nul") << QByteArray("abc\0def", 7) << "looks like a binary file (NUL byte at byte offset 3)";
        QTest::newRow("nul before bad utf8") << QByteArray("\x89PNG\r\n\x1a\n\0\0", 10)
                                             << "looks like a binary file (NUL byte at byte offset 8)";
    }

    void rejectsBadFiles()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, message);
        TempDir dir;
        const InputError e = loadError(dir, "c.txt", raw.toStdString());
        QCOMPARE(QString::fromStdString(e.message()), message);
        QCOMPARE(e.file(), (dir / "c.txt").string());
    }

    void rejectsMissingFileAndDirectory()
    {
        TempDir dir;
        try {
            tb::core::loadCorpus(dir / "nope.txt");
            QFAIL("missing file accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.message(), std::string("does not exist"));
            QCOMPARE(std::string(e.what()), (dir / "nope.txt").string() + ": does not exist");
        }
        try {
            tb::core::loadCorpus(dir.path());
            QFAIL("directory accepted");
        } catch (const InputError& e) {
            QVERIFY2(contains(e.what(), "is a directory"), e.what());
        }
    }

    void rejectsUnreadableFile()
    {
        if (::geteuid() == 0)
            QSKIP("root can read any file");
        TempDir dir;
        writeBytes(dir / "secret.txt", "text");
        ::chmod((dir / "secret.txt").c_str(), 0);
        try {
            tb::core::loadCorpus(dir / "secret.txt");
            QFAIL("unreadable file accepted");
        } catch (const InputError& e) {
            QVERIFY2(contains(e.what(), "cannot be read"), e.what());
        }
    }

    void normaliseUtf8TextNamesOrigin()
    {
        QCOMPARE(tb::core::normaliseUtf8Text("a\r\nb", "prompt"), std::string("a\nb"));
        try {
            tb::core::normaliseUtf8Text("ab\xC3", "prompt");
            QFAIL("truncated text accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), std::string("prompt"));
            QCOMPARE(e.byteOffset(), int64_t(2));
        }
    }

    void loadsJsonl()
    {
        TempDir dir;
        writeBytes(dir / "d.jsonl", "\xEF\xBB\xBF{\"text\": \"first\\r\\nline\", \"id\": 1}\r\n"
                                    "\n"
                                    "   \n"
                                    "{\"text\": \"caf\\u00e9 \xE4\xB8\xAD\"}\n"
                                    "{\"meta\": {\"x\": 1}, \"text\": \"\"}\n"
                                    "{\"text\": \"\xF0\x9F\x98\x80\"}");
        const Corpus c = tb::core::loadCorpus(dir / "d.jsonl");
        QCOMPARE(c.format, std::string("jsonl"));
        QCOMPARE(c.documents, int64_t(4));
        QCOMPARE(c.text, std::string("first\nline\ncaf\xC3\xA9 \xE4\xB8\xAD\n\n\xF0\x9F\x98\x80"));
        QCOMPARE(c.characters, int64_t(20));
        QCOMPARE(c.hash, tb::core::hashHex(c.text));
    }

    void rejectsBadJsonl_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<qint64>("line");
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<QString>("message");
        const QByteArray ok = "{\"text\": \"a\"}\n"; // 14 bytes
        QTest::newRow("not json") << ok + "\n{\"text\": nope}\n" << qint64(3) << qint64(25)
                                  << "line is not valid JSON (syntax error at column 11)";
        QTest::newRow("not an object") << ok + "[\"text\"]\n" << qint64(2) << qint64(14) << "line is a JSON array";
        QTest::newRow("string line") << QByteArray("\"hello\"\n") << qint64(1) << qint64(0) << "line is a JSON string";
        QTest::newRow("missing text") << ok + ok + "{\"txt\": \"a\"}\n" << qint64(3) << qint64(28)
                                      << "the record has no \"text\" key";
        QTest::newRow("text is number") << ok + "{\"text\": 42}\n" << qint64(2) << qint64(14)
                                        << "\"text\" must be a string, but it is a number";
        QTest::newRow("text is null") << ok + "{\"text\": null}" << qint64(2) << qint64(14)
                                      << "\"text\" must be a string, but it is null";
        QTest::newRow("crlf lines") << QByteArray("{\"text\": \"a\"}\r\n{\"text\": []}\r\n") << qint64(2) << qint64(15)
                                    << "\"text\" must be a string, but it is an array";
        QTest::newRow("nul escape") << ok + "{\"text\": \"a\\u0000b\"}\n" << qint64(2) << qint64(14)
                                    << "\"text\" contains a NUL character";
    }

    void rejectsBadJsonl()
    {
        QFETCH(QByteArray, raw);
        QFETCH(qint64, line);
        QFETCH(qint64, offset);
        QFETCH(QString, message);
        TempDir dir;
        const InputError e = loadError(dir, "d.jsonl", raw.toStdString());
        QCOMPARE(e.field(), std::string("text"));
        QCOMPARE(e.line(), int64_t(line));
        QCOMPARE(e.byteOffset(), int64_t(offset));
        QVERIFY2(contains(e.message(), message.toStdString()), e.what());
        const std::string where = (dir / "d.jsonl").string() + ":" + std::to_string(line) + " (byte " +
                                  std::to_string(offset) + "): text: ";
        QVERIFY2(contains(e.what(), where), e.what());
    }

    void rejectsInvalidUtf8InJsonl()
    {
        TempDir dir;
        const InputError e = loadError(dir, "d.jsonl", "{\"text\": \"a\"}\n{\"text\": \"\xED\xA0\x80\"}\n");
        QCOMPARE(e.line(), int64_t(2));
        QCOMPARE(e.byteOffset(), int64_t(24));
        QVERIFY2(contains(e.what(), "UTF-16 surrogate"), e.what());
    }

    void rejectsEmptyJsonl_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("message");
        QTest::newRow("no bytes") << QByteArray() << "is empty";
        QTest::newRow("blank lines") << QByteArray("\n  \r\n\n") << "is empty (no JSON lines)";
        QTest::newRow("blank texts") << QByteArray("{\"text\": \"\"}\n{\"text\": \" \\n\"}\n")
                                     << "is empty (every \"text\" is blank)";
    }

    void rejectsEmptyJsonl()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, message);
        TempDir dir;
        const InputError e = loadError(dir, "d.jsonl", raw.toStdString());
        QCOMPARE(QString::fromStdString(e.message()), message);
    }

    void loadsTinyShakespeare()
    {
        const auto file = tb::test::sharedDataDir() / "corpus" / "tinyshakespeare.txt";
        if (!std::filesystem::exists(file))
            QSKIP("shared tinyshakespeare.txt not available");
        const Corpus c = tb::core::loadCorpus(file);
        QCOMPARE(c.text.size(), size_t(1115394)); // nanoGPT's shakespeare_char: "length of dataset in characters"
        QCOMPARE(c.characters, int64_t(1115394));
        QCOMPARE(c.documents, int64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestCorpus)
#include "test_corpus.moc"
