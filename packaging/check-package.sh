#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The quick package check (seconds, no root, no network): the .deb's control fields and contents, the files
# every install needs, AppStream and desktop-entry validation, and lintian when it is installed.
# Usage: packaging/check-package.sh dist/tunebench_<version>_amd64.deb
set -euo pipefail
deb="${1:?usage: packaging/check-package.sh FILE.deb}"
fail=0
bad() { echo "check-package: FAIL: $*" >&2; fail=1; }

dpkg-deb --info "$deb"
contents="$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|')"
echo "$contents" | grep -v '/$'
version="$(dpkg-deb --field "$deb" Version)"
case "$(basename "$deb")" in "tunebench_${version}_amd64.deb") ;; *) bad "file name does not match version $version" ;; esac

id=org.tunebench.TuneBench
for f in /usr/bin/tunebench /usr/bin/tunebench-cli /usr/lib/tunebench/libtb_spm.so \
         /usr/share/tunebench/demo/demo.yaml /usr/share/tunebench/demo/corpus.txt \
         /usr/share/tunebench/demo/finetune_demo.yaml /usr/share/tunebench/demo/instructions.jsonl \
         /usr/share/applications/$id.desktop /usr/share/metainfo/$id.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/$id.svg /usr/share/icons/hicolor/48x48/apps/$id.png \
         /usr/share/icons/hicolor/256x256/apps/$id.png /usr/share/man/man1/tunebench.1.gz \
         /usr/share/man/man1/tunebench-cli.1.gz /usr/share/bash-completion/completions/tunebench-cli \
         /usr/share/doc/tunebench/copyright /usr/share/doc/tunebench/changelog.gz; do
  echo "$contents" | grep -qx "$f" || bad "missing $f"
done
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -d "$here/resources/lessons" ]; then
  echo "$contents" | grep -q '^/usr/share/tunebench/lessons/.' || bad "resources/lessons/ is not installed"
fi
depends="$(dpkg-deb --field "$deb" Depends)"
for lib in libc6 libtorch libqt6widgets6 libsentencepiece; do
  echo "$depends" | grep -q "$lib" || bad "Depends lacks $lib (dpkg-shlibdeps): $depends"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --extract "$deb" "$tmp"
appstreamcli validate --no-net "$tmp/usr/share/metainfo/$id.metainfo.xml" || bad "appstreamcli validate"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$tmp/usr/share/applications/$id.desktop" || bad "desktop-file-validate"
fi
if command -v lintian >/dev/null; then
  # Warnings left are explained in packaging/README.md; errors fail the check.
  lintian --fail-on error "$deb" || bad "lintian reports errors"
fi
[ "$fail" = 0 ] && echo "check-package: OK ($deb)"
exit "$fail"
