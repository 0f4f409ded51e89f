#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Times the README's first command, scripts/start.sh, to the first painted window (tunebench --startup-probe,
# offscreen). Prints the CPU, then:
#   second start: start.sh with nothing changed (setup check + no-op build + window), the median of 3;
#   first start (--fresh only): the build from an empty build folder with ccache off, as on a fresh machine
#     (the packages are taken as installed: add the time of setup.sh's apt-get, about 1.2 min here).
# --fresh moves build/release aside and puts it back afterwards. Usage: bench/quickstart_bench.sh [--fresh]
set -euo pipefail
cd "$(dirname "$0")/.."
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
     "flags: $(grep -m1 -o -w -E 'avx2|avx512f|avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ' || true)"
export QT_QPA_PLATFORM=offscreen
probe() { bash scripts/start.sh --startup-probe 2>&1 | tail -1; }

if [ "${1:-}" = --fresh ]; then
  saved=""
  if [ -d build/release ]; then saved="build/release.quickstart-bench.$$"; mv build/release "$saved"; fi
  restore() { rm -rf build/release; [ -n "$saved" ] && mv "$saved" build/release; true; }
  trap restore EXIT
  start=$(date +%s.%N)
  CCACHE_DISABLE=1 bash scripts/start.sh --startup-probe >/tmp/quickstart_bench.$$.log 2>&1 ||
    { tail -20 /tmp/quickstart_bench.$$.log; exit 1; }
  end=$(date +%s.%N)
  grep "^build (" /tmp/quickstart_bench.$$.log | tail -1
  printf 'first start (empty build folder, no ccache): %.0f s to the window\n' "$(awk -v a="$start" -v b="$end" "BEGIN{print b-a}")"
  rm -f /tmp/quickstart_bench.$$.log
fi

probe >/dev/null # build if needed, warm the page cache
times=()
for i in 1 2 3; do
  s=$(date +%s.%N); probe >/dev/null; e=$(date +%s.%N)
  times+=("$(awk -v a="$s" -v b="$e" "BEGIN{print b-a}")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
printf 'second start (nothing changed): %.1f s to the window (median of 3: %s)\n' "$median" \
       "$(printf '%.1f ' "${times[@]}")"
