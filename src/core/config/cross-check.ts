// The checks zod cannot express: the legacy `identity:` key, hook names nothing can serve, duplicate plugin
// names, and references between plugins, groups and routes. Each returns problems; the parser reports them all
// at once (docs/configuration.md, "Validation").

import { isPlainObject } from "../guards.js";
import { isKnownHook, knownHooks } from "../hooks.js";
import { didYouMean } from "../suggest.js";
import type { Path, Problem } from "./locate.js";
import type { PluginReference, PolicyGroup, Route } from "./types.js";

/** The legacy `identity:` key is a hard error wherever it appears (it was renamed to `authentication`). */
export function legacyIdentityProblems(raw: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const check = (v: unknown, path: Path): void => {
    if (isPlainObject(v) && "identity" in v) {
      out.push({ path: [...path, "identity"], message: "`identity:` was renamed to `authentication`" });
    }
  };
  const global = raw["global"];
  check(global, ["global"]);
  if (isPlainObject(global)) {
    for (const section of ["policies", "defaults"] as const) {
      const s = global[section];
      if (isPlainObject(s)) for (const [k, v] of Object.entries(s)) check(v, ["global", section, k]);
    }
  }
  const groups = raw["groups"];
  if (isPlainObject(groups)) for (const [k, v] of Object.entries(groups)) check(v, ["groups", k]);
  const routes = raw["routes"];
  if (Array.isArray(routes)) {
    routes.forEach((r, i) => {
      check(r, ["routes", i]);
    });
  }
  return out;
}

/**
 * A hook name nothing can serve is a load error, not a plugin that silently never runs (CPEX accepts any name;
 * docs/compatibility.md). Known = built-in hooks plus those registered with registerHook() before loading.
 */
export function unknownHookProblems(hooks: readonly string[], index: number): Problem[] {
  const out: Problem[] = [];
  hooks.forEach((hook, i) => {
    if (isKnownHook(hook)) return;
    out.push({
      path: ["plugins", index, "hooks", i],
      message: `unknown hook '${hook}'${didYouMean(hook, knownHooks())}; a custom hook must be registered with registerHook() before the config is loaded`,
    });
  });
  return out;
}

/** A second plugin with a name already used (the first declaration is named in the message). */
export function duplicateNameProblems(names: readonly string[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    const prior = seen.get(name);
    if (prior !== undefined) {
      out.push({
        path: ["plugins", index, "name"],
        message: `duplicate plugin name: '${name}' (first declared at plugins[${prior}])`,
      });
    }
    seen.set(name, index);
  });
  return out;
}

/** What the cross-reference check reads: the built groups, where each was declared, defaults and routes. */
export interface References {
  readonly pluginNames: ReadonlySet<string>;
  readonly groups: ReadonlyMap<string, PolicyGroup>;
  readonly groupPaths: ReadonlyMap<string, Path>;
  readonly defaults: Readonly<Record<string, PolicyGroup>>;
  readonly routes: readonly Route[];
}

/**
 * Groups, default groups and routes naming an undeclared plugin, and routes joining an undeclared group. Run only
 * with routing on (as CPEX does): routes and groups are inert otherwise.
 */
export function crossReferenceProblems(refs: References): Problem[] {
  const out: Problem[] = [];
  const unknownPlugins = (list: readonly PluginReference[], path: Path, owner: string): void => {
    list.forEach((ref, i) => {
      if (!refs.pluginNames.has(ref.name))
        out.push({ path: [...path, i], message: `${owner} references unknown plugin '${ref.name}'` });
    });
  };
  for (const [name, group] of refs.groups)
    unknownPlugins(group.plugins, [...refs.groupPaths.get(name)!, "plugins"], `policy group '${name}'`);
  for (const [entity, group] of Object.entries(refs.defaults))
    unknownPlugins(group.plugins, ["global", "defaults", entity, "plugins"], `default group '${entity}'`);
  for (const route of refs.routes) {
    unknownPlugins(route.plugins, ["routes", route.index, "plugins"], `route ${route.index}`);
    for (const g of route.groups) {
      if (!refs.groups.has(g)) {
        out.push({
          path: ["routes", route.index, "groups"],
          message: `route ${route.index} joins unknown group '${g}'`,
        });
      }
    }
  }
  return out;
}
