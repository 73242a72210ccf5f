#!/usr/bin/env bash
# Build every example plugin (examples/plugins/<name>, not _template) for wasm32 with the Debian Rust toolchain,
# size-optimised and reproducible, and copy <name>.wasm next to each crate (or into --out DIR).
#   bash sdk/rust/build-plugins.sh            # refresh the committed .wasm files
#   bash sdk/rust/build-plugins.sh --out DIR  # build into DIR (CI builds there and tests both)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out=""
if [ "${1:-}" = "--out" ]; then out="$2"; mkdir -p "$out"; fi

# The Debian toolchain (rustc 1.63) names the target wasm32-wasi; newer toolchains call it wasm32-wasip1.
RUSTC="${RUSTC:-/usr/bin/rustc}"
CARGO="${CARGO:-/usr/bin/cargo}"
if [ ! -x "$RUSTC" ] || [ ! -x "$CARGO" ]; then
  echo "build-plugins: the Debian Rust toolchain is missing (apt-get install rustc cargo libstd-rust-dev-wasm32 lld-14)" >&2
  exit 1
fi
target=wasm32-wasi
if "$RUSTC" --print target-list | grep -qx wasm32-wasip1; then target=wasm32-wasip1; fi

# Reproducible: no absolute paths of this machine in the binaries.
export RUSTC
export CARGO_HOME="${CARGO_HOME:-$root/target/cargo-home}"
export RUSTFLAGS="--remap-path-prefix=$root=/cpex --remap-path-prefix=/usr/share/cargo/registry=/cargo --remap-path-prefix=$CARGO_HOME=/cargo-home"
cd "$root"
"$CARGO" build --quiet --release --target "$target" --workspace --exclude cpex-sdk

for dir in examples/plugins/*/; do
  name="$(basename "$dir")"
  [ "$name" = "_template" ] && continue
  [ -f "$dir/Cargo.toml" ] || continue
  wasm="target/$target/release/$name.wasm"
  dest="${out:-$dir}"
  cp "$wasm" "$dest/$name.wasm"
  echo "$name.wasm $(wc -c < "$wasm") bytes"
done
