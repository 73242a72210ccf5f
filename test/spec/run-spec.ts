// `npm run spec [-- <name filter>]`: per-script counts, then exactly one summary line.
import { runSpec, summaryLine } from "./spec.js";

const filter = process.argv[2];
const reports = runSpec(filter === undefined ? undefined : (n) => n.includes(filter));
for (const r of reports) {
  const detail = r.status === "not converted" ? ` (${r.problems[0]})` : "";
  console.log(
    `${r.status.padEnd(13)} ${r.script.padEnd(28)} ${String(r.commands).padStart(5)} commands ${String(r.assertions).padStart(5)} assertions  small-budget ${r.smallBudgetCompared}${detail}`,
  );
  if (r.status === "failed") for (const p of r.problems.slice(0, 10)) console.log(`    ${p}`);
}
const total = reports.reduce((n, r) => n + r.commands, 0);
console.log(`${total} commands in ${reports.length} scripts`);
console.log(summaryLine(reports));
process.exitCode = reports.some((r) => r.status === "failed") ? 1 : 0;
