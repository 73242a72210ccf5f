// The two cases issue 17 asks "where does the time go" for: plugin/secrets_scanner/wasm/16KiB (a real plugin
// reading every byte of a tool result) and wasm_hook/16KiB (an echo guest: the host's part alone), profiled by
// bench/time-breakdown.ts, and the markdown table of the overhead section.
import { echoHookManager, echoPayload } from "./floors.js";
import { type BenchSettings, find, freshCopy } from "./harness.js";
import { invokeChecked, loadPlugin } from "./plugin-hosts.js";
import { WORKLOADS } from "./plugin-payloads.js";
import { fmtNs, table } from "./stats.js";
import { profileCase, STEP_WORDS, STEPS, type StepShare } from "./time-breakdown.js";

export const BREAKDOWN_CASES = ["plugin/secrets_scanner/wasm/16KiB", "wasm_hook/16KiB"] as const;
export type BreakdownCase = (typeof BREAKDOWN_CASES)[number];

export interface Breakdown {
  name: BreakdownCase;
  shares: StepShare[];
  samples: number;
  /** Calls made while profiling. */
  calls: number;
}

export async function runBreakdowns(settings: BenchSettings): Promise<Breakdown[]> {
  const opts = settings.quick ? { ms: 400, warmup: 300 } : { ms: 2000, warmup: 1000 };
  const out: Breakdown[] = [];

  const w = WORKLOADS.secrets_scanner;
  const templates = Array.from({ length: 8 }, (_, i) => w.make(i + 1, 16 * 1024));
  const scanner = await loadPlugin("secrets_scanner", "wasm");
  let i = 0;
  const s = await profileCase(
    (input) => invokeChecked(scanner, w.hook, input),
    () => freshCopy(templates[i++ % templates.length]!),
    opts,
  );
  out.push({ name: "plugin/secrets_scanner/wasm/16KiB", ...s });
  await scanner.shutdown();

  const echo = await echoHookManager();
  const echoTemplate = echoPayload(16 * 1024);
  const e = await profileCase(
    (p) => echo.invoke("tool_pre_invoke", p),
    () => freshCopy(echoTemplate),
    opts,
  );
  out.push({ name: "wasm_hook/16KiB", ...e });
  await echo.shutdown();
  return out;
}

const pct = (v: number | undefined): string => (v === undefined ? "—" : `${(v * 100).toFixed(1)} %`);

/**
 * One row per step, one share column per case, and the share applied to the case's median from this run (the
 * profile gives proportions; the unprofiled median gives the time).
 */
export function breakdownMarkdown(breakdowns: readonly Breakdown[]): string {
  const steps = STEPS.filter((s) => breakdowns.some((b) => b.shares.some((x) => x.step === s)));
  const header = ["step", "what it is"];
  for (const b of breakdowns) header.push(`${b.name} share`, "≈ per call");
  const rows = steps.map((step) => {
    const row = [step, STEP_WORDS[step]];
    for (const b of breakdowns) {
      const share = b.shares.find((x) => x.step === step)?.share;
      const median = find(b.name)?.median_ns;
      row.push(pct(share), share === undefined || median === undefined ? "—" : fmtNs(share * median));
    }
    return row;
  });
  const samples = breakdowns
    .map((b) => `${b.samples} samples over ${b.calls} calls of ${b.name}`)
    .join(",\n");
  return `**Where the time goes** (V8's sampling profiler in this process, a sample every 50 µs after a warm-up:
${samples}; each sample counts for the step of its innermost frame that has one,
bench/time-breakdown.ts; the fresh payload copy of the bench loop is left out; "≈ per call" is the share of this
run's median).

${table(header, rows)}`;
}
