// SPDX-License-Identifier: MIT
#include "ui/bridge/metatypes.h"

namespace tb::ui {

void registerMetaTypes()
{
    // A function-local static runs once even when two threads get here together.
    static const bool registered = [] {
        qRegisterMetaType<tb::core::RunInfo>();
        qRegisterMetaType<tb::core::StepMetrics>();
        qRegisterMetaType<tb::core::EvalMetrics>();
        qRegisterMetaType<tb::core::CheckpointInfo>();
        qRegisterMetaType<tb::core::SampleSet>();
        qRegisterMetaType<tb::core::RunSummary>();
        qRegisterMetaType<tb::core::TrainOutcome>();
        return true;
    }();
    Q_UNUSED(registered);
}

} // namespace tb::ui
