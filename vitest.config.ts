import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Long jobs (spec suite, fuzzing, cargo, npm pack) run in child processes the tests await, so no test blocks its
// worker's event loop for long and the suite stays green on a loaded machine (docs/testing.md). Their own time
// limits are set per test, from the slowest runs seen under load with headroom; these defaults cover the rest.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Separate processes: a test file that crashes or exhausts memory cannot take the others with it.
    pool: "forks",
    // The default persistent instrumentation cache lives under XDG_CACHE_HOME: keep the tests' entries out of
    // the user's cache.
    env: { XDG_CACHE_HOME: join(tmpdir(), "cpex-test-cache") },
  },
});
