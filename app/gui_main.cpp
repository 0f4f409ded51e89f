// SPDX-License-Identifier: MIT
#include "ui/main_window.h"

#include <QApplication>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("TuneBench");
    QApplication::setOrganizationName("TuneBench");
    tb::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
