// The on_error × phase matrix, and the one exception to it: host failures (kind `host`) fail the request in
// every phase that runs before the result is returned and are never counted against the plugin
// (docs/configuration.md, "Host failures").

import type { PluginError, PluginErrorRecord, PluginViolation } from "../errors.js";
import { errorRecord, HOST_ERROR_CODE } from "../errors.js";
import type { HookEntry } from "../registry.js";
import type { Phase } from "../result.js";
import { PHASES } from "./phases.js";
import type { Halt, RunState } from "./state.js";

/** The violation a halting error becomes: plugin_timeout, plugin_panic (task phases only) or plugin_error. */
export function errorViolation(entry: HookEntry, error: PluginError, phase: Phase): PluginViolation {
  const name = entry.name;
  if (error.kind === "timeout") {
    return { code: "plugin_timeout", reason: `Plugin '${name}' timed out`, pluginName: name };
  }
  const details = error.code === undefined ? undefined : { error_code: error.code, ...(error.details ?? {}) };
  const panicked = error.panic && PHASES[phase].panicsAsTask;
  return {
    code: panicked ? "plugin_panic" : "plugin_error",
    reason: panicked
      ? `Plugin '${name}' task panicked: ${error.message}`
      : `Plugin '${name}' failed: ${error.message}`,
    pluginName: name,
    ...(details === undefined ? {} : { details }),
  };
}

/** The violation a host failure becomes: the host's code (default `host_error`), never a plugin_* code. */
export function hostViolation(entry: HookEntry, error: PluginError): PluginViolation {
  return {
    code: error.code ?? HOST_ERROR_CODE,
    reason: `cpex could not run plugin '${entry.name}': ${error.message}`,
    pluginName: entry.name,
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}

/**
 * Apply `on_error` for a failed plugin; returns a halt when the pipeline must stop. A host failure halts in every
 * phase (audit and transform included) whatever `on_error` says, and never trips the circuit breaker: the plugin
 * did nothing wrong, the host could not run it safely, and letting the request through would fail open.
 */
export function handleError(state: RunState, entry: HookEntry, error: PluginError, phase: Phase): Halt {
  if (error.kind === "host") {
    state.errors.push(phaseRecord(error, entry, phase));
    state.settings.logger.error(`cpex could not run plugin '${entry.name}' (${phase}): ${error.message}`, {
      code: error.code ?? HOST_ERROR_CODE,
    });
    return { violation: hostViolation(entry, error) };
  }
  if (entry.onError === "fail" && PHASES[phase].canDeny)
    return { violation: errorViolation(entry, error, phase) };
  state.errors.push(phaseRecord(error, entry, phase));
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

/**
 * The record of a failure. A panic in a task phase (concurrent) the host gave no code for is recorded with code
 * `panic`, as CPEX records a panicked task (docs/errors.md); serial phases keep the plain record.
 */
export function phaseRecord(error: PluginError, entry: HookEntry, phase: Phase): PluginErrorRecord {
  const rec = errorRecord(error, entry.name);
  if (!PHASES[phase].panicsAsTask || !error.panic || rec.code !== undefined) return rec;
  return { ...rec, code: "panic" };
}

export function stamp(violation: PluginViolation, entry: HookEntry): PluginViolation {
  return violation.pluginName === entry.name ? violation : { ...violation, pluginName: entry.name };
}
