// SPDX-License-Identifier: MIT
// Helpers shared by the CLI tests, which run tunebench-cli (TB_CLI_PATH) as a child process.
#pragma once

#include <QtTest/QtTest>

#include <QByteArray>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace tb::test {

struct CliResult {
    int exitCode = -1; // -1 when the process crashed or timed out
    QString out;
    QString err;
};

inline CliResult runCli(const QStringList& args, const QString& workDir = {}, int timeoutMs = 180000)
{
    QProcess p;
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    p.start(TB_CLI_PATH, args);
    p.waitForFinished(timeoutMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

inline void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

/// A deterministic word salad over a 10-word vocabulary, for corpora that train in seconds.
inline QByteArray corpusText(int words)
{
    const char* vocabulary[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran ", "far ", "away.\n"};
    QByteArray out;
    quint32 state = 12345;
    for (int i = 0; i < words; ++i) {
        state = state * 1664525u + 1013904223u;
        out += vocabulary[(state >> 16) % 10];
    }
    return out;
}

/// The JSON object in `path` (summary.json and the like); empty when the file is missing or not an object.
inline QJsonObject readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

/// A path in the source tree (resources/demo/...).
inline QString source(const QString& relative) { return QStringLiteral(TB_SOURCE_DIR) + "/" + relative; }

} // namespace tb::test
