// SPDX-License-Identifier: MIT
// tunebench: the workbench window. With no arguments it reopens the last project and setup, or, the first time,
// the built-in demo project (the demo corpus and its run setup, ready to Start).
//   tunebench [--demo] [--project DIR] [--setup FILE] [--corpus FILE] [--startup-probe]
#include "app/gui_bench.h"
#include "app/resources_dir.h"
#include "core/common/runtime.h"
#include "core/io/run_config.h"
#include "ui/main_window.h"
#include "ui/panels/lesson_panel.h"
#include "ui/panels/run_setup_panel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTextStream>
#include <QTimer>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace {

/// Seconds since this process was started by the kernel (not since main()), from /proc.
double secondsSinceProcessStart()
{
    std::ifstream statFile("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
    }
    double uptime = 0;
    std::ifstream("/proc/uptime") >> uptime;
    return uptime - std::stod(field) / double(sysconf(_SC_CLK_TCK));
}

/// Prints the time to the first painted frame of `window` and quits (the startup benchmark).
class FirstPaintProbe : public QObject {
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && !m_done) {
            m_done = true;
            QTimer::singleShot(0, qApp, [] {
                std::printf("first_paint_seconds %.3f\n", secondsSinceProcessStart());
                std::fflush(stdout);
                QApplication::quit();
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    bool m_done = false;
};

} // namespace

int main(int argc, char* argv[])
{
    tb::core::configureAllocator();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("TuneBench"));
    QApplication::setOrganizationName(QStringLiteral("TuneBench"));
    QApplication::setApplicationVersion(QStringLiteral(TB_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.tunebench.TuneBench")); // packaging/*.desktop

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("TuneBench: pretrain and tune small GPT models."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the built-in demo project and setup."));
    const QCommandLineOption project(QStringLiteral("project"), QStringLiteral("Open the project in DIR."),
                                     QStringLiteral("DIR"));
    const QCommandLineOption setup(QStringLiteral("setup"), QStringLiteral("Load a run setup (YAML, as the CLI)."),
                                   QStringLiteral("FILE"));
    const QCommandLineOption corpus(QStringLiteral("corpus"), QStringLiteral("Open a corpus."), QStringLiteral("FILE"));
    const QCommandLineOption probe(QStringLiteral("startup-probe"),
                                   QStringLiteral("Print the time to the first painted window and quit."));
    const QCommandLineOption benchConfig(QStringLiteral("bench-config"),
                                         QStringLiteral("Benchmark: train FILE with the window open and print the "
                                                        "GUI timer lateness (see bench/gui_bench.py)."),
                                         QStringLiteral("FILE"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a picture of the window to FILE after it has settled, "
                                                       "then quit (for docs and checks)."),
                                        QStringLiteral("FILE"));
    parser.addOptions({demo, project, setup, corpus, probe, benchConfig, screenshot});
    parser.process(app);

    const QString resources = QString::fromStdString(tb::app::resourcesDir());
    const QString demoSetup = resources + QStringLiteral("/demo/demo.yaml");
    const QString demoProject =
        QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/demo-project");

    tb::ui::MainWindow window;
    window.runSetupPanel()->setFineTuneDemo(resources + QStringLiteral("/demo/finetune_demo.yaml"));
    window.lessonPanel()->setBuiltInFolder(resources + QStringLiteral("/lessons"));
    FirstPaintProbe firstPaint;
    if (parser.isSet(probe))
        window.installEventFilter(&firstPaint);

    if (parser.isSet(benchConfig)) {
        window.show();
        const QString benchProject = parser.value(project).isEmpty()
                                         ? QDir::temp().filePath(QStringLiteral("tunebench-gui-bench"))
                                         : parser.value(project);
        if (!tb::app::startGuiBenchmark(window, parser.value(benchConfig), benchProject))
            return 2;
        return QApplication::exec();
    }

    QSettings settings;
    const bool useDemo = parser.isSet(demo) || (!parser.isSet(project) && !settings.contains("project/last"));
    QString projectDir = parser.value(project);
    if (projectDir.isEmpty())
        projectDir = useDemo ? demoProject : settings.value("project/last").toString();
    if (!window.openProject(projectDir, /*quiet=*/!parser.isSet(project)) && projectDir != demoProject)
        window.openProject(demoProject);

    if (parser.isSet(setup))
        window.loadSetup(parser.value(setup));
    else if (useDemo || !settings.contains("setup/yaml"))
        window.loadSetup(demoSetup);
    else {
        try {
            window.runSetupPanel()->setConfig(
                tb::core::parseRunConfig(settings.value("setup/yaml").toString().toStdString(), "last setup"));
        } catch (const std::exception&) {
            window.loadSetup(demoSetup); // a setup from an older version: start from the demo
        }
    }
    if (parser.isSet(corpus))
        window.openCorpus(parser.value(corpus));

    window.show();
    if (parser.isSet(screenshot))
        QTimer::singleShot(2000, &window, [&window, file = parser.value(screenshot)] {
            if (!window.grab().save(file))
                std::fprintf(stderr, "error: cannot write %s\n", qPrintable(file));
            QApplication::quit();
        });
    return QApplication::exec();
}
