// SPDX-License-Identifier: MIT
// Shared by run_registry.cpp and run_registry_journal.cpp only; not part of the registry's interface.
#pragma once

#include "core/train/training_observer.h"

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;

namespace tb::core::registry_detail {

/// Stores named values of one step; `replace` false keeps values already there (a journal import).
void storeNamedValues(sqlite3* db, const std::string& id, int64_t step, const std::vector<NamedMetric>& values,
                      bool replace);

} // namespace tb::core::registry_detail
