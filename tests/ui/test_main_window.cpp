// SPDX-License-Identifier: MIT
// End to end through the window, offscreen: open a project and a corpus, start a short run, wait for validation
// points on the chart, stop, reopen the project in a new window and find the run and its curve. Writes
// screenshots into the test's output folder.
#include "core/io/run_config.h"
#include "core/tokenizer/tokenizer.h"
#include "ui/bridge/project.h"
#include "ui/bridge/training_session.h"
#include "ui/main_window.h"
#include "ui/panels/data_panel.h"
#include "ui/panels/dataset_view.h"
#include "ui/panels/monitor_panel.h"
#include "ui/panels/run_setup_panel.h"
#include "ui/panels/runs_panel.h"
#include "ui/panels/runs_table_model.h"
#include "ui/panels/samples_panel.h"
#include "tests/qt_test_support.h"

#include <QtTest/QtTest>

#include <QAction>
#include <QDir>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>

using tb::ui::MainWindow;
using tb::ui::MonitorPanel;

using tb::test::outputDir;

namespace {

tb::core::RunConfig shortRun(const QString& corpus)
{
    tb::core::RunConfig config = tb::core::loadRunConfig(TB_SOURCE_DIR "/resources/demo/demo.yaml");
    config.data.corpus = corpus.toStdString();
    config.model.nLayer = 2;
    config.model.nEmbd = 64;
    config.model.nHead = 4;
    config.model.blockSize = 32;
    config.train.batchSize = 8;
    config.train.maxSteps = 100000; // stopped by the test
    config.train.warmupSteps = 5;
    config.train.evalInterval = 10;
    config.train.evalIters = 2;
    config.train.threads = 1;
    return config;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings and app data go to a test location
        QSettings().clear();
    }

    void runSetupDrivesTheModelView()
    {
        // The Data panel's "As the model sees it" follows Run setup: template, loss_on, replacements, parent run.
        const QString file = TB_SHARED_DATA_DIR "/sft/identity.json";
        if (!QFileInfo::exists(file))
            QSKIP("shared data not present");
        QTemporaryDir parent;
        tb::core::TokenizerConfig bytes;
        bytes.kind = "byte";
        QFile tokenizerFile(parent.filePath("tokenizer.json"));
        QVERIFY(tokenizerFile.open(QIODevice::WriteOnly));
        tokenizerFile.write(QByteArray::fromStdString(tb::core::makeTokenizer(bytes, "")->serialize()));
        tokenizerFile.close();
        MainWindow window;
        tb::core::RunConfig config = shortRun(TB_SOURCE_DIR "/resources/demo/corpus.txt");
        config.method = "sft";
        config.initFrom = parent.path().toStdString();
        config.sft.chatTemplate = "[[user]]Q: {content}\\n[[assistant]]A: {content}\\n";
        config.sft.lossOn = "all";
        config.data.replace = {"{{name}}=TuneBench", "{{author}}=us"};
        window.runSetupPanel()->setConfig(config);
        window.dataPanel()->openCorpus(file);
        QTRY_VERIFY_WITH_TIMEOUT(!window.dataPanel()->datasetPath().isEmpty() && !window.dataPanel()->isLoading(),
                                 30000);
        const tb::ui::DatasetView* view = window.dataPanel()->datasetView();
        const QString expected = "Q: hi\nA: Hello! I am TuneBench, an AI assistant developed by us. How can I "
                                 "assist you today?\n";
        QCOMPARE(view->modelText(), expected);
        QCOMPARE(view->modelLossMask(), QString(expected.size(), QLatin1Char('1')));
        QCOMPARE(view->tokenLossFlags().size(), expected.size()); // byte tokens of ASCII text: one per character
    }

    void runsPanelFollowsPauseAndStep()
    {
        // The registry's row lags (it is rewritten at evaluations); Runs follows the session: "Paused" and the
        // step while paused, the next step after Step one batch, "Running" again after Resume.
        QTemporaryDir project;
        const QString corpus = TB_SOURCE_DIR "/resources/demo/corpus.txt";
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project.path()));
        tb::core::RunConfig config = shortRun(corpus);
        config.train.evalInterval = 1000; // no evaluation: the registry's row would stay at step 0
        window.runSetupPanel()->setConfig(config);
        window.openCorpus(corpus);
        QTRY_VERIFY_WITH_TIMEOUT(window.runSetupPanel()->canStart(), 30000);
        window.startTraining();
        const QString id = window.currentRunId();
        QTRY_VERIFY_WITH_TIMEOUT(window.monitorPanel()->pointCount(MonitorPanel::Series::TrainLoss) >= 3, 120000);

        const QAbstractItemModel* table = window.runsPanel()->table()->model();
        const auto cell = [&](int column) {
            for (int row = 0; row < table->rowCount(); ++row)
                if (table->index(row, 0).data(tb::ui::RunsTableModel::kIdRole).toString() == id)
                    return table->index(row, column).data().toString();
            return QString();
        };
        QTRY_COMPARE(cell(tb::ui::RunsTableModel::Status), QString("Running"));

        QSignalSpy paused(window.session(), &tb::ui::TrainingSession::trainingPaused);
        emit window.monitorPanel()->pauseRequested();
        QVERIFY(paused.wait(30000));
        const qint64 step = paused.first().at(0).toLongLong();
        QVERIFY(step >= 3);
        QCOMPARE(cell(tb::ui::RunsTableModel::Status), QString("Paused"));
        QVERIFY2(cell(tb::ui::RunsTableModel::Steps).startsWith(QStringLiteral("%L1 / ").arg(step)),
                 qPrintable(cell(tb::ui::RunsTableModel::Steps)));
        QVERIFY(window.monitorPanel()->statusText().contains(QStringLiteral("Paused after step %1").arg(step)));

        emit window.monitorPanel()->stepRequested();
        QVERIFY(paused.wait(30000));
        QCOMPARE(paused.last().at(0).toLongLong(), step + 1);
        QCOMPARE(cell(tb::ui::RunsTableModel::Status), QString("Paused"));
        QVERIFY(cell(tb::ui::RunsTableModel::Steps).startsWith(QStringLiteral("%L1 / ").arg(step + 1)));

        emit window.monitorPanel()->resumeRequested();
        QCOMPARE(cell(tb::ui::RunsTableModel::Status), QString("Running"));
        QTRY_VERIFY_WITH_TIMEOUT(window.monitorPanel()->pointCount(MonitorPanel::Series::TrainLoss) >= 8, 60000);
        QSignalSpy finished(window.session(), &tb::ui::TrainingSession::finished);
        emit window.monitorPanel()->stopRequested();
        QVERIFY(finished.wait(60000) || !finished.isEmpty());
        QTRY_COMPARE(cell(tb::ui::RunsTableModel::Status), QString("Stopped"));
    }

    void startShortcutIsF5()
    {
        // The Run menu shows F5 for Start, as the README and the Monitor say; Ctrl+Return still works.
        MainWindow window;
        QAction* start = nullptr;
        for (QAction* menu : window.menuBar()->actions())
            if (menu->menu())
                for (QAction* a : menu->menu()->actions())
                    if (a->text() == QStringLiteral("&Start"))
                        start = a;
        QVERIFY(start);
        QCOMPARE(start->shortcut(), QKeySequence(QStringLiteral("F5")));
        QVERIFY(start->shortcuts().contains(QKeySequence(QStringLiteral("Ctrl+Return"))));
    }

    void trainsStopsAndReopens()
    {
        QTemporaryDir project;
        QVERIFY(project.isValid());
        const QString corpus = TB_SOURCE_DIR "/resources/demo/corpus.txt";
        QString runId;
        {
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QVERIFY(window.openProject(project.path()));
            window.runSetupPanel()->setConfig(shortRun(corpus));
            window.openCorpus(corpus);
            QTRY_VERIFY_WITH_TIMEOUT(window.dataPanel()->stats().has_value(), 30000);
            QTRY_VERIFY_WITH_TIMEOUT(window.runSetupPanel()->canStart(), 10000);

            QSignalSpy finished(window.session(), &tb::ui::TrainingSession::finished);
            QSignalSpy failed(window.session(), &tb::ui::TrainingSession::failed);
            window.startTraining();
            runId = window.currentRunId();
            QVERIFY(!runId.isEmpty());
            QTRY_VERIFY_WITH_TIMEOUT(window.monitorPanel()->pointCount(MonitorPanel::Series::ValLoss) >= 3, 120000);
            // Live steps are throttled to 20 Hz by the bridge, so only some reach the chart.
            QVERIFY(window.monitorPanel()->pointCount(MonitorPanel::Series::TrainLoss) >= 3);
            QVERIFY(window.samplesPanel()->entryCount() >= 1);
            QVERIFY(failed.isEmpty());

            QTest::qWait(300); // let the coalesced replots happen
            QVERIFY(window.grab().save(outputDir() + "/workbench_training.png"));
            emit window.monitorPanel()->stopRequested();
            QVERIFY(finished.wait(60000) || !finished.isEmpty());
            QCOMPARE(finished.first().at(0).value<tb::core::TrainOutcome>(), tb::core::TrainOutcome::Stopped);
            QTRY_COMPARE(window.runsPanel()->table()->model()->rowCount(), 1);
        }
        {
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QVERIFY(window.openProject(project.path()));
            const auto runs = window.project()->runs();
            QCOMPARE(int(runs.size()), 1);
            QCOMPARE(QString::fromStdString(runs[0].id), runId);
            QVERIFY(runs[0].status == tb::core::RunStatus::Stopped);
            QCOMPARE(window.runsPanel()->table()->model()->rowCount(), 1);
            window.openRun(runId);
            QVERIFY(window.monitorPanel()->pointCount(MonitorPanel::Series::ValLoss) >= 3);
            QVERIFY(window.monitorPanel()->pointCount(MonitorPanel::Series::TrainLoss) >= 20);
            window.runsPanel()->selectRuns({runId});
            QCOMPARE(window.runsPanel()->selectedRunIds(), QStringList{runId});
            QTest::qWait(300);
            QVERIFY(window.grab().save(outputDir() + "/workbench_reopened.png"));
        }
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
