// SPDX-License-Identifier: MIT
#include "ui/main_window.h"

#include <QLabel>

namespace tb::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("TuneBench"));
    auto* label = new QLabel(tr("<h2>TuneBench</h2><p>The workbench panels (data, run setup, live curves, runs) are on their way.</p>"
                                  "<p>Today the engine runs from the terminal: <code>tunebench-cli demo</code> trains a small model "
                                  "on the built-in demo corpus and prints samples as it learns.</p>"), this);
    label->setAlignment(Qt::AlignCenter);
    setCentralWidget(label);
    resize(1100, 720);
}

} // namespace tb::ui
