// `npm run bench [-- <name> ...] [--quick] [--json <file>] [--skip-rust] [--report]`: runs every bench/<name>.bench.ts
// (or the named ones) in this process, one after the other, and writes each one's markdown section into
// docs/performance.md between its markers, so the figures in the docs always come from the last run of the command
// printed beside them. `--quick` runs the overhead section alone with short sampling and leaves the docs as they
// are; `--report` runs the overhead section in full and rewrites its part of the docs and the chart; `--json`
// writes every measured case as { node, cases: [{ name, median_ns, p99_ns, samples }] }; `--no-docs` measures
// without touching the docs (a run on another Node version, merged by bench/node-versions.ts). Without the Rust
// toolchain the native_rust cases are missing and the run fails, unless `--skip-rust` says that is expected.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pluginChartSvg } from "./chart.js";
import { type BenchSection, formatDocs, upsertSection } from "./docs.js";
import { parseFlags, rustExitCode, sectionsToRun } from "./flags.js";
import { type BenchSettings, results, resultsJson } from "./harness.js";
import { runInfo } from "./overhead.bench.js";

export type { BenchSection } from "./docs.js";

const here = dirname(fileURLToPath(import.meta.url));
const docPath = join(here, "..", "docs", "performance.md");
const chartPath = join(here, "..", "docs", "plugin-overhead.svg");

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const settings: BenchSettings = { quick: flags.quick };
  const wanted = sectionsToRun(flags);
  const files = (await readdir(here)).filter((f) => f.endsWith(".bench.ts")).sort();
  const selected = files.filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, "")));
  if (selected.length === 0)
    throw new Error(`no benchmark matches ${wanted.join(", ")}; have: ${files.join(", ")}`);
  let doc = await readFile(docPath, "utf8").catch(() => "# Performance\n");
  for (const file of selected) {
    const name = file.replace(/\.bench\.ts$/, "");
    console.log(`\n== bench ${name}`);
    const mod = (await import(pathToFileURL(join(here, file)).href)) as {
      default: (settings: BenchSettings) => Promise<BenchSection>;
    };
    const section = await mod.default(settings);
    console.log(section.markdown);
    doc = upsertSection(doc, name, section, flags.report ? "--report" : name);
  }
  if (flags.json !== undefined) {
    await writeFile(flags.json, resultsJson(results()));
    console.log(`wrote ${results().length} case(s) to ${flags.json}`);
  }
  if (!flags.quick && !flags.noDocs) {
    await writeFile(docPath, doc);
    if (selected.includes("overhead.bench.ts")) await writeFile(chartPath, await pluginChartSvg(results()));
    formatDocs();
    console.log(`\nwrote ${selected.length} section(s) to docs/performance.md`);
  }
  const missing = runInfo.rust?.missing;
  if (missing !== undefined)
    console.error(`native_rust cases missing: ${missing}${flags.skipRust ? " (--skip-rust)" : ""}`);
  const code = rustExitCode(missing, flags.skipRust);
  if (code !== 0) process.exitCode = code;
}

await main();
