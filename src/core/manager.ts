// The plugin manager: loads plugins from config through factories, owns registrations and lifecycle, and runs
// invokes on an immutable snapshot (a registration during an invoke does not change the running pipeline).

import { ConfigError, pluginLocation } from "./config/errors.js";
import { loadConfig, normalizePluginConfig, type ParseOptions, parseConfig } from "./config/load.js";
import type {
  CpexConfig,
  JsonObject,
  PluginConfig,
  PluginConfigInput,
  PluginSettings,
} from "./config/types.js";
import { ContextTable } from "./context.js";
import { PluginError } from "./errors.js";
import { execute, TaskTracker } from "./executor/index.js";
import { EMPTY_EXTENSIONS, type ExtensionsInput, toCanonicalExtensions } from "./extensions/container.js";
import type { Extensions } from "./extensions/types.js";
import { consoleLogger, type Logger } from "./logger.js";
import type { FactoryContext, HookHandler, NativePlugin, PluginFactory, PluginInstance } from "./plugin.js";
import { HookEntry, PluginRef, sortByPriority } from "./registry.js";
import { NO_BACKGROUND, type PipelineResult } from "./result.js";
import { mergeConfigOverride } from "./routing/resolve.js";
import { createRouter } from "./routing/router.js";
import type { ResolvedEntry, Router } from "./routing/types.js";

export interface ManagerOptions {
  logger?: Logger;
  /** Settings for programmatic use; a loaded config replaces them. */
  settings?: Partial<Omit<PluginSettings, "raw">>;
}

export interface InvokeOptions {
  extensions?: ExtensionsInput | Extensions;
  /** The table a previous hook of the same request returned (pre → post). */
  contextTable?: ContextTable;
  /** Collect a per-plugin trace in `result.trace`. */
  trace?: boolean;
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

interface Registration {
  readonly ref: PluginRef;
  readonly entries: readonly HookEntry[];
}

interface Snapshot {
  readonly byHook: ReadonlyMap<string, readonly HookEntry[]>;
  readonly router: Router;
  readonly settings: PluginSettings;
  readonly config: CpexConfig | undefined;
}

const DEFAULT_SETTINGS: PluginSettings = parseConfig("{}").pluginSettings;

export class PluginManager {
  private readonly logger: Logger;
  private readonly factories = new Map<string, PluginFactory>();
  private readonly schemes: Array<{ prefix: string; factory: PluginFactory }> = [];
  private readonly registrations = new Map<string, Registration>();
  private readonly visitors: ConfigVisitor[] = [];
  private readonly tracker = new TaskTracker();
  private overrides = new Map<string, Promise<HookEntry | undefined>>();
  private config: CpexConfig | undefined;
  private settings: PluginSettings;
  private snap: Snapshot;
  private initialized = false;
  private generation = 0;

  constructor(options: ManagerOptions = {}) {
    this.logger = options.logger ?? consoleLogger;
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings, raw: DEFAULT_SETTINGS.raw };
    this.snap = this.buildSnapshot();
  }

  /** Build a manager from a config file or parsed config, with the given factories registered. */
  static async fromConfig(
    config: CpexConfig | string,
    options: ManagerOptions & {
      factories?: Record<string, PluginFactory>;
      setup?: (m: PluginManager) => void;
    } = {},
  ): Promise<PluginManager> {
    const manager = new PluginManager(options);
    for (const [kind, factory] of Object.entries(options.factories ?? {}))
      manager.registerFactory(kind, factory);
    options.setup?.(manager);
    if (typeof config === "string") await manager.loadConfigFile(config);
    else await manager.loadConfig(config);
    return manager;
  }

  // ---- factories ------------------------------------------------------------------------------------------

  /** Register a factory for an exact `kind` string (a later registration replaces an earlier one). */
  registerFactory(kind: string, factory: PluginFactory): void {
    if (this.factories.has(kind)) this.logger.warn(`factory for kind '${kind}' replaced`);
    this.factories.set(kind, factory);
  }

  /** Register a factory for every `kind` starting with `prefix`, e.g. `wasm://`. Exact kinds win. */
  registerScheme(prefix: string, factory: PluginFactory): void {
    const i = this.schemes.findIndex((s) => s.prefix === prefix);
    if (i >= 0) this.schemes.splice(i, 1);
    this.schemes.push({ prefix, factory });
    this.schemes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  private factoryFor(config: PluginConfig): PluginFactory {
    const exact = this.factories.get(config.kind);
    if (exact !== undefined) return exact;
    for (const s of this.schemes) if (config.kind.startsWith(s.prefix)) return s.factory;
    throw new ConfigError(
      `${pluginLocation(config)}: no factory registered for plugin kind '${config.kind}' (plugin '${config.name}')`,
      { plugin: config.name, ...(config.origin?.file === undefined ? {} : { file: config.origin.file }) },
    );
  }

  addConfigVisitor(visitor: ConfigVisitor): void {
    this.visitors.push(visitor);
  }

  // ---- loading --------------------------------------------------------------------------------------------

  async loadConfigFile(path: string, options: Omit<ParseOptions, "file"> = {}): Promise<void> {
    await this.loadConfig(await loadConfig(path, { warn: (m) => this.logger.warn(m), ...options }));
  }

  async loadConfigYaml(text: string, options: ParseOptions = {}): Promise<void> {
    await this.loadConfig(parseConfig(text, { warn: (m) => this.logger.warn(m), ...options }));
  }

  /**
   * Instantiate every plugin of `config` through its factory and register it, then adopt the config's settings
   * and routes. Atomic: if any plugin fails, nothing is registered and the previous state stays.
   */
  async loadConfig(config: CpexConfig): Promise<void> {
    const built: Registration[] = [];
    for (const pc of config.plugins) {
      if (this.registrations.has(pc.name)) {
        throw new ConfigError(`${pluginLocation(pc)}: plugin '${pc.name}' is already registered`, {
          plugin: pc.name,
        });
      }
      built.push(await this.instantiate(pc, config));
    }
    for (const r of built) this.registrations.set(r.ref.name, r);
    this.config = config;
    this.settings = config.pluginSettings;
    this.invalidate();
    for (const v of this.visitors) {
      await v.visitPlugins?.(config.plugins, config);
      for (const [name, group] of config.groups) await v.visitPolicyBundle?.(name, group);
      for (const route of config.routes) await v.visitRoute?.(route);
    }
  }

  private factoryContext(config: CpexConfig | undefined): FactoryContext {
    return {
      ...(config?.configDir === undefined ? {} : { configDir: config.configDir }),
      settings: config?.pluginSettings ?? this.settings,
      logger: this.logger,
    };
  }

  private async instantiate(pc: PluginConfig, config: CpexConfig | undefined): Promise<Registration> {
    const factory = this.factoryFor(pc);
    const ctx = this.factoryContext(config);
    let instance: PluginInstance;
    try {
      instance = await factory.create(pc, ctx);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof PluginError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new ConfigError(`${pluginLocation(pc)}: cannot create plugin of kind '${pc.kind}': ${reason}`, {
        plugin: pc.name,
      });
    }
    const ref = new PluginRef(pc, instance.plugin, async (overridden) => factory.create(overridden, ctx));
    return { ref, entries: instance.handlers.map((h) => new HookEntry(ref, h.hook, h.handler)) };
  }

  // ---- programmatic registration ----------------------------------------------------------------------------

  /**
   * Register a native plugin (from `definePlugin` or a Plugin subclass) with its trusted config. The plugin's
   * handlers decide the hooks; `config.hooks` is informational.
   */
  register(
    plugin: NativePlugin | PluginInstance,
    config: PluginConfigInput | string = {} as PluginConfigInput,
  ): PluginRef {
    const input = typeof config === "string" ? { name: config } : { ...config };
    if (input.name === undefined && "name" in plugin && plugin.name !== undefined) input.name = plugin.name;
    const pc = normalizePluginConfig(input as PluginConfigInput);
    if (this.registrations.has(pc.name)) {
      throw new ConfigError(`plugin '${pc.name}' is already registered`, { plugin: pc.name });
    }
    const ref = new PluginRef(pc, plugin.plugin);
    const entries = plugin.handlers.map((h) => new HookEntry(ref, h.hook, h.handler));
    this.registrations.set(pc.name, { ref, entries });
    this.invalidate();
    return ref;
  }

  /** Register a single handler for one hook. */
  registerHandler(hook: string, handler: HookHandler, config: PluginConfigInput): PluginRef {
    return this.register({ plugin: {}, handlers: [{ hook, handler }] }, config);
  }

  /** Remove a plugin and its hook entries. Returns whether it was registered. */
  unregister(name: string): boolean {
    const had = this.registrations.delete(name);
    if (had) this.invalidate();
    return had;
  }

  private invalidate(): void {
    this.generation++;
    this.overrides = new Map();
    this.snap = this.buildSnapshot();
  }

  private buildSnapshot(): Snapshot {
    const byHook = new Map<string, HookEntry[]>();
    for (const r of this.registrations.values()) {
      for (const e of r.entries) {
        const list = byHook.get(e.hook);
        if (list === undefined) byHook.set(e.hook, [e]);
        else list.push(e);
      }
    }
    for (const [hook, list] of byHook) byHook.set(hook, sortByPriority(list));
    const router = createRouter(this.config, { warn: (m) => this.logger.warn(m) });
    return { byHook, router, settings: this.settings, config: this.config };
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------

  get isInitialized(): boolean {
    return this.initialized;
  }

  get pluginCount(): number {
    return this.registrations.size;
  }

  get pluginNames(): string[] {
    return [...this.registrations.keys()];
  }

  /** Bumped on every registration change (a new snapshot). */
  get configGeneration(): number {
    return this.generation;
  }

  /** Initialise every plugin in registration order; on failure shut the initialised ones down (reverse). */
  async initialize(): Promise<void> {
    if (this.initialized) return;
    const done: PluginRef[] = [];
    for (const { ref } of this.registrations.values()) {
      try {
        await ref.plugin.initialize?.();
        done.push(ref);
      } catch (err) {
        for (const r of done.reverse()) {
          try {
            await r.plugin.shutdown?.();
          } catch (e) {
            this.logger.warn(`plugin '${r.name}' shutdown during rollback failed: ${String(e)}`);
          }
        }
        const reason = err instanceof Error ? err.message : String(err);
        throw new PluginError(`initialization failed: ${reason}`, { pluginName: ref.name, cause: err });
      }
    }
    this.initialized = true;
  }

  /** Drain fire-and-forget tasks, then shut every plugin down (errors are logged). */
  async shutdown(): Promise<void> {
    if (!this.initialized) {
      await this.tracker.drain();
      return;
    }
    await this.tracker.drain();
    for (const { ref } of [...this.registrations.values()].reverse()) {
      try {
        await ref.plugin.shutdown?.();
      } catch (err) {
        this.logger.warn(`plugin '${ref.name}' shutdown failed: ${String(err)}`);
      }
    }
    for (const entry of await Promise.all(this.overrides.values())) {
      try {
        await entry?.ref.plugin.shutdown?.();
      } catch (err) {
        this.logger.warn(`override of '${entry?.name}' shutdown failed: ${String(err)}`);
      }
    }
    this.initialized = false;
  }

  /** In-flight fire-and-forget tasks. */
  get backgroundTaskCount(): number {
    return this.tracker.size;
  }

  // ---- queries --------------------------------------------------------------------------------------------

  hasHooksFor(hook: string): boolean {
    return this.snap.byHook.has(hook);
  }

  /** The plugin's effective mode (`disabled` once its circuit breaker tripped). */
  effectiveMode(name: string): PluginConfig["mode"] | undefined {
    return this.registrations.get(name)?.ref.effectiveMode;
  }

  getPluginConfig(name: string): PluginConfig | undefined {
    return this.registrations.get(name)?.ref.config;
  }

  clearRoutingCache(): void {
    this.snap.router.clearCache();
  }

  get routingCacheSize(): number {
    return this.snap.router.size;
  }

  // ---- invoke ---------------------------------------------------------------------------------------------

  /**
   * Run `hook` through its plugins. Never throws: failures surface in `violation`, `errors` and
   * `continueProcessing`.
   */
  async invoke<P = unknown>(
    hook: string,
    payload: P,
    options: InvokeOptions = {},
  ): Promise<PipelineResult<P>> {
    const snap = this.snap;
    const table = options.contextTable ?? new ContextTable();
    let extensions: Extensions = EMPTY_EXTENSIONS;
    try {
      extensions =
        options.extensions === undefined ? EMPTY_EXTENSIONS : toCanonicalExtensions(options.extensions);
      const entries = snap.byHook.get(hook);
      if (entries === undefined) return allowed(payload, extensions, table, options.trace === true);
      const lineup = snap.router.resolve(hook, extensions, entries);
      const resolved = lineup.some((r) => r.configOverride !== undefined || r.onError !== undefined)
        ? await this.applyOverrides(lineup, hook)
        : lineup.map((r) => r.entry);
      const settings = {
        timeoutMs: Math.max(1, Math.round(snap.settings.pluginTimeout * 1000)),
        shortCircuitOnDeny: snap.settings.shortCircuitOnDeny,
        logger: this.logger,
      };
      return (await execute(
        hook,
        resolved,
        payload,
        extensions,
        table,
        settings,
        this.tracker,
        options.trace === true,
      )) as PipelineResult<P>;
    } catch (err) {
      // Only a bug in the runtime gets here (handlers' failures are outcomes): fail closed, never throw.
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.error(`invoke of '${hook}' failed inside the runtime: ${reason}`);
      return {
        continueProcessing: false,
        violation: { code: "internal_error", reason: `cpex runtime error: ${reason}` },
        payloadModified: false,
        modifiedExtensions: extensions,
        errors: [],
        contextTable: table,
        background: NO_BACKGROUND,
      };
    }
  }

  /**
   * Route-level config overrides (§6.4): a plugin referenced with `{name: {config: {...}}}` runs as its own
   * instance (shallow-merged config, own id and circuit breaker, initialised once, cached until the next
   * registration change). Any failure building it falls back to the base plugin.
   */
  private async applyOverrides(
    lineup: readonly ResolvedEntry<HookEntry>[],
    hook: string,
  ): Promise<HookEntry[]> {
    const out: HookEntry[] = [];
    for (const r of lineup) {
      if (r.configOverride === undefined) {
        out.push(
          r.onError === undefined ? r.entry : new HookEntry(r.entry.ref, hook, r.entry.handler, r.onError),
        );
        continue;
      }
      const key = `${r.entry.name}\u0000${hook}\u0000${JSON.stringify(r.configOverride)}\u0000${r.onError ?? ""}`;
      let pending = this.overrides.get(key);
      if (pending === undefined) {
        pending = this.buildOverride(r.entry, hook, r.configOverride, r);
        this.overrides.set(key, pending);
      }
      out.push((await pending) ?? r.entry);
    }
    return out;
  }

  private async buildOverride(
    base: HookEntry,
    hook: string,
    override: JsonObject,
    r: ResolvedEntry<HookEntry>,
  ): Promise<HookEntry | undefined> {
    const build = base.ref.kindFactory;
    if (build === undefined) return undefined;
    try {
      const config = {
        ...base.ref.config,
        config: mergeConfigOverride(base.ref.config.config, override),
      } as PluginConfig;
      const inst = await build(config);
      const handler = inst.handlers.find((h) => h.hook === hook)?.handler;
      if (handler === undefined) return undefined;
      await inst.plugin.initialize?.();
      const ref = new PluginRef(config, inst.plugin);
      return new HookEntry(ref, hook, handler, r.onError);
    } catch (err) {
      this.logger.warn(
        `route override for plugin '${base.name}' failed, using the base plugin: ${String(err)}`,
      );
      return undefined;
    }
  }
}

function allowed<P>(
  payload: P,
  extensions: Extensions,
  table: ContextTable,
  trace: boolean,
): PipelineResult<P> {
  return {
    continueProcessing: true,
    modifiedPayload: payload,
    payloadModified: false,
    modifiedExtensions: extensions,
    errors: [],
    contextTable: table,
    background: NO_BACKGROUND,
    ...(trace ? { trace: [] } : {}),
  };
}
