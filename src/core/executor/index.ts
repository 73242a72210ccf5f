// The 5-phase pipeline (cpex-semantics §3): sequential → transform → audit → concurrent → fire_and_forget.

import type { ContextTable } from "../context.js";
import type { Extensions } from "../extensions/types.js";
import type { HookEntry } from "../registry.js";
import { NO_BACKGROUND, type PipelineResult, type PluginTrace } from "../result.js";
import { spawnBackground, type TaskTracker } from "./background.js";
import { runConcurrentPhase } from "./concurrent.js";
import { runAuditPhase, runModifyingPhase } from "./serial.js";
import type { Halt, RunSettings, RunState } from "./state.js";

export { TaskTracker } from "./background.js";
export type { RunSettings } from "./state.js";

interface Phases {
  sequential: HookEntry[];
  transform: HookEntry[];
  audit: HookEntry[];
  concurrent: HookEntry[];
  fire_and_forget: HookEntry[];
}

function groupByMode(entries: readonly HookEntry[]): Phases {
  const p: Phases = { sequential: [], transform: [], audit: [], concurrent: [], fire_and_forget: [] };
  for (const e of entries) {
    const mode = e.ref.effectiveMode;
    if (mode !== "disabled") p[mode].push(e);
  }
  return p;
}

export async function execute(
  hook: string,
  entries: readonly HookEntry[],
  payload: unknown,
  extensions: Extensions,
  table: ContextTable,
  settings: RunSettings,
  tracker: TaskTracker,
  trace: boolean,
): Promise<PipelineResult> {
  const state: RunState = {
    hook,
    settings,
    payload,
    extensions,
    payloadModified: false,
    errors: [],
    table,
    trace: trace ? [] : undefined,
  };
  const phases = groupByMode(entries);
  let halt: Halt;
  if (phases.sequential.length > 0) halt = await runModifyingPhase(state, phases.sequential, "sequential");
  if (halt === undefined && phases.transform.length > 0)
    halt = await runModifyingPhase(state, phases.transform, "transform");
  if (halt === undefined && phases.audit.length > 0) halt = await runAuditPhase(state, phases.audit);
  if (halt === undefined && phases.concurrent.length > 0)
    halt = await runConcurrentPhase(state, phases.concurrent);

  if (halt !== undefined) {
    return {
      continueProcessing: false,
      violation: halt.violation,
      payloadModified: state.payloadModified,
      modifiedExtensions: state.extensions,
      errors: state.errors,
      contextTable: state.table,
      background: NO_BACKGROUND,
      ...traceField(state.trace),
    };
  }
  const background =
    phases.fire_and_forget.length > 0
      ? spawnBackground(state, phases.fire_and_forget, tracker)
      : NO_BACKGROUND;
  if (state.trace !== undefined)
    for (const e of phases.fire_and_forget)
      state.trace.push({ plugin: e.name, phase: "fire_and_forget", outcome: "spawned", durationMs: 0 });
  return {
    continueProcessing: true,
    modifiedPayload: state.payload,
    payloadModified: state.payloadModified,
    modifiedExtensions: state.extensions,
    errors: state.errors,
    contextTable: state.table,
    background,
    ...traceField(state.trace),
  };
}

function traceField(trace: PluginTrace[] | undefined): { trace?: readonly PluginTrace[] } {
  return trace === undefined ? {} : { trace };
}
