import { describe, expect, it } from "vitest";
import { fuzz, fuzzSummary } from "./fuzz.js";

describe("differential fuzzing through the instrumenter", () => {
  it("300 seeded binaryen modules behave identically plain and instrumented", async () => {
    const results = await fuzz(300, 20261124);
    console.log(fuzzSummary(results));
    expect(results.filter((r) => r.status === "mismatch").map((r) => `seed ${r.seed}: ${r.detail}`)).toEqual(
      [],
    );
    // Most modules must actually run: a generator or toolchain problem must not pass as "0 mismatches".
    expect(results.filter((r) => r.status === "ok").length).toBeGreaterThan(250);
    expect(results.reduce((n, r) => n + r.calls, 0)).toBeGreaterThan(600);
  }, 600_000);
});
