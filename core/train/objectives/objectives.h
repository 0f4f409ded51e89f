// SPDX-License-Identifier: MIT
// The factories of the built-in objectives, for the table in core/train/objective.cpp only.
#pragma once

#include "core/train/objective.h"

#include <memory>

namespace tb::core {

std::unique_ptr<TrainingObjective> makePretrainObjective();
std::unique_ptr<TrainingObjective> makeSftObjective();
std::unique_ptr<TrainingObjective> makeDpoObjective();
std::unique_ptr<TrainingObjective> makeRewardModelObjective();
std::unique_ptr<TrainingObjective> makeGrpoObjective();
std::unique_ptr<TrainingObjective> makePpoObjective();

} // namespace tb::core
