// bench/node-versions.ts: the runs of several Node versions side by side, and each goal judged per version.
import { describe, expect, it } from "vitest";
import { nodeVersionsMarkdown } from "../../../bench/node-versions.js";

const run = (node: string, cases: Record<string, number>) => ({
  node,
  cases: Object.entries(cases).map(([name, median_ns]) => ({
    name,
    median_ns,
    p99_ns: median_ns,
    samples: 10,
  })),
});

describe("node-versions", () => {
  it("lists every version's medians and judges each goal per version", () => {
    const md = nodeVersionsMarkdown([
      run("v20.1.0", { "floor/1KiB": 1000, "wasm_hook/1KiB": 1200 }),
      run("v22.1.0", { "floor/1KiB": 1000, "wasm_hook/1KiB": 2000 }),
    ]);
    expect(md).toContain("| case | Node v20.1.0 | Node v22.1.0 |");
    expect(md).toMatch(/wasm_hook\/1KiB ≤ 1\.3 × floor\/1KiB \| 1\.20 met \| 2\.00 missed \|/);
    // A case a run lacks is shown as missing, not as zero.
    expect(md).toMatch(/\| extism_js\/1KiB \| — \| — \|/);
  });
});
