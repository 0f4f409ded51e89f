#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds TuneBench with a CMake preset (default: release). Usage: scripts/build.sh [preset]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
