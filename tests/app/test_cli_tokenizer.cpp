// SPDX-License-Identifier: MIT
// `tunebench-cli tokenizer train|encode|decode` as a user runs it: exit codes, messages and the files it writes.
#include <QtTest/QtTest>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

namespace {

struct Result {
    int exitCode = -1;
    QByteArray out;
    QString err;
};

Result runCli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(TB_CLI_PATH, args);
    p.waitForFinished(120000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            QString::fromUtf8(p.readAllStandardError())};
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QString shakespeare() { return QStringLiteral(TB_SHARED_DATA_DIR "/corpus/tinyshakespeare.txt"); }

} // namespace

class TestCliTokenizer : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_corpus;
    QString m_bpe;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QFile source(shakespeare());
        if (!source.open(QIODevice::ReadOnly))
            QSKIP("../shared/data/corpus/tinyshakespeare.txt is absent");
        m_corpus = m_dir.filePath("corpus.txt");
        writeFile(m_corpus, source.read(200000));
        m_bpe = m_dir.filePath("bpe.json");
        const Result r = runCli({"tokenizer", "train", "--corpus", m_corpus, "--kind", "bpe", "--vocab-size", "500",
                                 "--out", m_bpe});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("bpe tokenizer with 500 pieces"), r.out.constData());
        QFile saved(m_bpe);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        const QJsonObject j = QJsonDocument::fromJson(saved.readAll()).object();
        QCOMPARE(j["kind"].toString(), QString("bpe"));
        QCOMPARE(j["vocab_size"].toInt(), 500);
        QVERIFY(!j["model"].toString().isEmpty());
    }

    void help()
    {
        const Result r = runCli({"tokenizer", "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("tokenizer encode --tokenizer FILE"));
        QVERIFY(r.out.contains("--byte-fallback"));
        const Result main = runCli({"--help"});
        QVERIFY(main.out.contains("tokenizer  train a tokenizer"));
    }

    void encodeJsonThenDecodeRoundTrips()
    {
        const QString text = QString::fromUtf8("To be, or not to be: 5€ 😀");
        const Result e = runCli({"tokenizer", "encode", "--tokenizer", m_bpe, "--text", text, "--json"});
        QVERIFY2(e.exitCode == 0, qPrintable(e.err));
        const QJsonObject j = QJsonDocument::fromJson(e.out).object();
        QCOMPARE(j["kind"].toString(), QString("bpe"));
        const QJsonArray ids = j["ids"].toArray();
        const QJsonArray pieces = j["pieces"].toArray();
        QCOMPARE(j["count"].toInt(), int(ids.size()));
        QCOMPARE(pieces.size(), ids.size());
        QVERIFY(ids.size() < text.size()); // merged pieces, despite the 7 byte pieces of € and 😀
        QVERIFY(pieces.contains(QString("0xE2")));
        QStringList idText;
        for (const auto& id : ids)
            idText << QString::number(id.toInt());

        // The plain output is the same ids on one line.
        const Result plain = runCli({"tokenizer", "encode", "--tokenizer", m_bpe, "--text", text});
        QCOMPARE(plain.exitCode, 0);
        QCOMPARE(QString::fromUtf8(plain.out).trimmed(), idText.join(' '));

        const Result d = runCli({"tokenizer", "decode", "--tokenizer", m_bpe, "--ids", idText.join(", ")});
        QVERIFY2(d.exitCode == 0, qPrintable(d.err));
        QCOMPARE(QString::fromUtf8(d.out), text + "\n");
    }

    void encodeFileAndRunDirectory()
    {
        // A folder holding tokenizer.json (a run directory) works like the file itself.
        QVERIFY(QDir(m_dir.path()).mkpath("run"));
        QVERIFY(QFile::copy(m_bpe, m_dir.filePath("run/tokenizer.json")));
        writeFile(m_dir.filePath("text.txt"), "First Citizen:\nBefore we proceed any further, hear me speak.\n");
        const Result a = runCli({"tokenizer", "encode", "--tokenizer", m_dir.filePath("run"), "--file",
                                 m_dir.filePath("text.txt")});
        const Result b = runCli({"tokenizer", "encode", "--tokenizer", m_bpe, "--file", m_dir.filePath("text.txt")});
        QCOMPARE(a.exitCode, 0);
        QCOMPARE(a.out, b.out);
        QVERIFY(a.out.split(' ').size() < 40); // 63 characters in far fewer pieces
    }

    void trainCharAndUnigram()
    {
        const QString charFile = m_dir.filePath("char.json");
        Result r = runCli({"tokenizer", "train", "--corpus", m_corpus, "--kind", "char", "--out", charFile});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        r = runCli({"tokenizer", "encode", "--tokenizer", charFile, "--text", "abc"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed().split(' ').size(), 3);

        const QString unigram = m_dir.filePath("unigram.json");
        r = runCli({"tokenizer", "train", "--corpus", m_corpus, "--kind", "unigram", "--vocab-size", "300",
                    "--no-byte-fallback", "--out", unigram});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        r = runCli({"tokenizer", "decode", "--tokenizer", unigram, "--ids", "0"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QString::fromUtf8(r.out), QString::fromUtf8("\xEF\xBF\xBD\n")); // <unk>
    }

    // Exit 2 and a message naming the file, option or field.
    void badInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("id not a number") << QStringList{"decode", "--ids", "1 x 3"}
                                         << QStringList{"--ids", "item 2", "'x' is not a whole number"};
        QTest::newRow("id outside vocabulary") << QStringList{"decode", "--ids", "7 500"}
                                               << QStringList{"--ids", "item 2", "outside the vocabulary (0..499)"};
        QTest::newRow("missing tokenizer file")
            << QStringList{"encode", "--tokenizer", "/nonexistent/tok.json", "--text", "a"}
            << QStringList{"/nonexistent/tok.json"};
        QTest::newRow("not a tokenizer") << QStringList{"encode", "--tokenizer", "@corpus", "--text", "a"}
                                         << QStringList{"corpus.txt", "invalid tokenizer: not valid JSON"};
        QTest::newRow("text and file") << QStringList{"encode", "--text", "a", "--file", "b"}
                                       << QStringList{"exactly one of --text TEXT or --file FILE"};
        QTest::newRow("vocabulary too small")
            << QStringList{"train", "--corpus", "@corpus", "--kind", "bpe", "--vocab-size", "280", "--out", "x.json"}
            << QStringList{"corpus.txt", "--vocab-size", "280 is too small", "distinct characters"};
        QTest::newRow("unknown kind") << QStringList{"train", "--corpus", "@corpus", "--kind", "wordpiece", "--out",
                                                     "x.json"}
                                      << QStringList{"--kind must be char, byte, bpe or unigram, got 'wordpiece'"};
        QTest::newRow("missing corpus")
            << QStringList{"train", "--corpus", "/nonexistent/c.txt", "--kind", "bpe", "--out", "x.json"}
            << QStringList{"/nonexistent/c.txt", "does not exist"};
        QTest::newRow("unknown action") << QStringList{"split"} << QStringList{"unknown action 'split'"};
    }

    void badInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, expected);
        QStringList full{"tokenizer"};
        for (QString a : args)
            full << (a == "@corpus" ? m_corpus : a);
        if ((args.front() == "decode" || args.front() == "encode") && !args.contains("--tokenizer"))
            full << "--tokenizer" << m_bpe;
        const Result r = runCli(full);
        QCOMPARE(r.exitCode, 2);
        for (const QString& e : expected)
            QVERIFY2(r.err.contains(e), qPrintable(r.err));
        QVERIFY(!QFile::exists("x.json"));
    }

    void missingLibraryIsAClearError()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("TB_SPM_LIBRARY", "/nonexistent/libtb_spm.so");
        const Result r = runCli({"tokenizer", "encode", "--tokenizer", m_bpe, "--text", "a"}, env);
        QCOMPARE(r.exitCode, 1); // the installation is at fault, not the input
        QVERIFY2(r.err.contains("/nonexistent/libtb_spm.so does not exist"), qPrintable(r.err));
        QVERIFY2(r.err.contains("TB_SPM_LIBRARY"), qPrintable(r.err));
        const Result t = runCli({"tokenizer", "train", "--corpus", m_corpus, "--kind", "unigram", "--out",
                                 m_dir.filePath("never.json")}, env);
        QCOMPARE(t.exitCode, 1);
        QVERIFY2(t.err.contains("/nonexistent/libtb_spm.so does not exist"), qPrintable(t.err));
        QVERIFY(!QFile::exists(m_dir.filePath("never.json")));
    }
};

QTEST_MAIN(TestCliTokenizer)
#include "test_cli_tokenizer.moc"
