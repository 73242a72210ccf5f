// The plugin manager: loads plugins from config through factories, owns registrations and lifecycle, and runs
// invokes on an immutable snapshot (snapshot.ts). Lifecycle and closing state: docs/configuration.md,
// "Lifecycle and closing state"; what embedders may query: introspection.ts.

import { ConfigError } from "./config/errors.js";
import { loadConfig, normalizePluginConfig, type ParseOptions, parseConfig } from "./config/load.js";
import type { CpexConfig, PluginConfig, PluginConfigInput, PluginSettings } from "./config/types.js";
import type { ContextTable, StateMap } from "./context.js";
import { ManagerClosedError } from "./errors.js";
import { FactoryRegistry } from "./factories.js";
import type { CustomHookCheck, HookPayloadInput, HookPayloads } from "./hooks.js";
import { localStatesByName, overrideLabel, type PluginInfo, pluginInfo } from "./introspection.js";
import {
  ClosingState,
  initializeAll,
  type ManagerState,
  type OwnedLifecycle,
  shutdownAll,
} from "./lifecycle.js";
import {
  buildConfig,
  type ConfigVisitor,
  initFailure,
  ownedBy,
  type Registration,
  visitConfig,
} from "./loading.js";
import { consoleLogger, type Logger } from "./logger.js";
import { OverrideTable } from "./overrides.js";
import type { HookHandler, NativePlugin, PluginFactory, PluginInstance } from "./plugin.js";
import { HookEntry, PluginRef } from "./registry.js";
import type { PipelineResult } from "./result.js";

export type { ConfigVisitor } from "./loading.js";
export type { InvokeOptions } from "./snapshot.js";

import { buildSnapshot, type InvokeOptions, runInvoke, type Snapshot } from "./snapshot.js";

export interface ManagerOptions {
  logger?: Logger;
  /** Settings for programmatic use; a loaded config replaces them. */
  settings?: Partial<Omit<PluginSettings, "raw">>;
  /**
   * Payload-check mode: handlers receive a deep-frozen copy of the payload, so one that writes to it in place
   * fails its call (a panic, handled by `on_error`) instead of changing the request without `payloadModified`.
   * For development and tests: it copies the payload for every call. Default: on when `NODE_ENV` is
   * `development` (docs/configuration.md, "Payloads are read-only").
   */
  checkPayloadMutation?: boolean;
}

const DEFAULT_SETTINGS: PluginSettings = parseConfig("{}").pluginSettings;

export class PluginManager {
  private readonly logger: Logger;
  private readonly factories: FactoryRegistry;
  private readonly registrations = new Map<string, Registration>();
  private readonly visitors: ConfigVisitor[] = [];
  private readonly closing = new ClosingState();
  private readonly overrides = new OverrideTable();
  private config: CpexConfig | undefined;
  private settings: PluginSettings;
  private snap: Snapshot;
  private initialized = false;
  private initializing: Promise<void> | undefined;
  private generation = 0;
  private readonly checkPayloads: boolean;
  // One closure for every invoke: the executor asks it before each handler call.
  private readonly pluginsDown = (): boolean => this.closing.pluginsDown;

  constructor(options: ManagerOptions = {}) {
    this.logger = options.logger ?? consoleLogger;
    this.factories = new FactoryRegistry(this.logger);
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings, raw: DEFAULT_SETTINGS.raw };
    this.checkPayloads = options.checkPayloadMutation ?? process.env["NODE_ENV"] === "development";
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
    this.factories.registerKind(kind, factory);
  }

  /** Register a factory for every `kind` starting with `prefix`, e.g. `wasm://`. Exact kinds win. */
  registerScheme(prefix: string, factory: PluginFactory): void {
    this.factories.registerScheme(prefix, factory);
  }

  addConfigVisitor(visitor: ConfigVisitor): void {
    this.visitors.push(visitor);
  }

  // ---- loading --------------------------------------------------------------------------------------------

  async loadConfigFile(path: string, options: Omit<ParseOptions, "file"> = {}): Promise<void> {
    this.closing.assertOpen("loadConfig");
    await this.loadConfig(await loadConfig(path, this.parseOptions(options)), options.hostPluginKeys);
  }

  async loadConfigYaml(text: string, options: ParseOptions = {}): Promise<void> {
    this.closing.assertOpen("loadConfig");
    await this.loadConfig(parseConfig(text, this.parseOptions(options)), options.hostPluginKeys);
  }

  /** Warnings to the logger; the keys registered factories declare are known to the parser. */
  private parseOptions<O extends Omit<ParseOptions, "file">>(options: O): O {
    return {
      warn: (m: string) => this.logger.warn(m),
      ...options,
      hostPluginKeys: [...this.factories.pluginKeys(), ...(options.hostPluginKeys ?? [])],
    };
  }

  /**
   * Instantiate every plugin of `config` through its factory, build every route/group config override it asks
   * for (docs/configuration.md, "Route overrides"), register them, then adopt the config's settings and routes.
   * When the manager is already initialised the new instances are initialised before they are registered.
   * Atomic: if any plugin or override fails, nothing is registered and the previous state stays. A per-plugin key
   * neither the core nor the plugin's factory reads (`PluginFactory.pluginKeys`) draws a warning, unless it is one
   * of `hostPluginKeys`.
   */
  async loadConfig(config: CpexConfig, hostPluginKeys: readonly string[] = []): Promise<void> {
    this.closing.assertOpen("loadConfig");
    const built = await buildConfig(config, {
      factories: this.factories,
      logger: this.logger,
      settings: this.settings,
      hostPluginKeys,
      isRegistered: (name) => this.registrations.has(name),
    });
    this.closing.assertOpen("loadConfig");
    if (this.initialized) await initializeAll(built.owned, this.logger, initFailure);
    if (!this.closing.isOpen) {
      // shutdown() began while the new instances were initialising: they were never registered, so shut them here.
      if (this.initialized) await shutdownAll(built.owned, this.logger);
      throw new ManagerClosedError("loadConfig");
    }
    for (const r of built.registrations) this.registrations.set(r.ref.name, r);
    this.overrides.adopt(built.overrides);
    this.config = config;
    this.settings = config.pluginSettings;
    this.invalidate();
    await visitConfig(this.visitors, config);
  }

  // ---- programmatic registration ----------------------------------------------------------------------------

  /**
   * Register a native plugin (from `definePlugin` or a Plugin subclass) with its trusted config. The plugin's
   * handlers decide the hooks (any name: programmatic registration needs no registerHook); `config.hooks` is
   * informational. Throws ManagerClosedError once shutdown started.
   */
  register(
    plugin: NativePlugin | PluginInstance,
    config: PluginConfigInput | string = {} as PluginConfigInput,
  ): PluginRef {
    this.closing.assertOpen("register");
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
    const r = this.registrations.get(name);
    if (r === undefined) return false;
    this.registrations.delete(name);
    this.overrides.forget(r.ref);
    this.invalidate();
    return true;
  }

  private invalidate(): void {
    this.generation++;
    this.snap = this.buildSnapshot();
  }

  /** Every lifecycle the manager owns, in registration order; each plugin followed by its override instances. */
  private owned(): OwnedLifecycle[] {
    return [...this.registrations.values()].flatMap((r) => ownedBy(r.ref, this.overrides.of(r.ref)));
  }

  private buildSnapshot(): Snapshot {
    return buildSnapshot(this.registrations.values(), this.config, this.settings, this.logger);
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

  /**
   * Bumped on every registration change (a new snapshot).
   * @deprecated Nothing in cpex reads it; it will be removed in a later version.
   */
  get configGeneration(): number {
    return this.generation;
  }

  /** open → closing (shutdown started: nothing new accepted) → closed (plugins shut down). */
  get state(): ManagerState {
    return this.closing.state;
  }

  /**
   * Initialise every plugin and route-override instance in registration order; on failure shut the initialised
   * ones down (reverse). Concurrent calls share one run. Throws ManagerClosedError once shutdown started.
   */
  async initialize(): Promise<void> {
    this.closing.assertOpen("initialize");
    if (this.initialized) return;
    this.initializing ??= initializeAll(this.owned(), this.logger, initFailure)
      .then(() => {
        this.initialized = true;
      })
      .finally(() => {
        this.initializing = undefined;
      });
    await this.initializing;
  }

  /**
   * Close the manager. Idempotent: concurrent callers share one promise, later calls resolve at once. First new
   * work is refused (invoke rejects with ManagerClosedError), then in-flight invokes and fire-and-forget tasks
   * drain for at most `plugin_settings.shutdown_timeout` seconds (what is still running is logged), then every
   * plugin and override instance is shut down once, in reverse registration order (errors logged).
   */
  shutdown(): Promise<void> {
    return this.closing.close(async () => {
      // An initialize() under way finishes first, so what it initialised is shut down below.
      await this.initializing?.catch(() => undefined);
      const timeout = this.settings.shutdownTimeout;
      const still = await this.closing.drain(timeout);
      if (still.length > 0) {
        this.logger.warn(
          `shutdown: ${still.length} task(s) still running after shutdown_timeout (${timeout}s); shutting plugins down anyway: ${still.join(", ")}`,
        );
      }
      this.closing.markClosed();
      if (this.initialized) await shutdownAll(this.owned(), this.logger);
      this.initialized = false;
    });
  }

  /** In-flight fire-and-forget tasks. */
  get backgroundTaskCount(): number {
    return this.closing.background.size;
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

  /**
   * A registered plugin's id, configured and effective mode, breaker state, hooks, counters and route-override
   * instances; undefined when no plugin has that name. A snapshot taken now (introspection.ts).
   */
  plugin(name: string): PluginInfo | undefined {
    const r = this.registrations.get(name);
    if (r === undefined) return undefined;
    return pluginInfo(
      r.ref,
      r.entries.map((e) => e.hook),
      this.overrides.of(r.ref),
    );
  }

  /**
   * The plugin name a registration id (a ContextTable key) belongs to: the plugin's own name, or
   * `name (route override n)` for its n-th route-override instance; undefined for an id this manager never issued.
   */
  pluginNameOf(id: string): string | undefined {
    for (const r of this.registrations.values()) {
      if (r.ref.id === id) return r.ref.name;
      const i = this.overrides.of(r.ref).findIndex((o) => o.ref.id === id);
      if (i >= 0) return overrideLabel(r.ref.name, i + 1);
    }
    return undefined;
  }

  /** The local states of `table` (a PipelineResult's contextTable) keyed by plugin name (see pluginNameOf). */
  localStates(table: ContextTable): ReadonlyMap<string, Readonly<StateMap>> {
    return localStatesByName(table, (id) => this.pluginNameOf(id));
  }

  clearRoutingCache(): void {
    this.snap.router.clearCache();
  }

  get routingCacheSize(): number {
    return this.snap.router.size;
  }

  // ---- invoke ---------------------------------------------------------------------------------------------

  /**
   * Run `hook` through its plugins. Handler failures never make it reject: they surface in `violation`, `errors`
   * and `continueProcessing`. It rejects only with ManagerClosedError, once shutdown started: a closing manager
   * never runs a partial pipeline and never returns an allow.
   *
   * Built-in hooks (and custom ones declared in HookPayloads) take their typed payload (HookPayloadInput: field
   * types and unknown fields are checked); any other name is a custom hook with an untyped payload, except a
   * literal in a built-in's namespace that is not a hook (`"tool_pre_invok"`), which does not compile.
   */
  invoke<H extends keyof HookPayloads>(
    hook: H,
    payload: HookPayloadInput<H>,
    options?: InvokeOptions,
  ): Promise<PipelineResult<HookPayloads[H]>>;
  invoke<P = unknown, H extends string = string>(
    hook: H & CustomHookCheck<H>,
    payload: P,
    options?: InvokeOptions,
  ): Promise<PipelineResult<P>>;
  invoke(hook: string, payload: unknown, options: InvokeOptions = {}): Promise<PipelineResult> {
    if (!this.closing.isOpen) return Promise.reject(new ManagerClosedError("invoke"));
    return this.runTracked(hook, payload, options);
  }

  /** Counted while in flight, so shutdown can drain it (no closure per invoke: this is the hot path). */
  private async runTracked(hook: string, payload: unknown, options: InvokeOptions): Promise<PipelineResult> {
    const inFlight = this.closing.invokes;
    inFlight.enter();
    try {
      return await this.run(hook, payload, options);
    } finally {
      inFlight.leave();
    }
  }
  private run<P>(hook: string, payload: P, options: InvokeOptions): Promise<PipelineResult<P>> {
    return runInvoke(
      this.snap,
      { hook, payload, options },
      {
        overrides: this.overrides,
        logger: this.logger,
        closed: this.pluginsDown,
        checkPayloads: this.checkPayloads,
        tracker: this.closing.background,
      },
    );
  }
}
