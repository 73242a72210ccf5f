// The spec-testsuite proof: every script runs on the original modules and on the instrumented ones (huge budget:
// everything must be identical; small budget: each command is identical or stopped by fuel).

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { convert, listScripts, requireWast2json } from "./convert.js";
import { type Command, type Outcome, ScriptRun } from "./interpreter.js";

export interface ScriptReport {
  readonly script: string;
  readonly status: "passed" | "failed" | "not converted";
  readonly commands: number;
  readonly assertions: number;
  readonly problems: readonly string[];
  readonly smallBudgetCompared: number;
}

const SMALL_BUDGET = 5_000;
const HUGE_BUDGET = 1e15;

export function runScript(script: string): ScriptReport {
  const name = basename(script, ".wast");
  const conv = convert(script);
  if (!conv.ok)
    return {
      script: name,
      status: "not converted",
      commands: 0,
      assertions: 0,
      problems: [conv.reason],
      smallBudgetCompared: 0,
    };
  const { commands } = JSON.parse(readFileSync(conv.json, "utf8")) as { commands: Command[] };
  const plain = new ScriptRun(conv.dir, { kind: "plain" });
  const metered = new ScriptRun(conv.dir, { kind: "instrumented", budget: HUGE_BUDGET });
  const small = new ScriptRun(conv.dir, { kind: "instrumented", budget: SMALL_BUDGET });
  const problems: string[] = [];
  let assertions = 0;
  let smallCompared = 0;
  let smallStopped = false;
  for (const cmd of commands) {
    const a: Outcome = plain.run(cmd);
    const b: Outcome = metered.run(cmd);
    if (b.satisfied !== undefined) assertions++;
    if (a.result !== b.result) {
      problems.push(`line ${cmd.line} ${cmd.type}: plain ${a.result} ≠ instrumented ${b.result}`);
    } else if (b.satisfied === false && a.satisfied !== false) {
      problems.push(
        `line ${cmd.line} ${cmd.type}: instrumented run does not satisfy the assertion (${b.result})`,
      );
    }
    if (!smallStopped) {
      const c = small.run(cmd);
      if (c.fuelStop || c.result === "fuel_exhausted") smallStopped = true;
      else if (c.result !== b.result) {
        problems.push(
          `line ${cmd.line} ${cmd.type}: small budget gave ${c.result}, expected ${b.result} or fuel_exhausted`,
        );
      } else smallCompared++;
    }
  }
  return {
    script: name,
    status: problems.length === 0 ? "passed" : "failed",
    commands: commands.length,
    assertions,
    problems,
    smallBudgetCompared: smallCompared,
  };
}

export function runSpec(filter?: (name: string) => boolean): ScriptReport[] {
  requireWast2json();
  return listScripts()
    .filter((s) => filter === undefined || filter(basename(s, ".wast")))
    .map(runScript);
}

export function summaryLine(reports: readonly ScriptReport[]): string {
  const p = reports.filter((r) => r.status === "passed").length;
  const f = reports.filter((r) => r.status === "failed").length;
  const u = reports.filter((r) => r.status === "not converted").length;
  return `spec: ${p} passed, ${f} failed, ${u} not converted`;
}
