// YAML → CpexConfig (§6). Validation happens once, here; everything downstream is typed and frozen.
//
// Every problem is reported with the file, where in the document it is (plugin index and name, route index,
// group name), the field, and the line — and all problems are reported at once, not just the first.

import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Document, isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { KNOWN_CAPABILITIES } from "../extensions/types.js";
import { isKnownHook, knownHooks } from "../hooks.js";
import { didYouMean } from "../suggest.js";
import { ConfigError } from "./errors.js";
import {
  type AuthSpecYaml,
  type CONDITION_KEYS,
  describeValue,
  documentSchema,
  isPlainObject,
  ORCHESTRATOR_KEYS,
  PLUGIN_KEYS,
  type PluginEntryYaml,
  type PluginRefYaml,
  type PolicyGroupYaml,
  type RouteYaml,
  SETTINGS_KEYS,
  TOP_LEVEL_KEYS,
} from "./schema.js";
import {
  type AuthenticationSpec,
  type CpexConfig,
  DEFAULT_MODE,
  DEFAULT_ON_ERROR,
  DEFAULT_PRIORITY,
  ENTITY_TYPES,
  type EntityType,
  type JsonObject,
  type JsonValue,
  ON_ERROR_VALUES,
  PLUGIN_MODES,
  type PluginCondition,
  type PluginConfig,
  type PluginConfigInput,
  type PluginRef,
  type PluginSettings,
  type PolicyGroup,
  type Route,
  type RouteMatcher,
} from "./types.js";

export interface ParseOptions {
  /** File name used in error messages (and to derive configDir). */
  file?: string;
  /** Receives non-fatal warnings (unknown keys, unhonoured settings). They are also kept in `warnings`. */
  warn?: (message: string) => void;
  /**
   * Extra per-plugin keys a host understands, so they do not draw an "unknown key" warning. The keys the
   * WebAssembly host reads (`limits`, `grants`, `sha256`) are always known.
   */
  hostPluginKeys?: readonly string[];
}

/** Per-plugin keys read by hosts rather than the core (kept in `PluginConfig.extra`). */
export const HOST_PLUGIN_KEYS: readonly string[] = ["limits", "grants", "sha256", "execution", "instances"];

type Path = readonly (string | number)[];

interface Problem {
  path: Path;
  message: string;
}

/** Reads the YAML document once and answers "which line is this path on" and "what is plugin i called". */
class Locator {
  constructor(
    private readonly file: string | undefined,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
    private readonly raw: unknown,
  ) {}

  line(path: Path): number | undefined {
    if (this.doc === undefined || this.lines === undefined) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  /** `config.yaml: plugins[2] (name 'pii'): mode: <message> (line 14)` */
  format(problem: Problem): string {
    const { owner, field } = this.split(problem.path);
    const parts: string[] = [];
    if (this.file !== undefined) parts.push(this.file);
    if (owner !== "") parts.push(owner);
    if (field !== "") parts.push(field);
    const line = this.line(problem.path);
    parts.push(problem.message + (line !== undefined ? ` (line ${line})` : ""));
    return parts.join(": ");
  }

  pluginName(path: Path): string | undefined {
    if (path[0] !== "plugins" || typeof path[1] !== "number" || !isPlainObject(this.raw)) return undefined;
    const list = this.raw["plugins"];
    const entry = Array.isArray(list) ? list[path[1]] : undefined;
    return isPlainObject(entry) && typeof entry["name"] === "string" ? entry["name"] : undefined;
  }

  private split(path: Path): { owner: string; field: string } {
    if (path.length === 0) return { owner: "", field: "" };
    let ownerLen = 1;
    if (typeof path[1] === "number") ownerLen = 2;
    else if (path[0] === "groups" && path.length > 1) ownerLen = 2;
    else if (path[0] === "global" && (path[1] === "policies" || path[1] === "defaults") && path.length > 2)
      ownerLen = 3;
    let owner = renderPath(path.slice(0, ownerLen));
    const name = this.pluginName(path);
    if (name !== undefined) owner += ` (name '${name}')`;
    return { owner, field: renderPath(path.slice(ownerLen)) };
  }
}

function renderPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_value":
      return `expected one of ${issue.values.map(String).join("|")}, got ${describeValue(input)}`;
    case "invalid_type": {
      if (input === undefined) return "required field is missing";
      if (issue.message.startsWith("expected ")) return `${issue.message}, got ${describeValue(input)}`;
      const expected: Record<string, string> = {
        string: "a string",
        int: "an integer",
        number: "a number",
        boolean: "a boolean (true/false)",
        array: "a list",
        object: "a mapping",
        record: "a mapping",
      };
      return `expected ${expected[issue.expected] ?? issue.expected}, got ${describeValue(input)}`;
    }
    case "invalid_union":
      return `unexpected value ${describeValue(input)}`;
    case "too_small":
      if (issue.origin === "string") return issue.message;
      return `must be at least ${String(issue.minimum)}, got ${describeValue(input)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}, got ${describeValue(input)}`;
    default:
      return issue.message;
  }
}

/** Parse and validate a YAML document (§6). Throws ConfigError naming file, plugin and field. */
export function parseConfig(text: string, options: ParseOptions = {}): CpexConfig {
  const file = options.file;
  const warnings: string[] = [];
  const warn = (message: string): void => {
    const full = file !== undefined ? `${file}: ${message}` : message;
    warnings.push(full);
    options.warn?.(full);
  };

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    const where = pos !== undefined ? ` (line ${pos.line}, column ${pos.col})` : "";
    const first = (e.message.split("\n")[0] ?? "").replace(/:\s*$/, "");
    const msg = `failed to parse config YAML: ${first}${first.includes(" at line ") ? "" : where}`;
    throw new ConfigError(file !== undefined ? `${file}: ${msg}` : msg, { file });
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const locator = new Locator(file, doc, lines, raw);
  const fail = (unsorted: Problem[]): never => {
    // Report in document order, the way an editor shows them.
    const problems = unsorted
      .map((p, i) => ({ p, i, line: locator.line(p.path) ?? 0 }))
      .sort((a, b) => a.line - b.line || a.i - b.i)
      .map((x) => x.p);
    const rendered = problems.map((p) => locator.format(p));
    const first = problems[0]!;
    const prefix = file !== undefined ? `${file}: ` : "";
    const message =
      rendered.length === 1
        ? rendered[0]!
        : `${prefix}${rendered.length} configuration problems:\n  - ${rendered.map((r) => (r.startsWith(prefix) ? r.slice(prefix.length) : r)).join("\n  - ")}`;
    throw new ConfigError(
      message,
      { file, path: renderPath(first.path), plugin: locator.pluginName(first.path) },
      rendered,
    );
  };

  if (!isPlainObject(raw)) {
    return fail([{ path: [], message: `the config root must be a mapping, got ${describeValue(raw)}` }]);
  }

  // The legacy `identity:` key is a hard error wherever it appears (renamed to `authentication`).
  const legacy = findLegacyIdentity(raw);
  if (legacy.length > 0) return fail(legacy);

  const parsed = documentSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    return fail(
      parsed.error.issues.map((issue) => ({ path: issue.path as Path, message: issueMessage(issue) })),
    );
  }
  const yaml = parsed.data;
  const problems: Problem[] = [];

  // Unknown top-level keys: warn (CPEX ignores them; orchestrators read their own), with the likely typo fixed.
  const unknownKeys: string[] = [];
  const topLevel: readonly string[] = [...TOP_LEVEL_KEYS, ...ORCHESTRATOR_KEYS];
  for (const key of Object.keys(raw)) {
    if (!topLevel.includes(key)) {
      unknownKeys.push(key);
      warn(`unknown top-level key '${key}' ignored${didYouMean(key, TOP_LEVEL_KEYS)}`);
    }
  }

  const settings = buildSettings(yaml.plugin_settings, raw["plugin_settings"], warn);
  const pluginDirs =
    yaml.plugin_dirs === undefined
      ? []
      : typeof yaml.plugin_dirs === "string"
        ? [yaml.plugin_dirs]
        : yaml.plugin_dirs;
  if (pluginDirs.length > 0)
    warn("plugin_dirs is not supported and is ignored; declare each plugin with a kind");

  // Plugins.
  const hostKeys = new Set([...HOST_PLUGIN_KEYS, ...(options.hostPluginKeys ?? [])]);
  const plugins: PluginConfig[] = [];
  const seen = new Map<string, number>();
  yaml.plugins.forEach((entry, index) => {
    const rawEntry = (raw["plugins"] as unknown[])[index] as Record<string, unknown>;
    const prior = seen.get(entry.name);
    if (prior !== undefined) {
      problems.push({
        path: ["plugins", index, "name"],
        message: `duplicate plugin name: '${entry.name}' (first declared at plugins[${prior}])`,
      });
    }
    seen.set(entry.name, index);
    problems.push(...unknownHookProblems(entry.hooks, index));
    plugins.push(buildPlugin(entry, rawEntry, doc, index, file, hostKeys, settings.routingEnabled, warn));
  });
  const pluginNames = new Set(plugins.map((p) => p.name));

  // Groups: `global.policies` (deprecated alias) then top-level `groups` (canonical, wins on collisions).
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

  // Routes.
  const routes: Route[] = [];
  yaml.routes.forEach((r, index) => {
    const route = buildRoute(r, index, problems, settings.routingEnabled);
    if (route !== undefined) routes.push(route);
    else if (!settings.routingEnabled)
      warn(`routes[${index}] has no single entity matcher; ignored (routing disabled)`);
  });

  // Cross references are checked only when routing is on (as CPEX does): routes and groups are inert otherwise.
  if (settings.routingEnabled) {
    for (const [name, group] of groups) {
      group.plugins.forEach((ref, i) => {
        if (!pluginNames.has(ref.name)) {
          problems.push({
            path: [...groupPaths.get(name)!, "plugins", i],
            message: `policy group '${name}' references unknown plugin '${ref.name}'`,
          });
        }
      });
    }
    for (const [entity, group] of Object.entries(defaults)) {
      group.plugins.forEach((ref, i) => {
        if (!pluginNames.has(ref.name)) {
          problems.push({
            path: ["global", "defaults", entity, "plugins", i],
            message: `default group '${entity}' references unknown plugin '${ref.name}'`,
          });
        }
      });
    }
    for (const route of routes) {
      route.plugins.forEach((ref, i) => {
        if (!pluginNames.has(ref.name)) {
          problems.push({
            path: ["routes", route.index, "plugins", i],
            message: `route ${route.index} references unknown plugin '${ref.name}'`,
          });
        }
      });
      for (const g of route.groups) {
        if (!groups.has(g)) {
          problems.push({
            path: ["routes", route.index, "groups"],
            message: `route ${route.index} joins unknown group '${g}'`,
          });
        }
      }
    }
  } else if (routes.length > 0 || groups.size > 0 || Object.keys(defaults).length > 0) {
    warn("routes/groups/global.defaults are ignored because plugin_settings.routing_enabled is false");
  }

  if (problems.length > 0) return fail(problems);

  const globalAuth = buildAuth(yaml.global?.authentication);
  const config: CpexConfig = {
    pluginSettings: settings,
    global: { defaults, ...(globalAuth !== undefined ? { authentication: globalAuth } : {}) },
    groups,
    plugins,
    routes,
    pluginDirs,
    ...(file !== undefined ? { file, configDir: dirname(resolve(file)) } : {}),
    warnings,
    unknownKeys,
    raw,
  };
  return deepFreeze(config);
}

/** Read, parse and validate a YAML file. Errors name the path as given. */
export async function loadConfig(
  path: string,
  options: Omit<ParseOptions, "file"> = {},
): Promise<CpexConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${path}: cannot read config file: ${reason}`, { file: path });
  }
  return parseConfig(text, { ...options, file: path });
}

// ---------------------------------------------------------------------------------------------------------------

function findLegacyIdentity(raw: Record<string, unknown>): Problem[] {
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
function unknownHookProblems(hooks: readonly string[], index: number): Problem[] {
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

function buildSettings(
  s: z.infer<typeof documentSchema>["plugin_settings"],
  rawSettings: unknown,
  warn: (m: string) => void,
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

function buildPlugin(
  entry: PluginEntryYaml,
  rawEntry: Record<string, unknown>,
  doc: Document,
  index: number,
  file: string | undefined,
  hostKeys: ReadonlySet<string>,
  routingEnabled: boolean,
  warn: (m: string) => void,
): PluginConfig {
  const where = `plugins[${index}] (name '${entry.name}')`;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawEntry)) {
    if ((PLUGIN_KEYS as readonly string[]).includes(key)) continue;
    Object.defineProperty(extra, key, { value, enumerable: true, writable: true, configurable: true });
    if (key === "timeout") {
      warn(
        `${where}: per-plugin 'timeout' is not a core setting and is ignored; use plugin_settings.plugin_timeout or the host's limits`,
      );
    } else if (!hostKeys.has(key)) {
      warn(`${where}: unknown key '${key}' kept for hosts (not used by the core)`);
    }
  }
  const capabilities = [...new Set(entry.capabilities)];
  for (const cap of capabilities) {
    if (!KNOWN_CAPABILITIES.has(cap))
      warn(`${where}: capability '${cap}' is not enforced by the core (unknown name)`);
  }
  if (routingEnabled && entry.conditions.length > 0) {
    warn(`${where}: conditions are ignored because routing is enabled`);
  }
  const conditions = entry.conditions.map((c) => buildCondition(c as Record<string, unknown>, where, warn));
  const plugin: PluginConfig = {
    name: entry.name,
    kind: entry.kind,
    ...(entry.description !== undefined ? { description: entry.description } : {}),
    ...(entry.author !== undefined ? { author: entry.author } : {}),
    ...(entry.version !== undefined ? { version: versionText(entry.version, doc, index) } : {}),
    hooks: entry.hooks,
    mode: entry.mode,
    priority: entry.priority,
    onError: entry.on_error,
    capabilities,
    tags: entry.tags,
    conditions,
    ...(entry.config !== undefined ? { config: entry.config as JsonValue } : {}),
    extra,
    origin: { ...(file !== undefined ? { file } : {}), index },
  };
  return plugin;
}

/** `version: 1.10` is a float to YAML; keep what the author wrote. */
function versionText(v: string | number, doc: Document, index: number): string {
  if (typeof v === "string") return v;
  const node = doc.getIn(["plugins", index, "version"], true) as { source?: unknown } | undefined;
  return typeof node?.source === "string" ? node.source : String(v);
}

function buildCondition(
  c: Record<string, unknown>,
  where: string,
  warn: (m: string) => void,
): PluginCondition {
  const out: Record<string, readonly string[]> = {};
  const names: Record<(typeof CONDITION_KEYS)[number], keyof PluginCondition> = {
    server_ids: "serverIds",
    tenant_ids: "tenantIds",
    tools: "tools",
    prompts: "prompts",
    resources: "resources",
    agents: "agents",
    user_patterns: "userPatterns",
    content_types: "contentTypes",
  };
  for (const [key, value] of Object.entries(c)) {
    const camel = names[key as (typeof CONDITION_KEYS)[number]];
    if (camel === undefined) warn(`${where}: conditions: unknown key '${key}' ignored`);
    else if (value !== undefined) out[camel] = value as string[];
  }
  return out as PluginCondition;
}

function buildRefs(refs: readonly PluginRefYaml[]): PluginRef[] {
  return refs.map((r) =>
    r.config !== undefined ? { name: r.name, config: r.config as JsonObject } : { name: r.name },
  );
}

function buildAuth(a: AuthSpecYaml | undefined): AuthenticationSpec | undefined {
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

function buildRoute(
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

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return value;
  }
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------

/** Apply PluginConfig defaults to a programmatic declaration, validating it like the YAML loader does. */
export function normalizePluginConfig(input: PluginConfigInput): PluginConfig {
  const name = input.name;
  const problems: string[] = [];
  const where = typeof name === "string" && name !== "" ? `plugin '${name}'` : "plugin";
  if (typeof name !== "string" || name === "") problems.push("name: must be a non-empty string");
  const mode = input.mode ?? DEFAULT_MODE;
  if (!(PLUGIN_MODES as readonly string[]).includes(mode)) {
    problems.push(`mode: expected one of ${PLUGIN_MODES.join("|")}, got ${describeValue(mode)}`);
  }
  const onError = input.onError ?? DEFAULT_ON_ERROR;
  if (!(ON_ERROR_VALUES as readonly string[]).includes(onError)) {
    problems.push(`onError: expected one of ${ON_ERROR_VALUES.join("|")}, got ${describeValue(onError)}`);
  }
  const priority = input.priority ?? DEFAULT_PRIORITY;
  if (!Number.isInteger(priority) || priority < -2_147_483_648 || priority > 2_147_483_647) {
    problems.push(`priority: expected a 32-bit integer, got ${describeValue(priority)}`);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `${where}: ${problems.join("; ")}`,
      { plugin: name },
      problems.map((p) => `${where}: ${p}`),
    );
  }
  const plugin: PluginConfig = {
    name,
    kind: input.kind ?? "native",
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.author !== undefined ? { author: input.author } : {}),
    ...(input.version !== undefined ? { version: input.version } : {}),
    hooks: [...(input.hooks ?? [])],
    mode,
    priority,
    onError,
    capabilities: [...new Set(input.capabilities ?? [])],
    tags: [...(input.tags ?? [])],
    conditions: [...(input.conditions ?? [])],
    ...(input.config !== undefined ? { config: input.config } : {}),
    extra: { ...(input.extra ?? {}) },
    ...(input.origin !== undefined ? { origin: input.origin } : {}),
  };
  return deepFreeze(plugin);
}
