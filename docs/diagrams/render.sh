#!/usr/bin/env bash
# Render every Graphviz source in this folder to the SVG committed next to it (Debian: apt-get install graphviz).
# The SVG gets role="img" and an aria-label (the graph's label) so screen readers announce what it shows.
set -euo pipefail
cd "$(dirname "$0")"
for src in *.dot; do
  out="${src%.dot}.svg"
  label="$(sed -n 's/.*label="\([^"]*\)", labelloc=t.*/\1/p' "$src" | head -n 1)"
  dot -Tsvg "$src" | sed "s|^<svg |<svg role=\"img\" aria-label=\"${label:-${src%.dot}}\" |" > "$out"
  echo "$out"
done
