// Which factory builds a plugin `kind`: exact kinds first, then the longest matching scheme prefix (`wasm://`).

import { isCoreKeyTypo } from "./config/build.js";
import { ConfigError, pluginLocation } from "./config/errors.js";
import type { PluginConfig } from "./config/types.js";
import type { Logger } from "./logger.js";
import type { PluginFactory } from "./plugin.js";

export class FactoryRegistry {
  private readonly exact = new Map<string, PluginFactory>();
  private readonly schemes: Array<{ prefix: string; factory: PluginFactory }> = [];

  constructor(private readonly logger: Logger) {}

  /** A factory for an exact `kind` string (a later registration replaces an earlier one, with a warning). */
  registerKind(kind: string, factory: PluginFactory): void {
    if (this.exact.has(kind)) this.logger.warn(`factory for kind '${kind}' replaced`);
    this.exact.set(kind, factory);
  }

  /** A factory for every `kind` starting with `prefix`; the longest prefix wins. */
  registerScheme(prefix: string, factory: PluginFactory): void {
    const i = this.schemes.findIndex((s) => s.prefix === prefix);
    if (i >= 0) this.schemes.splice(i, 1);
    this.schemes.push({ prefix, factory });
    this.schemes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The factory for `config.kind`, or a ConfigError naming the plugin when none is registered. */
  factoryFor(config: PluginConfig): PluginFactory {
    const exact = this.exact.get(config.kind);
    if (exact !== undefined) return exact;
    for (const s of this.schemes) if (config.kind.startsWith(s.prefix)) return s.factory;
    throw new ConfigError(
      `${pluginLocation(config)}: no factory registered for plugin kind '${config.kind}' (plugin '${config.name}')`,
      { plugin: config.name, ...(config.origin?.file === undefined ? {} : { file: config.origin.file }) },
    );
  }

  /** Every per-plugin key some registered factory declares, for the parser (no typo warning for them). */
  pluginKeys(): string[] {
    const keys = new Set<string>();
    for (const f of [...this.exact.values(), ...this.schemes.map((s) => s.factory)])
      for (const k of f.pluginKeys ?? []) keys.add(k);
    return [...keys];
  }
}

/**
 * Warnings for the keys of `config.extra` that neither the core nor `factory` reads. Keys the parser already
 * warned about (`timeout`, typos of core keys) are left out, and so are `silenced` (a caller's hostPluginKeys).
 */
export function unclaimedKeyWarnings(
  config: PluginConfig,
  factory: PluginFactory,
  silenced: readonly string[] = [],
): string[] {
  const claimed = new Set([...(factory.pluginKeys ?? []), ...silenced]);
  return Object.keys(config.extra)
    .filter((key) => key !== "timeout" && !claimed.has(key) && !isCoreKeyTypo(key))
    .map(
      (key) =>
        `${pluginLocation(config)}: unknown key '${key}' kept for hosts, but neither the core nor the factory of kind '${config.kind}' reads it`,
    );
}
