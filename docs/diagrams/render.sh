#!/usr/bin/env bash
# Render every Graphviz source in this folder to the SVG committed next to it (Debian: apt-get install graphviz).
set -euo pipefail
cd "$(dirname "$0")"
for src in *.dot; do
  dot -Tsvg "$src" -o "${src%.dot}.svg"
  echo "${src%.dot}.svg"
done
