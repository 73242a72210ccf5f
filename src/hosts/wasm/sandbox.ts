// The Store: one plugin's live instance with its limits, fuel gauge and per-call state. Calls are synchronous
// (the guest runs on this thread), so two calls can never interleave in one instance. After any abnormal end the
// instance is discarded and a fresh one is made from the cached compiled module before the next call.

import {
  type Extensions,
  extensionsToWire,
  type HandlerCall,
  type JsonObject,
  type Logger,
  type PluginContext,
  PluginError,
  type PluginResult,
} from "../../core/index.js";
import { CallState } from "./abi/call-state.js";
import { createHostFunctions } from "./abi/host-functions.js";
import { GuestMemory } from "./abi/memory.js";
import { encode } from "./abi/msgpack.js";
import { resultFromWire } from "./abi/result.js";
import { CPEX_MODULE, WASI_MODULE } from "./abi/signatures.js";
import type { CompiledPlugin, WasmEngine } from "./engine.js";
import { GuestStop, RECYCLING, type WasmErrorCode, wasmPluginError } from "./errors.js";
import type { WasmLimits } from "./limits.js";
import { FuelGauge } from "./metering.js";
import { createWasiImports, type WasiClock } from "./wasi/preview1.js";

export interface SandboxOptions {
  readonly name: string;
  readonly engine: WasmEngine;
  readonly compiled: CompiledPlugin;
  readonly limits: WasmLimits;
  /** The plugin's `config:` (sent to the guest as MessagePack). */
  readonly config: unknown;
  readonly env: Readonly<Record<string, string>>;
  readonly clock: WasiClock;
  readonly random: (out: Uint8Array) => void;
  readonly logger: Logger;
}

/** What the last call cost; also reported to the executor's trace. */
export interface CallTelemetry {
  fuel_used: number;
  duration_ms: number;
  memory_pages: number;
  [key: string]: number;
}

interface Live {
  readonly instance: WebAssembly.Instance;
  readonly memory: GuestMemory;
  readonly handle: () => number;
}

const LEVELS = ["debug", "debug", "info", "warn", "error"] as const;
const textDecoder = new TextDecoder();

export class Sandbox {
  private live: Live | undefined;
  private readonly state = new CallState();
  private readonly gauge = new FuelGauge();
  private readonly configBytes: Uint8Array;
  private disposed = false;
  /** Instances created so far (1 + recycles). */
  instances = 0;
  lastTelemetry: CallTelemetry | undefined;

  constructor(private readonly options: SandboxOptions) {
    this.configBytes = encode(options.config ?? null, "config");
  }

  /** Instantiate now (at load), so a broken plugin is a load error rather than a first-call error. */
  start(): void {
    this.live = this.instantiate();
  }

  private memory = (): GuestMemory => {
    if (this.live === undefined) throw new GuestStop("abi_violation", "guest memory is not available yet");
    return this.live.memory;
  };

  private instantiate(): Live {
    const o = this.options;
    const log = (level: number, text: string): void => {
      o.logger[LEVELS[level] ?? "info"](`[wasm:${o.name}] ${text}`);
    };
    const cpex = createHostFunctions(this.state, this.memory, {
      config: this.configBytes,
      maxResultBytes: o.limits.maxResultBytes,
      maxLogBytes: o.limits.maxLogBytes,
      log,
    });
    const wasi = createWasiImports(
      {
        env: o.env,
        clock: o.clock,
        random: o.random,
        write: (fd, bytes) => {
          if (!this.state.admitLog(bytes.length, o.limits.maxLogBytes)) return;
          log(fd === 1 ? 2 : 3, textDecoder.decode(bytes).replace(/\n$/, ""));
        },
      },
      this.memory,
    );
    const imports: WebAssembly.Imports = {
      ...this.gauge.imports,
      [CPEX_MODULE]: cpex as WebAssembly.ModuleImports,
      [WASI_MODULE]: wasi as WebAssembly.ModuleImports,
    };

    this.state.reset("init");
    this.live = undefined;
    const instance = this.run("init", () => {
      const inst = new WebAssembly.Instance(o.compiled.module, imports);
      this.gauge.attach(inst);
      return inst;
    });
    this.instances++;
    const exports = instance.exports;
    const memory = exports["memory"];
    if (!(memory instanceof WebAssembly.Memory))
      throw this.loadError("the module does not export its memory as `memory`");
    const live: Live = {
      instance,
      memory: new GuestMemory(memory),
      handle: exports["cpex_handle"] as () => number,
    };
    this.live = live;
    if (typeof exports["cpex_abi_version"] !== "function")
      throw this.loadError("missing export `cpex_abi_version`");
    if (typeof exports["cpex_handle"] !== "function") throw this.loadError("missing export `cpex_handle`");
    if (exports["_start"] !== undefined) {
      throw this.loadError(
        "the module exports `_start` (a WASI command); plugins must be libraries (cdylib)",
      );
    }
    const initialize = exports["_initialize"];
    if (typeof initialize === "function") this.run("init", () => (initialize as () => void)());
    const version = this.run("init", () => (exports["cpex_abi_version"] as () => number)());
    if (version !== 1)
      throw this.loadError(`unsupported ABI version ${version} (this host speaks version 1)`);
    const init = exports["cpex_init"];
    if (typeof init === "function") {
      const rc = this.run("init", () => (init as () => number)());
      if (rc !== 0) {
        const e = this.state.error;
        throw this.initError(e === undefined ? `cpex_init returned ${rc}` : `cpex_init failed: ${e.message}`);
      }
    }
    return live;
  }

  /** Run guest code under the fuel budget and deadline; classify anything abnormal as a typed error. */
  private run<T>(phase: "init" | "handle", fn: () => T, deadline?: number): T {
    const limits = this.options.limits;
    const now = performance.now();
    this.gauge.begin({
      budget: limits.fuel,
      deadline: Math.min(now + limits.timeoutMs, deadline ?? Infinity),
    });
    let thrown: unknown;
    let value: T | undefined;
    let ok = false;
    try {
      value = fn();
      ok = true;
    } catch (err) {
      thrown = err;
    }
    const { fuelUsed } = this.gauge.end();
    const durationMs = performance.now() - now;
    this.lastTelemetry = {
      fuel_used: fuelUsed,
      duration_ms: Math.round(durationMs * 1000) / 1000,
      memory_pages: this.live?.memory.pages ?? 0,
    };
    if (ok) return value as T;
    const { code, message, details } = this.classify(thrown, fuelUsed);
    const full: JsonObject = { ...details, fuel_used: fuelUsed, duration_ms: this.lastTelemetry.duration_ms };
    this.live = undefined; // every abnormal end recycles; see RECYCLING for the codes a call can end with
    if (phase === "init") throw this.initError(message, code, full);
    throw wasmPluginError(this.options.name, code, message, full, limits.timeoutMs);
  }

  private classify(
    thrown: unknown,
    fuelUsed: number,
  ): { code: WasmErrorCode; message: string; details: JsonObject } {
    const reason = this.gauge.stopReason;
    const limits = this.options.limits;
    if (reason === "fuel_exhausted") {
      return {
        code: "fuel_exhausted",
        message: `fuel exhausted (${fuelUsed} of ${limits.fuel})`,
        details: {},
      };
    }
    if (reason === "timeout") {
      return { code: "timeout", message: `deadline of ${limits.timeoutMs} ms exceeded`, details: {} };
    }
    if (thrown instanceof GuestStop)
      return { code: thrown.code, message: thrown.message, details: thrown.details };
    if (thrown instanceof WebAssembly.RuntimeError || thrown instanceof RangeError) {
      const message = thrown.message;
      // A guest that reported an error and then trapped (a Rust panic: the SDK's hook calls error_set, then the
      // abort traps) gets its own message on the trap.
      const guest = this.state.error;
      if (guest !== undefined) {
        return {
          code: "wasm_trap",
          message: `guest panicked: ${guest.message}`,
          details: { trap: message, guest_code: guest.code },
        };
      }
      const mem = this.live?.memory;
      const capBytes = limits.memoryMb * 1024 * 1024;
      if (
        mem !== undefined &&
        mem.byteLength >= capBytes - 65536 &&
        /unreachable|out of bounds/.test(message)
      ) {
        return {
          code: "memory_limit",
          message: `trap at the memory limit (${limits.memoryMb} MiB): ${message}`,
          details: { trap: message },
        };
      }
      return { code: "wasm_trap", message: `trap: ${message}`, details: { trap: message } };
    }
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return { code: "wasm_trap", message: `guest call failed: ${message}`, details: {} };
  }

  private loadError(message: string): Error {
    this.live = undefined;
    return new GuestStop("init_failed", message);
  }

  private initError(message: string, code: WasmErrorCode = "init_failed", details: JsonObject = {}): Error {
    this.live = undefined;
    return new GuestStop(code === "init_failed" ? "init_failed" : code, message, details);
  }

  /** One hook invocation. Synchronous; throws a PluginError on any failure. */
  handle(
    hook: string,
    payload: unknown,
    view: Extensions,
    ctx: PluginContext,
    call: HandlerCall,
  ): PluginResult {
    if (this.disposed) throw wasmPluginError(this.options.name, "wasm_trap", "plugin was shut down", {});
    if (this.live === undefined) {
      try {
        this.live = this.instantiate();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw wasmPluginError(this.options.name, "wasm_trap", `re-instantiation failed: ${message}`, {});
      }
    }
    const live = this.live;
    const state = this.state;
    const engine = this.options.engine;
    state.reset("handle");
    state.hookName = () => encodeUtf8(hook);
    state.payload = () => engine.encodePayload(payload);
    state.extensions = () => encode(extensionsToWire(view), "extensions");
    state.context = () => encode({ local_state: ctx.localState, global_state: ctx.globalState }, "context");
    let rc: number;
    try {
      rc = this.run("handle", () => live.handle(), call.deadline);
    } finally {
      state.phase = "idle";
      if (this.lastTelemetry !== undefined) call.report(this.lastTelemetry);
      if (state.logDropped > 0)
        this.options.logger.warn(
          `[wasm:${this.options.name}] ${state.logDropped} log message(s) dropped (max_log_bytes)`,
        );
    }
    if (rc !== 0) {
      const e = state.error;
      const code = e === undefined ? "plugin_error" : RESERVED.has(e.code) ? `guest.${e.code}` : e.code;
      throw new PluginError(e?.message ?? `plugin returned status ${rc}`, {
        pluginName: this.options.name,
        code,
        details: { ...(e?.details ?? {}), status: rc, ...this.lastTelemetry },
      });
    }
    if (state.result === undefined) return { continueProcessing: true };
    try {
      return resultFromWire(state.result, view, call.capabilities, ctx);
    } catch (err) {
      this.live = undefined;
      if (err instanceof GuestStop) {
        throw wasmPluginError(this.options.name, err.code, err.message, {
          ...err.details,
          ...this.lastTelemetry,
        });
      }
      throw err;
    }
  }

  get memoryPages(): number {
    return this.live?.memory.pages ?? 0;
  }

  dispose(): void {
    this.disposed = true;
    this.live = undefined;
  }
}

const RESERVED: ReadonlySet<string> = new Set([...RECYCLING, "init_failed"]);

const utf8 = new TextEncoder();
function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}
