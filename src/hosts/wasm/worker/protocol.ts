// Messages between the main thread and a wasm worker (worker/pool.ts ↔ worker/entry.ts). Everything here is
// structured-clone data: a compiled WebAssembly.Module is shared by reference (no recompilation), input and result
// bytes are copied. Deadlines are absolute epoch milliseconds (performance.timeOrigin + performance.now()),
// because each thread's performance.now() has its own origin.

import type { MessagePort } from "node:worker_threads";
import type { JsonObject } from "../../../core/index.js";
import type { WasmErrorCode } from "../errors.js";
import type { GuestOutcome } from "../guest.js";
import type { FileGrant, NetworkRule, WasmLimits } from "../limits.js";

/** How a worker instance reads the WASI clocks and random numbers. */
export interface GuestSpec {
  readonly name: string;
  readonly limits: WasmLimits;
  readonly memoryCapPages: number;
  readonly configBytes: Uint8Array;
  readonly env: Readonly<Record<string, string>>;
  /** Granted directories (the worker resolves and reads them itself, under the same resolver). */
  readonly files: readonly FileGrant[];
  /** Outbound HTTP allow rules; enforced on the main thread, which makes the requests (net/http-client.ts). */
  readonly network: readonly NetworkRule[];
  /** `real`: the worker's clocks; `call`: the reading the main thread sends with each call (injected clocks). */
  readonly clock: "real" | "call";
  /** Seeded random numbers (deterministic grant); undefined: the system generator. */
  readonly randomSeed?: number;
  readonly testImports: boolean;
}

export type ToWorker =
  | {
      readonly t: "create";
      readonly id: number;
      readonly instance: number;
      readonly module: WebAssembly.Module;
      readonly spec: GuestSpec;
      /** Start-up budget in ms (the guest's startup_timeout_ms), counted from when the worker receives it. */
      readonly budgetMs: number;
    }
  | {
      readonly t: "call";
      readonly id: number;
      readonly instance: number;
      readonly hook: string;
      /**
       * payload ‖ extensions ‖ context in one buffer, transferred rather than cloned (structured clone of three
       * separate buffers was most of a call's cost); `split` = [end of payload, end of extensions].
       */
      readonly inputs: ArrayBuffer;
      readonly split: readonly [number, number];
      /** The executor's deadline for this call, epoch ms (the plugin's timeout_ms applies too). */
      readonly deadline: number;
      /** The injected clock's reading in nanoseconds, for `clock: "call"` instances. */
      readonly clockNs?: bigint;
      /** Discard the instance's state and start a fresh one first (the main thread found its last result bad). */
      readonly recycle: boolean;
    }
  | { readonly t: "drop"; readonly instance: number }
  /**
   * Sent first: the slot's shared words (a spare worker learns them when a slot takes it) and the port on which
   * its guests' HTTP requests go to the main thread (transferred).
   */
  | { readonly t: "attach"; readonly cancel: SharedArrayBuffer; readonly http: MessagePort };

/** A guest outcome as it crosses threads: the result as bytes only, decoded again on the main thread. */
export type WireOutcome =
  | Exclude<GuestOutcome, { kind: "returned" }>
  | Omit<Extract<GuestOutcome, { kind: "returned" }>, "result">;

export type FromWorker =
  | { readonly t: "ready" }
  | { readonly t: "created"; readonly id: number; readonly logs: LogLines }
  | {
      readonly t: "create_failed";
      readonly id: number;
      readonly code: WasmErrorCode;
      readonly message: string;
      readonly details: JsonObject;
      readonly logs: LogLines;
    }
  | { readonly t: "result"; readonly id: number; readonly outcome: WireOutcome; readonly logs: LogLines };

/** Log lines of one call: [level, text], already escaped and capped by the guest instance. */
export type LogLines = ReadonlyArray<readonly [number, string]>;

/** Index of the cancel word in the worker's shared Int32Array: the id of a call the main thread gave up on. */
export const CANCEL_WORD = 0;
/** Index of the HTTP word: bumped by the main thread after each HTTP answer and on a cancellation (it wakes a wait). */
export const HTTP_WORD = 1;
/** Bytes of the slot's shared buffer (the words above). */
export const SHARED_BYTES = 8;

/** Worker → main, on the HTTP port: perform this request for the running call `call` (net/blocking-http.ts). */
export interface HttpAsk {
  readonly t: "http";
  readonly seq: number;
  readonly call: number;
  /** The guest's request message (MessagePack, decoded and checked on the main thread). */
  readonly request: Uint8Array;
  /** The call's deadline, epoch ms. */
  readonly deadline: number;
}

/** Main → worker, on the HTTP port. */
export type HttpAnswer =
  | { readonly seq: number; readonly kind: "response"; readonly bytes: Uint8Array }
  | { readonly seq: number; readonly kind: "denied"; readonly message: string }
  | { readonly seq: number; readonly kind: "invalid"; readonly message: string }
  | { readonly seq: number; readonly kind: "timeout" };
