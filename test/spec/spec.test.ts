// The spec testsuite runs in its own process (`npm run spec`): it is minutes of synchronous work that would
// otherwise block this worker's event loop. The test reads the per-script lines and the summary line it prints.
import { describe, expect, it } from "vitest";
import { describeChild, runTsx } from "../helpers/run-child.js";

const STATUS = /^(passed|failed|not converted)\s+(\S+)\s+(\d+) commands/;

describe("WebAssembly spec testsuite through the instrumenter", () => {
  it("every converted script behaves identically plain and instrumented (and under small budgets only fuel differs)", async () => {
    const r = await runTsx("test/spec/run-spec.ts", [], { timeoutMs: 900_000 });
    const lines = r.stdout.split("\n");
    const scripts = lines.flatMap((l) => {
      const m = STATUS.exec(l);
      return m === null ? [] : [{ status: m[1]!, script: m[2]! }];
    });
    const summary = lines.find((l) => l.startsWith("spec: "));
    console.log(summary);
    expect(summary, describeChild("npm run spec", r)).toMatch(
      /^spec: \d+ passed, 0 failed, \d+ not converted$/,
    );
    expect(r.code, describeChild("npm run spec", r)).toBe(0);
    // The failure lines are indented under their script: show them if any script failed.
    expect(
      scripts.filter((s) => s.status === "failed").map((s) => s.script),
      r.stdout,
    ).toEqual([]);
    // wabt 1.0.32 cannot parse these (see the testsuite README); anything else failing to convert is a regression.
    expect(scripts.filter((s) => s.status === "not converted").map((s) => s.script)).toEqual([
      "table_fill",
      "table_get",
      "table_grow",
      "table_set",
      "table_size",
    ]);
    const passed = scripts.filter((s) => s.status === "passed").length;
    expect(passed).toBeGreaterThanOrEqual(144);
    expect(summary).toBe(`spec: ${passed} passed, 0 failed, 5 not converted`);
  }, 960_000);
});
