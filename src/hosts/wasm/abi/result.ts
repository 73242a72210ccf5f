// Turns a guest's `result_set` map into a PluginResult for the executor. The guest's data is untrusted: extension
// edits are rebuilt from the plugin's inbound view (only writable slots, only with the matching capability) and
// then go through the same validation and merge as a native plugin's; anything malformed is an abi_violation
// naming the field.

import {
  type Extensions,
  ExtensionsWireError,
  type JsonObject,
  type PluginContext,
  type PluginResult,
  rebuildExtensionsFromWire,
  violationFromWire,
  WireFormatError,
} from "../../../core/index.js";
import { abiViolation } from "../errors.js";

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function resultFromWire(
  wire: Record<string, unknown>,
  view: Extensions,
  capabilities: ReadonlySet<string>,
  ctx: PluginContext,
): PluginResult {
  const cont = wire["continue_processing"];
  if (cont !== undefined && cont !== null && typeof cont !== "boolean") {
    throw abiViolation("result.continue_processing: expected a boolean");
  }
  let violation: PluginResult["violation"];
  if (wire["violation"] !== undefined && wire["violation"] !== null) {
    try {
      violation = violationFromWire(wire["violation"], "result.violation");
    } catch (err) {
      throw abiViolation(err instanceof WireFormatError ? err.message : String(err));
    }
  }
  let modifiedExtensions: Extensions | undefined;
  try {
    modifiedExtensions = rebuildExtensionsFromWire(view, wire["modified_extensions"], capabilities);
  } catch (err) {
    if (err instanceof ExtensionsWireError) throw abiViolation(`result.modified_extensions: ${err.message}`);
    throw err;
  }
  const metadata = wire["metadata"];
  if (metadata !== undefined && metadata !== null && !isMap(metadata)) {
    throw abiViolation("result.metadata: expected a map");
  }
  const context = wire["context"];
  if (context !== undefined && context !== null) {
    if (!isMap(context)) throw abiViolation("result.context: expected a map");
    const local = context["local_state"];
    const global = context["global_state"];
    if (local !== undefined && local !== null && !isMap(local)) {
      throw abiViolation("result.context.local_state: expected a map");
    }
    if (global !== undefined && global !== null && !isMap(global)) {
      throw abiViolation("result.context.global_state: expected a map");
    }
    // Written into the plugin's context object; the executor keeps it only in serial phases (as for natives).
    if (isMap(local)) ctx.localState = local;
    if (isMap(global)) ctx.globalState = global;
  }
  return {
    continueProcessing: cont !== false,
    // nil counts as absent: a payload is never replaced by "nothing".
    ...(wire["modified_payload"] != null ? { modifiedPayload: wire["modified_payload"] } : {}),
    ...(modifiedExtensions === undefined ? {} : { modifiedExtensions }),
    ...(violation === undefined ? {} : { violation }),
    ...(isMap(metadata) ? { metadata: metadata as JsonObject } : {}),
  };
}
