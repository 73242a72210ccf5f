// The instrumenter's cost models against each other (docs/instrumenter.md, "Cost models"): run time of the same
// guest instrumented under `wasmtime` and under `cpex`. A difference of a few percent is below what one process
// measures reliably (compiled code placement, tier-up and GC vary from process to process by more than that),
// so each guest is timed in several fresh child processes, each alternating the two variants, and the ratio is
// the median over processes of each process's ratio.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEFAULT_COST_MODEL } from "../src/hosts/wasm/meter/options.js";
import type { BenchSettings } from "./harness.js";
import { GUESTS } from "./meter-guests.js";
import type { BenchSection } from "./run.js";
import { fmtNs, median, table, timeSync } from "./stats.js";

const CHILD_FLAG = "--cost-models-child";

/** One child process: both variants of guest `index`, alternated; the lowest round median of each (ns/op). */
async function child(index: number): Promise<void> {
  const [, make] = GUESTS[index]!;
  const wasmtime = await make("wasmtime");
  const cpex = await make("cpex");
  if (wasmtime() !== cpex()) throw new Error(`${GUESTS[index]![0]}: results differ`);
  const w: number[] = [];
  const c: number[] = [];
  for (let round = 0; round < 8; round++) {
    const opts = { batch: 40, batches: 3, warmup: round === 0 ? 200 : 5 };
    // Alternate which goes first, so neither always runs right after a collection the other caused.
    if (round % 2 === 0) {
      w.push(timeSync(wasmtime, opts).nsPerOp);
      c.push(timeSync(cpex, opts).nsPerOp);
    } else {
      c.push(timeSync(cpex, opts).nsPerOp);
      w.push(timeSync(wasmtime, opts).nsPerOp);
    }
  }
  console.log(JSON.stringify({ wasmtime: Math.min(...w), cpex: Math.min(...c) }));
}

function inChild(index: number): { wasmtime: number; cpex: number } {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), CHILD_FLAG, String(index)],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split("\n").pop()!) as { wasmtime: number; cpex: number };
}

export default async function bench(settings: BenchSettings = { quick: false }): Promise<BenchSection> {
  const processes = settings.quick ? 3 : 7;
  const rows: string[][] = [];
  const ratios: number[] = [];
  for (let g = 0; g < GUESTS.length; g++) {
    const runs = Array.from({ length: processes }, () => inChild(g));
    const perProcess = runs.map((r) => r.wasmtime / r.cpex);
    const ratio = median(perProcess);
    ratios.push(ratio);
    const pct = (x: number) => `${x >= 1 ? "+" : ""}${((x - 1) * 100).toFixed(1)} %`;
    rows.push([
      GUESTS[g]![0],
      fmtNs(median(runs.map((r) => r.cpex))),
      fmtNs(median(runs.map((r) => r.wasmtime))),
      pct(ratio),
      `${pct(Math.min(...perProcess))} … ${pct(Math.max(...perProcess))}`,
    ]);
    console.log(`cost-models: ${GUESTS[g]![0]}: ${pct(ratio)}`);
  }
  const med = median(ratios);
  const pct = (x: number) => `${x >= 1 ? "+" : ""}${((x - 1) * 100).toFixed(1)} %`;
  return {
    title: "Instrumenter: cost models",
    markdown: `Run time of each guest instrumented under the \`wasmtime\` and the \`cpex\` cost model, in ${processes} fresh
processes per guest, each alternating the two over 8 rounds (3 batches of 40 runs, lowest round median); the ratio
is the median over processes of each process's ratio, with its range.

${table(["guest", "cpex model", "wasmtime model", "wasmtime vs cpex", "range over processes"], rows)}

The wasmtime model against the cpex model: median **${pct(med)}**, worst **${pct(Math.max(...ratios))}**. The default
is \`${DEFAULT_COST_MODEL}\` (docs/instrumenter.md, "Cost models": the wasmtime model is the default when its median is
within 2 % of the cpex model's).`,
  };
}

if (process.argv[2] === CHILD_FLAG) await child(Number(process.argv[3]));
