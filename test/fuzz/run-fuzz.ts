// `npm run fuzz -- --count N --seed S`: ends with exactly `fuzz: <N> modules, <M> mismatches`.
import { parseArgs } from "node:util";
import { fuzz, fuzzSummary } from "./fuzz.js";

const { values } = parseArgs({
  options: { count: { type: "string", default: "300" }, seed: { type: "string", default: "1" } },
});
const count = Number(values.count);
const seed = Number(values.seed);
const t = performance.now();
const results = await fuzz(count, seed);
for (const r of results.filter((x) => x.status === "mismatch"))
  console.log(`mismatch seed ${r.seed}:\n  ${r.detail}`);
const skipped = results.filter((r) => r.status === "skipped").length;
const calls = results.reduce((n, r) => n + r.calls, 0);
console.log(
  `${calls} export calls compared, ${skipped} modules skipped (not valid for V8, or past the screening budget), ${((performance.now() - t) / 1000).toFixed(1)} s`,
);
console.log(fuzzSummary(results));
process.exitCode = results.some((r) => r.status === "mismatch") ? 1 : 0;
