// zod schemas for the YAML document, snake_case as written. The loader (parse.ts, build.ts) turns the parsed result into
// the camelCase model of types.ts and runs the cross-reference checks zod cannot express.

import { z } from "zod";
import { isPlainObject, setKey } from "../guards.js";
import {
  DEFAULT_MODE,
  DEFAULT_ON_ERROR,
  DEFAULT_PRIORITY,
  ENTITY_TYPES,
  ON_ERROR_VALUES,
  PLUGIN_MODES,
} from "./types.js";

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

// The plain-object check is shared (../guards.ts); re-exported for the loader modules.
export { isPlainObject };

/** YAML `key:` with nothing after it is null; treat it as "not written" so defaults apply. */
function dropNulls(v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x !== null) setKey(out, k, x);
  }
  return out;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return String(v);
}

const stringList = z.array(z.string());
const nonEmptyString = z.string().min(1, "must not be empty");
const jsonMap = z.record(z.string(), z.unknown());

// --- plugins ---------------------------------------------------------------------------------------------------

export const CONDITION_KEYS = [
  "server_ids",
  "tenant_ids",
  "tools",
  "prompts",
  "resources",
  "agents",
  "user_patterns",
  "content_types",
] as const;

const conditionSchema = z.preprocess(
  dropNulls,
  z.looseObject(Object.fromEntries(CONDITION_KEYS.map((k) => [k, stringList.optional()]))),
);

export const PLUGIN_KEYS = [
  "name",
  "kind",
  "description",
  "author",
  "version",
  "hooks",
  "mode",
  "priority",
  "on_error",
  "capabilities",
  "tags",
  "conditions",
  "config",
] as const;

export const pluginEntrySchema = z.preprocess(
  dropNulls,
  z.looseObject({
    name: nonEmptyString,
    kind: nonEmptyString,
    description: z.string().optional(),
    author: z.string().optional(),
    version: z.union([z.string(), z.number()]).optional(),
    hooks: stringList.default([]),
    mode: z.enum(PLUGIN_MODES).default(DEFAULT_MODE),
    priority: z.int({ error: "expected an integer" }).min(INT32_MIN).max(INT32_MAX).default(DEFAULT_PRIORITY),
    on_error: z.enum(ON_ERROR_VALUES).default(DEFAULT_ON_ERROR),
    capabilities: stringList.default([]),
    tags: stringList.default([]),
    conditions: z.array(conditionSchema).default([]),
    config: z.unknown().optional(),
  }),
);
export type PluginEntryYaml = z.infer<typeof pluginEntrySchema>;

// --- plugin_settings -------------------------------------------------------------------------------------------

export const SETTINGS_KEYS = [
  "routing_enabled",
  "plugin_timeout",
  "short_circuit_on_deny",
  "parallel_execution_within_band",
  "fail_on_plugin_error",
  "route_cache_max_entries",
  "shutdown_timeout",
] as const;

/** Seconds `shutdown()` waits for in-flight requests and background tasks before shutting plugins down. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10;

/** The `plugin_settings` defaults, stated once: each field's default and the default of a missing section. */
export const SETTINGS_DEFAULTS = Object.freeze({
  routing_enabled: false,
  plugin_timeout: 30,
  short_circuit_on_deny: true,
  parallel_execution_within_band: false,
  fail_on_plugin_error: false,
  route_cache_max_entries: 10_000,
  shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
} as const);

const D = SETTINGS_DEFAULTS;
export const settingsSchema = z.preprocess(
  dropNulls,
  z.looseObject({
    routing_enabled: z.boolean().default(D.routing_enabled),
    plugin_timeout: z
      .int({ error: "expected an integer number of seconds" })
      .min(1)
      .default(D.plugin_timeout),
    short_circuit_on_deny: z.boolean().default(D.short_circuit_on_deny),
    parallel_execution_within_band: z.boolean().default(D.parallel_execution_within_band),
    fail_on_plugin_error: z.boolean().default(D.fail_on_plugin_error),
    route_cache_max_entries: z
      .int({ error: "expected an integer" })
      .min(0)
      .default(D.route_cache_max_entries),
    shutdown_timeout: z
      .number({ error: "expected a number of seconds" })
      .min(0)
      .max(86_400)
      .default(D.shutdown_timeout),
  }),
);

// --- plugin references, authentication, groups, routes ----------------------------------------------------------

export interface PluginRefYaml {
  name: string;
  config?: Record<string, unknown>;
}

/**
 * A `plugins:` list inside a group or route: bare names or single-key maps `{name: {config: {...}}}`. A mapping
 * instead of a list is APL's per-plugin override form and contributes no structural references.
 */
export const pluginRefListSchema = z.unknown().transform((v, ctx): PluginRefYaml[] => {
  if (v === undefined || v === null || isPlainObject(v)) return [];
  if (!Array.isArray(v)) {
    ctx.addIssue({
      code: "custom",
      message: `expected a list of plugin references (names or {name: {config: {...}}}), got ${describeValue(v)}`,
    });
    return z.NEVER;
  }
  const refs: PluginRefYaml[] = [];
  v.forEach((item: unknown, i) => {
    if (typeof item === "string" && item.length > 0) {
      refs.push({ name: item });
      return;
    }
    if (isPlainObject(item) && Object.keys(item).length === 1) {
      const [name, body] = Object.entries(item)[0]!;
      if (body === null || body === undefined) {
        refs.push({ name });
        return;
      }
      if (isPlainObject(body) && (body["config"] === undefined || body["config"] === null)) {
        refs.push({ name });
        return;
      }
      if (isPlainObject(body) && isPlainObject(body["config"])) {
        refs.push({ name, config: body["config"] });
        return;
      }
      ctx.addIssue({
        code: "custom",
        path: [i, name],
        message: `expected {config: {...}} for the override of plugin '${name}', got ${describeValue(body)}`,
      });
      return;
    }
    ctx.addIssue({
      code: "custom",
      path: [i],
      message: `expected a plugin name or a single-key map {name: {config: {...}}}, got ${describeValue(item)}`,
    });
  });
  return refs;
});

export interface AuthStepYaml {
  name: string;
  on_error?: string;
  config?: Record<string, unknown>;
}
export interface AuthSpecYaml {
  replace_inherited: boolean;
  steps: AuthStepYaml[];
}

/** `authentication:` — a list of steps, or `{replace_inherited: bool, steps: [...]}`. */
export const authenticationSchema = z.unknown().transform((v, ctx): AuthSpecYaml | undefined => {
  if (v === undefined || v === null) return undefined;
  let replaceInherited = false;
  let rawSteps: unknown;
  let stepsPath: (string | number)[] = [];
  if (Array.isArray(v)) {
    rawSteps = v;
  } else if (isPlainObject(v)) {
    if (v["replace_inherited"] !== undefined && typeof v["replace_inherited"] !== "boolean") {
      ctx.addIssue({
        code: "custom",
        path: ["replace_inherited"],
        message: `replace_inherited must be a boolean (true/false), got ${describeValue(v["replace_inherited"])}`,
      });
      return z.NEVER;
    }
    replaceInherited = v["replace_inherited"] === true;
    if (v["steps"] === undefined || v["steps"] === null) {
      ctx.addIssue({
        code: "custom",
        message:
          "an authentication mapping needs `steps:` (a list of identity plugin names or {name, config})",
      });
      return z.NEVER;
    }
    rawSteps = v["steps"];
    stepsPath = ["steps"];
  } else {
    ctx.addIssue({
      code: "custom",
      message: `expected a list of steps or {replace_inherited, steps}, got ${describeValue(v)}`,
    });
    return z.NEVER;
  }
  if (!Array.isArray(rawSteps)) {
    ctx.addIssue({
      code: "custom",
      path: stepsPath,
      message: `expected a list, got ${describeValue(rawSteps)}`,
    });
    return z.NEVER;
  }
  const steps: AuthStepYaml[] = [];
  let ok = true;
  rawSteps.forEach((s: unknown, i) => {
    const path = [...stepsPath, i];
    if (typeof s === "string") {
      if (s.length === 0) {
        ctx.addIssue({ code: "custom", path, message: "step name must not be empty" });
        ok = false;
      } else steps.push({ name: s });
      return;
    }
    if (!isPlainObject(s)) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `expected a step name or {name, config}, got ${describeValue(s)}`,
      });
      ok = false;
      return;
    }
    if (typeof s["name"] !== "string" || s["name"].length === 0) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "name"],
        message: "step name must be a non-empty string",
      });
      ok = false;
      return;
    }
    const step: AuthStepYaml = { name: s["name"] };
    if (s["on_error"] !== undefined && s["on_error"] !== null) {
      // CPEX keeps any string here and never reads it; so do we (a CPEX file must load). A non-string is
      // still an error: it cannot be kept as written.
      if (typeof s["on_error"] !== "string") {
        ctx.addIssue({
          code: "custom",
          path: [...path, "on_error"],
          message: `expected a string, got ${describeValue(s["on_error"])}`,
        });
        ok = false;
        return;
      }
      step.on_error = s["on_error"];
    }
    if (s["config"] !== undefined && s["config"] !== null) {
      if (!isPlainObject(s["config"])) {
        ctx.addIssue({
          code: "custom",
          path: [...path, "config"],
          message: `expected a mapping, got ${describeValue(s["config"])}`,
        });
        ok = false;
        return;
      }
      step.config = s["config"];
    }
    steps.push(step);
  });
  return ok ? { replace_inherited: replaceInherited, steps } : z.NEVER;
});

export const policyGroupSchema = z.preprocess(
  dropNulls,
  z.looseObject({
    description: z.string().optional(),
    metadata: jsonMap.default({}),
    plugins: pluginRefListSchema.optional(),
    authentication: authenticationSchema.optional(),
  }),
);
export type PolicyGroupYaml = z.infer<typeof policyGroupSchema>;

const stringOrList = z.union([z.string(), stringList]);

export const routeSchema = z.preprocess(
  dropNulls,
  z.looseObject({
    tool: stringOrList.optional(),
    resource: stringOrList.optional(),
    prompt: stringOrList.optional(),
    llm: stringOrList.optional(),
    meta: z
      .preprocess(
        dropNulls,
        z.looseObject({
          tags: stringOrList.default([]),
          scope: z.string().optional(),
          properties: jsonMap.default({}),
        }),
      )
      .optional(),
    groups: stringOrList.optional(),
    when: z.string().optional(),
    plugins: pluginRefListSchema.optional(),
    authentication: authenticationSchema.optional(),
  }),
);
export type RouteYaml = z.infer<typeof routeSchema>;

export const globalSchema = z.preprocess(
  dropNulls,
  z.looseObject({
    policies: z.record(z.string(), policyGroupSchema).optional(),
    defaults: z
      .preprocess(
        dropNulls,
        z.looseObject(Object.fromEntries(ENTITY_TYPES.map((t) => [t, policyGroupSchema.optional()]))),
      )
      .optional(),
    authentication: authenticationSchema.optional(),
  }),
);

export const TOP_LEVEL_KEYS = [
  "plugin_settings",
  "global",
  "groups",
  "plugins",
  "routes",
  "plugin_dirs",
] as const;
/** Keys owned by policy orchestrators (APL) that live next to ours; accepted without a warning. */
export const ORCHESTRATOR_KEYS = ["authorization", "args", "result", "response"] as const;

export const documentSchema = z.preprocess(
  dropNulls,
  z.looseObject({
    plugin_settings: settingsSchema.default({ ...SETTINGS_DEFAULTS }),
    global: globalSchema.optional(),
    groups: z.record(z.string(), policyGroupSchema).optional(),
    plugins: z.array(pluginEntrySchema).default([]),
    routes: z.array(routeSchema).default([]),
    plugin_dirs: z.union([stringList, z.string()]).optional(),
  }),
);
export type DocumentYaml = z.infer<typeof documentSchema>;
