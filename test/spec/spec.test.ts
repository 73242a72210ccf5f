import { describe, expect, it } from "vitest";
import { runSpec, summaryLine } from "./spec.js";

describe("WebAssembly spec testsuite through the instrumenter", () => {
  it("every converted script behaves identically plain and instrumented (and under small budgets only fuel differs)", () => {
    const reports = runSpec();
    const failed = reports.filter((r) => r.status === "failed");
    const notConverted = reports.filter((r) => r.status === "not converted").map((r) => r.script);
    console.log(summaryLine(reports));
    expect(failed.flatMap((r) => r.problems.map((p) => `${r.script}: ${p}`))).toEqual([]);
    // wabt 1.0.32 cannot parse these (see the testsuite README); anything else failing to convert is a regression.
    expect(notConverted).toEqual(["table_fill", "table_get", "table_grow", "table_set", "table_size"]);
    expect(reports.filter((r) => r.status === "passed").length).toBeGreaterThanOrEqual(144);
  });
});
