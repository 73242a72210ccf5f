// The speed goals that are a ratio of two cases, in one place: the overhead section judges them for its
// own run, bench/node-versions.ts for each Node version's run.
import { PLUGINS } from "./plugin-payloads.js";

export interface RatioGoal {
  /** How the docs state the goal. */
  readonly label: string;
  /** The ratio is median(num) ÷ median(den), within one run. */
  readonly num: string;
  readonly den: string;
  readonly met: (ratio: number) => boolean;
}

export const RATIO_GOALS: readonly RatioGoal[] = [
  {
    label: "wasm_hook/1KiB ≤ 1.3 × floor/1KiB",
    num: "wasm_hook/1KiB",
    den: "floor/1KiB",
    met: (r) => r <= 1.3,
  },
  {
    label: "wasm_hook/1KiB ≥ 3 × faster than extism_js/1KiB",
    num: "extism_js/1KiB",
    den: "wasm_hook/1KiB",
    met: (r) => r >= 3,
  },
  {
    label: "wasm_hook/16KiB ≥ 10 × faster than extism_js/16KiB",
    num: "extism_js/16KiB",
    den: "wasm_hook/16KiB",
    met: (r) => r >= 10,
  },
  {
    label: "pipeline/5/wasm/1KiB ≤ 2 × pipeline/5/native_ts/1KiB",
    num: "pipeline/5/wasm/1KiB",
    den: "pipeline/5/native_ts/1KiB",
    met: (r) => r <= 2,
  },
  ...PLUGINS.map(
    (p): RatioGoal => ({
      label: `${p} at 16 KiB: wasm ≤ 3 × native Rust`,
      num: `plugin/${p}/wasm/16KiB`,
      den: `plugin/${p}/native_rust/16KiB`,
      met: (r) => r <= 3,
    }),
  ),
];

/** A goal's ratio in one run, given the run's median of a case (undefined: a case was not measured). */
export function goalRatio(goal: RatioGoal, median: (name: string) => number | undefined): number | undefined {
  const a = median(goal.num);
  const b = median(goal.den);
  return a === undefined || b === undefined ? undefined : a / b;
}
