// SPDX-License-Identifier: MIT
// The Lesson pane in the window, offscreen on a 1366 x 768 screen: the built-in supervised fine-tuning lesson walked
// from its first step to its last with tiny overrides (its two runs trained through the window's session, parents
// first, then both compared in the Compare tab), panels locked and unlocked as the steps say, Reveal, a screenshot of
// every step; the lesson resumed at its step in a new window on the same project; a broken lesson in the user's
// folder reported with file, line and field, the lesson on show staying; and the window still fitting the laptop
// screen with the pane shown.
#include "core/lesson/lesson.h"
#include "tests/qt_test_support.h"
#include "tests/ui/laptop_screen_main.h"
#include "ui/bridge/training_session.h"
#include "ui/main_window.h"
#include "ui/panels/compare_panel.h"
#include "ui/panels/data_panel.h"
#include "ui/panels/lesson_panel.h"
#include "ui/panels/run_setup_panel.h"

#include <QtTest/QtTest>

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>

#include <unistd.h>

using tb::ui::LessonPanel;
using tb::ui::MainWindow;

namespace {

const QString kLessons = QStringLiteral(TB_SOURCE_DIR "/resources/lessons");
const QString kSftLesson = kLessons + QStringLiteral("/02_supervised_fine_tuning.yaml");

/// Small enough to train in seconds on one thread; the fine-tune takes its shape from the parent.
const QStringList kTiny = {"model.n_layer=1",    "model.n_head=2",         "model.n_embd=32",
                           "model.block_size=64", "train.batch_size=4",     "train.max_steps=6",
                           "train.warmup_steps=1", "train.eval_interval=3", "train.eval_iters=1",
                           "train.threads=1",      "train.probe_tokens=8"};

void prepare(MainWindow& window, const QString& project)
{
    window.lessonPanel()->setBuiltInFolder(kLessons);
    window.lessonPanel()->setExtraOverrides(kTiny);
    QVERIFY(window.openProject(project, true));
    window.resize(MainWindow::defaultGeometry(QGuiApplication::primaryScreen()->availableGeometry()).size());
    window.show();
    window.showLessons();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
}

void screenshot(QWidget& window, const QString& name)
{
    QApplication::processEvents();
    QVERIFY(window.grab().save(QDir(tb::test::outputDir()).filePath(name)));
}

} // namespace

class TestLessonPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void walksTheFineTuningLesson()
    {
        QTemporaryDir project;
        {
            MainWindow window;
            prepare(window, project.path());
            LessonPanel* lesson = window.lessonPanel();
            QVERIFY(window.lessonDock()->isVisible());
            // The picker lists every built-in lesson by title.
            QVERIFY(lesson->picker()->count() >= 5);
            QVERIFY(lesson->picker()->findText(QStringLiteral("Supervised fine-tuning")) > 0);
            QString error;
            QVERIFY2(lesson->openLesson(kSftLesson, 0, &error), qPrintable(error));
            QCOMPARE(lesson->stepCount(), 4);

            // Step 1: Run setup and Data are locked, with a note in the dock's title.
            QVERIFY(!window.runSetupPanel()->isEnabled());
            QVERIFY(!window.dataPanel()->isEnabled());
            auto* setupDock = qobject_cast<QDockWidget*>(window.runSetupPanel()->parentWidget());
            QVERIFY(setupDock && setupDock->windowTitle().contains(QStringLiteral("locked")));
            QVERIFY(!lesson->backButton()->isEnabled());
            QCOMPARE(lesson->actionButton()->text(), QStringLiteral("Train this"));
            QVERIFY(lesson->stepMarkdown().contains(QStringLiteral("**demo base**: not trained yet")));
            screenshot(window, QStringLiteral("lesson-step1.png"));
            QTest::mouseClick(lesson->actionButton(), Qt::LeftButton);
            QVERIFY2(window.session()->isRunning(), qPrintable(lesson->statusText()));
            QVERIFY(lesson->stepMarkdown().contains(QStringLiteral("**demo base**: training now")));
            QTRY_VERIFY_WITH_TIMEOUT(lesson->runNamed(QStringLiteral("demo base")).has_value(), 120000);
            QTRY_VERIFY(!window.session()->isRunning());
            QCOMPARE(lesson->actionButton()->text(), QStringLiteral("Trained (in the project)"));
            QVERIFY(!lesson->actionButton()->isEnabled());
            QCOMPARE(lesson->statusText(), QStringLiteral("demo base is trained."));
            screenshot(window, QStringLiteral("lesson-step1-trained.png"));

            // Step 2: the fine-tune, its parent the run of step 1.
            QTest::mouseClick(lesson->nextButton(), Qt::LeftButton);
            QCOMPARE(lesson->stepIndex(), 1);
            QTest::mouseClick(lesson->actionButton(), Qt::LeftButton);
            QVERIFY2(window.session()->isRunning(), qPrintable(lesson->statusText()));
            QTRY_VERIFY_WITH_TIMEOUT(lesson->runNamed(QStringLiteral("demo tuned")).has_value(), 120000);
            QTRY_VERIFY(!window.session()->isRunning());
            const auto base = lesson->runNamed(QStringLiteral("demo base"));
            const auto tuned = lesson->runNamed(QStringLiteral("demo tuned"));
            QCOMPARE(tuned->method, std::string("sft"));
            QCOMPARE(tuned->parentRunId, base->id);
            QCOMPARE(tuned->steps, int64_t(6)); // the test's overrides came last
            QVERIFY(!lesson->revealButton()->isHidden());
            QTest::mouseClick(lesson->revealButton(), Qt::LeftButton);
            QVERIFY(lesson->stepMarkdown().contains(QStringLiteral("**Look for:**")));
            QVERIFY(lesson->textView()->toPlainText().contains(QStringLiteral("Look for:")));
            screenshot(window, QStringLiteral("lesson-step2.png"));

            // Step 3: compare both on the lesson's prompts in the Compare tab, chat template on.
            QTest::mouseClick(lesson->nextButton(), Qt::LeftButton);
            QVERIFY(lesson->stepMarkdown().contains(QStringLiteral("**Look for:**")) == false);
            QVERIFY(window.runSetupPanel()->isEnabled()); // step 3 locks nothing
            QVERIFY(!setupDock->windowTitle().contains(QStringLiteral("locked")));
            QCOMPARE(lesson->promptBox()->count(), 2);
            QCOMPARE(lesson->actionButton()->text(), QStringLiteral("Compare these"));
            QSignalSpy compared(lesson, &LessonPanel::compareStarted);
            QTest::mouseClick(lesson->actionButton(), Qt::LeftButton);
            QCOMPARE(compared.size(), 1);
            tb::ui::ComparePanel* compare = window.comparePanel();
            auto* centre = window.findChild<QTabWidget*>(QStringLiteral("CentreTabs"));
            QCOMPARE(centre->currentWidget(), static_cast<QWidget*>(compare));
            QCOMPARE(compare->columnCount(), 2);
            QCOMPARE(compare->prompt(), QStringLiteral("Who are you?"));
            QVERIFY(compare->settings().chatTemplate);
            QVERIFY(compare->settings().greedy);
            QCOMPARE(compare->models()[0].path, base->runDir.string());
            QCOMPARE(compare->models()[1].path, tuned->runDir.string());
            QTRY_VERIFY_WITH_TIMEOUT(!compare->isGenerating() && !compare->columnText(1).isEmpty(), 60000);
            QTRY_COMPARE(lesson->statusText(), QStringLiteral("Done: the outputs are in Compare."));
            screenshot(window, QStringLiteral("lesson-step3.png"));

            // Step 4, the last: a story prompt without the template.
            QTest::mouseClick(lesson->nextButton(), Qt::LeftButton);
            QCOMPARE(lesson->stepIndex(), 3);
            QVERIFY(!lesson->nextButton()->isEnabled());
            QTest::mouseClick(lesson->actionButton(), Qt::LeftButton);
            QVERIFY(!compare->settings().chatTemplate);
            QCOMPARE(compare->prompt(), QStringLiteral("The keeper climbed the"));
            QTRY_VERIFY_WITH_TIMEOUT(!compare->isGenerating() && !compare->columnText(0).isEmpty(), 60000);
            screenshot(window, QStringLiteral("lesson-step4.png"));
            // Two probe prompts (the Samples filter), a fine-tune form, two Compare columns: it still fits.
            QVERIFY2(window.frameGeometry().width() <= 1366,
                     qPrintable(QStringLiteral("window %1 wide").arg(window.frameGeometry().width())));

            // Back to step 2 and forward again: the locks follow the step.
            QTest::mouseClick(lesson->backButton(), Qt::LeftButton);
            QTest::mouseClick(lesson->backButton(), Qt::LeftButton);
            QCOMPARE(lesson->stepIndex(), 1);
            QVERIFY(!window.runSetupPanel()->isEnabled());
            QTest::mouseClick(lesson->nextButton(), Qt::LeftButton);
            QVERIFY(window.runSetupPanel()->isEnabled());
            window.close();
        }
        {
            // A new window on the same project resumes the lesson at its step, with its runs reused.
            MainWindow window;
            prepare(window, project.path());
            LessonPanel* lesson = window.lessonPanel();
            QCOMPARE(lesson->lessonFile(), kSftLesson);
            QCOMPARE(lesson->stepIndex(), 2);
            QVERIFY(lesson->stepMarkdown().contains(QStringLiteral("**demo tuned**: in the project")));
            lesson->goToStep(0);
            QCOMPARE(lesson->actionButton()->text(), QStringLiteral("Trained (in the project)"));
            // Lesson 1 shares the base run: it is reused, nothing to train.
            QVERIFY(lesson->openLesson(kLessons + QStringLiteral("/01_priors.yaml")));
            QVERIFY(!lesson->actionButton()->isEnabled());
            screenshot(window, QStringLiteral("lesson-resumed.png"));
        }
    }

    void overfittingLessonChecksMemorization()
    {
        // Lesson 5's own config (tiny corpus) trains, and its sample step turns Compare's memorization check on.
        QTemporaryDir project;
        MainWindow window;
        prepare(window, project.path());
        LessonPanel* lesson = window.lessonPanel();
        QVERIFY(lesson->openLesson(kLessons + QStringLiteral("/05_overfitting.yaml")));
        QTest::mouseClick(lesson->actionButton(), Qt::LeftButton);
        QVERIFY2(window.session()->isRunning(), qPrintable(lesson->statusText()));
        QTRY_VERIFY_WITH_TIMEOUT(lesson->runNamed(QStringLiteral("tiny data")).has_value(), 120000);
        QTRY_VERIFY(!window.session()->isRunning());
        lesson->next();
        QSignalSpy checked(window.comparePanel(), &tb::ui::ComparePanel::memorizationChecked);
        QTest::mouseClick(lesson->actionButton(), Qt::LeftButton);
        QCOMPARE(window.comparePanel()->columnCount(), 1);
        QCOMPARE(window.comparePanel()->prompt(), QStringLiteral("The owl"));
        QVERIFY(checked.wait(60000)); // the check ran on the output
        // After a run and a comparison the window still fits the laptop screen.
        QApplication::processEvents();
        QVERIFY2(window.frameGeometry().width() <= 1366,
                 qPrintable(QStringLiteral("window %1 wide").arg(window.frameGeometry().width())));
        screenshot(window, QStringLiteral("lesson-overfitting-step2.png"));
    }

    void brokenLessonInTheUserFolder()
    {
        QTemporaryDir project;
        QTemporaryDir folder;
        tb::test::writeFile(folder, QStringLiteral("broken.yaml"),
                            "title: Broken\nconcept: c\nsteps:\n  - text: hi\n    action: {train: nobody}\n");
        MainWindow window;
        prepare(window, project.path());
        LessonPanel* lesson = window.lessonPanel();
        lesson->setUserFolder(folder.path());
        QCOMPARE(QSettings().value(QStringLiteral("lessons/userFolder")).toString(), folder.path());
        const int index = lesson->picker()->findText(QStringLiteral("broken.yaml (has errors)"));
        QVERIFY(index > 0);
        QVERIFY(lesson->openLesson(kSftLesson));
        QString error;
        QVERIFY(!lesson->openLesson(folder.filePath(QStringLiteral("broken.yaml")), 0, &error));
        QVERIFY2(error.contains(QStringLiteral("broken.yaml:5: step 1: action.train: names 'nobody'")), qPrintable(error));
        QCOMPARE(lesson->lessonFile(), kSftLesson); // the lesson on show stays
        // Picking it in the list shows the message in the pane.
        lesson->picker()->setCurrentIndex(index);
        emit lesson->picker()->activated(index);
        QVERIFY(lesson->textView()->toPlainText().contains(QStringLiteral("action.train")));
        QCOMPARE(lesson->picker()->currentData().toString(), kSftLesson); // back on the lesson that stays
        QCOMPARE(lesson->lessonFile(), kSftLesson);
        lesson->next(); // moving on clears the message
        QVERIFY(!lesson->textView()->toPlainText().contains(QStringLiteral("action.train")));
        screenshot(window, QStringLiteral("lesson-broken.png"));
        // Closing the lesson releases its locks.
        lesson->closeLesson();
        QVERIFY(window.runSetupPanel()->isEnabled());
        QVERIFY(window.dataPanel()->isEnabled());
    }

    void fitsTheLaptopScreenWithThePaneShown()
    {
        QTemporaryDir project;
        MainWindow window;
        prepare(window, project.path());
        QVERIFY(window.lessonPanel()->openLesson(kLessons + QStringLiteral("/05_overfitting.yaml")));
        const QSize client = MainWindow::defaultGeometry(QRect(0, 0, 1366, 768 - 32)).size();
        const QSize minimum = window.minimumSizeHint().expandedTo(window.minimumSize());
        QVERIFY2(minimum.width() <= client.width() && minimum.height() <= client.height(),
                 qPrintable(QStringLiteral("minimum %1x%2").arg(minimum.width()).arg(minimum.height())));
        window.resize(client);
        QApplication::processEvents();
        QVERIFY(window.lessonDock()->geometry().bottom() <= window.height());
        QVERIFY(window.lessonPanel()->height() >= window.lessonPanel()->minimumSizeHint().height());
        screenshot(window, QStringLiteral("lesson-1366x768.png"));
    }
};

int main(int argc, char* argv[]) { return tb::test::runOnLaptopScreen<TestLessonPanel>(argc, argv); }

#include "test_lesson_panel.moc"
