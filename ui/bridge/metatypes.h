// SPDX-License-Identifier: MIT
// Qt metatype declarations for the core value types that travel in queued signals between the training thread and
// the GUI thread. They live here, not in core/, because core has no Qt. registerMetaTypes() is thread-safe and
// idempotent; TrainingSession's constructor calls it.
#pragma once

#include "core/store/run_dir.h"
#include "core/train/trainer.h"
#include "core/train/training_observer.h"

#include <QMetaType>

Q_DECLARE_METATYPE(tb::core::RunInfo)
Q_DECLARE_METATYPE(tb::core::StepMetrics)
Q_DECLARE_METATYPE(tb::core::EvalMetrics)
Q_DECLARE_METATYPE(tb::core::CheckpointInfo)
Q_DECLARE_METATYPE(tb::core::SampleSet)
Q_DECLARE_METATYPE(tb::core::RunSummary)
Q_DECLARE_METATYPE(tb::core::TrainOutcome)

namespace tb::ui {

/// Registers the types above with QMetaType (by name too, which queued connections and QSignalSpy look up).
void registerMetaTypes();

} // namespace tb::ui
