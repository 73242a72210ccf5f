// The `cpex` import module (docs/abi.md §3): the guest pulls its inputs with `<item>_len` / `<item>_read` and
// hands over its result with `result_set` / `error_set`. Every range is bounds-checked; misuse ends the call with
// `abi_violation`.

import type { JsonObject } from "../../../core/index.js";
import { abiViolation, GuestStop } from "../errors.js";
import type { CallState, LazyBytes } from "./call-state.js";
import { decode } from "./decode.js";
import type { GuestMemory } from "./memory.js";

// Import functions take and return wasm values (numbers, bigints); V8 converts at the boundary.
// biome-ignore lint/suspicious/noExplicitAny: parameter types differ per import; checked by the ABI signature table.
export type HostFunctions = Record<string, (...args: any[]) => number | undefined>;

export interface HostFunctionOptions {
  readonly config: Uint8Array;
  readonly maxResultBytes: number;
  readonly maxLogBytes: number;
  readonly log: (level: number, text: string) => void;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function createHostFunctions(
  state: CallState,
  memory: () => GuestMemory,
  options: HostFunctionOptions,
): HostFunctions {
  const item = (name: string, source: () => LazyBytes, phases: readonly CallState["phase"][]) => {
    const current = (): Uint8Array | undefined =>
      phases.includes(state.phase) ? state.bytes(source()) : undefined;
    return {
      [`${name}_len`]: (): number => current()?.length ?? 0,
      [`${name}_read`]: (ptr: number, cap: number): number => {
        const bytes = current();
        if (bytes === undefined) return 0;
        if (bytes.length <= cap >>> 0) memory().write(ptr, bytes, `${name}_read`);
        return bytes.length;
      },
    };
  };
  const configSource: LazyBytes = () => options.config;

  // `root` names the decoded value in error paths (`result.modified_payload.args[3]`), as resultFromWire does.
  const readMessage = (ptr: number, len: number, what: string, root: string, limit: number): unknown => {
    if (len >>> 0 > limit) {
      throw new GuestStop("result_too_large", `${what}: ${len >>> 0} bytes exceed the limit of ${limit}`, {
        size_bytes: len >>> 0,
        limit_bytes: limit,
      });
    }
    const view = memory().range(ptr, len, what);
    try {
      return decode(view, { path: root });
    } catch (err) {
      throw abiViolation(`${what}: not a valid MessagePack value (${(err as Error).message})`);
    }
  };

  return {
    ...item("hook_name", () => state.hookName, ["handle"]),
    ...item("payload", () => state.payload, ["handle"]),
    ...item("extensions", () => state.extensions, ["handle"]),
    ...item("context", () => state.context, ["handle"]),
    ...item("config", () => configSource, ["init", "handle"]),

    result_set(ptr: number, len: number): number {
      if (state.phase !== "handle") throw abiViolation("result_set: called outside cpex_handle");
      if (state.result !== undefined) throw abiViolation("result_set: called twice in one cpex_handle");
      const value = readMessage(ptr, len, "result_set", "result", options.maxResultBytes);
      if (!isMap(value)) throw abiViolation("result_set: the result must be a MessagePack map");
      state.result = value;
      return 0;
    },

    error_set(ptr: number, len: number): number {
      const value = readMessage(ptr, len, "error_set", "error", options.maxResultBytes);
      if (!isMap(value)) throw abiViolation("error_set: the error must be a MessagePack map");
      const message = value["message"];
      const code = value["code"];
      const details = value["details"];
      if (typeof message !== "string") throw abiViolation("error_set: message must be a string");
      if (code !== undefined && code !== null && typeof code !== "string") {
        throw abiViolation("error_set: code must be a string");
      }
      if (details !== undefined && details !== null && !isMap(details)) {
        throw abiViolation("error_set: details must be a map");
      }
      state.error = {
        code: typeof code === "string" && code !== "" ? code : "plugin_error",
        message,
        ...(isMap(details) ? { details: details as JsonObject } : {}),
      };
      return 0;
    },

    log(level: number, ptr: number, len: number): number {
      const n = len >>> 0;
      const view = memory().range(ptr, n, "log");
      if (!state.admitLog(n, options.maxLogBytes)) return 1;
      options.log(Math.min(Math.max(level, 0), 4), decoder.decode(view));
      return 0;
    },
  };
}
