// SPDX-License-Identifier: MIT
// Fixtures shared by the TrainingSession tests: a small corpus and a tiny run that trains in a second or two.
#pragma once

#include "core/io/run_config.h"

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <random>

namespace tb::test {

/// A few KB of simple words in `dir`/corpus.txt: enough tokens for block_size 16 in both splits.
inline QString writeCorpus(const QTemporaryDir& dir)
{
    const char* const words[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran ", "far ", "away.\n"};
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> pick(0, 9);
    QByteArray text;
    while (text.size() < 6000)
        text += words[pick(rng)];
    const QString path = dir.filePath(QStringLiteral("corpus.txt"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

/// 2 layers of width 32, block 16, 40 steps with an evaluation every 10, one thread, token cache in `dir`.
inline core::RunConfig tinyConfig(const QTemporaryDir& dir, const QString& corpus)
{
    core::RunConfig c;
    c.model.nLayer = 2;
    c.model.nHead = 2;
    c.model.nEmbd = 32;
    c.model.blockSize = 16;
    c.train.batchSize = 4;
    c.train.maxSteps = 40;
    c.train.warmupSteps = 4;
    c.train.evalInterval = 10;
    c.train.evalIters = 2;
    c.train.threads = 1;
    c.data.corpus = corpus.toStdString();
    c.data.cacheDir = dir.filePath(QStringLiteral("cache")).toStdString();
    return c;
}

} // namespace tb::test
