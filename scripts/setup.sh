#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages TuneBench needs to build and run; with --tests also those only the tests need
# (PyTorch and NumPy for the reference scripts in tests/data, Xvfb for GUI tests under xvfb-run, and the package
# check's tools: help2man, appstreamcli, desktop-file-validate, lintian). start.sh calls it
# without, test.sh with --tests: a user who only starts the workbench does not download PyTorch for Python.
# Idempotent: when everything is installed it returns in about a second without touching apt.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-openmp
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqt6opengl6-dev libgl-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libsentencepiece-dev libgloo-dev
  nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev zlib1g-dev
)
TEST_PACKAGES=(xvfb xauth python3-torch python3-numpy help2man appstream desktop-file-utils lintian)
case "${1:-}" in
  --tests) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

# One dpkg-query for all packages (a second start must be quick); an unknown package prints nothing for itself.
installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null | awk '/install ok installed/ {print $1}' || true)"
missing=()
for p in "${PACKAGES[@]}"; do
  grep -qx -- "$p" <<<"$installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
