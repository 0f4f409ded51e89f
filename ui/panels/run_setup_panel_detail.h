// SPDX-License-Identifier: MIT
// Helpers shared by RunSetupPanel's files (run_setup_panel.cpp: the form, presets and checks; run_setup_files.cpp:
// setup files and the command line; run_setup_finetune.cpp: the parent picker, fine-tuning data and the trainable
// count). Not part of any interface.
#pragma once

#include <QLocale>
#include <QString>

#include <cstdint>

namespace tb::ui::run_setup_detail {

/// The preset entry's data for the fine-tune demo.
inline constexpr const char* kDemoData = "demo:finetune";

/// "0.81 M", "10.8 M", "96 k": a parameter count for people, in millions as nanoGPT prints it.
inline QString shortCount(int64_t n)
{
    if (n >= 100000)
        return QLocale().toString(double(n) / 1e6, 'f', n >= 10000000 ? 1 : 2) + QStringLiteral(" M");
    if (n >= 1000)
        return QLocale().toString(double(n) / 1e3, 'f', 0) + QStringLiteral(" k");
    return QLocale().toString(static_cast<qlonglong>(n));
}

} // namespace tb::ui::run_setup_detail
