// Small timing helpers shared by the benchmarks: warm up, then take the median of several timed batches.

export interface Timing {
  /** Median time per operation, in nanoseconds. */
  readonly nsPerOp: number;
  /** Spread of the batches (min–max ns/op). */
  readonly min: number;
  readonly max: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function time(
  fn: () => unknown,
  opts: { batch?: number; batches?: number; warmup?: number } = {},
): Promise<Timing> {
  const batch = opts.batch ?? 10_000;
  const batches = opts.batches ?? 7;
  for (let i = 0; i < (opts.warmup ?? batch * 2); i++) await fn();
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) await fn();
    per.push(((performance.now() - t) * 1e6) / batch);
  }
  return { nsPerOp: median(per), min: Math.min(...per), max: Math.max(...per) };
}

/** Synchronous variant (no await per call), for pure-CPU work. */
export function timeSync(
  fn: () => unknown,
  opts: { batch?: number; batches?: number; warmup?: number } = {},
): Timing {
  const batch = opts.batch ?? 10_000;
  const batches = opts.batches ?? 7;
  for (let i = 0; i < (opts.warmup ?? batch * 2); i++) fn();
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) fn();
    per.push(((performance.now() - t) * 1e6) / batch);
  }
  return { nsPerOp: median(per), min: Math.min(...per), max: Math.max(...per) };
}

export const fmtNs = (ns: number): string =>
  ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1000
      ? `${(ns / 1000).toFixed(2)} µs`
      : `${ns.toFixed(0)} ns`;

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
