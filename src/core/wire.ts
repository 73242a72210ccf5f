// snake_case wire forms of results, violations and error records (CPEX wire names; docs/compatibility.md), for hosts
// that talk to plugins or callers in other languages. Decoding validates: a malformed value names the field.

import type { JsonObject } from "./config/types.js";
import { CpexError } from "./cpex-error.js";
import type { PluginErrorRecord, PluginViolation } from "./errors.js";
import { extensionsToWire } from "./extensions/wire.js";
import { isPlainObject } from "./guards.js";
import type { PipelineResult } from "./result.js";

export type WireMap = Record<string, unknown>;

/** A malformed wire message; code `protocol_error` (docs/errors.md). */
export class WireFormatError extends CpexError<"protocol_error"> {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("protocol_error", `${field}: ${message}`, { details: { field } });
  }
}

export function violationToWire(v: PluginViolation): WireMap {
  const out: WireMap = { code: v.code, reason: v.reason };
  if (v.description !== undefined) out["description"] = v.description;
  if (v.details !== undefined) out["details"] = v.details;
  if (v.pluginName !== undefined) out["plugin_name"] = v.pluginName;
  if (v.protoErrorCode !== undefined) out["proto_error_code"] = v.protoErrorCode;
  return out;
}

const isMap: (v: unknown) => v is WireMap = isPlainObject;

function optString(m: WireMap, key: string, field: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string")
    throw new WireFormatError(`${field}.${key}`, `expected a string, got ${typeOf(v)}`);
  return v;
}

function typeOf(v: unknown): string {
  if (v === null) return "nil";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return "binary";
  return `a ${typeof v}`;
}

/** Decode a violation from the wire (`plugin_name` is ignored: the executor stamps the registered name). */
export function violationFromWire(value: unknown, field = "violation"): PluginViolation {
  if (!isMap(value)) throw new WireFormatError(field, `expected a map, got ${typeOf(value)}`);
  const code = optString(value, "code", field);
  const reason = optString(value, "reason", field);
  if (reason === undefined) throw new WireFormatError(`${field}.reason`, "missing");
  const description = optString(value, "description", field);
  const details = value["details"];
  if (details !== undefined && details !== null && !isMap(details)) {
    throw new WireFormatError(`${field}.details`, `expected a map, got ${typeOf(details)}`);
  }
  const proto = value["proto_error_code"];
  let protoErrorCode: number | undefined;
  if (proto !== undefined && proto !== null) {
    if (typeof proto === "bigint") protoErrorCode = Number(proto);
    else if (typeof proto === "number" && Number.isInteger(proto)) protoErrorCode = proto;
    else throw new WireFormatError(`${field}.proto_error_code`, `expected an integer, got ${typeOf(proto)}`);
  }
  return {
    code: code ?? "denied",
    reason,
    ...(description === undefined ? {} : { description }),
    ...(isMap(details) ? { details: details as JsonObject } : {}),
    ...(protoErrorCode === undefined ? {} : { protoErrorCode }),
  };
}

export function errorRecordToWire(r: PluginErrorRecord): WireMap {
  const out: WireMap = { plugin_name: r.pluginName, message: r.message };
  if (r.code !== undefined) out["code"] = r.code;
  if (r.details !== undefined) out["details"] = r.details;
  if (r.protoErrorCode !== undefined) out["proto_error_code"] = r.protoErrorCode;
  return out;
}

/** The pipeline result as CPEX callers expect it on the wire (snake_case; extensions as slot maps). */
export function pipelineResultToWire(r: PipelineResult): WireMap {
  const out: WireMap = { continue_processing: r.continueProcessing, payload_modified: r.payloadModified };
  if (r.violation !== undefined) out["violation"] = violationToWire(r.violation);
  if (r.errors.length > 0) out["errors"] = r.errors.map(errorRecordToWire);
  if (r.metadata !== undefined) out["metadata"] = r.metadata;
  if (r.continueProcessing) out["modified_payload"] = r.modifiedPayload;
  out["modified_extensions"] = extensionsToWire(r.modifiedExtensions);
  return out;
}
