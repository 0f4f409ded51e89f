#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Quick start: installs what is missing, builds, and opens the workbench on the built-in demo project (the demo
# corpus and its run setup, ready to Start). Extra arguments go to `tunebench` (e.g. --project DIR).
# Without a display (no DISPLAY or WAYLAND_DISPLAY, e.g. over SSH) it runs the same demo headless with
# `tunebench-cli demo` instead, printing samples as the model learns.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "No display found: running the headless demo (tunebench-cli demo). Open the window with a display." >&2
  exec build/release/app/tunebench-cli demo "$@"
fi
exec build/release/app/tunebench --demo "$@"
