// The five-phase pipeline: sequential → transform → audit → concurrent → fire_and_forget, in the order and with
// the rules of the phase table (phases.ts; docs/configuration.md, "Modes").

import type { ContextTable } from "../context.js";
import type { Extensions } from "../extensions/types.js";
import type { HookEntry } from "../registry.js";
import { NO_BACKGROUND, type Phase, type PipelineResult, type PluginTrace } from "../result.js";
import { spawnBackground, type TaskTracker } from "./background.js";
import { runConcurrentPhase } from "./concurrent.js";
import { runSerialPhase } from "./serial.js";
import type { Halt, RunSettings, RunState } from "./state.js";

export { TaskTracker } from "./background.js";
export { PHASE_ORDER, PHASES, type PhaseRules } from "./phases.js";
export type { RunSettings } from "./state.js";

/** One invoke's inputs. */
export interface ExecuteOptions {
  readonly hook: string;
  /** The lineup, in order (priority order, or route order with routing on). Disabled plugins are skipped. */
  readonly entries: readonly HookEntry[];
  readonly payload: unknown;
  /** Canonical extensions; each plugin sees its capability-filtered view. */
  readonly extensions: Extensions;
  readonly table: ContextTable;
  readonly settings: RunSettings;
  /** Where fire-and-forget tasks are tracked (so shutdown can drain them). */
  readonly tracker: TaskTracker;
  /** Collect a per-plugin trace. */
  readonly trace: boolean;
}

type Lineups = Record<Phase, HookEntry[]>;

function groupByMode(entries: readonly HookEntry[]): Lineups {
  const p: Lineups = { sequential: [], transform: [], audit: [], concurrent: [], fire_and_forget: [] };
  for (const e of entries) {
    const mode = e.ref.effectiveMode;
    if (mode !== "disabled") p[mode].push(e);
  }
  return p;
}

export async function execute(options: ExecuteOptions): Promise<PipelineResult> {
  const state: RunState = {
    hook: options.hook,
    settings: options.settings,
    payload: options.payload,
    extensions: options.extensions,
    payloadModified: false,
    errors: [],
    table: options.table,
    trace: options.trace ? [] : undefined,
  };
  const phases = groupByMode(options.entries);
  let halt: Halt;
  for (const phase of ["sequential", "transform", "audit"] as const) {
    if (halt === undefined && phases[phase].length > 0)
      halt = await runSerialPhase(state, phases[phase], phase);
  }
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
      ? spawnBackground(state, phases.fire_and_forget, options.tracker)
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
