// SPDX-License-Identifier: MIT
// Small helpers shared by the two halves of ComparePanel (compare_panel.cpp: models, outputs and sessions;
// compare_panel_inspect.cpp: the inspection tabs). Not part of any interface.
#pragma once

#include "core/eval/compare_session.h"
#include "ui/panels/compare_panel.h"
#include "core/eval/sampling_math.h"

#include <QString>

#include <string>

namespace tb::ui::compare_detail {

/// The model list's "Browse…" entry (its item data; a run path never starts with \x01).
inline const QString kBrowse = QStringLiteral("\x01browse");

inline core::SamplingParams samplingOf(const core::CompareSettings& s)
{
    // core::samplingParams(SampleOptions) without SampleOptions' header (it pulls in torch).
    return {s.temperature, s.topK, s.topP, s.greedy};
}

/// A column's footer: tokens, speed, and whether it was stopped.
inline QString footerText(size_t tokens, double tokensPerSecond, bool stopped)
{
    return ComparePanel::tr("%1 tokens · %2 tok/s%3")
        .arg(tokens)
        .arg(tokensPerSecond, 0, 'f', 1)
        .arg(stopped ? ComparePanel::tr(" · stopped") : QString());
}

inline std::string modelKey(const core::CompareModel& m) { return m.path + '\n' + m.checkpoint; }

} // namespace tb::ui::compare_detail
