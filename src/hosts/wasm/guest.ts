// One live guest instance: its imports, fuel gauge and per-call state, start-up (instantiate, `_initialize`,
// ABI version, `cpex_init`) and one `cpex_handle` call under the fuel budget and deadline. It knows nothing of
// the executor: it takes input bytes and returns a plain outcome, so the same code runs on the event-loop thread
// (inline) or inside a worker thread. After any abnormal end the instance is dead (`alive` is false) and its
// owner makes a fresh one.

import { isMainThread } from "node:worker_threads";
import type { JsonObject } from "../../core/index.js";
import { CallState, type GuestError, type LazyBytes } from "./abi/call-state.js";
import { createHostFunctions } from "./abi/host-functions.js";
import { GuestMemory } from "./abi/memory.js";
import { CPEX_MODULE, TEST_MODULE, WASI_MODULE } from "./abi/signatures.js";
import { MAX_LOG_LINE_CHARS, safeText } from "./abi/text.js";
import { GuestStop, HostFailure, type WasmErrorCode } from "./errors.js";
import type { FileGrant, WasmLimits } from "./limits.js";
import { FuelGauge } from "./meter/index.js";
import type { HttpReply } from "./net/blocking-http.js";
import { GrantedFiles } from "./wasi/granted-files.js";
import { createWasiImports, type WasiClock } from "./wasi/preview1.js";

export interface GuestOptions {
  readonly name: string;
  /** The instrumented, compiled module (exports already checked at load, see engine.ts). */
  readonly module: WebAssembly.Module;
  readonly limits: WasmLimits;
  /** The effective linear-memory cap in pages (memory_mb less what tables are charged; see engine.ts). */
  readonly memoryCapPages: number;
  /** MessagePack of the plugin's `config:`. */
  readonly configBytes: Uint8Array;
  readonly env: Readonly<Record<string, string>>;
  readonly clock: WasiClock;
  readonly random: (out: Uint8Array) => void;
  /** Receives every log line of the guest, escaped and capped (level: 0 trace … 4 error). */
  readonly log: (level: number, text: string) => void;
  /** Keep the `result_set` bytes in the outcome (worker execution). */
  readonly keepResultBytes?: boolean;
  /** Polled by the meter: true stops the running call (cancellation from another thread). */
  readonly interrupted?: () => boolean;
  /** Provide the test-only `cpex_test` import module (docs/testing.md); never in production. */
  readonly testImports?: boolean;
  /** Granted directories, preopened at fd 3 onwards (a private-scratch one starts empty for each instance). */
  readonly files?: readonly FileGrant[];
  /** Outbound HTTP, blocking until answered or `deadline` (performance.now() time); worker execution only. */
  readonly http?: (request: Uint8Array, deadline: number) => HttpReply;
}

/** What one guest call cost. */
export interface CallTelemetry {
  fuel_used: number;
  /** Of `fuel_used`, what host functions charged. */
  host_fuel: number;
  duration_ms: number;
  memory_pages: number;
  [key: string]: number;
}

export interface CallInputs {
  readonly hook: string;
  readonly payload: LazyBytes;
  readonly extensions: LazyBytes;
  readonly context: LazyBytes;
  /** Absolute deadline (performance.now() time) from the executor; the plugin's timeout_ms applies too. */
  readonly deadline?: number;
}

export type GuestOutcome =
  | {
      readonly kind: "returned";
      readonly status: number;
      readonly result: Record<string, unknown> | undefined;
      readonly resultBytes: Uint8Array | undefined;
      readonly error: GuestError | undefined;
      readonly logDropped: number;
      readonly telemetry: CallTelemetry;
    }
  | {
      readonly kind: "stopped";
      readonly code: WasmErrorCode;
      readonly message: string;
      readonly details: JsonObject;
      readonly logDropped: number;
      readonly telemetry: CallTelemetry;
    }
  | {
      readonly kind: "host";
      readonly code: string;
      readonly message: string;
      readonly telemetry: CallTelemetry;
    };

const LEVELS_FOR_FD = { 1: 2, 2: 3 } as const;
const utf8 = new TextEncoder();
type Phase = "instantiate" | "_initialize" | "cpex_abi_version" | "cpex_init";

export class GuestInstance {
  private readonly state = new CallState();
  private readonly gauge: FuelGauge;
  private memory: GuestMemory | undefined;
  private handleFn: (() => number) | undefined;
  /** The running call's deadline (performance.now() time), for host functions that wait. */
  private deadline = Number.POSITIVE_INFINITY;
  alive = false;
  /** The hook of the call being made, and a lazy made once that encodes it (no closure per call). */
  private hook = "";
  private readonly hookBytes = (): Uint8Array => utf8.encode(this.hook);

  constructor(private readonly options: GuestOptions) {
    this.gauge = new FuelGauge(options.interrupted === undefined ? {} : { interrupted: options.interrupted });
  }

  /** Instantiate and initialise under the start-up limits; throws a GuestStop naming the limit and phase. */
  start(): void {
    const o = this.options;
    const log = (level: number, text: string): void => o.log(level, safeText(text, MAX_LOG_LINE_CHARS));
    const memory = (): GuestMemory => {
      if (this.memory === undefined)
        throw new GuestStop("abi_violation", "guest memory is not available yet");
      return this.memory;
    };
    const charge = (fuel: number): void => this.gauge.charge(fuel);
    const admitLog = (n: number): boolean => this.state.admitLog(n, o.limits.maxLogBytes);
    let files: GrantedFiles | undefined;
    if (o.files !== undefined && o.files.length > 0) {
      try {
        // What the file shim holds in host memory is capped like the guest's own memory.
        files = new GrantedFiles(o.files, o.memoryCapPages * 65536);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new GuestStop("init_failed", `a granted directory cannot be opened: ${e.code ?? e.message}`, {
          phase: "instantiate",
        });
      }
    }
    const cpex = createHostFunctions(this.state, memory, {
      config: o.configBytes,
      maxResultBytes: o.limits.maxResultBytes,
      maxLogBytes: o.limits.maxLogBytes,
      log,
      charge,
      ...(o.keepResultBytes === true ? { keepResultBytes: true } : {}),
      ...(o.http === undefined
        ? {}
        : {
            http: (request: Uint8Array) =>
              (o.http as NonNullable<GuestOptions["http"]>)(request, this.deadline),
          }),
    });
    const wasi = createWasiImports(
      {
        env: o.env,
        clock: o.clock,
        random: o.random,
        admitLog,
        charge,
        ...(files === undefined ? {} : { files }),
        // A newline in stdout/stderr is a line break: one log line each, so every line carries the plugin's
        // prefix and none can pass for the host's.
        write: (fd, text) => {
          const lines = text.split("\n");
          if (lines[lines.length - 1] === "") lines.pop();
          for (const line of lines) log(LEVELS_FOR_FD[fd], line);
        },
      },
      memory,
    );
    const imports: WebAssembly.Imports = {
      ...this.gauge.imports,
      [CPEX_MODULE]: cpex as WebAssembly.ModuleImports,
      [WASI_MODULE]: wasi as WebAssembly.ModuleImports,
      ...(o.testImports === true ? { [TEST_MODULE]: testImports() } : {}),
    };

    this.alive = false;
    this.memory = undefined;
    const limits = o.limits;
    const start = performance.now();
    const deadline = start + limits.startupTimeoutMs;
    this.state.reset("init");
    // One budget and one deadline for the whole start-up sequence (docs/abi.md §6, start-up limits).
    this.gauge.begin({ budget: limits.startupFuel, deadline });
    let phase: Phase = "instantiate";
    try {
      const instance = new WebAssembly.Instance(o.module, imports);
      const exports = instance.exports;
      this.memory = new GuestMemory(exports["memory"] as WebAssembly.Memory);
      this.handleFn = exports["cpex_handle"] as () => number;
      const initialize = exports["_initialize"];
      if (typeof initialize === "function") {
        phase = "_initialize";
        (initialize as () => void)();
      }
      phase = "cpex_abi_version";
      const version = (exports["cpex_abi_version"] as () => number)();
      if (version !== 1) {
        throw new GuestStop("init_failed", `unsupported ABI version ${version} (this host speaks version 1)`);
      }
      const init = exports["cpex_init"];
      if (typeof init === "function") {
        phase = "cpex_init";
        const rc = (init as () => number)();
        if (rc !== 0) {
          const e = this.state.error;
          throw new GuestStop(
            "init_failed",
            e === undefined ? `cpex_init returned ${rc}` : `cpex_init failed: ${e.message}`,
          );
        }
      }
    } catch (thrown) {
      const { fuelUsed } = this.gauge.end();
      this.state.phase = "idle";
      const elapsed = Math.round((performance.now() - start) * 1000) / 1000;
      const details: JsonObject = { phase, fuel_used: fuelUsed, duration_ms: elapsed };
      const reason = this.gauge.stopReason;
      if (reason === "fuel_exhausted") {
        throw new GuestStop(
          "fuel_exhausted",
          `start-up fuel of ${limits.startupFuel} exhausted during ${phase} (limits.startup_fuel)`,
          details,
        );
      }
      if (reason === "timeout") {
        throw new GuestStop(
          "timeout",
          `start-up deadline of ${limits.startupTimeoutMs} ms exceeded during ${phase} (limits.startup_timeout_ms)`,
          details,
        );
      }
      if (thrown instanceof GuestStop)
        throw new GuestStop(thrown.code, thrown.message, { ...thrown.details, ...details });
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      throw new GuestStop("init_failed", `${phase} trapped: ${message}`, details);
    }
    this.gauge.end();
    this.state.phase = "idle";
    this.alive = true;
  }

  get memoryPages(): number {
    return this.memory?.pages ?? 0;
  }

  /** One `cpex_handle` call. Never throws: every ending is an outcome. */
  call(inputs: CallInputs): GuestOutcome {
    const limits = this.options.limits;
    const state = this.state;
    state.reset("handle");
    this.hook = inputs.hook;
    state.hookName = this.hookBytes;
    state.payload = inputs.payload;
    state.extensions = inputs.extensions;
    state.context = inputs.context;
    const now = performance.now();
    this.deadline = Math.min(now + limits.timeoutMs, inputs.deadline ?? Number.POSITIVE_INFINITY);
    this.gauge.begin({ budget: limits.fuel, deadline: this.deadline });
    let thrown: unknown;
    let status = 0;
    let ok = false;
    try {
      status = (this.handleFn as () => number)();
      ok = true;
    } catch (err) {
      thrown = err;
    }
    const { fuelUsed } = this.gauge.end();
    state.phase = "idle";
    const telemetry: CallTelemetry = {
      fuel_used: fuelUsed,
      host_fuel: this.gauge.hostFuelUsed,
      duration_ms: Math.round((performance.now() - now) * 1000) / 1000,
      memory_pages: this.memoryPages,
    };
    if (ok) {
      return {
        kind: "returned",
        status,
        result: state.result,
        resultBytes: state.resultBytes,
        error: state.error,
        logDropped: state.logDropped,
        telemetry,
      };
    }
    this.alive = false; // every abnormal end recycles; see RECYCLING for the codes a call can end with
    if (thrown instanceof HostFailure) {
      return { kind: "host", code: thrown.code, message: thrown.message, telemetry };
    }
    const { code, message, details } = this.classify(thrown, fuelUsed);
    return {
      kind: "stopped",
      code,
      message,
      details: { ...details, fuel_used: fuelUsed, duration_ms: telemetry.duration_ms },
      logDropped: state.logDropped,
      telemetry,
    };
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
      const mem = this.memory;
      const capBytes = this.options.memoryCapPages * 65536;
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
}

/**
 * The test-only import module: `cpex_test.block(ms)` blocks the calling thread without executing instructions
 * (Atomics.wait), the way a V8 bug or an uninterruptible operation would. The hard-kill tests use it to make a
 * worker really stop answering; `cpex_test.crash()` ends a worker thread. Accepted at load only with the host
 * option `unsafeTestImports`.
 */
function testImports(): WebAssembly.ModuleImports {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return {
    block: (ms: number): void => {
      Atomics.wait(cell, 0, 0, ms);
    },
    // Ends a worker thread the way a fatal error would (in a worker, process.exit ends only that thread).
    crash: (): void => {
      if (isMainThread) throw new Error("cpex_test.crash is only meaningful in a worker thread");
      process.exit(70);
    },
  };
}
