#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the package on a clean Debian 12 and runs it there: debootstrap (minbase) into a temporary folder,
# `apt-get install ./tunebench_*.deb` (so Depends must be complete: nothing else is installed but the test's own
# Xvfb), then inside the chroot: --version, `demo` for a few steps, a fine-tune of that run with the installed
# finetune_demo.yaml, a greedy chat sample from it, and `tunebench --demo` under Xvfb until its window paints.
# Needs root, debootstrap and the network (a Debian mirror). Removes everything it made, also on failure or ^C.
# Usage: packaging/test-install.sh [FILE.deb]   (default: the newest dist/tunebench_*_amd64.deb)
# Env: TB_DEBIAN_MIRROR (default http://deb.debian.org/debian), TB_TEST_INSTALL_KEEP=1 keeps the root folder.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
deb="${1:-$(ls -t "$here"/dist/tunebench_*_amd64.deb 2>/dev/null | head -1)}"
[ -f "$deb" ] || { echo "test-install: no package; run scripts/package.sh first" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "test-install: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "test-install: apt-get install debootstrap" >&2; exit 2; }
mirror="${TB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

root="$(mktemp -d /var/tmp/tunebench-install.XXXXXX)"
chmod 755 "$root" # mktemp's 0700 would keep apt's download user (_apt) out
cleanup() {
  # The mounts live in the unshare'd namespace below and vanish with it; make sure before deleting anything.
  if findmnt -rn -o TARGET | grep -q "^$root/"; then
    echo "test-install: $root still has mounts; not deleting it" >&2
    return
  fi
  if [ "${TB_TEST_INSTALL_KEEP:-0}" = 1 ]; then echo "test-install: kept $root"; else rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
t0=$SECONDS
phase() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - t0)); }

phase "debootstrap --variant=minbase bookworm"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
  { tail -20 "$root.debootstrap.log" >&2; rm -f "$root.debootstrap.log"; exit 1; }
rm -f "$root.debootstrap.log"
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/$(basename "$deb")"
phase "debootstrap done"

# Everything that mounts runs in a private mount namespace: /proc, /dev and /dev/pts exist for the chroot only
# and are gone when it ends, whatever happens.
# (The script is an argument, not stdin, so nothing run inside can read the rest of it.)
inner="$(cat <<'INNER'
set -euo pipefail
root="$1"; deb="$2"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs tmpfs "$root/dev/shm"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
t0=$SECONDS
phase() { printf '\n== %s (%ds in the chroot)\n' "$*" $((SECONDS - t0)); }

phase "apt-get install ./$deb"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "/tmp/$deb" >"$root/tmp/apt.log" 2>&1 ||
  { tail -30 "$root/tmp/apt.log"; exit 1; }
echo "$(in_root dpkg-query -W | wc -l) packages installed in all (minbase + tunebench and its Depends)"
in_root dpkg -s tunebench | grep -E '^(Package|Version|Status)'
in_root du -sh /usr

phase "tunebench-cli --version"
in_root tunebench-cli --version

phase "tunebench-cli demo (12 steps)"
in_root tunebench-cli demo --out /root/runs/demo --steps 12 --threads 2 | tail -4

phase "fine-tune with the installed finetune_demo.yaml (8 steps)"
in_root tunebench-cli train --config /usr/share/tunebench/demo/finetune_demo.yaml --set init_from=/root/runs/demo \
  --set train.max_steps=8 --set train.eval_interval=4 --set train.threads=2 --out /root/runs/demo-sft | tail -3
in_root tunebench-cli sample /root/runs/demo-sft --chat --greedy --prompt "Who are you?" --max-new-tokens 40
grep -E '"(status|steps|tunebench_version|parent_run)"' "$root/root/runs/demo-sft/summary.json"

phase "tunebench --demo under Xvfb until the window paints"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth >"$root/tmp/apt.log" 2>&1 ||
  { tail -30 "$root/tmp/apt.log"; exit 1; }
in_root timeout 180 xvfb-run -a tunebench --demo --startup-probe
phase "all passed"
INNER
)"
unshare -m --propagation private bash -c "$inner" inner "$root" "$(basename "$deb")" </dev/null
printf '\ntest-install: OK in %d s (%s)\n' $((SECONDS - t0)) "$(basename "$deb")"
