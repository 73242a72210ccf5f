// What an embedder may ask the manager about a plugin: its registration id, configured and effective mode,
// circuit-breaker state, hooks and the executor's counters — and a context table's local states keyed by plugin
// name instead of registration id (docs/architecture.md, "Introspection").

import type { PluginConfig, PluginMode } from "./config/types.js";
import type { ContextTable, StateMap } from "./context.js";
import type { OverrideInstance } from "./overrides.js";
import type { PluginCounters, PluginRef } from "./registry.js";

/** One registration's breaker and counters: the plugin itself or one of its route-override instances. */
export interface RegistrationInfo {
  /** Registration id: the key of its local state in a ContextTable. */
  readonly id: string;
  /** `disabled` once the circuit breaker tripped. */
  readonly effectiveMode: PluginMode;
  /** `tripped` after a failure under `on_error: disable` (for the process lifetime); `closed` otherwise. */
  readonly breaker: "closed" | "tripped";
  readonly counters: Readonly<PluginCounters>;
}

/** A registered plugin as `PluginManager.plugin(name)` reports it. A snapshot: it does not update later. */
export interface PluginInfo
  extends RegistrationInfo,
    // As the config gave them (`mode`: the configured mode; the breaker's is `effectiveMode`).
    Pick<PluginConfig, "name" | "kind" | "mode" | "priority" | "onError" | "capabilities"> {
  /** The hooks it has handlers for, in registration order. */
  readonly hooks: readonly string[];
  /**
   * Its route-override instances (docs/configuration.md, "Route overrides"), in build order; each has its own
   * id, breaker and counters.
   */
  readonly overrides: readonly RegistrationInfo[];
}

function registrationInfo(ref: PluginRef): RegistrationInfo {
  return {
    id: ref.id,
    effectiveMode: ref.effectiveMode,
    breaker: ref.disabled ? "tripped" : "closed",
    counters: { ...ref.counters },
  };
}

export function pluginInfo(
  ref: PluginRef,
  hooks: readonly string[],
  overrides: readonly OverrideInstance[],
): PluginInfo {
  const c = ref.config;
  return Object.freeze({
    ...registrationInfo(ref),
    name: c.name,
    kind: c.kind,
    mode: c.mode,
    priority: c.priority,
    onError: c.onError,
    hooks: [...new Set(hooks)],
    capabilities: [...c.capabilities],
    overrides: overrides.map((o) => registrationInfo(o.ref)),
  });
}

/** The label a route-override instance's state is listed under: `name (route override n)`, n from 1. */
export function overrideLabel(name: string, n: number): string {
  return `${name} (route override ${n})`;
}

/**
 * The local states of `table` keyed by plugin name (route-override instances by `overrideLabel`). Ids the
 * manager does not know (a plugin since unregistered, another manager's table) are listed by id.
 */
export function localStatesByName(
  table: ContextTable,
  nameOf: (id: string) => string | undefined,
): ReadonlyMap<string, Readonly<StateMap>> {
  const out = new Map<string, Readonly<StateMap>>();
  for (const [id, state] of table.localStates) out.set(nameOf(id) ?? id, state);
  return out;
}
