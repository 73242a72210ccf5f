// Loading a config into a manager for `cpex run`, `call` and `profile`: the wasm:// plugins are loaded (and
// instrumented) for real; a native plugin needs the embedding application's code, so it is skipped with a notice
// (listed in `--json` output as `skipped`). Running one hook and summarising each plugin's part of it.

import {
  ContextTable,
  type CpexConfig,
  type Logger,
  loadConfig,
  type PipelineResult,
  PluginManager,
  type PluginTrace,
} from "../core/index.js";
import { registerWasmHost, WASM_SCHEME, WasmEngine, WasmPluginFactory } from "../hosts/wasm/index.js";

/** Everything the core logs goes to stderr, so stdout carries only the command's answer (one JSON document). */
export const stderrLogger: Logger = Object.freeze({
  debug: () => {},
  info: (m: string) => console.error(`[cpex] ${m}`),
  warn: (m: string) => console.error(`[cpex] warning: ${m}`),
  error: (m: string) => console.error(`[cpex] error: ${m}`),
});

export interface SkippedPlugin {
  readonly name: string;
  readonly kind: string;
  readonly reason: string;
}

export interface LoadedPipeline {
  readonly manager: PluginManager;
  readonly skipped: readonly SkippedPlugin[];
}

/** The config at `path` with its native plugins removed, loaded and initialised. */
export async function openConfigFile(path: string, quiet: boolean): Promise<LoadedPipeline> {
  const keys = new WasmPluginFactory(new WasmEngine()).pluginKeys;
  const config = await loadConfig(path, {
    warn: (m) => (quiet ? undefined : stderrLogger.warn(m)),
    hostPluginKeys: keys,
  });
  return openConfig(config, quiet);
}

export async function openConfig(config: CpexConfig, quiet: boolean): Promise<LoadedPipeline> {
  const skipped: SkippedPlugin[] = [];
  const plugins = config.plugins.filter((p) => {
    if (p.kind.startsWith(WASM_SCHEME)) return true;
    skipped.push({
      name: p.name,
      kind: p.kind,
      reason: "native plugin: provided by the embedding application",
    });
    return false;
  });
  const manager = new PluginManager({ logger: quiet ? silentLogger : stderrLogger });
  const engine = registerWasmHost(manager);
  const factory = new WasmPluginFactory(engine);
  await manager.loadConfig({ ...config, plugins }, factory.pluginKeys);
  await manager.initialize();
  return { manager, skipped };
}

const silentLogger: Logger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});

export interface RunInput {
  readonly hook: string;
  readonly payload: unknown;
  readonly extensions?: Record<string, unknown>;
  /** `{ global_state, local_states }`, local states keyed by plugin name (what `--json` printed as `context`). */
  readonly context?: Record<string, unknown>;
}

/** A context table seeded from a previous run's `context` (local states by plugin name → registration id). */
export function contextTableFrom(
  manager: PluginManager,
  context: Record<string, unknown> | undefined,
): ContextTable {
  const table = new ContextTable();
  if (context === undefined) return table;
  const global = context["global_state"];
  if (global !== null && typeof global === "object" && !Array.isArray(global))
    table.globalState = { ...(global as Record<string, unknown>) };
  const locals = context["local_states"];
  if (locals !== null && typeof locals === "object" && !Array.isArray(locals)) {
    for (const [name, state] of Object.entries(locals as Record<string, unknown>)) {
      const info = manager.plugin(name);
      if (info !== undefined && state !== null && typeof state === "object")
        table.localStates.set(info.id, { ...(state as Record<string, unknown>) });
    }
  }
  return table;
}

export async function runOnce(manager: PluginManager, input: RunInput): Promise<PipelineResult> {
  return manager.invoke(input.hook, input.payload, {
    trace: true,
    contextTable: contextTableFrom(manager, input.context),
    ...(input.extensions === undefined ? {} : { extensions: input.extensions }),
  });
}

/** One plugin's part of a run, as `cpex run` prints it (snake_case: it is also the `--json` shape). */
export interface PluginReport {
  readonly plugin: string;
  readonly phase: string;
  readonly outcome: string;
  readonly duration_ms: number;
  readonly fuel_used?: number;
  readonly memory_bytes?: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly violation?: { readonly code: string; readonly reason: string };
}

const WASM_PAGE = 65_536;

export function pluginReport(t: PluginTrace): PluginReport {
  const fuel = t.telemetry?.["fuel_used"];
  const pages = t.telemetry?.["memory_pages"];
  return {
    plugin: t.plugin,
    phase: t.phase,
    outcome: t.outcome,
    duration_ms: Math.round(t.durationMs * 1000) / 1000,
    ...(typeof fuel === "number" ? { fuel_used: fuel } : {}),
    ...(typeof pages === "number" ? { memory_bytes: pages * WASM_PAGE } : {}),
    ...(t.error === undefined ? {} : { error: { code: t.error.code ?? "error", message: t.error.message } }),
    ...(t.violation === undefined
      ? {}
      : { violation: { code: t.violation.code, reason: t.violation.reason } }),
  };
}
