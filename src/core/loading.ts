// Turning a loaded config into registrations: each plugin built by its kind's factory (its unclaimed keys
// warned about), then every route/group/authentication config override built from those (overrides.ts). Nothing
// is registered here: the manager adopts the result only when all of it succeeded, so a load is atomic.

import { ConfigError, pluginLocation } from "./config/errors.js";
import type { CpexConfig, PluginConfig, PluginSettings } from "./config/types.js";
import { PluginError } from "./errors.js";
import { type FactoryRegistry, unclaimedKeyWarnings } from "./factories.js";
import { errorMessage } from "./guards.js";
import type { OwnedLifecycle } from "./lifecycle.js";
import type { Logger } from "./logger.js";
import { buildOverrides, type OverrideBase, type OverrideInstance } from "./overrides.js";
import type { FactoryContext, PluginInstance } from "./plugin.js";
import { HookEntry, PluginRef } from "./registry.js";

/** One registered plugin: its registration (id, config, breaker, lifecycle) and a hook entry per handler. */
export interface Registration {
  readonly ref: PluginRef;
  readonly entries: readonly HookEntry[];
}

/** Visitors see the loaded config (orchestrators such as policy engines compile their parts of it). */
export interface ConfigVisitor {
  visitPlugins?(plugins: readonly PluginConfig[], config: CpexConfig): void | Promise<void>;
  visitPolicyBundle?(
    name: string,
    group: CpexConfig["groups"] extends ReadonlyMap<string, infer G> ? G : never,
  ): void | Promise<void>;
  visitRoute?(route: CpexConfig["routes"][number]): void | Promise<void>;
}

/** What building a config's plugins needs from the manager. */
export interface LoadContext {
  readonly factories: FactoryRegistry;
  readonly logger: Logger;
  /** Used when the config has none (it always has: kept for callers that build a config by hand). */
  readonly settings: PluginSettings;
  /** Keys the caller declared as read by a host (no unclaimed-key warning). */
  readonly hostPluginKeys: readonly string[];
  readonly isRegistered: (name: string) => boolean;
}

/** The plugins and override instances of one config, built but not yet registered. */
export interface BuiltConfig {
  readonly registrations: readonly Registration[];
  readonly overrides: Map<string, Map<string, OverrideInstance>>;
  /** Every lifecycle built, in the order initialise runs them (each plugin, then its override instances). */
  readonly owned: readonly OwnedLifecycle[];
}

export async function buildConfig(config: CpexConfig, ctx: LoadContext): Promise<BuiltConfig> {
  const registrations: Registration[] = [];
  const bases = new Map<string, OverrideBase>();
  const factoryCtx: FactoryContext = {
    ...(config.configDir === undefined ? {} : { configDir: config.configDir }),
    settings: config.pluginSettings ?? ctx.settings,
    logger: ctx.logger,
  };
  for (const pc of config.plugins) {
    if (ctx.isRegistered(pc.name)) {
      throw new ConfigError(`${pluginLocation(pc)}: plugin '${pc.name}' is already registered`, {
        plugin: pc.name,
      });
    }
    const { registration, base } = await instantiate(pc, factoryCtx, ctx);
    registrations.push(registration);
    bases.set(pc.name, base);
  }
  const overrides = await buildOverrides(config, bases);
  const owned = registrations.flatMap((r) => ownedBy(r.ref, [...(overrides.get(r.ref.id)?.values() ?? [])]));
  return { registrations, overrides, owned };
}

async function instantiate(
  pc: PluginConfig,
  factoryCtx: FactoryContext,
  ctx: LoadContext,
): Promise<{ registration: Registration; base: OverrideBase }> {
  const factory = ctx.factories.factoryFor(pc);
  for (const w of unclaimedKeyWarnings(pc, factory, ctx.hostPluginKeys)) ctx.logger.warn(w);
  let instance: PluginInstance;
  try {
    instance = await factory.create(pc, factoryCtx);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PluginError) throw err;
    throw new ConfigError(
      `${pluginLocation(pc)}: cannot create plugin of kind '${pc.kind}': ${errorMessage(err)}`,
      { plugin: pc.name },
    );
  }
  const create = async (overridden: PluginConfig): Promise<PluginInstance> =>
    factory.create(overridden, factoryCtx);
  const ref = new PluginRef(pc, instance.plugin);
  const entries = instance.handlers.map((h) => new HookEntry(ref, h.hook, h.handler));
  return {
    registration: { ref, entries },
    base: { ref, instance, hooks: entries.map((e) => e.hook), create },
  };
}

/** Tell the visitors about a config the manager just adopted. */
export async function visitConfig(visitors: readonly ConfigVisitor[], config: CpexConfig): Promise<void> {
  for (const v of visitors) {
    await v.visitPlugins?.(config.plugins, config);
    for (const [name, group] of config.groups) await v.visitPolicyBundle?.(name, group);
    for (const route of config.routes) await v.visitRoute?.(route);
  }
}

/** A plugin's lifecycle followed by its override instances' (the order initialise/shutdown use). */
export function ownedBy(ref: PluginRef, overrides: readonly OverrideInstance[]): OwnedLifecycle[] {
  return [
    { name: ref.name, plugin: ref.plugin },
    ...overrides.map((o) => ({ name: `${ref.name} (route override)`, plugin: o.ref.plugin })),
  ];
}

/** The error initialize() rejects with when a plugin's initialize hook failed. */
export function initFailure(name: string, err: unknown): PluginError {
  return new PluginError(`initialization failed: ${errorMessage(err)}`, { pluginName: name, cause: err });
}
