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
const TITLE = "Median time per call (µs, log scale): wasm sandbox vs native TypeScript vs native Rust";

/**
 * Makes vega's SVG one image with a title for screen readers (and for the repository's linter, which checks
 * committed SVGs): the root gets role="img", an aria-label and a <title>, and the ARIA graphics roles vega puts
 * on every group and mark go, since a reader announces the image as a whole rather than each bar.
 */
export function accessibleSvg(svg: string, title: string): string {
  const escaped = title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  return svg
    .replace(/ role="graphics-(?:symbol|object|document)"/g, "")
    .replace(/^<svg([^>]*)>/, `<svg role="img" aria-label="${escaped}"$1><title>${escaped}</title>`);
}

export async function pluginChartSvg(results: readonly CaseResult[]): Promise<string> {
  const values: Point[] = [];
  for (const r of results) {
    const m = PLUGIN_CASE.exec(r.name);
    if (m !== null) values.push({ plugin: m[1]!, impl: m[2]!, size: m[3]!, us: r.median_ns / 1000 });
  }
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: TITLE,
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
  return accessibleSvg(await view.toSVG(), TITLE);
}
