// The immutable snapshot an invoke runs on (a registration during an invoke does not change the running
// pipeline), running one invoke on it, and the two results an invoke can produce without running a plugin.

import type { CpexConfig, PluginSettings } from "./config/types.js";
import { ContextTable } from "./context.js";
import { execute, type RunSettings, type TaskTracker } from "./executor/index.js";
import { EMPTY_EXTENSIONS, type ExtensionsInput, toCanonicalExtensions } from "./extensions/container.js";
import type { Extensions } from "./extensions/types.js";
import { errorMessage } from "./guards.js";
import type { Logger } from "./logger.js";
import { type OverrideTable, withOverrides } from "./overrides.js";
import { type HookEntry, sortByPriority } from "./registry.js";
import { NO_BACKGROUND, type PipelineResult } from "./result.js";
import { createRouter } from "./routing/router.js";
import type { Router } from "./routing/types.js";

export interface Snapshot {
  readonly byHook: ReadonlyMap<string, readonly HookEntry[]>;
  readonly router: Router;
  readonly settings: PluginSettings;
}

export interface InvokeOptions {
  extensions?: ExtensionsInput | Extensions;
  /** The table a previous hook of the same request returned (pre → post). */
  contextTable?: ContextTable;
  /** Collect a per-plugin trace in `result.trace`. */
  trace?: boolean;
}

/** What an invoke needs from the manager besides the snapshot. */
export interface InvokeEnvironment {
  readonly overrides: OverrideTable;
  readonly logger: Logger;
  /** True once the manager shut its plugins down (RunSettings.closed). */
  readonly closed: () => boolean;
  readonly checkPayloads: boolean;
  readonly tracker: TaskTracker;
}

/**
 * Run one invoke on `snap`: canonical extensions, the lineup (routing, then route-override instances), the
 * pipeline. Never rejects: a failure of the runtime itself becomes an `internal_error` deny.
 */
export async function runInvoke<P>(
  snap: Snapshot,
  request: { readonly hook: string; readonly payload: P; readonly options: InvokeOptions },
  env: InvokeEnvironment,
): Promise<PipelineResult<P>> {
  const { hook, payload, options } = request;
  const table = options.contextTable ?? new ContextTable();
  let extensions: Extensions = EMPTY_EXTENSIONS;
  try {
    extensions =
      options.extensions === undefined ? EMPTY_EXTENSIONS : toCanonicalExtensions(options.extensions);
    const entries = snap.byHook.get(hook);
    if (entries === undefined) return allowed(payload, extensions, table, options.trace === true);
    const lineup = snap.router.resolve(hook, extensions, entries);
    const resolved = lineup.some((r) => r.configOverride !== undefined)
      ? withOverrides(lineup, hook, env.overrides)
      : lineup.map((r) => r.entry);
    const settings: RunSettings = {
      timeoutMs: Math.max(1, Math.round(snap.settings.pluginTimeout * 1000)),
      shortCircuitOnDeny: snap.settings.shortCircuitOnDeny,
      logger: env.logger,
      closed: env.closed,
      checkPayloads: env.checkPayloads,
    };
    return (await execute({
      hook,
      entries: resolved,
      payload,
      extensions,
      table,
      settings,
      tracker: env.tracker,
      trace: options.trace === true,
    })) as PipelineResult<P>;
  } catch (err) {
    // Only a bug in the runtime gets here (handlers' failures are outcomes): fail closed, never throw.
    const reason = errorMessage(err);
    env.logger.error(`invoke of '${hook}' failed inside the runtime: ${reason}`);
    return internalError(reason, extensions, table);
  }
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
