// Concurrent phase: every plugin runs at once on one shared copy of the payload, read-only, with a context
// snapshot (phases.ts). An explicit deny aborts the siblings still running (short_circuit_on_deny); outcomes are
// then read in priority order and the first halting one wins (docs/configuration.md, "Modes").

import type { HookEntry } from "../registry.js";
import { Call, contextFor, type Outcome, startCall } from "./call.js";
import { checkedPayload, clonePayload } from "./clone.js";
import { handleError, stamp } from "./on-error.js";
import { PHASES } from "./phases.js";
import { failure, record } from "./serial.js";
import type { Halt, RunState } from "./state.js";

const RULES = PHASES.concurrent;

export async function runConcurrentPhase(state: RunState, entries: readonly HookEntry[]): Promise<Halt> {
  // One copy for the whole phase; in payload-check mode it is frozen, since siblings share it.
  const shared =
    state.settings.checkPayloads === true ? checkedPayload(state.payload) : clonePayload(state.payload);
  const outcomes: Array<Outcome | undefined> = new Array(entries.length);
  const calls: Call[] = [];
  const started = performance.now();
  let denied = false;
  let onDeny: () => void = () => {};
  const denySignal = new Promise<void>((resolve) => {
    onDeny = resolve;
  });
  const settle = (i: number, o: Outcome): void => {
    outcomes[i] = o;
    if (state.settings.shortCircuitOnDeny && o.kind === "ok" && o.result.continueProcessing === false) {
      denied = true;
      onDeny();
    }
  };

  const pending: Promise<void>[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (denied) break; // a synchronous deny already short-circuited: the rest never start
    const entry = entries[i]!;
    const begun = startCall(state, entry, "concurrent", shared, contextFor(state, entry, "concurrent"));
    calls[i] = begun.call;
    const out = begun.pending;
    if (out instanceof Promise) pending.push(out.then((o) => settle(i, o)));
    else settle(i, out);
  }
  if (pending.length > 0 && !denied) await Promise.race([Promise.all(pending), denySignal]);
  for (let i = 0; i < entries.length; i++) if (outcomes[i] === undefined) calls[i]?.abort();

  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const outcome = outcomes[i];
    const call = calls[i] ?? new Call(entry, state.hook, 0);
    if (outcome === undefined) {
      record(state, entry, "concurrent", started, call, { outcome: "aborted" });
      continue;
    }
    if (outcome.kind === "ok") {
      const result = outcome.result;
      const isDeny =
        result.continueProcessing === false && (RULES.denyWithoutViolation || result.violation !== undefined);
      if (!isDeny) {
        record(state, entry, "concurrent", started, call, { outcome: "allow" });
        continue;
      }
      const violation =
        result.violation === undefined
          ? { code: "concurrent_deny", reason: `Plugin '${entry.name}' denied`, pluginName: entry.name }
          : stamp(result.violation, entry);
      record(state, entry, "concurrent", started, call, { outcome: "deny", violation });
      return { violation };
    }
    record(state, entry, "concurrent", started, call, failure(entry, outcome.error, "concurrent"));
    const halt = handleError(state, entry, outcome.error, "concurrent");
    if (halt !== undefined) return halt;
  }
  return undefined;
}
