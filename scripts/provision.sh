#!/usr/bin/env bash
# Installs what the test suite needs and npm cannot provide: the Debian packages in scripts/debian-packages.txt
# (the Rust toolchain and its crates, wabt). `npm test` runs this first (its `pretest`), and so does .ci/run
# through `npm test`. When everything is present it only asks dpkg once.
#   bash scripts/provision.sh           # install what is missing (as root), or say exactly how and fail
#   bash scripts/provision.sh --check   # only report; exit 1 if something is missing
# Where it cannot install (not root, no apt-get, apt-get fails) it prints the command to run and exits 1: the tests
# would fail without these tools, and a clear message here beats three obscure test failures later.
# CPEX_DPKG_ADMINDIR points dpkg-query at another database (an empty one makes every package look missing, which
# is how the fresh-machine path is tested without uninstalling anything).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check_only=0
[ "${1:-}" = "--check" ] && check_only=1

say() { echo "provision: $*" >&2; }

if [ ! -e "$root/node_modules/binaryen/package.json" ] || [ ! -e "$root/node_modules/vitest/package.json" ]; then
  say "the npm dependencies are not installed: run \`npm install\` (or \`npm ci\`) first"
  exit 1
fi

mapfile -t debs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$root/scripts/debian-packages.txt" | grep -v '^$')

if ! command -v dpkg-query >/dev/null 2>&1; then
  say "this is not a Debian-based machine (no dpkg-query); the tests need these Debian packages or their"
  say "equivalents: ${debs[*]}"
  exit 1
fi

query=(dpkg-query)
[ -n "${CPEX_DPKG_ADMINDIR:-}" ] && query+=("--admindir=$CPEX_DPKG_ADMINDIR")
# One call for all packages; unknown ones are reported on stderr and simply count as missing.
installed="$("${query[@]}" -W -f='${Package} ${db:Status-Status}\n' "${debs[@]}" 2>/dev/null || true)"
missing=()
for p in "${debs[@]}"; do
  grep -qx "$p installed" <<<"$installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  say "all ${#debs[@]} Debian packages present"
  exit 0
fi

command_line="apt-get update && apt-get install -y ${missing[*]}"
if [ "$check_only" -eq 1 ]; then
  say "missing Debian packages: ${missing[*]}"
  say "install them with: sudo sh -c '$command_line'"
  exit 1
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "missing Debian packages: ${missing[*]}"
  say "this script installs them only as root; run this, then npm test again:"
  say "  sudo sh -c '$command_line'"
  exit 1
fi

say "installing ${missing[*]}"
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
  say "apt-get failed; run this by hand, then npm test again:"
  say "  $command_line"
  exit 1
fi
say "installed ${#missing[@]} packages in $((SECONDS - start)) s"
