#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Quick start: installs what is missing, builds, and opens the workbench on the built-in demo project (the demo
# corpus and its run setup, ready to Start). Extra arguments go to `tunebench` (e.g. --project DIR).
# Without a display (no DISPLAY or WAYLAND_DISPLAY, e.g. over SSH) it runs the same demo headless with
# `tunebench-cli demo` instead, printing samples as the model learns. A QT_QPA_PLATFORM set by hand (offscreen,
# vnc, ...) counts as a display. It builds only what it starts, so the first start on a fresh machine takes a few
# minutes and a second one a few seconds (bench/quickstart_bench.sh measures both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Only what it starts: the two programs and the SentencePiece plugin (the test command builds the rest).
bash scripts/build.sh release tunebench tunebench-cli tb_spm
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  echo "No display found: running the headless demo (tunebench-cli demo). Open the window with a display." >&2
  exec build/release/app/tunebench-cli demo "$@"
fi
exec build/release/app/tunebench --demo "$@"
