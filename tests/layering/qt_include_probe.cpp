// SPDX-License-Identifier: MIT
// Must NOT compile: it stands for a core/ file that includes Qt. See tests/layering/CMakeLists.txt.
#include "core/common/error.h"

#include <QString>

QString layeringProbe() { return QString(); }
