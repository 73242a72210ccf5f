// Overhead relative to native plugins (issue 17): the five example plugins as wasm (inline and on a worker),
// AssemblyScript wasm, native TypeScript and native Rust at 1, 16 and 100 KiB; the five in one pipeline; the
// floors and peers of one echo; how far a runaway guest overshoots its deadline and fuel. Every figure is a case
// in the JSON of `--json`; this section turns them into tables and the goals' ratios within this one run.
import { cpus, loadavg } from "node:os";
import { type Breakdown, breakdownMarkdown, runBreakdowns } from "./breakdown-cases.js";
import { extismVersion, FLOOR_SIZES, runFloors } from "./floors.js";
import { goalRatio, RATIO_GOALS } from "./goals.js";
import { type BenchSettings, find, freshCopy, measure } from "./harness.js";
import { type NativeCase, type NativeRustRun, runNativeRust } from "./native-rust.js";
import { implsOf, invokeChecked, loadPipeline, loadPlugin } from "./plugin-hosts.js";
import { PLUGINS, WORKLOADS } from "./plugin-payloads.js";
import type { BenchSection } from "./run.js";
import { RUNAWAY_RUNS, type RunawayFigures, runRunaway } from "./runaway.js";
import { fmtNs, table } from "./stats.js";

export const PLUGIN_SIZES: ReadonlyArray<[number, string]> = [
  [1024, "1KiB"],
  [16 * 1024, "16KiB"],
  [100 * 1024, "100KiB"],
];
const IMPLS = ["wasm", "wasm_worker", "as_wasm", "native_ts", "native_rust"] as const;
const SEEDS = 8;

/** What the run learnt beside the cases, for the report and the exit code. */
export const runInfo: {
  rust?: NativeRustRun;
  runaway?: RunawayFigures;
  breakdowns?: Breakdown[];
  load: number[][];
} = { load: [] };

async function pluginCases(settings: BenchSettings): Promise<void> {
  for (const name of PLUGINS) {
    const w = WORKLOADS[name];
    for (const impl of implsOf(name)) {
      const m = await loadPlugin(name, impl);
      for (const [size, label] of PLUGIN_SIZES) {
        // A few seeded payloads, copied per sample (freshCopy): a fresh object each call, as a gateway builds it.
        const templates = Array.from({ length: SEEDS }, (_, i) => w.make(i + 1, size));
        let i = 0;
        await measure(
          settings,
          `plugin/${name}/${impl}/${label}`,
          (input) => invokeChecked(m, w.hook, input),
          () => freshCopy(templates[i++ % SEEDS]!),
        );
      }
      await m.shutdown();
    }
  }
}

async function pipelineCases(settings: BenchSettings): Promise<void> {
  const tool = Array.from({ length: SEEDS }, (_, i) => {
    const mail = WORKLOADS.pii_redactor.make(i + 1, 1024);
    return { payload: mail.payload, extensions: WORKLOADS.tool_tagger.make(i + 1, 64).extensions };
  });
  const fetch = Array.from({ length: SEEDS }, (_, i) => WORKLOADS.url_guard.make(i + 1, 1024));
  for (const impl of ["wasm", "native_ts"] as const) {
    const m = await loadPipeline(impl);
    let i = 0;
    // One request: its tool call through the four tool_pre_invoke plugins, its fetch through url_guard.
    await measure(
      settings,
      `pipeline/5/${impl}/1KiB`,
      async (x) => {
        await invokeChecked(m, "tool_pre_invoke", x.tool);
        return invokeChecked(m, "resource_pre_fetch", x.fetch);
      },
      () => {
        const k = i++ % SEEDS;
        return { tool: freshCopy(tool[k]!), fetch: freshCopy(fetch[k]!) };
      },
    );
    await m.shutdown();
  }
}

const med = (name: string): number | undefined => find(name)?.median_ns;
const cell = (name: string): string => {
  const r = find(name);
  return r === undefined ? "—" : fmtNs(r.median_ns);
};
const ratio = (a: string, b: string): number | undefined => {
  const x = med(a);
  const y = med(b);
  return x === undefined || y === undefined ? undefined : x / y;
};
const x = (v: number | undefined) => (v === undefined ? "—" : `${v.toFixed(2)} ×`);

function goals(): string[][] {
  const rows: string[][] = [];
  const goal = (text: string, value: number | undefined, ok: (v: number) => boolean, shown = x(value)) =>
    rows.push([text, shown, value === undefined ? "not measured" : ok(value) ? "met" : "missed"]);
  for (const g of RATIO_GOALS) goal(g.label, goalRatio(g, med), g.met);
  const p99 = find("timeout/overshoot")?.p99_ns;
  goal(
    "timeout overshoot p99 ≤ 2 ms",
    p99 === undefined ? undefined : p99 / 1e6,
    (v) => v <= 2,
    p99 === undefined ? "—" : fmtNs(p99),
  );
  return rows;
}

export default async function bench(settings: BenchSettings = { quick: false }): Promise<BenchSection> {
  runInfo.load.push(loadavg());
  await pluginCases(settings);
  await pipelineCases(settings);
  const native: NativeCase[] = PLUGINS.flatMap((plugin) =>
    PLUGIN_SIZES.map(([size, label]) => ({ plugin, size, label })),
  );
  runInfo.rust = await runNativeRust(settings, native);
  await runFloors(settings);
  runInfo.runaway = await runRunaway();
  runInfo.breakdowns = await runBreakdowns(settings);
  runInfo.load.push(loadavg());

  const pluginRows = PLUGINS.flatMap((p) =>
    PLUGIN_SIZES.map(([, s]) => [
      p,
      s,
      ...IMPLS.map((i) => cell(`plugin/${p}/${i}/${s}`)),
      x(ratio(`plugin/${p}/wasm/${s}`, `plugin/${p}/native_rust/${s}`)),
      x(ratio(`plugin/${p}/wasm/${s}`, `plugin/${p}/native_ts/${s}`)),
    ]),
  );
  const floorRows = FLOOR_SIZES.map(([, s]) => [
    s,
    ...["floor", "wasm_hook", "native_hook", "extism_js"].map((k) => cell(`${k}/${s}`)),
  ]);
  const rust = runInfo.rust;
  const rw = runInfo.runaway;
  const load = runInfo.load.map((l) => l.map((v) => v.toFixed(2)).join(" / ")).join(" at the start, ");
  const cpu = cpus();
  return {
    title: "Overhead relative to native plugins",
    markdown: `Machine: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, load average (1/5/15 min) ${load} at the end — a
shared machine: compare figures within this run only. Command: \`npm run bench -- --report\` (tinybench, one timed
sample per call after a warm-up; medians, ${find("plugin/url_guard/wasm/1KiB")?.samples ?? "?"}+ samples per case). Every case is in
\`npm run bench -- --json out.json\`.

![median time per call per plugin, implementation and size](plugin-overhead.svg)

**Per plugin** (median per call; a fresh payload object per sample from the plugin's seeded generator,
bench/plugin-payloads.ts). *wasm* is the Rust build in the cpex host inline, *wasm_worker* with \`execution: worker\`,
*as_wasm* the AssemblyScript build, *native_ts* the TypeScript version in the same manager, *native_rust* the same
crate compiled natively (opt-level 3) and timed in-process by bench/native-rust on the same MessagePack bytes,
decoding included, no manager. circuit_breaker is timed on its pre hook (its post hook grows a 60 s window).
${rust?.missing === undefined ? `The Rust bench binary's build took ${rust?.buildSeconds?.toFixed(1)} s (apart from the run; a rebuild with nothing changed is near zero), its run ${rust?.runSeconds?.toFixed(1)} s.` : `native_rust is missing: ${rust.missing}.`}

${table(["plugin", "size", ...IMPLS, "wasm ÷ native_rust", "wasm ÷ native_ts"], pluginRows)}

**Pipeline**: one request of 1 KiB through the five plugins (its tool call through pii_redactor, tool_tagger,
secrets_scanner and circuit_breaker, its fetch through url_guard): wasm ${cell("pipeline/5/wasm/1KiB")}, native TS
${cell("pipeline/5/native_ts/1KiB")}.

**Floors and peers** (one echo; Extism JS ${extismVersion()}, the version installed from package-lock.json).

${table(["payload", "floor", "wasm_hook", "native_hook", "extism_js"], floorRows)}

${breakdownMarkdown(runInfo.breakdowns)}

**Stopping a runaway** (${RUNAWAY_RUNS} runs each): a looping guest with \`timeout_ms: ${rw?.timeoutMs}\` is stopped
${cell("timeout/overshoot")} past the deadline (median; p99 ${fmtNs(find("timeout/overshoot")?.p99_ns ?? Number.NaN)}), measured from the
invoke to its error. With \`fuel: ${rw?.fuel}\` the \`fuel_exhausted\` stop lands ${rw?.fuelOvershoot.median} fuel units past the budget
(median; p99 ${rw?.fuelOvershoot.p99}, max ${rw?.fuelOvershoot.max}).

**Goals** (ratios within this run):

${table(["goal", "measured", ""], goals())}`,
  };
}
