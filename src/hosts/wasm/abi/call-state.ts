// What one guest call (init or handle) can read and what it produced. Inputs are encoded lazily, only when the
// guest asks for them; the payload encoding is shared across plugins through the engine's cache.

import type { JsonObject } from "../../../core/index.js";
import type { WasmErrorCode } from "../errors.js";

export interface GuestError {
  readonly code: string;
  readonly message: string;
  readonly details?: JsonObject;
}

export type LazyBytes = () => Uint8Array;

const EMPTY = new Uint8Array(0);
const none: LazyBytes = () => EMPTY;

export class CallState {
  phase: "idle" | "init" | "handle" = "idle";
  hookName: LazyBytes = none;
  payload: LazyBytes = none;
  extensions: LazyBytes = none;
  context: LazyBytes = none;
  /** Decoded `result_set` map (raw wire form), validated later against the plugin's view. */
  result: Record<string, unknown> | undefined;
  /** A copy of the `result_set` bytes, kept when the result travels to another thread (worker execution). */
  resultBytes: Uint8Array | undefined;
  error: GuestError | undefined;
  logBytes = 0;
  logDropped = 0;
  /** The last `http_request` answer (the message `http_response_read` copies), and requests made in this call. */
  httpResponse: Uint8Array | undefined;
  httpRequests = 0;
  /** Set when a host function decided the call must end (recorded before the throw unwinds the guest). */
  stop: { code: WasmErrorCode; message: string; details: JsonObject } | undefined;

  private cache = new Map<LazyBytes, Uint8Array>();

  /**
   * Bytes of an input, encoded at most once per call. The first access in a call charges `perByte` fuel per
   * byte of it, whether or not the engine had the encoding cached, so fuel does not depend on what other plugins
   * of the pipeline read first.
   */
  bytes(source: LazyBytes, charge?: (fuel: number) => void, perByte = 0): Uint8Array {
    if (source === none) return EMPTY;
    let b = this.cache.get(source);
    if (b === undefined) {
      b = source();
      this.cache.set(source, b);
      if (charge !== undefined && perByte > 0) charge(b.length * perByte);
    }
    return b;
  }

  /** Count `n` log bytes against `cap`; false (and one more dropped message) when they would exceed it. */
  admitLog(n: number, cap: number): boolean {
    if (this.logBytes + n > cap) {
      this.logDropped++;
      return false;
    }
    this.logBytes += n;
    return true;
  }

  reset(phase: CallState["phase"]): void {
    this.phase = phase;
    this.hookName = none;
    this.payload = none;
    this.extensions = none;
    this.context = none;
    this.result = undefined;
    this.resultBytes = undefined;
    this.error = undefined;
    this.logBytes = 0;
    this.logDropped = 0;
    this.httpResponse = undefined;
    this.httpRequests = 0;
    this.stop = undefined;
    this.cache.clear();
  }
}
