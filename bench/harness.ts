// The measuring side of `npm run bench`: every named case goes through tinybench (warm-up, then one timed sample
// per call) and lands in one result list, which `--json <file>` writes in the schema of issue 17 and the report
// reads back. Inputs are prepared outside the timed call, so a case that needs a fresh payload object per sample
// (the host may not carry encoded bytes from one invoke to the next) does not pay for building it.
import { Bench } from "tinybench";

export interface CaseResult {
  name: string;
  median_ns: number;
  p99_ns: number;
  samples: number;
}

export interface BenchSettings {
  /** A reduced run (`--quick`): shorter sampling, fewer cases. */
  readonly quick: boolean;
}

const collected: CaseResult[] = [];

/** Every case measured in this process so far, in the order measured. */
export function results(): readonly CaseResult[] {
  return collected;
}

/** Adds results measured elsewhere (the native Rust binary) to the list. */
export function record(result: CaseResult): void {
  collected.push(result);
  progress(result);
}

/**
 * A fresh copy of a prepared input for one sample: new objects for the top two levels (the payload and its
 * members), the deeper values shared. The host's encoding cache is keyed on the payload object, so this is enough
 * to make every invoke encode again, and it stays cheap beside the call: a deep clone of 100 KiB costs more than a
 * native plugin's whole call, and tinybench would spend minutes of untimed cloning to fill its time budget.
 */
export function freshCopy<T>(value: T): T {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = Array.isArray(v) ? [...v] : typeof v === "object" && v !== null ? { ...v } : v;
  }
  return out as T;
}

/** The `--json` file: `{ node, cases: [{ name, median_ns, p99_ns, samples }] }`, members in that order. */
export function resultsJson(cases: readonly CaseResult[], node: string = process.version): string {
  const rows = cases.map(({ name, median_ns, p99_ns, samples }) => ({ name, median_ns, p99_ns, samples }));
  return `${JSON.stringify({ node, cases: rows }, null, 2)}\n`;
}

export function find(name: string): CaseResult | undefined {
  return collected.find((r) => r.name === name);
}

/** Nearest-rank quantile of an ascending array (the Rust side computes the same). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]!;
}

let started = performance.now();
export function resetClock(): void {
  started = performance.now();
}

function progress(r: CaseResult): void {
  const s = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`.padStart(12);
  process.stderr.write(
    `[${s} s] ${r.name.padEnd(44)} median ${us(r.median_ns)}  p99 ${us(r.p99_ns)}  n=${r.samples}\n`,
  );
}

/**
 * Measures `fn(input)` where `input` comes from `prepare()` called before each sample (untimed). Throws if a call
 * throws: a case that errors must not report a time.
 */
export async function measure<T>(
  settings: BenchSettings,
  name: string,
  fn: (input: T) => unknown,
  prepare: () => T,
  opts: { timeMs?: number; minSamples?: number } = {},
): Promise<CaseResult> {
  const time = opts.timeMs ?? (settings.quick ? 150 : 1000);
  const bench = new Bench({
    time,
    iterations: opts.minSamples ?? (settings.quick ? 20 : 50),
    warmupTime: Math.max(30, time / 5),
    warmupIterations: 10,
    throws: true,
  });
  let input = prepare();
  bench.add(name, () => fn(input), {
    beforeEach: () => {
      input = prepare();
    },
  });
  await bench.warmup();
  await bench.run();
  const task = bench.tasks[0];
  const samples = task?.result?.samples;
  if (task?.result?.error !== undefined) throw task.result.error;
  if (samples === undefined || samples.length === 0) throw new Error(`${name}: no samples`);
  const sorted = [...samples].sort((a, b) => a - b);
  const result: CaseResult = {
    name,
    median_ns: Math.round(quantile(sorted, 0.5) * 1e6),
    p99_ns: Math.round(quantile(sorted, 0.99) * 1e6),
    samples: sorted.length,
  };
  record(result);
  return result;
}
