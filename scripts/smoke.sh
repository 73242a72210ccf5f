#!/usr/bin/env bash
# The smoke subset, run with a given Node binary (CI runs it on Node 22 and 24; the full suite runs on the
# machine's Node): the demo, the CLI's --help and `check` of the demo config, one wasm pipeline, one hostile guest,
# and the packed tarball installed into an app outside the repo.
#   bash scripts/smoke.sh /path/to/node     # default: the node on PATH
# Needs `npm install` done; not the Debian packages (nothing here builds Rust or reads the spec testsuite).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node="${1:-$(command -v node)}"
node="$(cd "$(dirname "$node")" && pwd)/$(basename "$node")"
[ -x "$node" ] || { echo "smoke: $node is not an executable Node binary" >&2; exit 2; }
# npm, npx and the `cpex` bin all start through `#!/usr/bin/env node`: put this Node first so they run on it too.
export PATH="$(dirname "$node"):$PATH"
cd "$root"
version="$("$node" --version)"
start=$SECONDS
step() { echo "smoke($version): $*"; }

step "npm run demo"
demo="$(mktemp)"
"$node" --import tsx examples/demo.ts >"$demo" 2>&1 || { cat "$demo"; exit 1; }
grep -q "runaway" "$demo" || { cat "$demo"; echo "smoke: the demo printed no runaway plugin" >&2; exit 1; }
rm -f "$demo"

step "cpex --help"
"$node" --import tsx src/cli/main.ts --help | grep -q "Usage: cpex"
step "cpex check examples/demo.yaml"
"$node" --import tsx src/cli/main.ts check examples/demo.yaml

# The wasm host's ABI tests (one of them a pipeline of two wasm plugins and a native one across the five
# phases), the hostile guests, and the package. Whole files, so nothing is filtered out and reported as skipped.
tests=(test/unit/wasm-host/abi.test.ts test/hostile/hostile.test.ts test/package/package.test.ts)
step "vitest run ${tests[*]}"
log="$(mktemp)"
if ! NO_COLOR=1 "$node" node_modules/vitest/vitest.mjs run "${tests[@]}" >"$log" 2>&1; then
  cat "$log"; rm -f "$log"; exit 1
fi
cat "$log"
# Colours off (CI=true turns them on), and any left stripped, so the summary line can be read.
summary="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests +[0-9]+' | tail -1)"
rm -f "$log"
if ! [[ "$summary" =~ ^\ +Tests\ +[0-9]+\ passed\ \([0-9]+\)$ ]]; then
  echo "smoke: expected every test to pass and none skipped, got '${summary:-no summary}'" >&2
  exit 1
fi
step "passed in $((SECONDS - start)) s"
