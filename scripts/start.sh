#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Quick start: installs what is missing, builds, and trains a small model on the built-in demo corpus, printing
# samples as it learns. Extra arguments go to `tunebench-cli demo` (e.g. --steps 200).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
exec build/release/app/tunebench-cli demo "$@"
