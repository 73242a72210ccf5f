// Building the camelCase model (types.ts) from the validated snake_case document (schema.ts): settings, plugins,
// groups, routes and authentication blocks. Only non-fatal findings are raised here (as warnings); errors are
// the schema's and cross-check.ts's.

import type { Document } from "yaml";
import type { z } from "zod";
import { KNOWN_CAPABILITIES } from "../extensions/types.js";
import { isPlainObject, setKey } from "../guards.js";
import { closestMatch, didYouMean } from "../suggest.js";
import type { Path, Problem } from "./locate.js";
import {
  type AuthSpecYaml,
  type CONDITION_KEYS,
  type documentSchema,
  PLUGIN_KEYS,
  type PluginEntryYaml,
  type PluginRefYaml,
  type PolicyGroupYaml,
  type RouteYaml,
  SETTINGS_KEYS,
} from "./schema.js";
import {
  type AuthenticationSpec,
  ENTITY_TYPES,
  type EntityType,
  type JsonObject,
  type JsonValue,
  type PluginCondition,
  type PluginConfig,
  type PluginReference,
  type PluginSettings,
  type PolicyGroup,
  type Route,
  type RouteMatcher,
} from "./types.js";

type Warn = (message: string) => void;

/** An unknown per-plugin key close enough to a core key to be its typo (`priorty`); warned at parse time. */
export function isCoreKeyTypo(key: string): boolean {
  return closestMatch(key, PLUGIN_KEYS) !== undefined;
}
type DocumentYaml = z.infer<typeof documentSchema>;

export function buildSettings(
  s: DocumentYaml["plugin_settings"],
  rawSettings: unknown,
  warn: Warn,
): PluginSettings {
  const raw = isPlainObject(rawSettings) ? rawSettings : {};
  if (s.parallel_execution_within_band) {
    warn(
      "plugin_settings.parallel_execution_within_band is accepted but not honoured (CPEX does not implement it)",
    );
  }
  if (s.fail_on_plugin_error) {
    warn("plugin_settings.fail_on_plugin_error is accepted but not honoured; use per-plugin on_error");
  }
  for (const [key, value] of Object.entries(raw)) {
    // Mapping-valued keys are host sections (e.g. `wasm:`), read by the host that owns them.
    if (!(SETTINGS_KEYS as readonly string[]).includes(key) && !isPlainObject(value)) {
      warn(`plugin_settings.${key}: unknown setting ignored`);
    }
  }
  return {
    routingEnabled: s.routing_enabled,
    pluginTimeout: s.plugin_timeout,
    shortCircuitOnDeny: s.short_circuit_on_deny,
    parallelExecutionWithinBand: s.parallel_execution_within_band,
    failOnPluginError: s.fail_on_plugin_error,
    routeCacheMaxEntries: s.route_cache_max_entries,
    shutdownTimeout: s.shutdown_timeout,
    raw,
  };
}

/** What building one `plugins:` entry needs besides the entry itself. */
export interface PluginBuildContext {
  readonly doc: Document;
  readonly file: string | undefined;
  /** Per-plugin keys some registered host reads (docs/architecture.md, "plugin keys"): no warning for them. */
  readonly hostKeys: ReadonlySet<string>;
  readonly routingEnabled: boolean;
  readonly warn: Warn;
}

export function buildPlugin(
  entry: PluginEntryYaml,
  rawEntry: Record<string, unknown>,
  index: number,
  ctx: PluginBuildContext,
): PluginConfig {
  const where = `plugins[${index}] (name '${entry.name}')`;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawEntry)) {
    if ((PLUGIN_KEYS as readonly string[]).includes(key)) continue;
    setKey(extra, key, value);
    if (key === "timeout") {
      ctx.warn(
        `${where}: per-plugin 'timeout' is not a core setting and is ignored; use plugin_settings.plugin_timeout or the host's limits`,
      );
    } else if (!ctx.hostKeys.has(key) && isCoreKeyTypo(key)) {
      // Other unknown keys are checked when a manager loads the config, against the keys the plugin's factory
      // declares (PluginFactory.pluginKeys): only there is it known which host will read the entry.
      ctx.warn(
        `${where}: unknown key '${key}' kept for hosts (not used by the core)${didYouMean(key, PLUGIN_KEYS)}`,
      );
    }
  }
  const capabilities = [...new Set(entry.capabilities)];
  for (const cap of capabilities) {
    if (!KNOWN_CAPABILITIES.has(cap))
      ctx.warn(`${where}: capability '${cap}' is not enforced by the core (unknown name)`);
  }
  if (ctx.routingEnabled && entry.conditions.length > 0) {
    ctx.warn(`${where}: conditions are ignored because routing is enabled`);
  }
  const conditions = entry.conditions.map((c) =>
    buildCondition(c as Record<string, unknown>, where, ctx.warn),
  );
  return {
    name: entry.name,
    kind: entry.kind,
    ...(entry.description !== undefined ? { description: entry.description } : {}),
    ...(entry.author !== undefined ? { author: entry.author } : {}),
    ...(entry.version !== undefined ? { version: versionText(entry.version, ctx.doc, index) } : {}),
    hooks: entry.hooks,
    mode: entry.mode,
    priority: entry.priority,
    onError: entry.on_error,
    capabilities,
    tags: entry.tags,
    conditions,
    ...(entry.config !== undefined ? { config: entry.config as JsonValue } : {}),
    extra,
    origin: { ...(ctx.file !== undefined ? { file: ctx.file } : {}), index },
  };
}

/** `version: 1.10` is a float to YAML; keep what the author wrote. */
function versionText(v: string | number, doc: Document, index: number): string {
  if (typeof v === "string") return v;
  const node = doc.getIn(["plugins", index, "version"], true) as { source?: unknown } | undefined;
  return typeof node?.source === "string" ? node.source : String(v);
}

const CONDITION_NAMES: Record<(typeof CONDITION_KEYS)[number], keyof PluginCondition> = {
  server_ids: "serverIds",
  tenant_ids: "tenantIds",
  tools: "tools",
  prompts: "prompts",
  resources: "resources",
  agents: "agents",
  user_patterns: "userPatterns",
  content_types: "contentTypes",
};

function buildCondition(c: Record<string, unknown>, where: string, warn: Warn): PluginCondition {
  const out: Record<string, readonly string[]> = {};
  for (const [key, value] of Object.entries(c)) {
    const camel = CONDITION_NAMES[key as (typeof CONDITION_KEYS)[number]];
    if (camel === undefined) warn(`${where}: conditions: unknown key '${key}' ignored`);
    else if (value !== undefined) out[camel] = value as string[];
  }
  return out as PluginCondition;
}

function buildRefs(refs: readonly PluginRefYaml[]): PluginReference[] {
  return refs.map((r) =>
    r.config !== undefined ? { name: r.name, config: r.config as JsonObject } : { name: r.name },
  );
}

/**
 * An `authentication:` block. A step's `on_error` is kept as written, whatever the string (as CPEX does), and is
 * not applied: the identity plugin's own `on_error` governs (docs/configuration.md, "Authentication").
 */
export function buildAuth(a: AuthSpecYaml | undefined): AuthenticationSpec | undefined {
  if (a === undefined) return undefined;
  return {
    replaceInherited: a.replace_inherited,
    steps: a.steps.map((s) => ({
      name: s.name,
      ...(s.on_error !== undefined ? { onError: s.on_error } : {}),
      ...(s.config !== undefined ? { config: s.config as JsonObject } : {}),
    })),
  };
}

function buildGroup(g: PolicyGroupYaml): PolicyGroup {
  const auth = buildAuth(g.authentication);
  return {
    ...(g.description !== undefined ? { description: g.description } : {}),
    metadata: g.metadata as JsonObject,
    plugins: buildRefs(g.plugins ?? []),
    ...(auth !== undefined ? { authentication: auth } : {}),
  };
}

/** Groups, where each was declared (for error paths) and the per-entity default groups. */
export interface BuiltGroups {
  readonly groups: Map<string, PolicyGroup>;
  readonly groupPaths: Map<string, Path>;
  readonly defaults: Partial<Record<EntityType, PolicyGroup>>;
}

/** `global.policies` (deprecated alias) then top-level `groups` (canonical, wins on collisions); defaults. */
export function buildGroups(yaml: DocumentYaml, warn: Warn): BuiltGroups {
  const groups = new Map<string, PolicyGroup>();
  const groupPaths = new Map<string, Path>();
  for (const [name, g] of Object.entries(yaml.global?.policies ?? {})) {
    groups.set(name, buildGroup(g));
    groupPaths.set(name, ["global", "policies", name]);
  }
  for (const [name, g] of Object.entries(yaml.groups ?? {})) {
    groups.set(name, buildGroup(g));
    groupPaths.set(name, ["groups", name]);
  }
  const defaults: Partial<Record<EntityType, PolicyGroup>> = {};
  const rawDefaults = yaml.global?.defaults as Record<string, PolicyGroupYaml | undefined> | undefined;
  for (const [key, value] of Object.entries(rawDefaults ?? {})) {
    if ((ENTITY_TYPES as readonly string[]).includes(key)) {
      if (value !== undefined) defaults[key as EntityType] = buildGroup(value);
    } else {
      warn(`global.defaults.${key}: unknown entity type ignored (expected one of ${ENTITY_TYPES.join("|")})`);
    }
  }
  return { groups, groupPaths, defaults };
}

/** A route, or undefined (with a problem when routing is on) when it has not exactly one entity matcher. */
export function buildRoute(
  r: RouteYaml,
  index: number,
  problems: Problem[],
  routingEnabled: boolean,
): Route | undefined {
  const matchers = ENTITY_TYPES.filter((t) => r[t] !== undefined);
  if (matchers.length !== 1) {
    if (routingEnabled) {
      problems.push({
        path: ["routes", index],
        message:
          matchers.length === 0
            ? `route ${index} has no entity matcher (need tool, resource, prompt, or llm)`
            : `route ${index} has multiple entity matchers (need exactly one; found ${matchers.join(", ")})`,
      });
    }
    return undefined;
  }
  const entityType = matchers[0]!;
  const m = r[entityType]!;
  const matcher: RouteMatcher =
    typeof m === "string" ? { kind: "pattern", pattern: m } : { kind: "list", names: m };
  const tags = r.meta?.tags ?? [];
  const auth = buildAuth(r.authentication);
  return {
    index,
    entityType,
    matcher,
    meta: {
      tags: typeof tags === "string" ? [tags] : tags,
      ...(r.meta?.scope !== undefined ? { scope: r.meta.scope } : {}),
      properties: (r.meta?.properties ?? {}) as JsonObject,
    },
    groups: r.groups === undefined ? [] : typeof r.groups === "string" ? [r.groups] : r.groups,
    ...(r.when !== undefined ? { when: r.when } : {}),
    plugins: buildRefs(r.plugins ?? []),
    ...(auth !== undefined ? { authentication: auth } : {}),
  };
}
