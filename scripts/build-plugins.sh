#!/usr/bin/env bash
# `npm run build:plugins [-- <name>…]`: the example plugins in Rust (sdk/rust/build-plugins.sh, Debian toolchain)
# and, for those that have an AssemblyScript version (examples/plugins/<name>/assemblyscript), in AssemblyScript
# (sdk/assemblyscript/build.mjs, npm only). Names select plugins; none builds all. Output next to each crate.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/sdk/rust/build-plugins.sh" "$@"
if [ "$#" -eq 0 ]; then
  node "$root/sdk/assemblyscript/build.mjs"
  exit 0
fi
for name in "$@"; do
  dir="$root/examples/plugins/$name"
  # Written next to the Rust one (<name>.as.wasm beside <name>.wasm), as a full build does.
  if [ -d "$dir/assemblyscript" ]; then node "$root/sdk/assemblyscript/build.mjs" "$dir/assemblyscript" --out "$dir"; fi
done
