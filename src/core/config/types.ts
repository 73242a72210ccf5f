// Typed, validated configuration model. YAML keys are snake_case (CPEX-compatible); the TypeScript model is
// camelCase. Everything here is produced once by the loader (src/core/config/load.ts) and then frozen.

/** Any JSON value (what YAML `config:` blocks and extension maps may hold after validation). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

export const PLUGIN_MODES = [
  "sequential",
  "transform",
  "audit",
  "concurrent",
  "fire_and_forget",
  "disabled",
] as const;
export type PluginMode = (typeof PLUGIN_MODES)[number];

export const ON_ERROR_VALUES = ["fail", "ignore", "disable"] as const;
export type OnError = (typeof ON_ERROR_VALUES)[number];

export const ENTITY_TYPES = ["tool", "resource", "prompt", "llm"] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export const DEFAULT_PRIORITY = 100;
export const DEFAULT_MODE: PluginMode = "sequential";
export const DEFAULT_ON_ERROR: OnError = "fail";

/** Legacy per-plugin scoping (docs/configuration.md, "Conditions"), used when routing is disabled. Every field optional; absent = not checked. */
export interface PluginCondition {
  readonly serverIds?: readonly string[];
  readonly tenantIds?: readonly string[];
  readonly tools?: readonly string[];
  readonly prompts?: readonly string[];
  readonly resources?: readonly string[];
  readonly agents?: readonly string[];
  /** Globs (`*`, `?`) matched against `security.subject.id`. */
  readonly userPatterns?: readonly string[];
  readonly contentTypes?: readonly string[];
}

/** Where a plugin entry came from, so later errors (factory, host) can name file and index. */
export interface ConfigOrigin {
  readonly file?: string;
  /** Index in the `plugins:` list. */
  readonly index?: number;
}

/** One `plugins:` entry (docs/configuration.md, "`plugins`"), with defaults applied. */
export interface PluginConfig {
  readonly name: string;
  readonly kind: string;
  readonly description?: string;
  readonly author?: string;
  readonly version?: string;
  readonly hooks: readonly string[];
  readonly mode: PluginMode;
  readonly priority: number;
  readonly onError: OnError;
  /** Declared capabilities, deduplicated, declaration order. Unknown names are accepted (as CPEX does). */
  readonly capabilities: readonly string[];
  readonly tags: readonly string[];
  readonly conditions: readonly PluginCondition[];
  /** Opaque plugin configuration handed to the factory (`config:` in YAML). */
  readonly config?: JsonValue;
  /**
   * Per-plugin keys the core does not know, kept verbatim for hosts (snake_case, as written): the WebAssembly host
   * reads `limits`, `grants` and `sha256` from here.
   */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly origin?: ConfigOrigin;
}

/** What a programmatic caller may write; `normalizePluginConfig` fills in the defaults. */
export interface PluginConfigInput {
  name: string;
  kind?: string;
  description?: string;
  author?: string;
  version?: string;
  hooks?: readonly string[];
  mode?: PluginMode;
  priority?: number;
  onError?: OnError;
  capabilities?: Iterable<string>;
  tags?: readonly string[];
  conditions?: readonly PluginCondition[];
  config?: JsonValue;
  extra?: Record<string, unknown>;
  origin?: ConfigOrigin;
}

/** `plugin_settings` (docs/configuration.md, "`plugin_settings`"). */
export interface PluginSettings {
  readonly routingEnabled: boolean;
  /** Per-plugin invocation timeout in seconds (CPEX: integer seconds, default 30). */
  readonly pluginTimeout: number;
  readonly shortCircuitOnDeny: boolean;
  /** Accepted for compatibility, not honoured (a warning is emitted when set to true). */
  readonly parallelExecutionWithinBand: boolean;
  /** Accepted for compatibility, not honoured (a warning is emitted when set to true). */
  readonly failOnPluginError: boolean;
  readonly routeCacheMaxEntries: number;
  /**
   * Seconds `PluginManager.shutdown()` waits for in-flight invokes and fire-and-forget tasks before it logs what is
   * still running and shuts the plugins down anyway (default 10; fractions allowed; 0 = do not wait).
   */
  readonly shutdownTimeout: number;
  /** The whole `plugin_settings` mapping as written, so hosts can read their own sections (e.g. `wasm:`). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A reference to a plugin inside a group/route `plugins:` list: bare name or `{name: {config: {...}}}`. */
export interface PluginReference {
  readonly name: string;
  /** Keys shallow-merged over the base plugin's `config` object for this route/group. */
  readonly config?: JsonObject;
}

/** One identity step of an `authentication:` block. */
export interface AuthStep {
  readonly name: string;
  /**
   * As written, any string (CPEX keeps it too). Informational: it is not applied, the identity plugin's own
   * `on_error` governs (docs/configuration.md, "Authentication").
   */
  readonly onError?: string;
  readonly config?: JsonObject;
}

export interface AuthenticationSpec {
  readonly replaceInherited: boolean;
  readonly steps: readonly AuthStep[];
}

export interface PolicyGroup {
  readonly description?: string;
  readonly metadata: JsonObject;
  readonly plugins: readonly PluginReference[];
  readonly authentication?: AuthenticationSpec;
}

export interface RouteMeta {
  readonly tags: readonly string[];
  readonly scope?: string;
  readonly properties: JsonObject;
}

/** Entity matcher of a route: a single pattern (glob, whole string) or a list of exact names. */
export type RouteMatcher =
  | { readonly kind: "pattern"; readonly pattern: string }
  | { readonly kind: "list"; readonly names: readonly string[] };

export interface Route {
  /** Position in the `routes:` list (ties in specificity go to the earliest). */
  readonly index: number;
  readonly entityType: EntityType;
  readonly matcher: RouteMatcher;
  readonly meta: RouteMeta;
  /** `groups:` sugar, folded into the tags used for group selection. */
  readonly groups: readonly string[];
  /** Carried to the route's own plugins; not evaluated by the core. */
  readonly when?: string;
  readonly plugins: readonly PluginReference[];
  readonly authentication?: AuthenticationSpec;
}

export interface GlobalConfig {
  /** Per-entity-type default groups (`global.defaults`). */
  readonly defaults: Readonly<Partial<Record<EntityType, PolicyGroup>>>;
  readonly authentication?: AuthenticationSpec;
}

/** The parsed and validated configuration document. */
export interface CpexConfig {
  readonly pluginSettings: PluginSettings;
  readonly global: GlobalConfig;
  /** Policy groups: `global.policies` (deprecated alias) merged with top-level `groups:` (wins on collision). */
  readonly groups: ReadonlyMap<string, PolicyGroup>;
  readonly plugins: readonly PluginConfig[];
  readonly routes: readonly Route[];
  /** Parsed and ignored (warned), as in CPEX. */
  readonly pluginDirs: readonly string[];
  /** The file the config came from, when loaded from disk or named by the caller. */
  readonly file?: string;
  /** Folder of `file`, for resolving relative paths (e.g. `wasm://plugins/x.wasm`). */
  readonly configDir?: string;
  /** Non-fatal findings (unknown keys, unhonoured settings). Also sent to the `warn` callback of the loader. */
  readonly warnings: readonly string[];
  /** Top-level keys neither CPEX nor a known orchestrator reads (each also drew a warning); `cpex check` fails on them. */
  readonly unknownKeys: readonly string[];
  /** The whole YAML document as parsed (snake_case), for hosts and orchestrators that read their own keys. */
  readonly raw: Readonly<Record<string, unknown>>;
}
