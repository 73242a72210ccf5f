// The per-plugin chart of docs/performance.md: median time per call for each implementation, per plugin and
// payload size, as an SVG rendered in Node by vega-lite (spec → vega) and vega (headless view, no browser).
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { CaseResult } from "./harness.js";

interface Point {
  plugin: string;
  impl: string;
  size: string;
  us: number;
}

const PLUGIN_CASE = /^plugin\/([^/]+)\/([^/]+)\/([^/]+)$/;

export async function pluginChartSvg(results: readonly CaseResult[]): Promise<string> {
  const values: Point[] = [];
  for (const r of results) {
    const m = PLUGIN_CASE.exec(r.name);
    if (m !== null) values.push({ plugin: m[1]!, impl: m[2]!, size: m[3]!, us: r.median_ns / 1000 });
  }
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Median time per call (µs, log scale): wasm sandbox vs native TypeScript vs native Rust",
    data: { values },
    facet: {
      row: { field: "plugin", type: "nominal", title: null },
      column: { field: "size", type: "ordinal", sort: ["1KiB", "16KiB", "100KiB"], title: "payload" },
    },
    spec: {
      width: 170,
      height: 90,
      mark: "bar",
      encoding: {
        x: {
          field: "impl",
          type: "nominal",
          sort: ["wasm", "wasm_worker", "as_wasm", "native_ts", "native_rust"],
          axis: { labels: false, ticks: false, title: null },
        },
        y: { field: "us", type: "quantitative", scale: { type: "log" }, title: "µs" },
        color: {
          field: "impl",
          type: "nominal",
          sort: ["wasm", "wasm_worker", "as_wasm", "native_ts", "native_rust"],
          title: "implementation",
        },
        tooltip: [{ field: "us", format: ".2f" }],
      },
    },
    resolve: { scale: { y: "independent" } },
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}
