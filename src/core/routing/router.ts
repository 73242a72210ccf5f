// The router the manager asks "which plugins run for this hook and request, in which order" (docs/configuration.md, "Routing").
//
// Deliberate difference from CPEX Rust: the cache key includes the request's host tags (CPEX keys on
// entity type, entity name, hook and scope only, so the first resolution was reused for requests with other
// runtime tags until the cache was cleared — quirk 4).

import type { CpexConfig } from "../config/types.js";
import type { Extensions } from "../extensions/types.js";
import { conditionsMatch } from "./conditions.js";
import { IDENTITY_HOOKS, resolveIdentitySteps, resolvePluginsForEntity } from "./resolve.js";
import type { ResolvedEntry, ResolvedRef, RoutablePlugin, Router } from "./types.js";

export interface RouterOptions {
  /** Called when the cache is full (once per fill cycle, i.e. until the next clearCache). */
  warn?: (message: string) => void;
}

interface CacheEntry {
  readonly refs: readonly ResolvedRef[];
  // Mapping of refs onto the last entries list seen: the manager's per-hook list is stable between
  // registrations, so a hit usually costs one identity comparison.
  lastEntries?: readonly RoutablePlugin[];
  lastResult?: readonly ResolvedEntry<RoutablePlugin>[];
}

export function createRouter(config: CpexConfig | undefined, options: RouterOptions = {}): Router {
  const routing = config?.pluginSettings.routingEnabled === true ? config : undefined;
  const capacity = config?.pluginSettings.routeCacheMaxEntries ?? 10_000;
  const cache = new Map<string, CacheEntry>();
  let warnedFull = false;
  // "Everything runs" lineups, per entries list.
  const passThrough = new WeakMap<readonly RoutablePlugin[], readonly ResolvedEntry<RoutablePlugin>[]>();
  const byName = new WeakMap<readonly RoutablePlugin[], Map<string, RoutablePlugin>>();

  function all<T extends RoutablePlugin>(entries: readonly T[]): readonly ResolvedEntry<T>[] {
    let out = passThrough.get(entries);
    if (out === undefined) {
      out = Object.freeze(entries.map((entry) => Object.freeze({ entry, name: entry.name })));
      passThrough.set(entries, out);
    }
    return out as readonly ResolvedEntry<T>[];
  }

  function byConditions<T extends RoutablePlugin>(
    entries: readonly T[],
    extensions: Extensions | undefined,
  ): readonly ResolvedEntry<T>[] {
    if (entries.every((e) => e.conditions === undefined || e.conditions.length === 0)) return all(entries);
    const lineup = all(entries);
    return lineup.filter((r) => conditionsMatch(r.entry.conditions, extensions));
  }

  function mapRefs<T extends RoutablePlugin>(
    refs: readonly ResolvedRef[],
    entries: readonly T[],
  ): readonly ResolvedEntry<T>[] {
    let names = byName.get(entries);
    if (names === undefined) {
      names = new Map();
      for (const e of entries) if (!names.has(e.name)) names.set(e.name, e);
      byName.set(entries, names);
    }
    const out: ResolvedEntry<T>[] = [];
    for (const ref of refs) {
      const entry = names.get(ref.name) as T | undefined;
      if (entry !== undefined) out.push(Object.freeze({ ...ref, entry }));
    }
    return Object.freeze(out);
  }

  return {
    resolve<T extends RoutablePlugin>(
      hookName: string,
      extensions: Extensions | undefined,
      entries: readonly T[],
    ): readonly ResolvedEntry<T>[] {
      if (routing === undefined) return byConditions(entries, extensions);
      const meta = extensions?.meta;
      const entityType = meta?.entityType;
      const entityName = meta?.entityName;
      // Routing on but the request does not say what it is about: no filtering at all.
      if (entityType === undefined || entityName === undefined) return all(entries);
      const tags = meta?.tags;
      const key = cacheKey(entityType, entityName, hookName, meta?.scope, tags);
      let hit = cache.get(key);
      if (hit === undefined) {
        const req = { entityType, entityName, scope: meta?.scope, tags };
        const refs = IDENTITY_HOOKS.has(hookName)
          ? resolveIdentitySteps(routing, req)
          : resolvePluginsForEntity(routing, req);
        hit = { refs };
        if (cache.size < capacity) {
          cache.set(key, hit);
        } else if (!warnedFull) {
          warnedFull = true;
          options.warn?.(
            `route cache is full (${capacity} entries, plugin_settings.route_cache_max_entries); ` +
              "further lineups are resolved without caching",
          );
        }
      }
      if (hit.lastEntries === entries && hit.lastResult !== undefined) {
        return hit.lastResult as readonly ResolvedEntry<T>[];
      }
      const result = mapRefs(hit.refs, entries);
      hit.lastEntries = entries;
      hit.lastResult = result;
      return result;
    },
    clearCache(): void {
      cache.clear();
      warnedFull = false;
    },
    get size(): number {
      return cache.size;
    },
  };
}

function cacheKey(
  entityType: string,
  entityName: string,
  hookName: string,
  scope: string | undefined,
  tags: readonly string[] | undefined,
): string {
  // \u0000 cannot occur in YAML-declared names; \u0001 marks "no scope" (distinct from an empty scope).
  const tagPart =
    tags === undefined || tags.length === 0
      ? ""
      : tags.length === 1
        ? tags[0]!
        : [...tags].sort().join("\u0000");
  return `${entityType}\u0000${entityName}\u0000${hookName}\u0000${scope ?? "\u0001"}\u0000${tagPart}`;
}
