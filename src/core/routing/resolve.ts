// Route matching and plugin resolution (docs/configuration.md, "Routes"): pure functions over a CpexConfig.

import type { AuthenticationSpec, CpexConfig, EntityType, PluginReference, Route } from "../config/types.js";
import { isPlainObject } from "../guards.js";
import { globMatch, isGlob } from "./glob.js";
import type { ResolvedRef } from "./types.js";

/** The reserved group applied to every request. */
export const ALL_GROUP = "all";

/** Hook names that resolve through `authentication:` blocks (dotted core name and the Python host's spelling). */
export const IDENTITY_HOOKS: ReadonlySet<string> = new Set(["identity.resolve", "identity_resolve"]);

export interface EntityRequest {
  readonly entityType: string;
  readonly entityName: string;
  readonly scope?: string | undefined;
  /** Host-injected `meta.tags` of the request. */
  readonly tags?: readonly string[] | undefined;
}

/**
 * Specificity of `route` for a request, or undefined if it does not match: exact name 1000, name list 500,
 * glob 300, bare `*` 0; +100 when the route's scope equals the request's (a scoped route never matches another
 * or no scope); +10 when the route has `when`.
 */
export function routeScore(route: Route, req: EntityRequest): number | undefined {
  if (route.entityType !== req.entityType) return undefined;
  let score: number;
  const m = route.matcher;
  if (m.kind === "list") {
    if (!m.names.includes(req.entityName)) return undefined;
    score = 500;
  } else if (/^\*+$/.test(m.pattern)) {
    score = 0;
  } else if (isGlob(m.pattern)) {
    if (!globMatch(m.pattern, req.entityName)) return undefined;
    score = 300;
  } else {
    if (m.pattern !== req.entityName) return undefined;
    score = 1000;
  }
  if (route.meta.scope !== undefined) {
    if (route.meta.scope !== req.scope) return undefined;
    score += 100;
  }
  if (route.when !== undefined) score += 10;
  return score;
}

/** Best match by specificity (not first match); ties go to the earliest declared route. */
export function findRoute(routes: readonly Route[], req: EntityRequest): Route | undefined {
  let best: Route | undefined;
  let bestScore = -1;
  for (const route of routes) {
    const score = routeScore(route, req);
    if (score !== undefined && score > bestScore) {
      best = route;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Tags that select policy groups for a matched route, in a fixed order: the route's `meta.tags`, its `groups:`,
 * then the request's host tags (CPEX iterates a hash set here, i.e. in no defined order). `all` is excluded.
 */
export function selectionTags(route: Route, requestTags: readonly string[] | undefined): string[] {
  const out = new Set<string>();
  for (const t of route.meta.tags) out.add(t);
  for (const g of route.groups) out.add(g);
  for (const t of requestTags ?? []) out.add(t);
  out.delete(ALL_GROUP);
  return [...out];
}

/**
 * Plugin lineup for an entity: `all` group → `global.defaults[entityType]` → tag groups of the matched
 * route → the route's own plugins (carrying its `when`); then deduplicated by name, keeping the last
 * occurrence's position and override. No matching route → only the first two layers.
 */
export function resolvePluginsForEntity(config: CpexConfig, req: EntityRequest): ResolvedRef[] {
  const layers: ResolvedRef[] = [];
  const push = (refs: readonly PluginReference[], when?: string): void => {
    for (const r of refs) layers.push(toResolved(r, when));
  };
  const all = config.groups.get(ALL_GROUP);
  if (all !== undefined) push(all.plugins);
  const defaults = config.global.defaults[req.entityType as EntityType];
  if (defaults !== undefined) push(defaults.plugins);
  const route = findRoute(config.routes, req);
  if (route !== undefined) {
    for (const tag of selectionTags(route, req.tags)) {
      const group = config.groups.get(tag);
      if (group !== undefined) push(group.plugins);
    }
    push(route.plugins, route.when);
  }
  return dedupeLast(layers);
}

/**
 * Identity steps for `identity.resolve` (docs/configuration.md, "Authentication"): `global.authentication` → authentication of the groups named by
 * the matched route's static tags (`meta.tags` and `groups:`) → the route's own; a route block with
 * `replace_inherited: true` drops the inherited layers. Per-step `config` becomes the override, `on_error` the
 * step's on_error.
 */
export function resolveIdentitySteps(config: CpexConfig, req: EntityRequest): ResolvedRef[] {
  const route = findRoute(config.routes, req);
  const layers: ResolvedRef[] = [];
  const push = (auth: AuthenticationSpec | undefined): void => {
    for (const step of auth?.steps ?? []) {
      layers.push({
        name: step.name,
        ...(step.config !== undefined ? { configOverride: step.config } : {}),
        ...(step.onError !== undefined ? { onError: step.onError } : {}),
      });
    }
  };
  if (route?.authentication?.replaceInherited === true) {
    push(route.authentication);
    return dedupeLast(layers);
  }
  push(config.global.authentication);
  if (route !== undefined) {
    for (const tag of selectionTags(route, undefined)) push(config.groups.get(tag)?.authentication);
    push(route.authentication);
  }
  return dedupeLast(layers);
}

function toResolved(ref: PluginReference, when: string | undefined): ResolvedRef {
  if (ref.config === undefined && when === undefined) return ref;
  return {
    name: ref.name,
    ...(ref.config !== undefined ? { configOverride: ref.config } : {}),
    ...(when !== undefined ? { when } : {}),
  };
}

/** Later layers win: keep each name once, at the position and with the data of its last occurrence. */
export function dedupeLast(refs: readonly ResolvedRef[]): ResolvedRef[] {
  const last = new Map<string, number>();
  refs.forEach((r, i) => {
    last.set(r.name, i);
  });
  return refs.filter((r, i) => last.get(r.name) === i);
}

/** Shallow merge of a route/group override over the base plugin `config` (override keys win). */
export function mergeConfigOverride(
  base: unknown,
  override: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return { ...(isPlainObject(base) ? base : {}), ...override };
}
