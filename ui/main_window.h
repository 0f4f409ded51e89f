// SPDX-License-Identifier: MIT
// The workbench's main window. It only composes panels and wires their signals; it holds no logic. GUI thread only.
#pragma once

#include <QMainWindow>

namespace tb::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
};

} // namespace tb::ui
