// The per-plugin chart (bench/chart.ts) renders to an SVG string in Node, names every plugin it is given, and is
// one titled image (the committed docs/plugin-overhead.svg passes the repository's linter).
import { describe, expect, it } from "vitest";
import { accessibleSvg, pluginChartSvg } from "../../../bench/chart.js";
import type { CaseResult } from "../../../bench/harness.js";

const cases: CaseResult[] = [];
for (const [plugin, base] of [
  ["url_guard", 40],
  ["secrets_scanner", 30],
] as const)
  for (const [impl, k] of [
    ["wasm", 1],
    ["native_ts", 0.5],
    ["native_rust", 0.3],
  ] as const)
    for (const [size, m] of [
      ["1KiB", 1],
      ["16KiB", 8],
    ] as const)
      cases.push({
        name: `plugin/${plugin}/${impl}/${size}`,
        median_ns: base * k * m * 1000,
        p99_ns: 0,
        samples: 1,
      });
// Not a plugin case: left out of the chart.
cases.push({ name: "floor/1KiB", median_ns: 2000, p99_ns: 0, samples: 1 });

describe("plugin chart", () => {
  it("is an SVG naming each plugin, size and implementation", async () => {
    const svg = await pluginChartSvg(cases);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const word of ["url_guard", "secrets_scanner", "1KiB", "16KiB", "wasm", "native_ts", "native_rust"])
      expect(svg).toContain(word);
    expect(svg).not.toContain("floor");
  });

  it("is one image with a title and no per-mark ARIA roles", async () => {
    const svg = await pluginChartSvg(cases);
    expect(svg).toMatch(/^<svg role="img" aria-label="Median time per call[^"]*"/);
    expect(svg).toContain("<title>Median time per call");
    expect(svg).not.toMatch(/role="graphics-/);
  });

  it("escapes the title", () => {
    const out = accessibleSvg('<svg width="1"><g role="graphics-symbol"/></svg>', 'a < b & "c"');
    expect(out).toBe(
      '<svg role="img" aria-label="a &lt; b &amp; &quot;c&quot;" width="1"><title>a &lt; b &amp; &quot;c&quot;</title><g/></svg>',
    );
  });
});
