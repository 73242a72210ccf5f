import type { JsonObject, PluginCondition } from "../config/types.js";

/** What the router needs to know about a registered hook entry. A PluginConfig satisfies it. */
export interface RoutablePlugin {
  readonly name: string;
  readonly conditions?: readonly PluginCondition[];
}

/** One entry of the lineup the executor should run, in order. */
export interface ResolvedEntry<T extends RoutablePlugin> {
  readonly entry: T;
  readonly name: string;
  /** Keys to shallow-merge over the base plugin's `config` (the manager builds an override instance). */
  readonly configOverride?: JsonObject;
  /**
   * The identity step's `on_error` as written (identity steps only). Informational, as in CPEX: the executor
   * applies the plugin's own `on_error` (docs/configuration.md, "Authentication").
   */
  readonly onError?: string;
  /** The route's `when`, carried for orchestrators; the core does not evaluate it. */
  readonly when?: string;
}

/** Name-level result of route resolution (before mapping to registered entries). */
export interface ResolvedRef {
  readonly name: string;
  readonly configOverride?: JsonObject;
  /** The identity step's `on_error` as written; informational (see ResolvedEntry.onError). */
  readonly onError?: string;
  readonly when?: string;
}

export interface Router {
  /**
   * The ordered lineup for `hookName`. `entries` are the plugins registered for that hook, in priority order.
   * Routing disabled / no config → entries whose `conditions` match (Conditions). Routing enabled without
   * meta.entityType/entityName → all entries. Otherwise the route resolution (Routes), cached (docs/configuration.md).
   */
  resolve<T extends RoutablePlugin>(
    hookName: string,
    extensions: import("../extensions/types.js").Extensions | undefined,
    entries: readonly T[],
  ): readonly ResolvedEntry<T>[];
  clearCache(): void;
  readonly size: number;
}
