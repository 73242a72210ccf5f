// Typed failures of a WebAssembly plugin (docs/abi.md §6). Host functions throw these to end a guest call: with
// exception handling rejected at load, a JS exception thrown from an import unwinds the guest without the guest
// being able to catch it.

import { type JsonObject, PluginError } from "../../core/index.js";

export type WasmErrorCode =
  | "fuel_exhausted"
  | "timeout"
  | "memory_limit"
  | "wasm_trap"
  | "abi_violation"
  | "result_too_large"
  | "proc_exit"
  | "init_failed"
  | "network_denied"
  | "plugin_error";

/** Thrown by host functions to stop the current guest call. */
export class GuestStop extends Error {
  constructor(
    readonly code: WasmErrorCode,
    message: string,
    readonly details: JsonObject = {},
  ) {
    super(message);
    this.name = "GuestStop";
  }
}

/**
 * The host, not the guest, could not do its part of a call (e.g. encode the request for the guest). Ends the
 * request closed (PluginError kind `host`), never counted against the plugin's `on_error`.
 */
export class HostFailure extends Error {
  constructor(
    readonly code: HostFailureCode,
    message: string,
  ) {
    super(message);
    this.name = "HostFailure";
  }
}

/** Codes of host failures (docs/abi.md §6). */
export type HostFailureCode = "payload_unencodable" | "plugin_unavailable";

export function abiViolation(message: string, details: JsonObject = {}): GuestStop {
  return new GuestStop("abi_violation", message, details);
}

/** Codes after which the instance is discarded: its state may be half-updated. */
export const RECYCLING: ReadonlySet<WasmErrorCode> = new Set<WasmErrorCode>([
  "fuel_exhausted",
  "timeout",
  "memory_limit",
  "wasm_trap",
  "abi_violation",
  "result_too_large",
  "proc_exit",
  "network_denied",
]);

export function wasmPluginError(
  pluginName: string,
  code: WasmErrorCode,
  message: string,
  details: JsonObject,
  timeoutMs?: number,
): PluginError {
  if (code === "timeout") {
    return new PluginError(message, {
      kind: "timeout",
      pluginName,
      code,
      details,
      timeoutMs: timeoutMs ?? 0,
    });
  }
  return new PluginError(message, {
    pluginName,
    code,
    details,
    // Traps are the sandbox's analogue of a Rust panic (concurrent phase: plugin_panic).
    panic: code === "wasm_trap" || code === "memory_limit",
  });
}
