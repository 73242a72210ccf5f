// Calling one handler: the HandlerCall it receives, the per-plugin timeout, and turning whatever it does (return,
// throw, reject, hang) into an Outcome. Synchronous handlers take a fast path with no promise and no timer: a
// synchronous call cannot be interrupted from JS anyway (sandboxed hosts enforce `deadline` themselves).

import type { ContextTable, PluginContext } from "../context.js";
import { PluginError, toPluginError } from "../errors.js";
import type { Extensions } from "../extensions/types.js";
import type { HandlerCall } from "../plugin.js";
import type { HookEntry } from "../registry.js";
import type { PluginResult } from "../result.js";
import type { RunSettings } from "./state.js";

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

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

function settle(entry: HookEntry, value: unknown): Outcome {
  if (value === undefined || value === null) return { kind: "ok", result: ALLOW };
  if (typeof value !== "object" || Array.isArray(value)) {
    return {
      kind: "error",
      error: new PluginError(
        `handler returned ${Array.isArray(value) ? "an array" : typeof value}, not a result`,
        {
          pluginName: entry.name,
          code: "invalid_result",
        },
      ),
    };
  }
  return { kind: "ok", result: value as PluginResult };
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
  let returned: unknown;
  try {
    returned = entry.handler(payload, view, ctx, call);
  } catch (thrown) {
    return { kind: "error", error: toPluginError(thrown, entry.name) };
  }
  if (!isThenable(returned)) return settle(entry, returned);
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(() => {
      call.abort();
      resolve({ kind: "error", error: PluginError.timeout(entry.name, timeoutMs) });
    }, timeoutMs);
    returned.then(
      (value) => {
        clearTimeout(timer);
        resolve(settle(entry, value));
      },
      (thrown: unknown) => {
        clearTimeout(timer);
        resolve({ kind: "error", error: toPluginError(thrown, entry.name) });
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
      code: "manager_closed",
    });
    return { kind: "error", error };
  }
  return invokeHandler(entry, call, payload, view, ctx, settings.timeoutMs);
}

/** Read-only phases get a copy of the plugin's context; writes are discarded. */
export function snapshotContext(table: ContextTable, entry: HookEntry): PluginContext {
  return table.snapshot(entry.ref.id);
}
