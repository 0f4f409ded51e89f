// SPDX-License-Identifier: MIT
#include "ui/main_window.h"

#include <QLabel>

namespace tb::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("TuneBench"));
    auto* label = new QLabel(tr("TuneBench workbench — panels arrive with issue 3."), this);
    label->setAlignment(Qt::AlignCenter);
    setCentralWidget(label);
    resize(1100, 720);
}

} // namespace tb::ui
