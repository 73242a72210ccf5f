// Calling one handler: the HandlerCall it receives, the per-plugin timeout, and turning whatever it does (return,
// throw, reject, hang) into an Outcome. Synchronous handlers take a fast path with no promise and no timer: a
// synchronous call cannot be interrupted from JS anyway (sandboxed hosts enforce `deadline` themselves).
// `startCall` is the one place a phase sets a call up: context, capability-filtered view, payload per the
// phase table, counters.

import type { PluginContext } from "../context.js";
import { HOST_ERROR_CODES, PluginError, toPluginError } from "../errors.js";
import { filterExtensions } from "../extensions/filter.js";
import type { Extensions } from "../extensions/types.js";
import { isThenable } from "../guards.js";
import type { HandlerCall } from "../plugin.js";
import type { HookEntry } from "../registry.js";
import type { Phase, PluginResult } from "../result.js";
import { checkedPayload } from "./clone.js";
import { PHASES } from "./phases.js";
import type { RunSettings, RunState } from "./state.js";

export type Outcome =
  | { readonly kind: "ok"; readonly result: PluginResult }
  | { readonly kind: "error"; readonly error: PluginError };

const ALLOW: PluginResult = Object.freeze({ continueProcessing: true });

export class Call implements HandlerCall {
  readonly hookName: string;
  readonly pluginName: string;
  readonly deadline: number;
  readonly capabilities: ReadonlySet<string>;
  telemetry: Readonly<Record<string, number | string>> | undefined;
  private controller: AbortController | undefined;
  private aborted = false;

  constructor(entry: HookEntry, hook: string, timeoutMs: number) {
    this.hookName = hook;
    this.pluginName = entry.name;
    this.capabilities = entry.ref.capabilities;
    this.deadline = performance.now() + timeoutMs;
  }

  // Created on first use: most handlers never look at it, and an AbortController per call is measurable.
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    this.aborted = true;
    this.controller?.abort();
  }

  report(telemetry: Readonly<Record<string, number | string>>): void {
    this.telemetry = this.telemetry === undefined ? { ...telemetry } : { ...this.telemetry, ...telemetry };
  }
}

function settle(entry: HookEntry, value: unknown): Outcome {
  if (value === undefined || value === null) return { kind: "ok", result: ALLOW };
  if (typeof value !== "object" || Array.isArray(value)) {
    const what = Array.isArray(value) ? "an array" : typeof value;
    return {
      kind: "error",
      error: new PluginError(`handler returned ${what}, not a result`, {
        pluginName: entry.name,
        code: "invalid_result",
      }),
    };
  }
  return { kind: "ok", result: value as PluginResult };
}

/** Count an outcome on the plugin's registration (what `PluginManager.plugin(name)` reports). */
function counted(entry: HookEntry, outcome: Outcome): Outcome {
  const c = entry.ref.counters;
  if (outcome.kind === "error") {
    if (outcome.error.kind === "timeout") c.timeouts++;
    else c.errors++;
  } else if (outcome.result.continueProcessing === false) c.denials++;
  return outcome;
}

/** Run one handler. Returns synchronously when the handler did. */
export function invokeHandler(
  entry: HookEntry,
  call: Call,
  payload: unknown,
  view: Extensions,
  ctx: PluginContext,
  timeoutMs: number,
): Outcome | Promise<Outcome> {
  entry.ref.counters.invocations++;
  let returned: unknown;
  try {
    returned = entry.handler(payload, view, ctx, call);
  } catch (thrown) {
    return counted(entry, { kind: "error", error: toPluginError(thrown, entry.name) });
  }
  if (!isThenable(returned)) return counted(entry, settle(entry, returned));
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => {
      call.abort();
      resolve(counted(entry, { kind: "error", error: PluginError.timeout(entry.name, timeoutMs) }));
    }, timeoutMs);
    returned.then(
      (value) => {
        clearTimeout(timer);
        resolve(counted(entry, settle(entry, value)));
      },
      (thrown: unknown) => {
        clearTimeout(timer);
        resolve(counted(entry, { kind: "error", error: toPluginError(thrown, entry.name) }));
      },
    );
  });
}

/** Run one handler, unless the manager already shut its plugins down (then: a host failure, fail closed). */
export function callHandler(
  settings: RunSettings,
  entry: HookEntry,
  call: Call,
  payload: unknown,
  view: Extensions,
  ctx: PluginContext,
): Outcome | Promise<Outcome> {
  if (settings.closed?.() === true) {
    const error = new PluginError("the plugin manager shut down while this request was running", {
      kind: "host",
      pluginName: entry.name,
      code: HOST_ERROR_CODES.managerClosed,
    });
    return { kind: "error", error };
  }
  return invokeHandler(entry, call, payload, view, ctx, settings.timeoutMs);
}

/** A call a phase started: the HandlerCall (for abort and telemetry) and its outcome, possibly still pending. */
export interface StartedCall {
  readonly call: Call;
  readonly pending: Outcome | Promise<Outcome>;
}

/**
 * Set up and start one call in `phase`: the capability-filtered view of the current extensions, `ctx` (the
 * caller took or snapshotted it per the phase table), and `payload` — in payload-check mode a frozen copy where
 * the phase hands out the pipeline's own object, so an in-place write fails the call instead of sticking.
 */
export function startCall(
  state: RunState,
  entry: HookEntry,
  phase: Phase,
  payload: unknown,
  ctx: PluginContext,
): StartedCall {
  const view = filterExtensions(state.extensions, entry.ref.capabilities);
  const call = new Call(entry, state.hook, state.settings.timeoutMs);
  const given =
    state.settings.checkPayloads === true && PHASES[phase].payload === "current"
      ? checkedPayload(payload)
      : payload;
  return { call, pending: callHandler(state.settings, entry, call, given, view, ctx) };
}

/** The context `entry` gets in `phase`: its own state moved out (`take`) or copies (`snapshot`). */
export function contextFor(state: RunState, entry: HookEntry, phase: Phase): PluginContext {
  return PHASES[phase].context === "take"
    ? state.table.take(entry.ref.id)
    : state.table.snapshot(entry.ref.id);
}
