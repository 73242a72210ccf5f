#!/usr/bin/env bash
# Build the example plugins (examples/plugins/<name>, not _template) for wasm32 with the Debian Rust toolchain,
# size-optimised and reproducible, and copy <name>.wasm next to each crate (or into --out DIR).
#   npm run build:plugins                      # all of them: refresh the committed .wasm files
#   npm run build:plugins -- url_guard         # only the named ones (cargo -p <name>)
#   bash sdk/rust/build-plugins.sh --out DIR   # build into DIR (the vectors test builds there and tests both)
# cargo's target directory (target/ at the repository root) is kept between runs, so a rebuild only compiles
# what changed; the release profile has `incremental = false`, which keeps the output byte-identical.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out=""
names=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --out)
      [ "$#" -ge 2 ] || { echo "build-plugins: --out needs a folder" >&2; exit 2; }
      out="$2"; shift 2 ;;
    -h|--help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*)
      echo "build-plugins: unknown option $1" >&2; exit 2 ;;
    *)
      names+=("$1"); shift ;;
  esac
done

all=()
for dir in "$root"/examples/plugins/*/; do
  name="$(basename "$dir")"
  [ "$name" = "_template" ] && continue
  [ -f "$dir/Cargo.toml" ] || continue
  all+=("$name")
done
if [ "${#names[@]}" -eq 0 ]; then
  names=("${all[@]}")
else
  for name in "${names[@]}"; do
    if ! printf '%s\n' "${all[@]}" | grep -qx -- "$name"; then
      echo "build-plugins: no example plugin named '$name' (have: ${all[*]})" >&2
      exit 2
    fi
  done
fi
[ -n "$out" ] && mkdir -p "$out"

# A rustup toolchain without wasm targets may come first on PATH: use Debian's unless told otherwise.
RUSTC="${RUSTC:-/usr/bin/rustc}"
CARGO="${CARGO:-/usr/bin/cargo}"
if [ ! -x "$RUSTC" ] || [ ! -x "$CARGO" ]; then
  echo "build-plugins: the Debian Rust toolchain is missing ($CARGO, $RUSTC); install it with: bash scripts/provision.sh" >&2
  exit 1
fi
# The Debian toolchain (rustc 1.63) names the target wasm32-wasi; newer toolchains call it wasm32-wasip1.
target=wasm32-wasi
if "$RUSTC" --print target-list | grep -qx wasm32-wasip1; then target=wasm32-wasip1; fi

# Reproducible: no absolute paths of this machine in the binaries.
export RUSTC
export CARGO_HOME="${CARGO_HOME:-$root/target/cargo-home}"
export RUSTFLAGS="--remap-path-prefix=$root=/cpex --remap-path-prefix=/usr/share/cargo/registry=/cargo --remap-path-prefix=$CARGO_HOME=/cargo-home"
cd "$root"
packages=()
for name in "${names[@]}"; do packages+=(-p "$name"); done
"$CARGO" build --quiet --release --target "$target" "${packages[@]}"

for name in "${names[@]}"; do
  wasm="target/$target/release/$name.wasm"
  dest="${out:-examples/plugins/$name}"
  cp "$wasm" "$dest/$name.wasm"
  echo "$name.wasm $(wc -c < "$wasm") bytes"
done
