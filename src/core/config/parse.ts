// YAML → CpexConfig (docs/configuration.md). Validation happens once, here; everything downstream is typed and
// frozen. The steps, each in its own module: parse the YAML and locate problems in it (locate.ts), validate the
// shape (schema.ts), build the model (build.ts), cross-check names and references (cross-check.ts); programmatic
// declarations get the same defaults and checks in normalize.ts.

import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { deepFreeze, isPlainObject } from "../guards.js";
import { didYouMean } from "../suggest.js";
import { buildAuth, buildGroups, buildPlugin, buildRoute, buildSettings } from "./build.js";
import {
  crossReferenceProblems,
  duplicateNameProblems,
  legacyIdentityProblems,
  unknownHookProblems,
} from "./cross-check.js";
import { ConfigError } from "./errors.js";
import { issueMessage, Locator, type Path, type Problem } from "./locate.js";
import { describeValue, documentSchema, ORCHESTRATOR_KEYS, TOP_LEVEL_KEYS } from "./schema.js";
import type { CpexConfig, PluginConfig, Route } from "./types.js";

export interface ParseOptions {
  /** File name used in error messages (and to derive configDir). */
  file?: string;
  /** Receives non-fatal warnings (unknown keys, unhonoured settings). They are also kept in `warnings`. */
  warn?: (message: string) => void;
  /**
   * Per-plugin keys a host reads, so they draw no warning even when they look like a typo of a core key. A
   * PluginManager passes the keys its registered factories declare (`PluginFactory.pluginKeys`).
   */
  hostPluginKeys?: readonly string[];
}

/** Parse and validate a YAML document. Throws ConfigError naming file, plugin and field. */
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
  const fail = (problems: readonly Problem[]): never => {
    throw locator.error(problems);
  };

  if (!isPlainObject(raw)) {
    return fail([{ path: [], message: `the config root must be a mapping, got ${describeValue(raw)}` }]);
  }
  const legacy = legacyIdentityProblems(raw);
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

  const rawPlugins = raw["plugins"] as Record<string, unknown>[] | undefined;
  const buildCtx = {
    doc,
    file,
    hostKeys: new Set(options.hostPluginKeys ?? []),
    routingEnabled: settings.routingEnabled,
    warn,
  };
  const duplicates = duplicateNameProblems(yaml.plugins.map((entry) => entry.name));
  const plugins: PluginConfig[] = yaml.plugins.map((entry, index) => {
    problems.push(...duplicates.filter((d) => d.path[1] === index));
    problems.push(...unknownHookProblems(entry.hooks, index));
    return buildPlugin(entry, rawPlugins?.[index] ?? {}, index, buildCtx);
  });

  const { groups, groupPaths, defaults } = buildGroups(yaml, warn);
  const routes: Route[] = [];
  yaml.routes.forEach((r, index) => {
    const route = buildRoute(r, index, problems, settings.routingEnabled);
    if (route !== undefined) routes.push(route);
    else if (!settings.routingEnabled)
      warn(`routes[${index}] has no single entity matcher; ignored (routing disabled)`);
  });

  // Cross references are checked only when routing is on (as CPEX does): routes and groups are inert otherwise.
  if (settings.routingEnabled) {
    const pluginNames = new Set(plugins.map((p) => p.name));
    problems.push(...crossReferenceProblems({ pluginNames, groups, groupPaths, defaults, routes }));
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
