// SPDX-License-Identifier: MIT
// Two tiny pretrained runs that differ (60 and 20 steps, other seeds), for the panels that compare or rate models.
// Includes torch (through the trainer): include it first, before any Qt header (Qt's `slots` macro).
#pragma once

#include "core/store/run_records.h"
#include "core/train/trainer.h"
#include "tests/bridge/session_fixtures.h"

#include <QString>
#include <QTemporaryDir>

#include <string>
#include <vector>

namespace tb::test {

/// Trains "base (60 steps)" (id r0) and "early (20 steps)" (id r1) on writeCorpus(dir), in dir/run0 and dir/run1.
inline std::vector<core::RunRecord> trainTwoTinyRuns(const QTemporaryDir& dir)
{
    const QString corpus = writeCorpus(dir);
    std::vector<core::RunRecord> runs;
    for (int i = 0; i < 2; ++i) {
        core::RunConfig config = tinyConfig(dir, corpus);
        config.train.seed = 21 + uint64_t(i);
        config.train.maxSteps = i == 0 ? 60 : 20;
        const QString runDir = dir.filePath(QStringLiteral("run%1").arg(i));
        core::TrainingObserver quiet;
        core::Trainer::create(config, runDir.toStdString())->run(quiet);
        core::RunRecord record;
        record.id = "r" + std::to_string(i);
        record.name = i == 0 ? "base (60 steps)" : "early (20 steps)";
        record.method = "pretrain";
        record.runDir = runDir.toStdString();
        record.steps = config.train.maxSteps;
        record.status = core::RunStatus::Completed;
        runs.push_back(record);
    }
    return runs;
}

} // namespace tb::test
