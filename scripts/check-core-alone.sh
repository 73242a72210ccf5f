#!/usr/bin/env bash
# The core builds and passes its tests without the hosts: copy the repository to a temporary directory without
# src/hosts and src/cli (the CLI belongs with the host side), then type-check src/core with the core's unit and
# conformance tests, and run those tests there. Fails if anything in the core (or its tests) reaches into a host.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cpex-core-alone.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# The core's tests; test/conformance/rust-build.test.ts builds the Rust SDK and examples (host side), so it stays out.
tests=(test/unit/core test/unit/config test/unit/extensions test/conformance)
excluded=(test/conformance/rust-build.test.ts)

cd "$root"
git ls-files --cached --others --exclude-standard -z \
  | grep -zv -e '^src/hosts/' -e '^src/cli/' \
  | tar --null -cf - -T - | tar -xf - -C "$tmp"
ln -s "$root/node_modules" "$tmp/node_modules"
for f in "${excluded[@]}"; do rm -f "$tmp/$f"; done

cd "$tmp"
if [ -e src/hosts ] || [ -e src/cli ]; then
  echo "check-core-alone: the copy still has src/hosts or src/cli" >&2
  exit 1
fi

cat > tsconfig.core-alone.json <<JSON
{ "extends": "./tsconfig.json", "include": ["src/core", "test/helpers/error-docs.ts", $(printf '"%s",' "${tests[@]}" | sed 's/,$//')] }
JSON
echo "check-core-alone: tsc (src/core and its tests, without src/hosts and src/cli)"
npx tsc -p tsconfig.core-alone.json --noEmit

echo "check-core-alone: vitest ${tests[*]}"
npx vitest run "${tests[@]}"
