// The immutable snapshot an invoke runs on (a registration during an invoke does not change the running
// pipeline), and the two results an invoke can produce without running a plugin.

import type { CpexConfig, PluginSettings } from "./config/types.js";
import type { ContextTable } from "./context.js";
import type { Extensions } from "./extensions/types.js";
import type { Logger } from "./logger.js";
import { type HookEntry, sortByPriority } from "./registry.js";
import { NO_BACKGROUND, type PipelineResult } from "./result.js";
import { createRouter } from "./routing/router.js";
import type { Router } from "./routing/types.js";

export interface Snapshot {
  readonly byHook: ReadonlyMap<string, readonly HookEntry[]>;
  readonly router: Router;
  readonly settings: PluginSettings;
}

/** Hook entries grouped by hook (priority order, registration order on ties) and a router for `config`. */
export function buildSnapshot(
  registrations: Iterable<{ readonly entries: readonly HookEntry[] }>,
  config: CpexConfig | undefined,
  settings: PluginSettings,
  logger: Logger,
): Snapshot {
  const byHook = new Map<string, HookEntry[]>();
  for (const r of registrations) {
    for (const e of r.entries) {
      const list = byHook.get(e.hook);
      if (list === undefined) byHook.set(e.hook, [e]);
      else list.push(e);
    }
  }
  for (const [hook, list] of byHook) byHook.set(hook, sortByPriority(list));
  const router = createRouter(config, { warn: (m) => logger.warn(m) });
  return { byHook, router, settings };
}

/** The result of a hook no plugin serves: allowed, payload unchanged. */
export function allowed<P>(
  payload: P,
  extensions: Extensions,
  table: ContextTable,
  trace: boolean,
): PipelineResult<P> {
  return {
    continueProcessing: true,
    modifiedPayload: payload,
    payloadModified: false,
    modifiedExtensions: extensions,
    errors: [],
    contextTable: table,
    background: NO_BACKGROUND,
    ...(trace ? { trace: [] } : {}),
  };
}

/**
 * The result when the runtime itself failed (a bug: handlers' failures are outcomes): denied with
 * `internal_error` (docs/errors.md), so the request fails closed and the caller never sees an exception.
 */
export function internalError<P>(
  reason: string,
  extensions: Extensions,
  table: ContextTable,
): PipelineResult<P> {
  return {
    continueProcessing: false,
    violation: { code: "internal_error", reason: `cpex runtime error: ${reason}` },
    payloadModified: false,
    modifiedExtensions: extensions,
    errors: [],
    contextTable: table,
    background: NO_BACKGROUND,
  };
}
