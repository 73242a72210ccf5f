// Serial phases: sequential (can block, can modify), transform (can modify, deny ignored) and audit (read-only).

import type { PluginContext } from "../context.js";
import { errorRecord, type PluginError } from "../errors.js";
import { filterExtensions } from "../extensions/filter.js";
import { validateAndMerge } from "../extensions/merge.js";
import type { HookEntry } from "../registry.js";
import type { Phase, PluginTrace } from "../result.js";
import { Call, callHandler, type Outcome } from "./call.js";
import { handleError, stamp } from "./on-error.js";
import type { Halt, RunState } from "./state.js";

export async function runModifyingPhase(
  state: RunState,
  entries: readonly HookEntry[],
  phase: "sequential" | "transform",
): Promise<Halt> {
  const canBlock = phase === "sequential";
  for (const entry of entries) {
    const started = state.trace === undefined ? 0 : performance.now();
    const ctx = state.table.take(entry.ref.id);
    const { call, pending } = callOne(state, entry, ctx);
    const outcome = pending instanceof Promise ? await pending : pending;

    if (outcome.kind === "error") {
      const halt = handleError(state, entry, outcome.error, phase);
      record(state, entry, phase, started, call, failure(entry, outcome.error));
      if (halt !== undefined) return halt;
      state.table.store(entry.ref.id, ctx);
      continue;
    }

    const result = outcome.result;
    const denied = result.continueProcessing === false && result.violation !== undefined;
    if (denied && canBlock) {
      const violation = stamp(result.violation!, entry);
      record(state, entry, phase, started, call, { outcome: "deny", violation });
      return { violation };
    }
    let payloadModified = false;
    if (result.modifiedPayload !== undefined) {
      state.payload = result.modifiedPayload;
      state.payloadModified = true;
      payloadModified = true;
    }
    let extensionsModified = false;
    let extensionsRejected: string | undefined;
    if (result.modifiedExtensions !== undefined) {
      const merged = validateAndMerge(state.extensions, result.modifiedExtensions, entry.ref.capabilities);
      if (merged.rejected !== undefined) {
        extensionsRejected = merged.rejected;
        state.settings.logger.warn(`plugin '${entry.name}': extension edit rejected: ${merged.rejected}`);
      } else {
        extensionsModified = merged.merged !== state.extensions;
        state.extensions = merged.merged;
      }
    }
    state.table.store(entry.ref.id, ctx);
    if (state.trace !== undefined) {
      const outcomeName = denied
        ? "deny_ignored"
        : payloadModified || extensionsModified
          ? "modify"
          : "allow";
      record(state, entry, phase, started, call, {
        outcome: outcomeName,
        payloadModified,
        extensionsModified,
        ...(extensionsRejected === undefined ? {} : { extensionsRejected }),
        ...(denied ? { violation: stamp(result.violation!, entry) } : {}),
        ...(result.metadata === undefined ? {} : { metadata: result.metadata }),
      });
    }
  }
  return undefined;
}

/**
 * Audit: each plugin sees the current payload read-only; results are discarded; every error is recorded. Only a
 * host failure halts (the pipeline must not go on past a plugin the host could not run).
 */
export async function runAuditPhase(state: RunState, entries: readonly HookEntry[]): Promise<Halt> {
  for (const entry of entries) {
    const started = state.trace === undefined ? 0 : performance.now();
    const ctx = state.table.snapshot(entry.ref.id);
    const { call, pending } = callOne(state, entry, ctx);
    const outcome = pending instanceof Promise ? await pending : pending;
    if (outcome.kind === "error") {
      const halt = handleError(state, entry, outcome.error, "audit");
      record(state, entry, "audit", started, call, failure(entry, outcome.error));
      if (halt !== undefined) return halt;
    } else {
      record(state, entry, "audit", started, call, {
        outcome: outcome.result.continueProcessing === false ? "deny_ignored" : "allow",
        ...(outcome.result.metadata === undefined ? {} : { metadata: outcome.result.metadata }),
      });
    }
  }
  return undefined;
}

/** Call one plugin on the current payload with its capability-filtered view. Synchronous handlers stay synchronous. */
function callOne(
  state: RunState,
  entry: HookEntry,
  ctx: PluginContext,
): { call: Call; pending: Outcome | Promise<Outcome> } {
  const view = filterExtensions(state.extensions, entry.ref.capabilities);
  const call = new Call(entry, state.hook, state.settings.timeoutMs);
  return { call, pending: callHandler(state.settings, entry, call, state.payload, view, ctx) };
}

export function failure(entry: HookEntry, error: PluginError): Pick<PluginTrace, "outcome" | "error"> {
  return { outcome: error.kind === "timeout" ? "timeout" : "error", error: errorRecord(error, entry.name) };
}

export function record(
  state: RunState,
  entry: HookEntry,
  phase: Phase,
  started: number,
  call: Call,
  fields: Omit<PluginTrace, "plugin" | "phase" | "durationMs">,
): void {
  if (state.trace === undefined) return;
  state.trace.push({
    plugin: entry.name,
    phase,
    durationMs: performance.now() - started,
    ...fields,
    ...(call.telemetry === undefined ? {} : { telemetry: call.telemetry }),
  });
}
