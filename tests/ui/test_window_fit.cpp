// SPDX-License-Identifier: MIT
// The window on a laptop screen: on the offscreen platform with a 1366 x 768 screen (set up in main() below) the
// window opens inside the screen's available area, and after a pretraining run and a fine-tuning run (tiny, through
// the window) its minimum size fits 1366 x 768 and 1280 x 720, every shown dock lies inside the window at both sizes,
// no panel is squeezed below its own minimum (clipped buttons), and a finished run's summary stays one line.
// A long run name and a DPO run's numbers do not widen it either. Screenshots of each state at both sizes go to the
// test's output folder.
#include "core/io/run_config.h"
#include "core/store/run_records.h"
#include "tests/qt_test_support.h"
#include "tests/ui/laptop_screen_main.h"
#include "ui/bridge/project.h"
#include "ui/bridge/training_session.h"
#include "ui/main_window.h"
#include "ui/panels/data_panel.h"
#include "ui/panels/monitor_panel.h"
#include "ui/panels/run_setup_panel.h"
#include "ui/panels/runs_panel.h"

#include <QtTest/QtTest>

#include <QAbstractButton>
#include <QApplication>
#include <QLabel>
#include <QDockWidget>
#include <QFile>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>

#include <qcustomplot.h>

#include <unistd.h>

#include <functional>
#include <iterator>

using tb::ui::MainWindow;
using tb::ui::MonitorPanel;

using tb::test::outputDir;

namespace {

struct Target {
    QSize screen;
    const char* name;
};
const Target kTargets[] = {{{1366, 768}, "1366x768"}, {{1280, 720}, "1280x720"}};

/// The window's client size on such a screen: a desktop panel (32 px) off the screen, then the frame's allowance.
QSize clientSize(QSize screen)
{
    return MainWindow::defaultGeometry(QRect(QPoint(0, 0), screen - QSize(0, 32))).size();
}

tb::core::RunConfig pretrainRun(const QString& corpus)
{
    tb::core::RunConfig config = tb::core::loadRunConfig(TB_SOURCE_DIR "/resources/demo/demo.yaml");
    config.data.corpus = corpus.toStdString();
    config.model.nLayer = 2;
    config.model.nEmbd = 64;
    config.model.nHead = 4;
    config.model.blockSize = 32;
    config.train.batchSize = 8;
    config.train.maxSteps = 30;
    config.train.warmupSteps = 5;
    config.train.evalInterval = 10;
    config.train.evalIters = 2;
    config.train.threads = 1;
    return config;
}

/// Alpaca records in the demo corpus's alphabet.
QString writeDataset(const QTemporaryDir& dir)
{
    QByteArray json = "[";
    const char* questions[] = {"who are you", "the lighthouse", "a recipe", "the village", "say hello",
                               "who made you", "what is the sea", "a boat", "the harbour", "an old map",
                               "the keeper", "a storm"};
    for (size_t i = 0; i < std::size(questions); ++i)
        json += QByteArray(i ? "," : "") + "{\"instruction\": \"" + questions[i] +
                "\", \"input\": \"\", \"output\": \"i am the keeper of the light.\"}";
    json += "]";
    return tb::test::writeFile(dir, QStringLiteral("identity.json"), json);
}

} // namespace

class TestWindowFit : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings and app data go to a test location
        QSettings().clear();
    }

    void firstStartOpensInsideTheScreen()
    {
        const QRect available = QGuiApplication::primaryScreen()->availableGeometry();
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY2(available.contains(window.frameGeometry()),
                 qPrintable(QStringLiteral("window %1,%2 %3x%4 on a %5x%6 screen")
                                .arg(window.frameGeometry().x())
                                .arg(window.frameGeometry().y())
                                .arg(window.frameGeometry().width())
                                .arg(window.frameGeometry().height())
                                .arg(available.width())
                                .arg(available.height())));
        // On each laptop size the first-start geometry is inside the screen and not below the window's minimum
        // (else Qt would grow the window past the screen's edge).
        for (const Target& t : kTargets) {
            const QRect screen(QPoint(0, 0), t.screen);
            const QRect g = MainWindow::defaultGeometry(screen);
            QVERIFY2(screen.contains(g), t.name);
            QVERIFY2(g.width() >= window.minimumSizeHint().width() && g.height() >= window.minimumSizeHint().height(),
                     qPrintable(QStringLiteral("%1: default %2x%3 below the minimum %4x%5")
                                    .arg(t.name)
                                    .arg(g.width())
                                    .arg(g.height())
                                    .arg(window.minimumSizeHint().width())
                                    .arg(window.minimumSizeHint().height())));
        }
        // A geometry saved on a big screen is brought back inside this one.
        window.setGeometry(QRect(-300, 40, 2400, 1300));
        QSettings().setValue(QStringLiteral("window/geometry"), window.saveGeometry());
        MainWindow restored;
        restored.show();
        QVERIFY(QTest::qWaitForWindowExposed(&restored));
        QVERIFY(available.contains(restored.frameGeometry()));
        QSettings().clear();
    }

    void dumpMinimums()
    {
        if (qEnvironmentVariableIsEmpty("TB_DUMP_MINIMUMS"))
            QSKIP("set TB_DUMP_MINIMUMS=1 to list the widgets with big minimum sizes");
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        std::function<void(QWidget*, int)> dump = [&](QWidget* w, int depth) {
            const QSize m = w->minimumSizeHint().expandedTo(w->minimumSize());
            if (m.width() < 150 && m.height() < 120)
                return;
            QString text;
            if (auto* l = qobject_cast<QLabel*>(w))
                text = l->text().left(60);
            else if (auto* b = qobject_cast<QAbstractButton*>(w))
                text = b->text();
            qInfo("%s%s '%s' min %dx%d hint %dx%d %s", qPrintable(QString(depth * 2, QLatin1Char(' '))),
                  w->metaObject()->className(), qPrintable(w->objectName()), m.width(), m.height(),
                  w->sizeHint().width(), w->sizeHint().height(), qPrintable(text));
            for (QObject* c : w->children())
                if (auto* cw = qobject_cast<QWidget*>(c);
                    cw && !cw->isWindow() && (!cw->isHidden() || qobject_cast<QStackedWidget*>(w)))
                    dump(cw, depth + 1);
        };
        window.openCorpus(TB_SOURCE_DIR "/resources/demo/corpus.txt");
        QTRY_VERIFY_WITH_TIMEOUT(window.dataPanel()->stats().has_value(), 30000);
        for (QDockWidget* dock : window.findChildren<QDockWidget*>())
            dump(dock->widget(), 0);
        dump(window.centralWidget(), 0);
    }

    void fitsLaptopScreensAfterRuns()
    {
        QTemporaryDir project;
        QTemporaryDir data;
        QVERIFY(project.isValid() && data.isValid());
        const QString corpus = TB_SOURCE_DIR "/resources/demo/corpus.txt";
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project.path()));
        checkFits(window, "empty");
        if (QTest::currentTestFailed())
            return;

        // A pretraining run, completed: its summary is in the Monitor's status line.
        window.runSetupPanel()->setConfig(pretrainRun(corpus));
        window.openCorpus(corpus);
        QTRY_VERIFY_WITH_TIMEOUT(window.dataPanel()->stats().has_value(), 30000);
        runToTheEnd(window);
        if (QTest::currentTestFailed())
            return;
        const QString pretrainId = window.currentRunId();
        QVERIFY(window.monitorPanel()->statusText().startsWith("Completed 30 steps"));
        QVERIFY2(window.monitorPanel()->statusDetails().contains("whole val split"),
                 qPrintable(window.monitorPanel()->statusDetails()));
        checkFits(window, "pretrain");
        if (QTest::currentTestFailed())
            return;

        // A fine-tuning run from it (SFT), with the forgetting meter.
        tb::core::RunConfig sft = pretrainRun(corpus);
        sft.method = "sft";
        sft.initFrom = window.project()->run(pretrainId)->runDir.string();
        sft.data.train = writeDataset(data).toStdString();
        sft.data.valFraction = 0.25;
        sft.sft.skipUnspellable = false;
        sft.train.maxSteps = 20;
        sft.train.probePrompts = {"who are you"};
        window.runSetupPanel()->setConfig(sft);
        runToTheEnd(window);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(window.monitorPanel()->showsForgetting());
        checkFits(window, "finetune");
        if (QTest::currentTestFailed())
            return;

        // A very long run name, shown in Runs (selected) and in the Monitor's status.
        const QString longName = QStringLiteral("a fine-tune with a very long descriptive name ").repeated(5);
        QVERIFY(window.project()->rename(window.currentRunId(), longName));
        window.project()->refresh();
        QTRY_VERIFY(window.runsPanel()->detailsText().contains(QStringLiteral("very long")));
        checkFits(window, "long_name");
        if (QTest::currentTestFailed())
            return;

        // A DPO run's numbers: reward accuracy and margin join the read-outs, the loss axis says what it is.
        window.monitorPanel()->setRunKind(QStringLiteral("dpo"), 4);
        tb::core::EvalMetrics eval;
        eval.step = 40;
        eval.valLoss = 0.61234;
        eval.trainLoss = 0.5;
        eval.bestValLoss = 0.6;
        eval.rewardAccuracy = 0.875;
        eval.rewardMargin = 1.23456;
        eval.forgettingPerplexity = 12.5;
        window.monitorPanel()->onEval(eval);
        tb::core::RunSummary summary;
        summary.method = "dpo";
        summary.steps = 40;
        summary.wallSeconds = 4321;
        summary.finalValLoss = 0.6;
        summary.forgettingBefore = 8.0;
        summary.forgettingAfter = 12.5;
        summary.rewardAccuracy = 0.875;
        summary.rewardMargin = 1.23456;
        window.monitorPanel()->onFinished(tb::core::TrainOutcome::Completed, summary);
        window.monitorPanel()->flushReplot();
        QVERIFY(window.monitorPanel()->lossAxisLabel().startsWith("DPO loss"));
        QCOMPARE(window.monitorPanel()->lossPlot()->yAxis->label(), window.monitorPanel()->lossAxisLabel());
        QVERIFY(window.monitorPanel()->statusDetails().contains("reward accuracy 87.5%"));
        checkFits(window, "dpo");
        if (QTest::currentTestFailed())
            return;

        // Compare and Rate in the centre fit too.
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("CentreTabs"));
        QVERIFY(tabs);
        for (int i = 1; i < tabs->count(); ++i) {
            tabs->setCurrentIndex(i);
            checkFits(window, qPrintable(QStringLiteral("tab_%1").arg(tabs->tabText(i).toLower())));
        }
        tabs->setCurrentIndex(0);
    }

private:
    void runToTheEnd(MainWindow& window)
    {
        QTRY_VERIFY_WITH_TIMEOUT(window.runSetupPanel()->canStart(), 20000);
        QSignalSpy finished(window.session(), &tb::ui::TrainingSession::finished);
        QSignalSpy failed(window.session(), &tb::ui::TrainingSession::failed);
        window.startTraining();
        QVERIFY(!window.currentRunId().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 180000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().at(0).toString()));
        QCOMPARE(finished.first().at(0).value<tb::core::TrainOutcome>(), tb::core::TrainOutcome::Completed);
        QTRY_VERIFY(window.runsPanel()->selectedRunIds() == QStringList{window.currentRunId()});
    }

    /// The window's minimum size fits both laptop sizes; at each, every shown dock is inside the window, no dock
    /// or centre panel is below its own minimum, and the Monitor's status is one line. Saves a screenshot of each.
    void checkFits(MainWindow& window, const char* state)
    {
        QApplication::processEvents();
        for (const Target& t : kTargets) {
            const QSize client = clientSize(t.screen);
            const QSize minimum = window.minimumSizeHint().expandedTo(window.minimumSize());
            QVERIFY2(minimum.width() <= client.width() && minimum.height() <= client.height(),
                     qPrintable(QStringLiteral("%1 on %2: minimum %3x%4 > %5x%6%7")
                                    .arg(state, t.name)
                                    .arg(minimum.width())
                                    .arg(minimum.height())
                                    .arg(client.width())
                                    .arg(client.height())
                                    .arg(minimumsOf(window))));
            window.resize(client);
            QTest::qWait(150); // layouts settle, coalesced replots happen
            QCOMPARE(window.size(), client);
            const QRect inside = window.rect();
            int shown = 0;
            for (QDockWidget* dock : window.findChildren<QDockWidget*>()) {
                if (!dock->isVisible() || dock->isFloating() || dock->visibleRegion().isEmpty())
                    continue; // a tab behind another dock's tab
                ++shown;
                const QRect g(dock->mapTo(&window, QPoint(0, 0)), dock->size());
                QVERIFY2(inside.contains(g) && g.width() > 50 && g.height() > 50,
                         qPrintable(QStringLiteral("%1 on %2: dock %3 at %4,%5 %6x%7")
                                        .arg(state, t.name, dock->windowTitle())
                                        .arg(g.x())
                                        .arg(g.y())
                                        .arg(g.width())
                                        .arg(g.height())));
                QWidget* panel = dock->widget();
                QVERIFY2(panel->width() >= panel->minimumSizeHint().width(),
                         qPrintable(QStringLiteral("%1 on %2: %3 is %4 wide, below its minimum %5")
                                        .arg(state, t.name, dock->windowTitle())
                                        .arg(panel->width())
                                        .arg(panel->minimumSizeHint().width())));
            }
            QCOMPARE(shown, 3); // the left group's current tab, Samples and Runs
            QWidget* centre = window.centralWidget();
            QVERIFY2(centre->width() >= centre->minimumSizeHint().width() &&
                         centre->height() >= centre->minimumSizeHint().height(),
                     qPrintable(QStringLiteral("%1 on %2: the centre is %3x%4, below its minimum %5x%6")
                                    .arg(state, t.name)
                                    .arg(centre->width())
                                    .arg(centre->height())
                                    .arg(centre->minimumSizeHint().width())
                                    .arg(centre->minimumSizeHint().height())));
            // The summary is one line: the loss chart keeps its room.
            auto* status = window.monitorPanel()->findChild<QWidget*>(QStringLiteral("monitorStatus"));
            QVERIFY(status);
            QVERIFY(status->height() < 2 * status->fontMetrics().height());
            QVERIFY(window.grab().save(
                outputDir() + QStringLiteral("/window_%1_%2.png").arg(QLatin1String(state), QLatin1String(t.name))));
        }
    }

    /// For a failure message: each dock's and the centre's minimum size.
    static QString minimumsOf(const MainWindow& window)
    {
        QString out;
        for (const QDockWidget* dock : window.findChildren<QDockWidget*>())
            if (dock->isVisible())
                out += QStringLiteral("; %1 %2x%3")
                           .arg(dock->windowTitle())
                           .arg(dock->minimumSizeHint().width())
                           .arg(dock->minimumSizeHint().height());
        const QWidget* centre = window.centralWidget();
        out += QStringLiteral("; centre %1x%2").arg(centre->minimumSizeHint().width()).arg(centre->minimumSizeHint().height());
        return out;
    }
};

int main(int argc, char* argv[]) { return tb::test::runOnLaptopScreen<TestWindowFit>(argc, argv); }

#include "test_window_fit.moc"
