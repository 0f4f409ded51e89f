// SPDX-License-Identifier: MIT
// Helpers shared by the Qt-side tests (bridge, ui; Qt Core only): files in a temporary directory and where
// screenshots go. tests/ui/ui_test_support.h adds the widget-side helpers.
#pragma once

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

namespace tb::test {

/// Writes `bytes` to `name` in `dir`; the file's path, or empty when it cannot be written.
inline QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes)
{
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(bytes);
    return f.fileName();
}

/// Where tests save their screenshots: TB_TEST_OUTPUT_DIR (set by CTest), else the temporary directory.
inline QString outputDir()
{
    const QString dir = qEnvironmentVariable("TB_TEST_OUTPUT_DIR", QDir::tempPath());
    QDir().mkpath(dir);
    return dir;
}

} // namespace tb::test
