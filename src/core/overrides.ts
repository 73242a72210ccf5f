// Route-level config overrides (docs/configuration.md, "Route overrides"): a plugin referenced as `{name: {config: {...}}}` from a route, a policy
// group, `global.defaults` or an `authentication:` step runs as its own instance (shallow-merged config, own id
// and circuit breaker). The instances are built when the config is loaded, so a broken override is a load error
// and a request never waits for (or silently skips) one; at invoke they are only looked up.

import { ConfigError } from "./config/errors.js";
import type {
  AuthenticationSpec,
  CpexConfig,
  JsonObject,
  PluginConfig,
  PluginReference,
} from "./config/types.js";
import type { HookHandler, PluginInstance } from "./plugin.js";
import { HookEntry, PluginRef as Ref } from "./registry.js";
import { mergeConfigOverride } from "./routing/resolve.js";
import type { ResolvedEntry } from "./routing/types.js";

/** One override instance: its own registration (id, breaker, lifecycle) and a handler per hook. */
export interface OverrideInstance {
  readonly ref: Ref;
  readonly handlers: ReadonlyMap<string, HookHandler>;
}

/** Where a config asks for an override, for error messages: `routes[2].plugins`, `groups.pii.authentication`. */
interface OverrideUse {
  readonly name: string;
  readonly override: JsonObject;
  readonly where: string;
}

/** What the loader knows about a plugin it just built, so its overrides can be built from it. */
export interface OverrideBase {
  readonly ref: Ref;
  readonly instance: PluginInstance;
  /** The hooks the base serves: an override must serve every one (the router may pick it for any of them). */
  readonly hooks: readonly string[];
  /** The factory that built the base, used when the instance cannot `derive`. */
  readonly create: (config: PluginConfig) => Promise<PluginInstance>;
}

/** The key two references with the same override share an instance under (the config is frozen data). */
export function overrideKey(override: JsonObject): string {
  return JSON.stringify(override);
}

/** Every plugin reference with a `config:` override in `config`, first use first. Inert when routing is off. */
export function collectOverrideUses(config: CpexConfig): OverrideUse[] {
  if (!config.pluginSettings.routingEnabled) return [];
  const uses: OverrideUse[] = [];
  const refs = (list: readonly PluginReference[], where: string): void => {
    for (const r of list) if (r.config !== undefined) uses.push({ name: r.name, override: r.config, where });
  };
  const auth = (spec: AuthenticationSpec | undefined, where: string): void => {
    for (const s of spec?.steps ?? [])
      if (s.config !== undefined) uses.push({ name: s.name, override: s.config, where });
  };
  auth(config.global.authentication, "global.authentication");
  for (const [entity, group] of Object.entries(config.global.defaults))
    refs(group?.plugins ?? [], `global.defaults.${entity}.plugins`);
  for (const [name, group] of config.groups) {
    refs(group.plugins, `groups.${name}.plugins`);
    auth(group.authentication, `groups.${name}.authentication`);
  }
  for (const route of config.routes) {
    refs(route.plugins, `routes[${route.index}].plugins`);
    auth(route.authentication, `routes[${route.index}].authentication`);
  }
  return uses;
}

/** Override instances by base registration id, then by override key. */
export class OverrideTable {
  private readonly byBase = new Map<string, Map<string, OverrideInstance>>();

  lookup(base: Ref, override: JsonObject): OverrideInstance | undefined {
    return this.byBase.get(base.id)?.get(overrideKey(override));
  }

  /** The override instances of one base registration, in build order (for initialize/shutdown ordering). */
  of(base: Ref): readonly OverrideInstance[] {
    return [...(this.byBase.get(base.id)?.values() ?? [])];
  }

  /** Adopt what `buildOverrides` returned (after the load committed). */
  adopt(built: ReadonlyMap<string, Map<string, OverrideInstance>>): void {
    for (const [id, map] of built) this.byBase.set(id, map);
  }

  forget(base: Ref): void {
    this.byBase.delete(base.id);
  }
}

/**
 * Build every override `config` references from the plugins built for it. The base's `derive` is preferred (a
 * sibling from the same verified artefact); otherwise its factory builds one. Any failure, or an instance that
 * does not serve every hook of its base, is a ConfigError naming where the override is and which plugin.
 */
export async function buildOverrides(
  config: CpexConfig,
  bases: ReadonlyMap<string, OverrideBase>,
): Promise<Map<string, Map<string, OverrideInstance>>> {
  const out = new Map<string, Map<string, OverrideInstance>>();
  for (const use of collectOverrideUses(config)) {
    const fail = (reason: string): ConfigError =>
      new ConfigError(
        `${config.file === undefined ? "" : `${config.file}: `}${use.where}: config override of plugin '${use.name}' failed: ${reason}`,
        { ...(config.file === undefined ? {} : { file: config.file }), path: use.where, plugin: use.name },
      );
    const base = bases.get(use.name);
    if (base === undefined) throw fail("the plugin is not declared in this config");
    const key = overrideKey(use.override);
    let forBase = out.get(base.ref.id);
    if (forBase?.has(key)) continue;
    const merged: PluginConfig = {
      ...base.ref.config,
      config: mergeConfigOverride(base.ref.config.config, use.override) as JsonObject,
    };
    let instance: PluginInstance;
    try {
      instance =
        base.instance.derive !== undefined ? await base.instance.derive(merged) : await base.create(merged);
    } catch (err) {
      throw fail(err instanceof Error ? err.message : String(err));
    }
    const handlers = new Map(instance.handlers.map((h) => [h.hook, h.handler]));
    const missing = base.hooks.filter((h) => !handlers.has(h));
    if (missing.length > 0) throw fail(`the override instance has no handler for hook '${missing[0]}'`);
    if (forBase === undefined) {
      forBase = new Map();
      out.set(base.ref.id, forBase);
    }
    forBase.set(key, { ref: new Ref(merged, instance.plugin), handlers });
  }
  return out;
}

/**
 * The entries to run for a routed lineup: each `{name: {config: {...}}}` reference swapped for the instance
 * built at load (own id and circuit breaker). An identity step's `on_error` is not applied (as in CPEX: the
 * plugin's own governs; docs/configuration.md, "Authentication"). Nothing is built here; a missing
 * instance (a plugin registered after the config that references it) throws, and the manager fails the request
 * rather than run the base plugin in its place.
 */
export function withOverrides(
  lineup: readonly ResolvedEntry<HookEntry>[],
  hook: string,
  table: OverrideTable,
): HookEntry[] {
  return lineup.map((r) => {
    if (r.configOverride === undefined) return r.entry;
    const instance = table.lookup(r.entry.ref, r.configOverride);
    const handler = instance?.handlers.get(hook);
    if (instance === undefined || handler === undefined) {
      throw new Error(
        `no route override instance of plugin '${r.entry.name}' for hook '${hook}' (overrides are built when their config is loaded); refusing to run the base plugin in its place`,
      );
    }
    return new HookEntry(instance.ref, hook, handler);
  });
}
