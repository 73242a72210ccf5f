// Instrumenter: run-time overhead of fuel metering on CPU-bound guests, and instrumentation throughput.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { instrument } from "../src/hosts/wasm/meter/index.js";
import { DEFAULT_COST_MODEL } from "../src/hosts/wasm/meter/options.js";
import { GUESTS } from "./meter-guests.js";
import type { BenchSection } from "./run.js";
import { fmtNs, median, table, timeSync } from "./stats.js";

/**
 * Instrumentation time of the compiled package, in a child process: what users run. (Through tsx every closure the
 * pass creates per function body is wrapped in a name-keeping helper, which costs ≈ 10 %.)
 */
function compiledThroughput(fixture: string): { ms: number; mbps: number } {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = mkdtempSync(join(tmpdir(), "cpex-build-"));
  execFileSync(process.execPath, [
    join(here, "../node_modules/typescript/bin/tsc"),
    "-p",
    join(here, "../tsconfig.build.json"),
    "--outDir",
    out,
  ]);
  const script = `
    import { readFileSync } from "node:fs";
    import { instrument } from ${JSON.stringify(pathToFileURL(join(out, "src/hosts/wasm/meter/index.js")).href)};
    const b = new Uint8Array(readFileSync(${JSON.stringify(fixture)}));
    for (let i = 0; i < 30; i++) instrument(b);
    const xs = [];
    for (let r = 0; r < 7; r++) { const t = performance.now(); for (let i = 0; i < 10; i++) instrument(b); xs.push((performance.now() - t) / 10); }
    xs.sort((a, b) => a - b);
    console.log(JSON.stringify({ ms: xs[3], mbps: b.length / 1e6 / (xs[3] / 1000) }));`;
  const result = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return JSON.parse(result.trim().split("\n").pop()!) as { ms: number; mbps: number };
}

export default async function bench(): Promise<BenchSection> {
  const rows: string[][] = [];
  const overheads: number[] = [];
  for (const [name, make] of GUESTS) {
    const plain = await make("plain");
    const metered = await make(DEFAULT_COST_MODEL);
    if (plain() !== metered()) throw new Error(`${name}: results differ`);
    // Interleave rounds so machine noise hits both variants alike; TurboFan has tiered up after the warm-up.
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < 5; round++) {
      a.push(timeSync(plain, { batch: 50, batches: 3, warmup: round === 0 ? 300 : 10 }).nsPerOp);
      b.push(timeSync(metered, { batch: 50, batches: 3, warmup: round === 0 ? 300 : 10 }).nsPerOp);
    }
    const pa = median(a);
    const pb = median(b);
    const overhead = (pb / pa - 1) * 100;
    overheads.push(overhead);
    rows.push([name, fmtNs(pa), fmtNs(pb), `${overhead >= 0 ? "+" : ""}${overhead.toFixed(1)} %`]);
  }
  const med = median(overheads);

  const here = dirname(fileURLToPath(import.meta.url));
  const fixture = join(here, "fixtures/rust-module.wasm");
  let throughput = "";
  if (existsSync(fixture)) {
    const bytes = new Uint8Array(readFileSync(fixture));
    const validate = timeSync(() => WebAssembly.validate(bytes), { batch: 5, batches: 7, warmup: 5 });
    const t = timeSync(() => instrument(bytes), { batch: 5, batches: 7, warmup: 30 });
    const mbps = bytes.length / 1e6 / (t.nsPerOp / 1e9);
    const compiled = compiledThroughput(fixture);
    const { report } = instrument(bytes);
    throughput = `
### Instrumentation throughput

\`bench/fixtures/rust-module.wasm\` (${(bytes.length / 1024).toFixed(0)} KiB, built from \`bench/fixtures/rust-module\` with the
Debian rustc 1.63: serde + rmp-serde + regex + serde_json, release, lto, strip; ${report.functions} functions):

${table(
  ["step", "time", "throughput"],
  [
    [
      "instrument(), compiled package (`npm run build` output, own process)",
      fmtNs(compiled.ms * 1e6),
      `${compiled.mbps.toFixed(0)} MB/s`,
    ],
    ["instrument(), from the TypeScript sources through tsx", fmtNs(t.nsPerOp), `${mbps.toFixed(0)} MB/s`],
    [
      "of which WebAssembly.validate(input)",
      fmtNs(validate.nsPerOp),
      `${(bytes.length / 1e6 / (validate.nsPerOp / 1e9)).toFixed(0)} MB/s`,
    ],
  ],
)}

Output ${(report.outputBytes / 1024).toFixed(0)} KiB (+${((report.outputBytes / report.inputBytes - 1) * 100).toFixed(1)} %), ${report.charges} charge points, ${report.checks} checks. Goal: ≥ 50 MB/s.`;
  }

  return {
    title: "Instrumenter: fuel overhead and throughput",
    markdown: `Each guest runs plain and instrumented (fuel metering + deadline checks, huge budget, the default
\`${DEFAULT_COST_MODEL}\` cost model) in the same process, interleaved, after warm-up (TurboFan); medians of 5 rounds ×
3 batches × 50 runs. The cost models against each other: "Instrumenter: cost models" below.

${table(["guest", "plain", "instrumented", "overhead"], rows)}

Median overhead **${med >= 0 ? "+" : ""}${med.toFixed(1)} %**, worst **+${Math.max(...overheads).toFixed(1)} %** (goal: median ≤ 10 %, worst ≤ 25 %).
${throughput}`,
  };
}
