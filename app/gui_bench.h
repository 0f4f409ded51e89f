// SPDX-License-Identifier: MIT
// The workbench's own benchmark mode (bench/gui_bench.py drives it): with the window open, train a config at full
// speed in a temporary project while a 10 ms timer on the GUI thread records how late it fires; at the end print
// the lateness percentiles and the run's tokens/s as `key value` lines, then quit.
#pragma once

#include <QString>

namespace tb::ui {
class MainWindow;
}

namespace tb::app {

/// Starts the benchmark on `window` (already shown) with the run setup in `configFile`; QApplication::exec()
/// returns when it is done. Returns false (after printing why) when the setup cannot be used.
bool startGuiBenchmark(tb::ui::MainWindow& window, const QString& configFile, const QString& projectDir);

} // namespace tb::app
