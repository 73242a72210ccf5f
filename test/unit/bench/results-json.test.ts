// The `--json <file>` output of `npm run bench` has issue 17's schema:
// { "node": "<version>", "cases": [ { "name", "median_ns", "p99_ns", "samples" } ] }, nothing more.
import { describe, expect, it } from "vitest";
import { type CaseResult, quantile, resultsJson } from "../../../bench/harness.js";

const fake: CaseResult[] = [
  { name: "plugin/url_guard/wasm/1KiB", median_ns: 41000, p99_ns: 90000, samples: 2000 },
  { name: "floor/1KiB", median_ns: 2100, p99_ns: 5000, samples: 30000 },
];

describe("bench --json", () => {
  it("writes node and the cases, in order, with exactly the four members", () => {
    // A result carrying more than the schema (as a wider object would) must not leak into the file.
    const wider = [{ ...fake[0]!, extra: 1 } as CaseResult, fake[1]!];
    const parsed = JSON.parse(resultsJson(wider, "v20.0.0")) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["node", "cases"]);
    expect(parsed["node"]).toBe("v20.0.0");
    const cases = parsed["cases"] as Array<Record<string, unknown>>;
    expect(cases.map((c) => Object.keys(c))).toEqual([
      ["name", "median_ns", "p99_ns", "samples"],
      ["name", "median_ns", "p99_ns", "samples"],
    ]);
    expect(cases).toEqual(fake);
  });

  it("defaults node to the running version and ends with a newline", () => {
    const text = resultsJson([]);
    expect(text.endsWith("\n")).toBe(true);
    expect(JSON.parse(text)).toEqual({ node: process.version, cases: [] });
  });

  it("quantiles are nearest-rank, as the Rust side computes them", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
