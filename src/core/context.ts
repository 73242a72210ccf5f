// Plugin context and the context table threaded from a pre hook to its post hook (docs/configuration.md, "Modes": which phases keep context writes).

export type StateMap = Record<string, unknown>;

/** What a handler sees: its own per-request state and the pipeline-wide state. */
export class PluginContext {
  constructor(
    public localState: StateMap = {},
    public globalState: StateMap = {},
  ) {}

  get<T = unknown>(key: string): T | undefined {
    return this.localState[key] as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.localState[key] = value;
  }
  getGlobal<T = unknown>(key: string): T | undefined {
    return this.globalState[key] as T | undefined;
  }
  setGlobal(key: string, value: unknown): void {
    this.globalState[key] = value;
  }
}

/**
 * Per-request state across hooks: the canonical global state and each plugin's local state, keyed by the plugin's
 * registration id. Pass the table a PipelineResult returns into the next hook of the same request.
 */
export class ContextTable {
  constructor(
    public globalState: StateMap = {},
    readonly localStates: Map<string, StateMap> = new Map(),
  ) {}

  /** Serial phases: move the plugin's local state out and hand it a copy of the global state. */
  take(pluginId: string): PluginContext {
    const local = this.localStates.get(pluginId);
    if (local !== undefined) this.localStates.delete(pluginId);
    return new PluginContext(local ?? {}, { ...this.globalState });
  }

  /** Read-only phases: copies of both; nothing is written back. */
  snapshot(pluginId: string): PluginContext {
    const local = this.localStates.get(pluginId);
    return new PluginContext(local === undefined ? {} : { ...local }, { ...this.globalState });
  }

  /** After a serial plugin: its global state replaces the canonical one (last writer wins). */
  store(pluginId: string, ctx: PluginContext): void {
    this.globalState = ctx.globalState;
    this.localStates.set(pluginId, ctx.localState);
  }

  toJSON(): { global_state: StateMap; local_states: Record<string, StateMap> } {
    return { global_state: this.globalState, local_states: Object.fromEntries(this.localStates) };
  }
}
