import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The default persistent instrumentation cache lives under XDG_CACHE_HOME: keep the tests' entries out of
    // the user's cache.
    env: { XDG_CACHE_HOME: join(tmpdir(), "cpex-test-cache") },
  },
});
