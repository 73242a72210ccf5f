// The Store: one plugin's guest with its limits. It prepares each call's inputs (MessagePack, encoded lazily,
// only when the guest asks), runs the guest (guest.ts) and maps the outcome to a PluginResult or a PluginError.
// Calls are synchronous (the guest runs on this thread), so two calls can never interleave in one instance.
// After any abnormal end the instance is discarded and a fresh one is made from the cached compiled module
// before the next call, under the start-up limits.

import {
  EMPTY_EXTENSIONS,
  type Extensions,
  extensionsToWire,
  type HandlerCall,
  type Logger,
  type PluginContext,
  PluginError,
  type PluginResult,
} from "../../core/index.js";
import type { LazyBytes } from "./abi/call-state.js";
import { encode, MsgpackError } from "./abi/msgpack.js";
import { resultFromWire } from "./abi/result.js";
import type { CompiledPlugin, WasmEngine } from "./engine.js";
import { GuestStop, HostFailure, RECYCLING, wasmPluginError } from "./errors.js";
import { type CallTelemetry, GuestInstance, type GuestOutcome } from "./guest.js";
import type { FileGrant, WasmLimits } from "./limits.js";
import type { WasiClock } from "./wasi/preview1.js";

export type { CallTelemetry };

export interface SandboxOptions {
  readonly name: string;
  readonly engine: WasmEngine;
  readonly compiled: CompiledPlugin;
  readonly limits: WasmLimits;
  /** MessagePack of the plugin's `config:`. */
  readonly configBytes: Uint8Array;
  readonly env: Readonly<Record<string, string>>;
  readonly clock: WasiClock;
  readonly random: (out: Uint8Array) => void;
  readonly logger: Logger;
  readonly testImports?: boolean;
  readonly files?: readonly FileGrant[];
}

const LEVELS = ["debug", "debug", "info", "warn", "error"] as const;

export class Sandbox {
  private guest: GuestInstance | undefined;
  private disposed = false;
  lastTelemetry: CallTelemetry | undefined;

  // Made once: a call creates only the three lazy input closures (this is the per-call hot path).
  private readonly capBytes: number;
  private readonly encodePayload: (v: unknown) => Uint8Array;

  /** The call being made (calls are synchronous, so one slot is enough); read by the lazy inputs below. */
  private readonly current: { payload: unknown; view: Extensions; ctx: PluginContext | undefined } = {
    payload: undefined,
    view: EMPTY_EXTENSIONS,
    ctx: undefined,
  };
  private readonly lazyPayload: LazyBytes;
  private readonly lazyExtensions: LazyBytes;
  private readonly lazyContext: LazyBytes;

  constructor(private readonly options: SandboxOptions) {
    this.capBytes = options.compiled.memoryCapPages * 65536;
    this.encodePayload = (v) => options.engine.encodePayload(v);
    const cur = this.current;
    this.lazyPayload = () => encodeInput("payload", cur.payload, this.encodePayload, this.capBytes);
    this.lazyExtensions = () =>
      encodeInput("extensions", extensionsToWire(cur.view), encodeExtensions, this.capBytes);
    this.lazyContext = () =>
      encodeInput(
        "context",
        { local_state: cur.ctx?.localState ?? {}, global_state: cur.ctx?.globalState ?? {} },
        encodeContext,
        this.capBytes,
      );
  }

  /** Instantiate now (at load), so a broken plugin is a load error rather than a first-call error. */
  start(): void {
    this.guest = this.newGuest();
  }

  private newGuest(): GuestInstance {
    const o = this.options;
    const guest = new GuestInstance({
      name: o.name,
      module: o.compiled.module,
      limits: o.limits,
      memoryCapPages: o.compiled.memoryCapPages,
      configBytes: o.configBytes,
      testImports: o.testImports === true,
      ...(o.files === undefined ? {} : { files: o.files }),
      env: o.env,
      clock: o.clock,
      random: o.random,
      // Text arrives escaped and capped (guest.ts); the prefix names the plugin on every line.
      log: (level, text) => o.logger[LEVELS[level] ?? "info"](`[wasm:${o.name}] ${text}`),
    });
    guest.start();
    return guest;
  }

  /** One hook invocation. Synchronous; throws a PluginError on any failure. */
  handle(
    hook: string,
    payload: unknown,
    view: Extensions,
    ctx: PluginContext,
    call: HandlerCall,
  ): PluginResult {
    const name = this.options.name;
    if (this.disposed) {
      throw new PluginError("the plugin was shut down", {
        kind: "host",
        pluginName: name,
        code: "plugin_unavailable",
      });
    }
    let guest = this.guest;
    if (guest === undefined || !guest.alive) {
      try {
        guest = this.guest = this.newGuest();
      } catch (err) {
        this.guest = undefined;
        const message = err instanceof Error ? err.message : String(err);
        const details = err instanceof GuestStop ? err.details : {};
        throw wasmPluginError(name, "init_failed", `re-instantiation failed: ${message}`, details);
      }
    }
    this.current.payload = payload;
    this.current.view = view;
    this.current.ctx = ctx;
    const outcome = guest.call({
      hook,
      payload: this.lazyPayload,
      extensions: this.lazyExtensions,
      context: this.lazyContext,
      deadline: call.deadline,
    });
    this.current.payload = undefined; // nothing of a call outlives it
    this.current.ctx = undefined;
    this.lastTelemetry = outcome.telemetry;
    call.report(outcome.telemetry);
    if (outcome.kind !== "host" && outcome.logDropped > 0)
      logDropped(this.options.logger, name, outcome.logDropped);
    return settleOutcome(name, this.options.limits, outcome, view, call, ctx, () => {
      guest.alive = false;
    });
  }

  get memoryPages(): number {
    return this.guest?.memoryPages ?? 0;
  }

  dispose(): void {
    this.disposed = true;
    this.guest = undefined;
  }
}

const encodeExtensions = (v: unknown): Uint8Array => encode(v, "extensions");
const encodeContext = (v: unknown): Uint8Array => encode(v, "context");

const RESERVED: ReadonlySet<string> = new Set([...RECYCLING, "init_failed"]);

/** MessagePack of one input for the guest. Failing to encode it is the host's failure, never the guest's. */
export function encodeInput(
  what: string,
  value: unknown,
  encodeFn: (v: unknown) => Uint8Array,
  capBytes: number,
): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = encodeFn(value);
  } catch (err) {
    if (err instanceof MsgpackError) {
      throw new HostFailure("payload_unencodable", `cannot encode the ${what} for the guest: ${err.message}`);
    }
    throw err;
  }
  if (bytes.length > capBytes) {
    throw new HostFailure(
      "payload_unencodable",
      `the ${what} is ${bytes.length} bytes of MessagePack, more than the plugin's memory cap (${capBytes} bytes)`,
    );
  }
  return bytes;
}

export function logDropped(logger: Logger, name: string, n: number): void {
  logger.warn(`[wasm:${name}] ${n} log message(s) dropped (max_log_bytes)`);
}

/** A call's outcome as the executor needs it, in either execution mode (the result map already decoded). */
export type SettledOutcome =
  | Exclude<GuestOutcome, { kind: "returned" }>
  | (Extract<GuestOutcome, { kind: "returned" }> & { readonly result: Record<string, unknown> | undefined });

/**
 * Map a guest outcome to the PluginResult the executor merges, or throw the PluginError it records. Host failures
 * are PluginErrors of kind `host` (fail closed, never counted against the plugin); `onBadResult` recycles the
 * instance when the result map is malformed.
 */
export function settleOutcome(
  name: string,
  limits: WasmLimits,
  outcome: SettledOutcome,
  view: Extensions,
  call: HandlerCall,
  ctx: PluginContext,
  onBadResult: () => void,
): PluginResult {
  if (outcome.kind === "host") {
    throw new PluginError(outcome.message, {
      kind: "host",
      pluginName: name,
      code: outcome.code,
      details: { ...outcome.telemetry },
    });
  }
  if (outcome.kind === "stopped") {
    throw wasmPluginError(name, outcome.code, outcome.message, outcome.details, limits.timeoutMs);
  }
  if (outcome.status !== 0) {
    const e = outcome.error;
    const code = e === undefined ? "plugin_error" : RESERVED.has(e.code) ? `guest.${e.code}` : e.code;
    throw new PluginError(e?.message ?? `plugin returned status ${outcome.status}`, {
      pluginName: name,
      code,
      details: { ...(e?.details ?? {}), status: outcome.status, ...outcome.telemetry },
    });
  }
  if (outcome.result === undefined) return { continueProcessing: true };
  try {
    return resultFromWire(outcome.result, view, call.capabilities, ctx);
  } catch (err) {
    onBadResult();
    if (err instanceof GuestStop) {
      throw wasmPluginError(name, err.code, err.message, { ...err.details, ...outcome.telemetry });
    }
    throw err;
  }
}
