#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds with warnings as errors, runs every test, then builds the Debian package from
# that build and checks it (packaging/check-package.sh). CI runs exactly this.
# Extra arguments go to ctest (e.g. -L unit, -R trainer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/build.sh ci
export QT_QPA_PLATFORM=offscreen
ctest --preset ci -j 2 "$@"
# The Debian package from the same build, checked (contents, Depends from dpkg-shlibdeps, AppStream, desktop entry,
# lintian). Not with a ctest filter: that is a partial run.
if [ $# -eq 0 ]; then
  TB_PACKAGE_BUILD_DIR=build/ci TB_PACKAGE_JOBS=2 bash scripts/package.sh --check
fi
