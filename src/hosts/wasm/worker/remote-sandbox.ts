// A worker-mode plugin: the same contract as Sandbox (sandbox.ts), but the guest runs in a worker thread, so a
// handler call is a promise and the event loop stays free while the guest works. The main thread encodes the
// inputs once, sends bytes, and decodes and validates the result bytes exactly as inline mode does.

import {
  type Extensions,
  extensionsToWire,
  type HandlerCall,
  type JsonObject,
  type Logger,
  type PluginContext,
  PluginError,
  type PluginResult,
} from "../../../core/index.js";
import { decodeGuest } from "../abi/host-functions.js";
import { encode } from "../abi/msgpack.js";
import type { CompiledPlugin, WasmEngine } from "../engine.js";
import { GuestStop, HostFailure, wasmPluginError } from "../errors.js";
import type { CallTelemetry } from "../guest.js";
import type { WasmLimits } from "../limits.js";
import { encodeInput, logDropped, type SettledOutcome, settleOutcome } from "../sandbox.js";
import { msToNs } from "../wasi/preview1.js";
import { describeUnanswered, type RemoteInstance, type WorkerPool } from "./pool.js";
import type { GuestSpec, LogLines } from "./protocol.js";

export interface WorkerSandboxOptions {
  readonly name: string;
  readonly engine: WasmEngine;
  readonly compiled: CompiledPlugin;
  readonly limits: WasmLimits;
  readonly spec: GuestSpec;
  readonly pool: WorkerPool;
  /** Live instances of the plugin (`instances:`); calls to one instance are serialised. */
  readonly instances: number;
  /** For `clock: "call"` specs: the injected clock, read on this thread for each call (ms or ns). */
  readonly clock?: () => number | bigint;
  readonly logger: Logger;
}

const LEVELS = ["debug", "debug", "info", "warn", "error"] as const;
const NO_TELEMETRY: CallTelemetry = { fuel_used: 0, host_fuel: 0, duration_ms: 0, memory_pages: 0 };

export class WorkerSandbox {
  private readonly instances: RemoteInstance[] = [];
  private disposed = false;

  constructor(private readonly options: WorkerSandboxOptions) {}

  /** Create the instances on the pool's workers (at load: a broken plugin is a load error). */
  async start(): Promise<void> {
    const o = this.options;
    for (let i = 0; i < o.instances; i++) {
      try {
        const inst = await o.pool.create(o.compiled.module, o.spec);
        this.instances.push(inst);
      } catch (err) {
        this.dispose();
        const e = err as Error & { code?: string; details?: JsonObject; logs?: LogLines };
        if (e.logs !== undefined) this.log(e.logs);
        throw new GuestStop(
          (e.code as GuestStop["code"] | undefined) ?? "init_failed",
          e.message,
          e.details ?? {},
        );
      }
    }
  }

  private log(lines: LogLines): void {
    const { logger, name } = this.options;
    for (const [level, text] of lines) logger[LEVELS[level] ?? "info"](`[wasm:${name}] ${text}`);
  }

  /** The instance with the fewest calls pending (the first when tied: state stays where it was). */
  private pick(): RemoteInstance {
    let best = this.instances[0] as RemoteInstance;
    for (const inst of this.instances) if (inst.pending < best.pending) best = inst;
    return best;
  }

  async handle(
    hook: string,
    payload: unknown,
    view: Extensions,
    ctx: PluginContext,
    call: HandlerCall,
  ): Promise<PluginResult> {
    const o = this.options;
    const name = o.name;
    if (this.disposed || this.instances.length === 0) {
      throw new PluginError("the plugin was shut down", {
        kind: "host",
        pluginName: name,
        code: "plugin_unavailable",
      });
    }
    const cap = o.compiled.memoryCapPages * 65536;
    let inputs: ArrayBuffer;
    let split: [number, number];
    try {
      const payloadBytes = encodeInput("payload", payload, (v) => o.engine.encodePayload(v), cap);
      const ext = encodeInput("extensions", extensionsToWire(view), (v) => encode(v, "extensions"), cap);
      const context = encodeInput(
        "context",
        { local_state: ctx.localState, global_state: ctx.globalState },
        (v) => encode(v, "context"),
        cap,
      );
      // One buffer for the three, transferred to the worker (the payload's encoding stays cached here).
      const all = new Uint8Array(payloadBytes.length + ext.length + context.length);
      all.set(payloadBytes, 0);
      all.set(ext, payloadBytes.length);
      all.set(context, payloadBytes.length + ext.length);
      inputs = all.buffer;
      split = [payloadBytes.length, payloadBytes.length + ext.length];
    } catch (err) {
      if (err instanceof HostFailure) {
        throw new PluginError(err.message, { kind: "host", pluginName: name, code: err.code });
      }
      throw err;
    }
    const inst = this.pick();
    const deadline = performance.timeOrigin + Math.min(call.deadline, performance.now() + o.limits.timeoutMs);
    const clock = o.clock;
    const answer = await inst.call(
      {
        t: "call",
        hook,
        inputs,
        split,
        deadline,
        ...(clock === undefined ? {} : { clockNs: toNs(clock()) }),
      },
      call.signal,
    );
    if (!answer.ok) {
      const why = answer.why;
      if (why.kind === "killed") {
        const details = {
          ...NO_TELEMETRY,
          hard_kill: true,
          kill_delay_ms: Math.round((why.killedAt - why.deadline) * 1000) / 1000,
        };
        call.report({ hard_kill: 1, kill_delay_ms: details.kill_delay_ms });
        throw wasmPluginError(name, "timeout", describeUnanswered(why, "call"), details, o.limits.timeoutMs);
      }
      if (why.kind === "crashed") {
        throw wasmPluginError(name, "wasm_trap", describeUnanswered(why, "call"), {
          ...NO_TELEMETRY,
          worker_crashed: true,
        });
      }
      // Cancelled (the executor already gave up on the call) or closed: nobody reads this result.
      throw new PluginError(describeUnanswered(why, "call"), {
        kind: "host",
        pluginName: name,
        code: "plugin_unavailable",
      });
    }
    const msg = answer.msg;
    if (msg.t !== "result") throw new Error(`unexpected worker answer ${msg.t}`);
    this.log(msg.logs);
    const wire = msg.outcome;
    call.report({ ...wire.telemetry, execution: "worker" });
    if (wire.kind !== "host" && wire.logDropped > 0) logDropped(o.logger, name, wire.logDropped);
    let outcome: SettledOutcome;
    if (wire.kind === "returned") {
      let result: Record<string, unknown> | undefined;
      if (wire.resultBytes !== undefined) {
        try {
          result = decodeGuest(wire.resultBytes, "result_set", "result") as Record<string, unknown>;
        } catch (err) {
          inst.recycleNext = true;
          if (err instanceof GuestStop) throw wasmPluginError(name, err.code, err.message, err.details);
          throw err;
        }
      }
      outcome = { ...wire, kind: "returned", result };
    } else outcome = wire;
    return settleOutcome(name, o.limits, outcome, view, call, ctx, () => {
      inst.recycleNext = true;
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const inst of this.instances.splice(0)) this.options.pool.release(inst);
  }
}

function toNs(t: number | bigint): bigint {
  return typeof t === "bigint" ? t : msToNs(t);
}
