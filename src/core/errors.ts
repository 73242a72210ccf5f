// Plugin errors, violations and error records (docs/errors.md). Wire names are snake_case; see wire.ts.

import type { JsonObject } from "./config/types.js";
import { CpexError } from "./cpex-error.js";
import type { CORE_ERROR_CODES } from "./error-codes.js";

/** Why a plugin asks the pipeline to stop. `pluginName` is stamped by the executor with the registered name. */
export interface PluginViolation {
  readonly code: string;
  readonly reason: string;
  readonly description?: string;
  readonly details?: JsonObject;
  readonly pluginName?: string;
  /** Protocol error code for the caller (e.g. an MCP / JSON-RPC code). */
  readonly protoErrorCode?: number;
}

/** One failure recorded in `PipelineResult.errors`. */
export interface PluginErrorRecord {
  readonly pluginName: string;
  readonly message: string;
  readonly code?: string;
  readonly details?: JsonObject;
  readonly protoErrorCode?: number;
}

/**
 * What failed. `host` means the host could not run this plugin safely (e.g. it cannot encode the payload for
 * a sandboxed guest): the request fails closed and the failure is never counted against the plugin
 * (docs/configuration.md, "Host failures").
 */
export type PluginErrorKind = "execution" | "timeout" | "violation" | "config" | "unknown_hook" | "host";

/** Default code of a `host` error when the host gave none. */
export const HOST_ERROR_CODE = "host_error";

/** Codes hosts use for `host` errors (each registered in error-codes.ts). */
export const HOST_ERROR_CODES = Object.freeze({
  /** The default: the host failed for a reason of its own. */
  hostError: HOST_ERROR_CODE,
  /** The payload (or extensions) cannot be encoded for a sandboxed guest. */
  payloadUnencodable: "payload_unencodable",
  /** The manager shut its plugins down while the request was still running (it outlived `shutdown_timeout`). */
  managerClosed: "manager_closed",
} as const satisfies Record<string, keyof typeof CORE_ERROR_CODES>);

export interface PluginErrorOptions {
  kind?: PluginErrorKind;
  pluginName?: string;
  code?: string;
  details?: JsonObject;
  protoErrorCode?: number;
  /** For `timeout` errors: the limit that was exceeded. */
  timeoutMs?: number;
  /** For `violation` errors. */
  violation?: PluginViolation;
  /**
   * Treat like a Rust panic: an unexpected failure rather than a reported error. The concurrent phase maps it to
   * `plugin_panic`. Hosts set it for guest traps; any non-PluginError thrown by a handler counts as one.
   */
  panic?: boolean;
  cause?: unknown;
}

/**
 * The error a handler throws to report a failure, and the error lifecycle calls reject with. The executor never
 * lets it escape an invoke: it becomes a record or a synthesized violation according to `on_error`.
 */
export class PluginError extends CpexError<string | undefined> {
  readonly kind: PluginErrorKind;
  readonly pluginName: string;
  readonly protoErrorCode: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly violation: PluginViolation | undefined;
  readonly panic: boolean;

  constructor(message: string, options: PluginErrorOptions = {}) {
    super(options.code, message, {
      ...(options.details === undefined ? {} : { details: options.details }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.kind = options.kind ?? "execution";
    this.pluginName = options.pluginName ?? "";
    this.protoErrorCode = options.protoErrorCode;
    this.timeoutMs = options.timeoutMs;
    this.violation = options.violation;
    this.panic = options.panic ?? false;
  }

  static timeout(pluginName: string, timeoutMs: number, details?: JsonObject): PluginError {
    return new PluginError(`plugin timed out after ${timeoutMs}ms`, {
      kind: "timeout",
      pluginName,
      code: "timeout",
      timeoutMs,
      ...(details === undefined ? {} : { details }),
    });
  }
}

/** Normalise anything a handler threw into a PluginError (non-PluginErrors count as panics). */
export function toPluginError(thrown: unknown, pluginName: string): PluginError {
  if (thrown instanceof PluginError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new PluginError(message, { pluginName, panic: true, cause: thrown });
}

/**
 * The record for an error (docs/errors.md, "Error records"). Deliberate difference from CPEX Rust: the registered plugin name is always
 * stamped (Rust copies whatever name the plugin put in its error; quirk 7).
 */
export function errorRecord(error: PluginError, registeredName: string): PluginErrorRecord {
  let message = error.message;
  let code = error.code;
  let details = error.details;
  let proto = error.protoErrorCode;
  switch (error.kind) {
    case "timeout":
      message = `plugin timed out after ${error.timeoutMs ?? 0}ms`;
      code = "timeout";
      break;
    case "violation":
      if (error.violation !== undefined) {
        message = `plugin denied: ${error.violation.reason}`;
        code = error.violation.code;
        details = error.violation.details;
        proto = error.violation.protoErrorCode;
      }
      break;
    case "config":
      code = "config";
      break;
    case "unknown_hook":
      code = "unknown_hook";
      break;
    case "host":
      code = code ?? HOST_ERROR_CODE;
      break;
    case "execution":
      break;
  }
  return {
    pluginName: registeredName,
    message,
    ...(code === undefined ? {} : { code }),
    ...(details === undefined || Object.keys(details).length === 0 ? {} : { details }),
    ...(proto === undefined ? {} : { protoErrorCode: proto }),
  };
}

/**
 * Thrown (or rejected with) by a PluginManager that is shutting down or shut down: `invoke()` never runs a partial
 * pipeline and never returns an allow once `shutdown()` started; `initialize()`, `register()` and `loadConfig()`
 * refuse too (create a new PluginManager instead).
 */
export class ManagerClosedError extends CpexError<"manager_closed"> {
  constructor(operation: string) {
    super(
      "manager_closed",
      `cpex plugin manager is shut down: ${operation} refused (create a new PluginManager)`,
    );
  }
}

/** @deprecated Nothing in cpex uses it; format a violation yourself. Kept for compatibility. */
export function violationMessage(v: PluginViolation): string {
  return `[${v.code}] ${v.reason}`;
}
