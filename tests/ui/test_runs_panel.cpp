// SPDX-License-Identifier: MIT
#include "core/train/trainer.h" // torch before any Qt header (Qt's `slots` macro)
#include "tests/bridge/session_fixtures.h"
#include "core/common/atomic_file.h"
#include "core/io/metrics_export.h"
#include "ui/panels/runs_panel.h"
#include "ui/panels/runs_table_model.h"
#include "tests/ui/ui_test_support.h"

#include <qcustomplot.h>

#include <QtTest/QtTest>

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSvgRenderer>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>

#include <cmath>

using tb::core::MetricPoint;
using tb::core::RunRecord;
using tb::core::RunStatus;
using tb::ui::RunsPanel;
using tb::ui::RunsTableModel;

using tb::test::darkPalette;
using tb::test::outputDir;

namespace {

RunRecord makeRun(const std::string& id, const std::string& name, RunStatus status, const tb::core::RunConfig& config,
                  std::optional<double> best, const std::string& created)
{
    RunRecord r;
    r.id = id;
    r.name = name;
    r.status = status;
    r.configYaml = tb::core::toYaml(config);
    r.createdAt = created;
    r.bestValLoss = best;
    r.steps = 400;
    r.maxSteps = 500;
    r.wallSeconds = 95;
    return r;
}

/// Five runs: three comparable pretraining runs (a, b, c) plus a failed and an interrupted one.
std::vector<RunRecord> makeRuns()
{
    tb::core::RunConfig base;
    base.data.corpus = "/data/demo.txt";
    tb::core::RunConfig lr = base;
    lr.train.learningRate = 3e-3;
    tb::core::RunConfig deep = base;
    deep.model.nLayer = 8;
    deep.model.dropout = 0.2;
    std::vector<RunRecord> runs{
        makeRun("r-a", "baseline", RunStatus::Completed, base, 1.52, "2026-11-29T10:00:00Z"),
        makeRun("r-b", "high lr", RunStatus::Stopped, lr, 1.31, "2026-11-29T11:00:00Z"),
        makeRun("r-c", "deep, \"dropout\"", RunStatus::Running, deep, std::nullopt, "2026-11-29T12:00:00Z"),
        makeRun("r-d", "diverged", RunStatus::Failed, lr, 2.75, "2026-11-29T09:00:00Z"),
        makeRun("r-e", "killed", RunStatus::Interrupted, base, 1.9, "2026-11-29T08:00:00Z"),
    };
    runs[3].error = "loss became NaN at step 120";
    return runs;
}

/// Synthetic curves: train loss every step, val loss every 10 steps; the run id shifts the curve.
std::vector<MetricPoint> curves(const std::string& id)
{
    const double shift = 0.3 * (id.back() - 'a');
    std::vector<MetricPoint> points;
    for (int64_t s = 1; s <= 60; ++s) {
        MetricPoint p;
        p.step = s;
        p.loss = 4.0 * std::exp(-double(s) / 25.0) + 1.0 + shift;
        p.learningRate = 1e-3;
        p.elapsedSeconds = 0.1 * double(s);
        p.tokensSeen = 256 * s;
        points.push_back(p);
        if (s % 10 == 0) {
            MetricPoint e;
            e.step = s;
            e.evalLoss = *p.loss + 0.15;
            e.elapsedSeconds = p.elapsedSeconds;
            e.tokensSeen = p.tokensSeen;
            points.push_back(e);
        }
    }
    return points;
}

int viewRowOf(const RunsPanel& panel, const QString& id)
{
    const QAbstractItemModel* m = panel.table()->model();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, 0).data(RunsTableModel::kIdRole).toString() == id)
            return r;
    return -1;
}

QString cell(const RunsPanel& panel, const QString& id, int column, int role = Qt::DisplayRole)
{
    const QAbstractItemModel* m = panel.table()->model();
    return m->index(viewRowOf(panel, id), column).data(role).toString();
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestRunsPanel : public QObject {
    Q_OBJECT
private slots:
    // Export model: the one selected, finished run's weights as model.safetensors + config.json (through
    // core/io/model_export, whose own tests check the contents); refusals name the reason.
    void exportsTheSelectedRunsModel()
    {
        QTemporaryDir dir;
        tb::core::RunConfig c = tb::test::tinyConfig(dir, tb::test::writeCorpus(dir));
        c.train.maxSteps = 4;
        c.train.evalInterval = 4;
        const QString runDir = dir.filePath(QStringLiteral("run"));
        tb::core::TrainingObserver quiet;
        QVERIFY(tb::core::Trainer::create(c, runDir.toStdString())->run(quiet).outcome ==
                tb::core::TrainOutcome::Completed);
        RunRecord run = makeRun("r-x", "tiny", RunStatus::Completed, c, 3.0, "2026-11-29T12:00:00Z");
        run.runDir = runDir.toStdString();
        RunRecord other = makeRun("r-y", "other", RunStatus::Completed, c, 3.1, "2026-11-29T12:01:00Z");
        RunsPanel panel;
        panel.setRuns({run, other});

        QString error;
        QVERIFY(!panel.exportModel(dir.filePath("out"), false, nullptr, &error)); // nothing selected
        QVERIFY2(error.contains("one run"), qPrintable(error));
        panel.selectRuns({"r-x", "r-y"});
        QVERIFY(!panel.exportModel(dir.filePath("out"), false, nullptr, &error));
        panel.selectRuns({"r-x"});
        QVERIFY(!panel.exportModel(dir.filePath("out"), true, nullptr, &error)); // not a LoRA run
        QVERIFY2(error.contains("LoRA") && error.contains("pretrain"), qPrintable(error));
        QVERIFY(!QDir(dir.filePath("out")).exists());

        QStringList files;
        QVERIFY2(panel.exportModel(dir.filePath("out"), false, &files, &error), qPrintable(error));
        QCOMPARE(files.size(), 2);
        QVERIFY(QFileInfo(dir.filePath("out/model.safetensors")).size() > 4 * 1000);
        QFile config(dir.filePath("out/config.json"));
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(config.readAll()).object();
        QCOMPARE(json.value("n_layer").toInt(), 2);
        QCOMPARE(json.value("n_embd").toInt(), 32);

        run.status = RunStatus::Running;
        panel.updateRun(run);
        panel.selectRuns({"r-x"});
        QVERIFY(!panel.exportModel(dir.filePath("out2"), false, nullptr, &error));
        QVERIFY2(error.contains("still training"), qPrintable(error));
    }

    void lineageAndFineTuningColumns()
    {
        std::vector<RunRecord> runs = makeRuns();
        tb::core::RunConfig sft;
        sft.method = "lora";
        RunRecord tuned = makeRun("r-f", "identity lora", RunStatus::Completed, sft, 0.42, "2026-11-29T13:00:00Z");
        tuned.method = "lora";
        tuned.parentRunId = "r-a";
        tuned.parentCheckpoint = "/p/runs/r-a/checkpoints/best.safetensors";
        tuned.parameterCount = 809856;
        tuned.trainableParameters = 73728;
        tuned.forgettingBefore = 8.0;
        tuned.forgettingAfter = 9.614;
        runs.push_back(tuned);
        RunRecord orphan = tuned; // its parent was deleted: the id stands in for the name
        orphan.id = "r-g";
        orphan.name = "orphan";
        orphan.parentRunId = "r-zz";
        orphan.forgettingAfter.reset();
        runs.push_back(orphan);
        runs[0].parameterCount = 809856;
        runs[0].trainableParameters = 809856;

        RunsPanel panel;
        panel.setRuns(runs);
        QCOMPARE(panel.table()->model()->headerData(RunsTableModel::Parent, Qt::Horizontal).toString(), QString("Parent"));
        QCOMPARE(cell(panel, "r-f", RunsTableModel::Parent), QString("baseline"));
        QCOMPARE(cell(panel, "r-f", RunsTableModel::Method), QString("lora"));
        QCOMPARE(cell(panel, "r-f", RunsTableModel::Trainable), QString("74 k"));
        QCOMPARE(cell(panel, "r-f", RunsTableModel::Forgetting), QString("8.00 → 9.61"));
        QVERIFY(cell(panel, "r-f", RunsTableModel::Parent, Qt::ToolTipRole).contains("best.safetensors"));
        QVERIFY(cell(panel, "r-f", RunsTableModel::Trainable, Qt::ToolTipRole).contains("74 k of 0.81 M parameters trained (9.1%)"));
        QCOMPARE(cell(panel, "r-g", RunsTableModel::Parent), QString("r-zz"));
        QCOMPARE(cell(panel, "r-g", RunsTableModel::Forgetting), QString("8.00 → ?"));
        QCOMPARE(cell(panel, "r-a", RunsTableModel::Parent), QString("—"));
        QCOMPARE(cell(panel, "r-a", RunsTableModel::Trainable), QString("0.81 M"));
        QCOMPARE(cell(panel, "r-a", RunsTableModel::Forgetting), QString("—"));
        QCOMPARE(cell(panel, "r-b", RunsTableModel::Trainable), QString("—"));

        // Sorting by forgetting puts the run with a measured rise first.
        panel.table()->sortByColumn(RunsTableModel::Forgetting, Qt::AscendingOrder);
        QCOMPARE(viewRowOf(panel, "r-f"), 0);

        // The detail view of a fine-tuned run names its parent and checkpoint.
        QVERIFY(panel.detailsText().isEmpty());
        panel.selectRuns({"r-f"});
        const QString details = panel.detailsText();
        QVERIFY2(details.contains("Fine-tuned from <b>baseline</b> at checkpoint /p/runs/r-a/checkpoints/best.safetensors"),
                 qPrintable(details));
        QVERIFY2(details.contains("Trainable: 74 k of 0.81 M parameters (9.1%)"), qPrintable(details));
        QVERIFY2(details.contains("8.00 → 9.61"), qPrintable(details));
        panel.selectRuns({"r-a"});
        QVERIFY2(panel.detailsText().contains("Trained from scratch"), qPrintable(panel.detailsText()));
        QVERIFY(!panel.detailsText().contains("Fine-tuned"));
        panel.selectRuns({"r-a", "r-f"});
        QVERIFY(panel.detailsText().isEmpty());

        panel.resize(1300, 520);
        panel.selectRuns({"r-f"});
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(panel.grab().save(outputDir() + "/runs_panel_lineage.png"));
    }

    void rowsShowStatusAndValues()
    {
        RunsPanel panel;
        panel.setRuns(makeRuns());
        QCOMPARE(panel.table()->model()->rowCount(), 5);
        QCOMPARE(cell(panel, "r-a", RunsTableModel::Status), QString("Completed"));
        QCOMPARE(cell(panel, "r-b", RunsTableModel::Status), QString("Stopped"));
        QCOMPARE(cell(panel, "r-c", RunsTableModel::Status), QString("Running"));
        QCOMPARE(cell(panel, "r-d", RunsTableModel::Status), QString("Failed"));
        QCOMPARE(cell(panel, "r-e", RunsTableModel::Status), QString("Interrupted"));
        QVERIFY(cell(panel, "r-d", RunsTableModel::Status, Qt::ToolTipRole).contains("loss became NaN at step 120"));
        QCOMPARE(cell(panel, "r-a", RunsTableModel::BestValLoss), QString("1.5200"));
        QCOMPARE(cell(panel, "r-c", RunsTableModel::BestValLoss), QString("—"));
        QCOMPARE(cell(panel, "r-a", RunsTableModel::Duration), QString("1 min 35 s"));
        QCOMPARE(cell(panel, "r-a", RunsTableModel::Steps), QString("400 / 500"));
        QCOMPARE(cell(panel, "r-a", RunsTableModel::Method), QString("pretrain"));
        QCOMPARE(cell(panel, "r-c", RunsTableModel::Name), QString("deep, \"dropout\""));
        // Every status has its own icon.
        QList<QImage> icons;
        for (const char* id : {"r-a", "r-b", "r-c", "r-d", "r-e"}) {
            const QModelIndex i = panel.table()->model()->index(viewRowOf(panel, id), RunsTableModel::Status);
            const QImage img = i.data(Qt::DecorationRole).value<QIcon>().pixmap(14, 14).toImage();
            QVERIFY(!img.isNull());
            for (const QImage& other : icons)
                QVERIFY(img != other);
            icons << img;
        }
        // Newest first by default; best val loss sorts numerically with missing values last.
        QCOMPARE(viewRowOf(panel, "r-c"), 0);
        panel.table()->sortByColumn(RunsTableModel::BestValLoss, Qt::AscendingOrder);
        QCOMPARE(viewRowOf(panel, "r-b"), 0);
        QCOMPARE(viewRowOf(panel, "r-d"), 3);
        QCOMPARE(viewRowOf(panel, "r-c"), 4);
    }

    void setRunsAndUpdateRunKeepTheSelection()
    {
        RunsPanel panel;
        panel.setRuns(makeRuns());
        panel.selectRuns({"r-b", "r-e"});
        QCOMPARE(panel.selectedRunIds().size(), 2);
        auto runs = makeRuns();
        runs.erase(runs.begin()); // r-a is gone
        runs[0].name = "high lr (renamed)";
        panel.setRuns(runs);
        QCOMPARE(panel.table()->model()->rowCount(), 4);
        QStringList ids = panel.selectedRunIds();
        ids.sort();
        QCOMPARE(ids, QStringList({"r-b", "r-e"}));

        RunRecord c = runs[1];
        c.status = RunStatus::Completed;
        c.steps = 500;
        c.bestValLoss = 1.1;
        panel.updateRun(c);
        QCOMPARE(cell(panel, "r-c", RunsTableModel::Status), QString("Completed"));
        QCOMPARE(cell(panel, "r-c", RunsTableModel::Steps), QString("500 / 500"));
        ids = panel.selectedRunIds();
        ids.sort();
        QCOMPARE(ids, QStringList({"r-b", "r-e"}));

        RunRecord fresh = runs[0];
        fresh.id = "r-f";
        fresh.createdAt = "2026-11-29T13:00:00Z";
        panel.updateRun(fresh);
        QCOMPARE(panel.table()->model()->rowCount(), 5);
        QCOMPARE(viewRowOf(panel, "r-f"), 0);
        QCOMPARE(panel.selectedRunIds().size(), 2);

        panel.removeRun("r-e");
        QCOMPARE(panel.table()->model()->rowCount(), 4);
        QCOMPARE(panel.selectedRunIds(), QStringList({"r-b"}));
    }

    void twoRunsOverlayCurvesAndDiff()
    {
        RunsPanel panel;
        QStringList asked;
        panel.setMetricsProvider([&](const std::string& id) {
            asked << QString::fromStdString(id);
            return curves(id);
        });
        panel.setRuns(makeRuns());
        QCOMPARE(panel.plot()->graphCount(), 0);
        QVERIFY(panel.configDiff().empty());

        panel.selectRuns({"r-a", "r-b"});
        // Two runs: a train line and a val scatter each, in two colours, two legend entries with the run names.
        QCOMPARE(panel.plot()->graphCount(), 4);
        QCOMPARE(panel.plot()->legend->itemCount(), 2);
        QStringList legend;
        for (int i = 0; i < panel.plot()->graphCount(); ++i) {
            QCPGraph* g = panel.plot()->graph(i);
            if (panel.plot()->legend->hasItemWithPlottable(g))
                legend << g->name();
        }
        legend.sort();
        QCOMPARE(legend, QStringList({"baseline", "high lr"}));
        int lines = 0, scatters = 0;
        QSet<QRgb> colours;
        for (int i = 0; i < panel.plot()->graphCount(); ++i) {
            QCPGraph* g = panel.plot()->graph(i);
            if (g->lineStyle() == QCPGraph::lsNone) {
                ++scatters;
                QCOMPARE(g->dataCount(), 6);
            } else {
                ++lines;
                QCOMPARE(g->dataCount(), 60);
                colours.insert(g->pen().color().rgb());
            }
        }
        QCOMPARE(lines, 2);
        QCOMPARE(scatters, 2);
        QCOMPARE(colours.size(), 2);
        // The train curve of r-b is r-a's shifted by 0.3 (the provider's data reached the plot).
        QCPGraph* trainA = nullptr;
        QCPGraph* trainB = nullptr;
        for (int i = 0; i < panel.plot()->graphCount(); ++i) {
            if (panel.plot()->graph(i)->name() == "baseline")
                trainA = panel.plot()->graph(i);
            if (panel.plot()->graph(i)->name() == "high lr")
                trainB = panel.plot()->graph(i);
        }
        QVERIFY(trainA && trainB);
        QCOMPARE(trainB->data()->at(10)->value - trainA->data()->at(10)->value, 0.3);

        // Only the learning rate differs between a and b.
        QCOMPARE(panel.configDiff().size(), size_t(1));
        QCOMPARE(QString::fromStdString(panel.configDiff()[0].key), QString("train.learning_rate"));
        QCOMPARE(panel.diffTable()->rowCount(), 1);
        QCOMPARE(panel.diffTable()->columnCount(), 3);
        QCOMPARE(panel.diffTable()->item(0, 0)->text(), QString("train.learning_rate"));
        QStringList values{panel.diffTable()->item(0, 1)->text(), panel.diffTable()->item(0, 2)->text()};
        values.sort();
        QCOMPARE(values, QStringList({"0.001", "0.003"}));

        // Three runs: lr, n_layer and dropout differ.
        panel.selectRuns({"r-a", "r-b", "r-c"});
        QCOMPARE(panel.plot()->graphCount(), 6);
        QStringList keys;
        for (const auto& row : panel.configDiff())
            keys << QString::fromStdString(row.key);
        QCOMPARE(keys, QStringList({"model.n_layer", "model.dropout", "train.learning_rate"}));
        QCOMPARE(panel.diffTable()->columnCount(), 4);

        // Each run's curves were read once; an update of a selected run re-reads only that run.
        asked.sort();
        QCOMPARE(asked, QStringList({"r-a", "r-b", "r-c"}));
        asked.clear();
        RunRecord c = makeRuns()[2];
        c.steps = 450;
        panel.updateRun(c);
        QCOMPARE(asked, QStringList({"r-c"}));
        panel.updateRun(makeRuns()[4]); // not selected: nothing to read
        QCOMPARE(asked, QStringList({"r-c"}));
    }

    void coloursStayWithTheirRuns()
    {
        // A run keeps its colour whatever else is selected (its place in the creation order picks it).
        RunsPanel panel;
        panel.setMetricsProvider(curves);
        panel.setRuns(makeRuns());
        const auto trainColour = [&](const QString& name) {
            for (int i = 0; i < panel.plot()->graphCount(); ++i)
                if (panel.plot()->graph(i)->name() == name)
                    return panel.plot()->graph(i)->pen().color();
            return QColor();
        };
        panel.selectRuns({"r-a", "r-b"});
        const QColor a = trainColour("baseline"), b = trainColour("high lr");
        QVERIFY(a.isValid() && b.isValid() && a != b);
        QCOMPARE(a, panel.runColor("r-a"));
        panel.selectRuns({"r-b"});
        QCOMPARE(trainColour("high lr"), b);
        panel.selectRuns({"r-c", "r-b", "r-a"});
        QCOMPARE(trainColour("baseline"), a);
        QCOMPARE(trainColour("high lr"), b);
        // The diff table's column swatches use the same colours.
        QCOMPARE(panel.diffTable()->columnCount(), 4);
        // Five runs, five different colours.
        QSet<QRgb> all;
        for (const char* id : {"r-a", "r-b", "r-c", "r-d", "r-e"})
            all.insert(panel.runColor(id).rgb());
        QCOMPARE(all.size(), 5);
    }

    void liveRunFollowsPause()
    {
        // The running run (r-c, 400 of 500 steps in the registry) as the session reports it.
        RunsPanel panel;
        panel.setRuns(makeRuns());
        const QAbstractItemModel* m = panel.table()->model();
        const auto cell = [&](int column) {
            for (int row = 0; row < m->rowCount(); ++row)
                if (m->index(row, 0).data(RunsTableModel::kIdRole).toString() == "r-c")
                    return m->index(row, column).data().toString();
            return QString();
        };
        QCOMPARE(cell(RunsTableModel::Status), QString("Running"));
        panel.setLiveProgress("r-c", 426, false);
        QCOMPARE(cell(RunsTableModel::Status), QString("Running"));
        QCOMPARE(cell(RunsTableModel::Steps), QString("426 / 500"));
        panel.setLiveProgress("r-c", 431, true);
        QCOMPARE(cell(RunsTableModel::Status), QString("Paused"));
        QCOMPARE(cell(RunsTableModel::Steps), QString("431 / 500"));
        panel.setRuns(makeRuns()); // a registry refresh does not undo it
        QCOMPARE(cell(RunsTableModel::Status), QString("Paused"));
        // Only a running run is live: once the registry says stopped, the registry's row shows.
        std::vector<RunRecord> runs = makeRuns();
        runs[2].status = RunStatus::Stopped;
        runs[2].steps = 431;
        panel.setRuns(runs);
        QCOMPARE(cell(RunsTableModel::Status), QString("Stopped"));
        panel.setLiveProgress({}, 0, false);
        QCOMPARE(cell(RunsTableModel::Steps), QString("431 / 500"));
    }

    void renameThroughF2Editor()
    {
        RunsPanel panel;
        panel.setRuns(makeRuns());
        panel.resize(900, 600);
        panel.show();
        QVERIFY(QTest::qWaitForWindowActive(&panel));
        QSignalSpy spy(&panel, &RunsPanel::renameRequested);
        panel.selectRuns({"r-b"});
        panel.table()->setFocus();
        QTest::keyClick(panel.table(), Qt::Key_F2);
        auto* editor = qobject_cast<QLineEdit*>(QApplication::focusWidget());
        QVERIFY(editor != nullptr);
        QCOMPARE(editor->text(), QString("high lr"));
        editor->selectAll();
        QTest::keyClicks(editor, "lr 3e-3");
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(spy.count(), 1); // the delegate commits through a queued call
        QCOMPARE(spy.at(0).at(0).toString(), QString("r-b"));
        QCOMPARE(spy.at(0).at(1).toString(), QString("lr 3e-3"));
        QCOMPARE(cell(panel, "r-b", RunsTableModel::Name), QString("lr 3e-3"));

        // An empty or unchanged name is no rename.
        auto* model = panel.table()->model();
        const QModelIndex name = model->index(viewRowOf(panel, "r-b"), RunsTableModel::Name);
        QVERIFY(!model->setData(name, "   "));
        QVERIFY(!model->setData(name, "lr 3e-3"));
        QCOMPARE(spy.count(), 1);
    }

    void deleteAsksFirst()
    {
        RunsPanel panel;
        panel.setRuns(makeRuns());
        QSignalSpy spy(&panel, &RunsPanel::deleteRequested);
        bool answer = false;
        QStringList questions;
        panel.setConfirmFunction([&](const QString&, const QString& text) {
            questions << text;
            return answer;
        });
        panel.selectRuns({"r-d"});
        panel.requestDelete();
        QCOMPARE(questions.size(), 1);
        QVERIFY(questions.front().contains("diverged"));
        QCOMPARE(spy.count(), 0); // cancelled

        answer = true;
        panel.requestDelete();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QString("r-d"));

        panel.selectRuns({"r-a", "r-e"});
        panel.requestDelete();
        QCOMPARE(questions.size(), 3);
        QVERIFY(questions.back().contains("baseline") && questions.back().contains("killed"));
        QCOMPARE(spy.count(), 3);

        // A running run cannot be deleted: no question, no signal.
        panel.selectRuns({"r-a", "r-c"});
        panel.requestDelete();
        QCOMPARE(questions.size(), 3);
        QCOMPARE(spy.count(), 3);
    }

    void resumeAndOpen()
    {
        RunsPanel panel;
        panel.setRuns(makeRuns());
        QSignalSpy resume(&panel, &RunsPanel::resumeRequested);
        QSignalSpy open(&panel, &RunsPanel::openRequested);
        for (const char* id : {"r-a", "r-c", "r-d"}) { // completed, running, failed: nothing to resume
            panel.selectRuns({QString(id)});
            panel.requestResume();
        }
        QCOMPARE(resume.count(), 0);
        panel.selectRuns({"r-e"});
        panel.requestResume();
        panel.selectRuns({"r-b"});
        panel.requestResume();
        QCOMPARE(resume.count(), 2);
        QCOMPARE(resume.at(0).at(0).toString(), QString("r-e"));
        QCOMPARE(resume.at(1).at(0).toString(), QString("r-b"));

        // A running run that gets interrupted becomes resumable while it stays selected.
        panel.selectRuns({"r-c"});
        panel.requestResume();
        QCOMPARE(resume.count(), 2);
        RunRecord c = makeRuns()[2];
        c.status = RunStatus::Interrupted;
        panel.updateRun(c);
        panel.requestResume();
        QCOMPARE(resume.count(), 3);
        QCOMPARE(resume.at(2).at(0).toString(), QString("r-c"));

        panel.selectRuns({"r-b"});
        panel.requestOpen();
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.at(0).at(0).toString(), QString("r-b"));
        panel.selectRuns({"r-a", "r-b"}); // Open needs exactly one run
        panel.requestOpen();
        QCOMPARE(open.count(), 1);
    }

    void exportsCsvAndPlots()
    {
        RunsPanel panel;
        panel.setMetricsProvider(curves);
        panel.setRuns(makeRuns());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QString error;
        QVERIFY(!panel.exportCsv(dir.filePath("none.csv"), &error)); // nothing selected
        QVERIFY(error.contains("Select"));

        panel.selectRuns({"r-a", "r-c"});
        QVERIFY2(panel.exportCsv(dir.filePath("curves.csv"), &error), qPrintable(error));
        const auto rows = tb::core::parseCsv(readAll(dir.filePath("curves.csv")).toStdString());
        QCOMPARE(rows.size(), size_t(1 + 2 * 66));
        QCOMPARE(QString::fromStdString(rows[0][0]), QString("run"));
        QCOMPARE(QString::fromStdString(rows[0][3]), QString("eval_loss"));
        QStringList names;
        for (size_t i = 1; i < rows.size(); ++i)
            if (!names.contains(QString::fromStdString(rows[i][0])))
                names << QString::fromStdString(rows[i][0]);
        names.sort();
        QCOMPARE(names, QStringList({"baseline", "deep, \"dropout\""}));
        QVERIFY(readAll(dir.filePath("curves.csv")).contains("\"deep, \"\"dropout\"\"\",10,,"));

        panel.selectRuns({"r-b"});
        QVERIFY(panel.exportCsv(dir.filePath("one.csv")));
        QVERIFY(readAll(dir.filePath("one.csv")).startsWith("step,loss,eval_loss,"));

        panel.selectRuns({"r-a", "r-b"});
        QVERIFY2(panel.exportPlot(dir.filePath("plot.png"), QSize(640, 400), &error), qPrintable(error));
        const QImage png(dir.filePath("plot.png"));
        QVERIFY(!png.isNull());
        QCOMPARE(png.size(), QSize(640, 400));

        QVERIFY2(panel.exportPlot(dir.filePath("plot.svg"), QSize(640, 400), &error), qPrintable(error));
        const QByteArray svg = readAll(dir.filePath("plot.svg"));
        QVERIFY(svg.startsWith("<?xml"));
        QVERIFY(svg.contains("<svg"));
        QVERIFY(svg.contains("baseline")); // the legend's text is in the vector file
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBox(), QRect(0, 0, 640, 400));

        QVERIFY2(panel.exportPlot(dir.filePath("plot.PDF"), QSize(640, 400), &error), qPrintable(error));
        const QByteArray pdf = readAll(dir.filePath("plot.PDF"));
        QVERIFY(pdf.startsWith("%PDF"));
        QVERIFY(pdf.size() > 1000);
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));

        // No size asked: a 16:10 figure whatever the panel's shape, with a title naming the runs.
        panel.resize(1240, 220);
        QVERIFY2(panel.exportPlot(dir.filePath("default.svg"), {}, &error), qPrintable(error));
        const QByteArray titled = readAll(dir.filePath("default.svg"));
        QCOMPARE(QSvgRenderer(titled).viewBox(), QRect(QPoint(0, 0), RunsPanel::kExportSize));
        QVERIFY(titled.contains("Loss curves: high lr, baseline")); // in the table's order (newest first)
        QCOMPARE(panel.plot()->plotLayout()->rowCount(), 1); // the title is for the file only
        QVERIFY(!panel.exportPlot(dir.filePath("plot.gif"), {}, &error));
        QVERIFY(error.contains("gif"));
        QVERIFY(!QFile::exists(dir.filePath("plot.gif")));
        QVERIFY(QDir(dir.path()).mkdir("taken.png")); // a folder cannot be replaced by the plot
        QVERIFY(!panel.exportPlot(dir.filePath("taken.png"), {}, &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 6); // no temporary files left behind
    }

    void followsDarkPaletteAndSavesScreenshots()
    {
        RunsPanel panel;
        panel.setMetricsProvider(curves);
        panel.setRuns(makeRuns());
        panel.resize(1200, 760);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.selectRuns({"r-a", "r-b", "r-c"});
        panel.plot()->replot();
        const QImage light = panel.grab().toImage();
        QVERIFY(light.save(outputDir() + "/runs_panel.png"));
        QVERIFY(panel.exportPlot(outputDir() + "/runs_plot_export.png", QSize(800, 500)));
        QCOMPARE(QImage(outputDir() + "/runs_plot_export.png").size(), QSize(800, 500));

        const QPalette dark = darkPalette();
        panel.setPalette(dark);
        panel.plot()->replot();
        const QImage plotShot = panel.plot()->grab().toImage();
        // The plot's background follows the palette: a corner pixel is dark, the axis labels light.
        QVERIFY(QColor(plotShot.pixel(3, 3)).lightness() < 60);
        QCOMPARE(panel.plot()->xAxis->tickLabelColor(), dark.color(QPalette::WindowText));
        QVERIFY(panel.grab().toImage().save(outputDir() + "/runs_panel_dark.png"));
    }
};

QTEST_MAIN(TestRunsPanel)
#include "test_runs_panel.moc"
