// The serial phases — sequential, transform, audit — one plugin after another on the current payload. What each
// may do (deny, modify, keep context writes) comes from the phase table (phases.ts).

import type { PluginError } from "../errors.js";
import { validateAndMerge } from "../extensions/merge.js";
import type { HookEntry } from "../registry.js";
import type { Phase, PluginTrace } from "../result.js";
import type { Call } from "./call.js";
import { contextFor, startCall } from "./call.js";
import { handleError, phaseRecord, stamp } from "./on-error.js";
import { PHASES } from "./phases.js";
import type { Halt, RunState } from "./state.js";

export async function runSerialPhase(
  state: RunState,
  entries: readonly HookEntry[],
  phase: "sequential" | "transform" | "audit",
): Promise<Halt> {
  const rules = PHASES[phase];
  for (const entry of entries) {
    const started = state.trace === undefined ? 0 : performance.now();
    const ctx = contextFor(state, entry, phase);
    const { call, pending } = startCall(state, entry, phase, state.payload, ctx);
    const outcome = pending instanceof Promise ? await pending : pending;

    if (outcome.kind === "error") {
      const halt = handleError(state, entry, outcome.error, phase);
      record(state, entry, phase, started, call, failure(entry, outcome.error, phase));
      if (halt !== undefined) return halt;
      if (rules.context === "take") state.table.store(entry.ref.id, ctx);
      continue;
    }

    const result = outcome.result;
    const metadata = result.metadata === undefined ? {} : { metadata: result.metadata };
    if (!rules.canModify) {
      // Read-only: the result is discarded; only the trace says what the plugin would have done.
      record(state, entry, phase, started, call, {
        outcome: result.continueProcessing === false ? "deny_ignored" : "allow",
        ...metadata,
      });
      continue;
    }
    const denied = result.continueProcessing === false && result.violation !== undefined;
    if (denied && rules.canDeny) {
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
    if (rules.context === "take") state.table.store(entry.ref.id, ctx);
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
        ...metadata,
      });
    }
  }
  return undefined;
}

/** The trace fields of a failed call. */
export function failure(
  entry: HookEntry,
  error: PluginError,
  phase: Phase,
): Pick<PluginTrace, "outcome" | "error"> {
  return { outcome: error.kind === "timeout" ? "timeout" : "error", error: phaseRecord(error, entry, phase) };
}

/** Add one plugin's part to the trace, when the caller asked for one. */
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
