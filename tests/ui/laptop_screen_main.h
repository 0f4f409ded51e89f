// SPDX-License-Identifier: MIT
// main() for widget tests that need a laptop-sized screen: on the offscreen platform (as ctest runs them) the screen
// is 1366x768 at 96 dpi, from the JSON screen list that Qt's offscreen plugin reads (a temporary file, removed
// afterwards); on a real display the display's own screen. Use as
//     int main(int argc, char* argv[]) { return tb::test::runOnLaptopScreen<TestFoo>(argc, argv); }
#pragma once

#include <QApplication>
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QTest>

#include <unistd.h>

namespace tb::test {

template <class TestClass>
int runOnLaptopScreen(int argc, char* argv[])
{
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    const QString config = QDir::temp().filePath(QStringLiteral("tb-laptop-screen-%1.json").arg(getpid()));
    if (platform == "offscreen") {
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly) ||
            file.write(R"({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
                          "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1.0}]})") < 0)
            qFatal("cannot write %s", qPrintable(config));
        file.close();
        qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + QFile::encodeName(config));
    }
    int result = 0;
    {
        QApplication app(argc, argv);
        TestClass test;
        result = QTest::qExec(&test, argc, argv);
    }
    QFile::remove(config);
    return result;
}

} // namespace tb::test
