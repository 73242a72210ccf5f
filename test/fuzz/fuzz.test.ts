// Fuzzing runs in its own process (`npm run fuzz`), so its synchronous stretches never block this worker's event
// loop; the test reads the two closing lines it prints.
import { describe, expect, it } from "vitest";
import { describeChild, runTsx } from "../helpers/run-child.js";

describe("differential fuzzing through the instrumenter", () => {
  it("300 seeded binaryen modules behave identically plain and instrumented", async () => {
    const r = await runTsx("test/fuzz/run-fuzz.ts", ["--count", "300", "--seed", "20261124"], {
      timeoutMs: 600_000,
    });
    const why = describeChild("npm run fuzz", r);
    const summary = /^fuzz: (\d+) modules, (\d+) mismatches$/m.exec(r.stdout);
    const counts = /^(\d+) export calls compared, (\d+) modules skipped/m.exec(r.stdout);
    console.log(summary?.[0]);
    expect(summary, why).not.toBeNull();
    expect(counts, why).not.toBeNull();
    expect(summary![2], why).toBe("0");
    expect(r.code, why).toBe(0);
    expect(summary![1]).toBe("300");
    // Most modules must actually run: a generator or toolchain problem must not pass as "0 mismatches".
    expect(300 - Number(counts![2])).toBeGreaterThan(250);
    expect(Number(counts![1])).toBeGreaterThan(600);
  }, 660_000);
});
