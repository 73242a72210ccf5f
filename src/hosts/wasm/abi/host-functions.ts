// The `cpex` import module (docs/abi.md §3): the guest pulls its inputs with `<item>_len` / `<item>_read` and
// hands over its result with `result_set` / `error_set`. Every range is bounds-checked; misuse ends the call with
// `abi_violation`. Every function charges fuel for its work before doing it (abi/costs.ts), so a guest cannot
// keep the host busy past its budget or deadline by calling imports instead of running instructions.

import type { JsonObject } from "../../../core/index.js";
import { abiViolation, GuestStop } from "../errors.js";
import type { HttpReply } from "../net/blocking-http.js";
import { MAX_REQUEST_BYTES, MAX_REQUESTS_PER_CALL } from "../net/http-wire.js";
import type { CallState, LazyBytes } from "./call-state.js";
import { copyCost, HOST_COPY_CHUNK_BYTES, HOST_COSTS } from "./costs.js";
import { decode, MsgpackDecodeError } from "./decode.js";
import type { GuestMemory } from "./memory.js";
import { MAX_GUEST_MESSAGE_CHARS, safeText } from "./text.js";

// Import functions take and return wasm values (numbers, bigints); V8 converts at the boundary.
// biome-ignore lint/suspicious/noExplicitAny: parameter types differ per import; checked by the ABI signature table.
export type HostFunctions = Record<string, (...args: any[]) => number | undefined>;

/** Charge fuel for host work before doing it; throws (ending the call) when the budget or deadline forbids it. */
export type Charge = (fuel: number) => void;

export interface HostFunctionOptions {
  readonly config: Uint8Array;
  readonly maxResultBytes: number;
  readonly maxLogBytes: number;
  /** Receives guest log text as decoded (the sandbox escapes and caps it before it reaches a logger). */
  readonly log: (level: number, text: string) => void;
  readonly charge: Charge;
  /** Keep a copy of the `result_set` bytes (worker execution: the main thread decodes them again). */
  readonly keepResultBytes?: boolean;
  /** Perform an HTTP request message, blocking (worker execution only); absent: every request is denied. */
  readonly http?: (request: Uint8Array) => HttpReply;
}

/** An error code a guest may set: short and identifier-like (it becomes `PluginError.code`). */
const GUEST_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

const decoder = new TextDecoder("utf-8", { fatal: false });

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Copy `bytes` into guest memory at `ptr` in pieces, charging each piece before it is copied. */
export function writeCharged(
  memory: GuestMemory,
  charge: Charge,
  ptr: number,
  bytes: Uint8Array,
  what: string,
): void {
  const dest = memory.range(ptr, bytes.length, what); // the whole range is checked before anything is written
  const n = bytes.length;
  if (n <= HOST_COPY_CHUNK_BYTES) {
    charge(copyCost(n));
    dest.set(bytes);
    return;
  }
  for (let off = 0; off < n; off += HOST_COPY_CHUNK_BYTES) {
    const end = Math.min(n, off + HOST_COPY_CHUNK_BYTES);
    charge(copyCost(end - off));
    dest.set(bytes.subarray(off, end), off);
  }
}

/**
 * Decode guest MessagePack with the strict decoder (abi/decode.ts): anything that is not plain data is an
 * `abi_violation` naming the path. `onProgress` charges per value; a stop it throws (fuel, deadline) passes
 * through as it is.
 */
export function decodeGuest(
  bytes: Uint8Array,
  what: string,
  root: string,
  onProgress?: (items: number) => void,
): unknown {
  try {
    return decode(bytes, { path: root, ...(onProgress === undefined ? {} : { onProgress }) });
  } catch (err) {
    if (err instanceof MsgpackDecodeError) {
      throw abiViolation(`${what}: not a valid MessagePack value (${err.message})`);
    }
    throw err;
  }
}

export function createHostFunctions(
  state: CallState,
  memory: () => GuestMemory,
  options: HostFunctionOptions,
): HostFunctions {
  const charge = options.charge;
  const item = (
    name: string,
    source: () => LazyBytes,
    phases: readonly CallState["phase"][],
    encodePerByte: number,
  ) => {
    const current = (): Uint8Array | undefined =>
      phases.includes(state.phase) ? state.bytes(source(), charge, encodePerByte) : undefined;
    return {
      [`${name}_len`]: (): number => {
        charge(HOST_COSTS.call);
        return current()?.length ?? 0;
      },
      [`${name}_read`]: (ptr: number, cap: number): number => {
        charge(HOST_COSTS.call);
        const bytes = current();
        if (bytes === undefined) return 0;
        if (bytes.length <= cap >>> 0) writeCharged(memory(), charge, ptr, bytes, `${name}_read`);
        return bytes.length;
      },
    };
  };
  const configSource: LazyBytes = () => options.config;

  // `root` names the decoded value in error paths (`result.modified_payload.args[3]`), as resultFromWire does.
  // Made once (a closure per decode is measurable on the hot path): charges the values decoded since the last
  // report.
  let itemsCharged = 0;
  const chargeItems = (items: number): void => {
    charge((items - itemsCharged) * HOST_COSTS.decodePerItem);
    itemsCharged = items;
  };
  const readMessage = (ptr: number, len: number, what: string, root: string, limit: number): unknown => {
    const n = len >>> 0;
    if (n > limit) {
      throw new GuestStop("result_too_large", `${what}: ${n} bytes exceed the limit of ${limit}`, {
        size_bytes: n,
        limit_bytes: limit,
      });
    }
    const view = memory().range(ptr, n, what);
    charge(n * HOST_COSTS.decodePerByte);
    itemsCharged = 0;
    return decodeGuest(view, what, root, chargeItems);
  };

  return {
    ...item("hook_name", () => state.hookName, ["handle"], 0),
    ...item("payload", () => state.payload, ["handle"], HOST_COSTS.encodePerByte),
    ...item("extensions", () => state.extensions, ["handle"], HOST_COSTS.encodePerByte),
    ...item("context", () => state.context, ["handle"], HOST_COSTS.encodePerByte),
    ...item("config", () => configSource, ["init", "handle"], 0),

    result_set(ptr: number, len: number): number {
      charge(HOST_COSTS.call);
      if (state.phase !== "handle") throw abiViolation("result_set: called outside cpex_handle");
      if (state.result !== undefined) throw abiViolation("result_set: called twice in one cpex_handle");
      const value = readMessage(ptr, len, "result_set", "result", options.maxResultBytes);
      if (!isMap(value)) throw abiViolation("result_set: the result must be a MessagePack map");
      state.result = value;
      if (options.keepResultBytes === true)
        state.resultBytes = memory().range(ptr, len, "result_set").slice();
      return 0;
    },

    error_set(ptr: number, len: number): number {
      charge(HOST_COSTS.call);
      const value = readMessage(ptr, len, "error_set", "error", options.maxResultBytes);
      if (!isMap(value)) throw abiViolation("error_set: the error must be a MessagePack map");
      const message = value["message"];
      const code = value["code"];
      const details = value["details"];
      if (typeof message !== "string") throw abiViolation("error_set: message must be a string");
      if (
        code !== undefined &&
        code !== null &&
        code !== "" &&
        (typeof code !== "string" || !GUEST_CODE.test(code))
      ) {
        throw abiViolation("error_set: code must be a string of 1-64 characters [A-Za-z0-9_.:-]");
      }
      if (details !== undefined && details !== null && !isMap(details)) {
        throw abiViolation("error_set: details must be a map");
      }
      state.error = {
        code: typeof code === "string" && code !== "" ? code : "plugin_error",
        message: safeText(message, MAX_GUEST_MESSAGE_CHARS),
        ...(isMap(details) ? { details: details as JsonObject } : {}),
      };
      return 0;
    },

    http_request(ptr: number, len: number): number {
      charge(HOST_COSTS.call);
      if (state.phase !== "handle") throw abiViolation("http_request: called outside cpex_handle");
      const n = len >>> 0;
      if (n > MAX_REQUEST_BYTES)
        throw abiViolation(`http_request: ${n} bytes exceed the limit of ${MAX_REQUEST_BYTES}`);
      if (options.http === undefined) {
        throw new GuestStop("network_denied", "http_request: outbound HTTP needs `execution: worker`");
      }
      if (++state.httpRequests > MAX_REQUESTS_PER_CALL) {
        throw new GuestStop(
          "network_denied",
          `http_request: more than ${MAX_REQUESTS_PER_CALL} requests in one call`,
        );
      }
      charge(HOST_COSTS.httpRequest + n * HOST_COSTS.httpPerByte);
      const request = memory().range(ptr, n, "http_request").slice();
      state.httpResponse = undefined;
      const reply = options.http(request);
      if (reply.kind === "denied") throw new GuestStop("network_denied", reply.message);
      if (reply.kind === "invalid") throw abiViolation(reply.message);
      if (reply.kind === "timeout")
        throw new GuestStop("timeout", "the call's deadline passed during http_request");
      charge(reply.bytes.length * HOST_COSTS.httpPerByte);
      state.httpResponse = reply.bytes;
      return reply.bytes.length;
    },

    http_response_read(ptr: number, cap: number): number {
      charge(HOST_COSTS.call);
      const bytes = state.phase === "handle" ? state.httpResponse : undefined;
      if (bytes === undefined) return 0;
      if (bytes.length <= cap >>> 0) writeCharged(memory(), charge, ptr, bytes, "http_response_read");
      return bytes.length;
    },

    log(level: number, ptr: number, len: number): number {
      charge(HOST_COSTS.call);
      const n = len >>> 0;
      const view = memory().range(ptr, n, "log");
      if (!state.admitLog(n, options.maxLogBytes)) return 1;
      charge(n * HOST_COSTS.logPerByte);
      options.log(Math.min(Math.max(level, 0), 4), decoder.decode(view));
      return 0;
    },
  };
}
