// The native plugin API and the factory contract hosts implement (docs/architecture.md).

import type { PluginConfig, PluginSettings } from "./config/types.js";
import type { PluginContext } from "./context.js";
import type { Extensions } from "./extensions/types.js";
import type { HookPayloads, PayloadOf } from "./hooks.js";
import type { Logger } from "./logger.js";
import type { PluginResult } from "./result.js";

/** Per-call information and services the executor hands every handler. */
export interface HandlerCall {
  readonly hookName: string;
  /** The registered plugin name. */
  readonly pluginName: string;
  /** Aborted when the executor gives up on the call (timeout, concurrent short-circuit). Cooperative. */
  readonly signal: AbortSignal;
  /** `performance.now()` value by which the executor gives up on this call (synchronous hosts enforce it). */
  readonly deadline: number;
  readonly capabilities: ReadonlySet<string>;
  /** Attach per-call telemetry (fuel used, memory pages, …); shown in traces. */
  report(telemetry: Readonly<Record<string, number | string>>): void;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing allows the call unchanged.
export type HandlerReturn<P> = PluginResult<P> | undefined | void;

/**
 * A hook handler. The payload is read-only (return a modified copy); `extensions` is the capability-filtered view.
 * Return `undefined` to allow without changes. Throw a PluginError to fail.
 */
export type HookHandler<P = unknown> = (
  payload: P,
  extensions: Extensions,
  ctx: PluginContext,
  call: HandlerCall,
) => HandlerReturn<P> | Promise<HandlerReturn<P>>;

/** Lifecycle of a plugin (one per registration, shared by its hook handlers). */
export interface PluginLifecycle {
  initialize?(): void | Promise<void>;
  shutdown?(): void | Promise<void>;
}

/** What a factory builds for one `plugins:` entry: the lifecycle object and one handler per hook it serves. */
export interface PluginInstance {
  readonly plugin: PluginLifecycle;
  readonly handlers: ReadonlyArray<{ readonly hook: string; readonly handler: HookHandler }>;
  /**
   * A sibling instance with another `config:` built from the same already-verified artefact; must not read files.
   * The manager calls it at load time for every route/group/authentication config override of this plugin
   * (docs/configuration.md, "Route overrides"); without it the factory's `create` builds the override.
   */
  derive?(config: PluginConfig): Promise<PluginInstance>;
}

export interface FactoryContext {
  /** Folder of the YAML file, for resolving relative paths (absent for in-memory configs). */
  readonly configDir?: string;
  readonly settings: PluginSettings;
  readonly logger: Logger;
}

/** Builds plugin instances for a `kind`. Throw a ConfigError (pluginConfigError) for bad plugin config. */
export interface PluginFactory {
  /**
   * The per-plugin YAML keys this factory reads (kept in `PluginConfig.extra`), e.g. a sandbox host's `limits`.
   * The core knows no host's keys: a manager loading a config warns about every other unknown key of a plugin
   * this factory builds (docs/architecture.md, "Core ↔ hosts: plugin factories").
   */
  readonly pluginKeys?: readonly string[];
  create(config: PluginConfig, ctx: FactoryContext): PluginInstance | Promise<PluginInstance>;
}

// Custom hook names accept any handler shape; built-in names are typed by TypedHooks.
type AnyHandler = (payload: never, extensions: Extensions, ctx: PluginContext, call: HandlerCall) => unknown;
type TypedHooks = { [H in keyof HookPayloads]?: HookHandler<HookPayloads[H]> };

/** A native plugin definition: handlers keyed by hook name (typed for known hooks), plus optional lifecycle. */
export interface NativePluginDefinition extends PluginLifecycle {
  /** Default name when registered programmatically. */
  readonly name?: string;
  readonly hooks: TypedHooks & { readonly [hook: string]: AnyHandler | undefined };
}

export interface NativePlugin extends PluginInstance {
  readonly name?: string;
}

/**
 * Define a native plugin:
 *
 *   const guard = definePlugin({
 *     name: "guard",
 *     hooks: { tool_pre_invoke(payload) { if (payload.name === "rm") return PluginResult.deny({ ... }); } },
 *   });
 */
export function definePlugin(def: NativePluginDefinition): NativePlugin {
  const handlers: Array<{ hook: string; handler: HookHandler }> = [];
  for (const [hook, handler] of Object.entries(def.hooks)) {
    if (typeof handler === "function") handlers.push({ hook, handler: handler as HookHandler });
  }
  const plugin: PluginLifecycle = {};
  if (def.initialize) plugin.initialize = def.initialize.bind(def);
  if (def.shutdown) plugin.shutdown = def.shutdown.bind(def);
  return { ...(def.name === undefined ? {} : { name: def.name }), plugin, handlers };
}

/**
 * Class form: extend and implement handlers as methods named after hooks, then list them in `hooks`.
 *
 *   class Guard extends Plugin { hooks = ["tool_pre_invoke"]; tool_pre_invoke(p: ToolPreInvokePayload) {...} }
 */
export abstract class Plugin implements PluginLifecycle, NativePlugin {
  /** Hook names this plugin serves; each must be a method of the same name. */
  abstract readonly hooks: readonly string[];
  readonly name?: string;
  initialize?(): void | Promise<void>;
  shutdown?(): void | Promise<void>;

  get plugin(): PluginLifecycle {
    return this;
  }

  get handlers(): ReadonlyArray<{ hook: string; handler: HookHandler }> {
    return this.hooks.map((hook) => {
      const fn = (this as unknown as Record<string, unknown>)[hook];
      if (typeof fn !== "function") throw new TypeError(`plugin class has no method for hook '${hook}'`);
      return { hook, handler: (fn as HookHandler).bind(this) };
    });
  }
}

/** Handler type for a given hook name, for annotating standalone functions. */
export type HandlerFor<H extends string> = HookHandler<PayloadOf<H>>;
