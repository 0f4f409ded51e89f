#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds with warnings as errors, and runs every test. CI runs exactly this.
# Extra arguments go to ctest (e.g. -L unit, -R trainer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/build.sh ci
export QT_QPA_PLATFORM=offscreen
ctest --preset ci -j 2 "$@"
