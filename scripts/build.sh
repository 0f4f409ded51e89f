#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds TuneBench with a CMake preset (default: release).
# Usage: scripts/build.sh [preset] [target...]   (no target: everything, tests included)
# Prints one progress line (steps done, elapsed, a rough time left, what it is compiling) instead of ninja's
# hundreds; errors and warnings come through as they are. TB_BUILD_VERBOSE=1 shows ninja's own output.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
targets=()
for t in "$@"; do targets+=(--target "$t"); done

# Configure once; afterwards ninja re-runs CMake by itself when a CMakeLists.txt changes.
if [ ! -f "build/$preset/build.ninja" ]; then
  echo "build: configuring ($preset: looking for LibTorch, Qt and the other libraries)..."
  cmake --preset "$preset" >/dev/null
fi

if [ "${TB_BUILD_VERBOSE:-0}" = 1 ]; then
  exec cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}"
fi

what="everything"
[ ${#targets[@]} -gt 0 ] && what="$*"
tty=0
[ -t 1 ] && tty=1
# Debian's awk (mawk) reads a pipe in blocks unless told to read it line by line.
awk=(awk)
awk -W version 2>&1 | grep -q mawk && awk=(awk -W interactive)
NINJA_STATUS="@@%f/%t/%e@@ " cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}" 2>&1 |
  "${awk[@]}" -v tty="$tty" -v what="$what" '
    function fmt(s) { s = int(s + 0.5); return sprintf("%d:%02d", int(s / 60), s % 60) }
    function left(done, total, el) {
      if (done == total) return "done"
      if (done < 4 || el < 20) return "estimating time left"
      m = el / done * (total - done) / 60
      return m < 1 ? "less than a minute left" : sprintf("about %d min left", int(m + 0.99))
    }
    /^@@[0-9]+\/[0-9]+\/[0-9.]+@@ / {
      split(substr($1, 3, length($1) - 4), a, "/")
      done = a[1]; total = a[2]; el = a[3]
      file = $NF; sub(/^.*\/CMakeFiles\/[^\/]*\.dir\//, "", file); sub(/\.o$/, "", file)
      line = sprintf("build (%s): %d/%d steps, %s elapsed, %s: %s", what, done, total, fmt(el), left(done, total, el), file)
      if (tty) { printf "\r\033[K%s", substr(line, 1, 150); fflush() }
      else if (el - last >= 30 || done == total) { print line; fflush(); last = el }
      next
    }
    /^ninja: no work to do/ { next }
    { if (tty) printf "\r\033[K"; print; fflush() }
    END { if (tty) printf "\r\033[K"; if (done) printf "build (%s): %d steps in %s\n", what, done, fmt(el) }
  '
exit "${PIPESTATUS[0]}"
