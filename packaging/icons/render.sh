#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Renders tunebench.svg to the hicolor PNG sizes committed next to it (run after editing the SVG; needs
# rsvg-convert from librsvg2-bin). The PNGs are committed so a build needs no SVG renderer.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" tunebench.svg -o "tunebench-$size.png"
done
