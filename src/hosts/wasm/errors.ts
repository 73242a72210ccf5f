// Typed failures of a WebAssembly plugin (docs/abi.md §6) and the registry of the host's error codes
// (docs/errors.md). Host functions throw these to end a guest call: with exception handling rejected at load, a
// JS exception thrown from an import unwinds the guest without the guest being able to catch it.

import { CpexError } from "../../core/cpex-error.js";
import { registerErrorCodes } from "../../core/error-codes.js";
import { type JsonObject, PluginError } from "../../core/index.js";

/** Codes of a guest call's failures, as docs/abi.md §6 lists them. */
export const WASM_ERROR_CODES = Object.freeze({
  fuel_exhausted: "the call used more than its fuel budget",
  timeout: "the wall-clock deadline passed",
  memory_limit: "the guest trapped while its memory was at the cap",
  wasm_trap: "any other trap (unreachable, out-of-bounds access, stack overflow, a guest panic)",
  abi_violation: "a host function was misused or a guest message is malformed",
  result_too_large: "result_set larger than max_result_bytes",
  proc_exit: "the guest called WASI proc_exit",
  init_failed: "cpex_init returned non-zero or trapped",
  network_denied: "an outbound request the plugin's allowed_network does not allow",
  plugin_error: "cpex_handle returned non-zero (the code may be set by error_set)",
} as const);
export type WasmErrorCode = keyof typeof WASM_ERROR_CODES;

/** Codes of host failures (docs/abi.md §6): the host, not the guest, could not do its part. */
export const HOST_FAILURE_CODES = Object.freeze({
  payload_unencodable: "the payload, extensions or context cannot be encoded for the guest",
  plugin_unavailable: "the plugin was shut down (its sandbox disposed) but still invoked",
} as const);
export type HostFailureCode = keyof typeof HOST_FAILURE_CODES;

/** Codes of the errors loading a module can raise; the factory reports them as ConfigErrors. */
export const WASM_LOAD_ERROR_CODES = Object.freeze({
  module_malformed: "the module's binary is malformed (BinaryError, with the byte offset)",
  module_rejected:
    "the instrumenter refuses the module: a feature or size the host does not allow (InstrumentError)",
  compile_failed: "the instrumented module does not compile or link (CompileError)",
  hook_declaration_invalid: "the cpex.hooks custom section is malformed (HookDeclarationError)",
} as const);

registerErrorCodes("wasm", { ...WASM_ERROR_CODES, ...HOST_FAILURE_CODES, ...WASM_LOAD_ERROR_CODES });

/** Thrown by host functions to stop the current guest call. */
export class GuestStop extends CpexError<WasmErrorCode> {
  declare readonly details: JsonObject;
  constructor(code: WasmErrorCode, message: string, details: JsonObject = {}) {
    super(code, message, { details });
  }
}

/**
 * The host, not the guest, could not do its part of a call (e.g. encode the request for the guest). Ends the
 * request closed (PluginError kind `host`), never counted against the plugin's `on_error`.
 */
export class HostFailure extends CpexError<HostFailureCode> {
  constructor(code: HostFailureCode, message: string) {
    super(code, message);
  }
}

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
