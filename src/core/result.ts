// What a handler returns (PluginResult) and what an invoke returns (PipelineResult); docs/errors.md for the codes in them.

import type { JsonObject } from "./config/types.js";
import type { ContextTable } from "./context.js";
import type { PluginErrorRecord, PluginViolation } from "./errors.js";
import type { Extensions } from "./extensions/types.js";

export interface PluginResult<P = unknown> {
  /** Default true. `false` with a violation is a deny (in phases that may block). */
  readonly continueProcessing?: boolean;
  readonly modifiedPayload?: P;
  readonly modifiedExtensions?: Extensions;
  readonly violation?: PluginViolation;
  /** Informational; the executor does not aggregate it (as CPEX). */
  readonly metadata?: JsonObject;
}

const ALLOW: PluginResult<never> = Object.freeze({ continueProcessing: true });

export const PluginResult = {
  allow<P = never>(): PluginResult<P> {
    return ALLOW;
  },
  deny<P = never>(violation: PluginViolation): PluginResult<P> {
    return { continueProcessing: false, violation };
  },
  modifyPayload<P>(payload: P): PluginResult<P> {
    return { continueProcessing: true, modifiedPayload: payload };
  },
  modifyExtensions<P = never>(extensions: Extensions): PluginResult<P> {
    return { continueProcessing: true, modifiedExtensions: extensions };
  },
  modify<P>(payload: P, extensions: Extensions): PluginResult<P> {
    return { continueProcessing: true, modifiedPayload: payload, modifiedExtensions: extensions };
  },
  /** @deprecated Nothing in cpex uses it; test `r.continueProcessing === false`. Kept for compatibility. */
  isDenied(r: PluginResult<unknown>): boolean {
    return r.continueProcessing === false;
  },
};

export type Phase = "sequential" | "transform" | "audit" | "concurrent" | "fire_and_forget";

/** One plugin's part in an invoke, collected when `invoke(..., { trace: true })`. */
export interface PluginTrace {
  readonly plugin: string;
  readonly phase: Phase;
  /** allow | modify | deny | deny_ignored | error | timeout | aborted | spawned */
  readonly outcome: string;
  readonly durationMs: number;
  readonly payloadModified?: boolean;
  readonly extensionsModified?: boolean;
  /** Why an extension edit was refused, when it was. */
  readonly extensionsRejected?: string;
  readonly violation?: PluginViolation;
  readonly error?: PluginErrorRecord;
  /** The plugin's own `metadata` (the executor does not aggregate it; traces show it). */
  readonly metadata?: JsonObject;
  /** What the plugin's host reported (e.g. fuel used, memory pages for WebAssembly plugins). */
  readonly telemetry?: Readonly<Record<string, number | string>>;
}

/** Fire-and-forget work started by an invoke. */
export interface BackgroundTasks {
  readonly count: number;
  /** Resolves when every task ended, with a record for each task that failed or timed out. */
  wait(): Promise<PluginErrorRecord[]>;
}

export interface PipelineResult<P = unknown> {
  readonly continueProcessing: boolean;
  readonly violation?: PluginViolation;
  /** The final payload: present on every allowed result (even unchanged), absent on deny. */
  readonly modifiedPayload?: P;
  /** True when any plugin replaced the payload. */
  readonly payloadModified: boolean;
  /** The final canonical extensions (present on allow and deny; presence does not mean "changed"). */
  readonly modifiedExtensions: Extensions;
  readonly errors: readonly PluginErrorRecord[];
  readonly metadata?: JsonObject;
  /** Pass into the next hook of the same request (pre → post). */
  readonly contextTable: ContextTable;
  readonly background: BackgroundTasks;
  /** Present when the invoke asked for a trace. */
  readonly trace?: readonly PluginTrace[];
}

export const NO_BACKGROUND: BackgroundTasks = Object.freeze({
  count: 0,
  wait: async () => [],
});
