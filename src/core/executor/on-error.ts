// The on_error × phase matrix (cpex-semantics §3.4).

import type { PluginError, PluginViolation } from "../errors.js";
import { errorRecord } from "../errors.js";
import type { HookEntry } from "../registry.js";
import type { Phase } from "../result.js";
import type { Halt, RunState } from "./state.js";

const BLOCKING: ReadonlySet<Phase> = new Set(["sequential", "concurrent"]);

/** The violation a halting error becomes: plugin_timeout, plugin_panic (concurrent only) or plugin_error. */
export function errorViolation(entry: HookEntry, error: PluginError, phase: Phase): PluginViolation {
  const name = entry.name;
  if (error.kind === "timeout") {
    return { code: "plugin_timeout", reason: `Plugin '${name}' timed out`, pluginName: name };
  }
  const details = error.code === undefined ? undefined : { error_code: error.code, ...(error.details ?? {}) };
  const code = error.panic && phase === "concurrent" ? "plugin_panic" : "plugin_error";
  return {
    code,
    reason: `Plugin '${name}' failed: ${error.message}`,
    pluginName: name,
    ...(details === undefined ? {} : { details }),
  };
}

/** Apply `on_error` for a failed plugin; returns a halt when the pipeline must stop. */
export function handleError(state: RunState, entry: HookEntry, error: PluginError, phase: Phase): Halt {
  if (entry.onError === "fail" && BLOCKING.has(phase))
    return { violation: errorViolation(entry, error, phase) };
  state.errors.push(errorRecord(error, entry.name));
  if (entry.onError === "disable") {
    entry.ref.trip();
    state.settings.logger.warn(`plugin '${entry.name}' disabled after failure: ${error.message}`);
  } else if (entry.onError === "fail") {
    state.settings.logger.warn(
      `plugin '${entry.name}' failed (on_error=fail in non-blocking phase ${phase})`,
      {
        error: error.message,
      },
    );
  }
  return undefined;
}

export function stamp(violation: PluginViolation, entry: HookEntry): PluginViolation {
  return violation.pluginName === entry.name ? violation : { ...violation, pluginName: entry.name };
}
