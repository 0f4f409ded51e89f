// SPDX-License-Identifier: MIT
#include "ui/main_window.h"

#include <QtTest/QtTest>

#include <QDir>
#include <QLabel>

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void showsAndSavesScreenshot()
    {
        tb::ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle(), QString("TuneBench"));
        QVERIFY(window.centralWidget() != nullptr);
        const QString outDir = qEnvironmentVariable("TB_TEST_OUTPUT_DIR", QDir::tempPath());
        QDir().mkpath(outDir);
        const QImage shot = window.grab().toImage();
        QVERIFY(!shot.isNull());
        QVERIFY(shot.width() >= 800);
        QVERIFY(shot.save(outDir + "/main_window.png"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
