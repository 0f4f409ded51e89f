#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian package tunebench_<version>_amd64.deb with CPack from the release build (configured first
# if needed) and leaves it in dist/. Builds only what the package holds: the two programs, libtb_spm.so and the
# generated man pages and changelog (cmake/tb_package.cmake).
# Usage: scripts/package.sh [--check]    --check: also validate it (packaging/check-package.sh)
# Env: TB_PACKAGE_BUILD_DIR (default build/release), TB_PACKAGE_JOBS (default: every core).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${TB_PACKAGE_BUILD_DIR:-build/release}"
jobs="${TB_PACKAGE_JOBS:-$(nproc)}"

for tool in cpack dpkg-shlibdeps help2man; do
  command -v "$tool" >/dev/null || { echo "package: $tool is missing (apt install cmake dpkg-dev help2man)" >&2; exit 2; }
done
if [ ! -f "$build/build.ninja" ]; then
  echo "package: configuring $build (release preset)..."
  if [ "$build" = build/release ]; then cmake --preset release >/dev/null
  else cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null; fi
fi
cmake --build "$build" -j "$jobs" --target tunebench tunebench-cli tb_spm tb_package_files

# cpack installs into a staging folder under the build tree, strips, runs dpkg-shlibdeps and packs.
(cd "$build" && cpack -G DEB -B "$PWD/cpack" >cpack.log 2>&1) || { cat "$build/cpack.log" >&2; exit 1; }
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
deb="tunebench_${version}_amd64.deb"
mkdir -p dist
mv "$build/cpack/$deb" "dist/$deb"
echo "package: dist/$deb ($(du -h "dist/$deb" | cut -f1))"
dpkg-deb --field "dist/$deb" Depends

if [ "${1:-}" = --check ]; then
  packaging/check-package.sh "dist/$deb"
fi
