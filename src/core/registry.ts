// Registrations: one PluginRef per plugin (lifecycle, trusted config, circuit breaker) and one HookEntry per hook
// it serves. The executor reads only these trusted values, never anything the plugin says about itself.

import { randomUUID } from "node:crypto";
import type { OnError, PluginConfig, PluginMode } from "./config/types.js";
import type { HookHandler, PluginLifecycle } from "./plugin.js";

/** What the executor counted for one registration (`PluginManager.plugin(name).counters`). */
export interface PluginCounters {
  /** Handler calls started. */
  invocations: number;
  /** Results with `continue_processing: false` (honoured or not: the phase decides). */
  denials: number;
  /** Failed calls other than timeouts (thrown errors, panics, invalid results, host failures). */
  errors: number;
  timeouts: number;
}

export class PluginRef {
  /** Registration id: keys the plugin's local state in context tables. */
  readonly id = randomUUID();
  readonly capabilities: ReadonlySet<string>;
  /** Written by the executor only. */
  readonly counters: PluginCounters = { invocations: 0, denials: 0, errors: 0, timeouts: 0 };
  private tripped = false;

  constructor(
    readonly config: PluginConfig,
    readonly plugin: PluginLifecycle,
  ) {
    this.capabilities = new Set(config.capabilities);
  }

  get name(): string {
    return this.config.name;
  }

  /** `disabled` once the circuit breaker tripped (on_error: disable), for the process lifetime. */
  get effectiveMode(): PluginMode {
    return this.tripped ? "disabled" : this.config.mode;
  }

  get disabled(): boolean {
    return this.tripped;
  }

  trip(): void {
    this.tripped = true;
  }
}

export class HookEntry {
  readonly name: string;
  readonly priority: number;
  readonly onError: OnError;

  constructor(
    readonly ref: PluginRef,
    readonly hook: string,
    readonly handler: HookHandler,
  ) {
    this.name = ref.config.name;
    this.priority = ref.config.priority;
    this.onError = ref.config.onError;
  }

  get conditions(): PluginConfig["conditions"] {
    return this.ref.config.conditions;
  }
}

/** Stable sort by priority ascending: equal priorities keep registration order. */
export function sortByPriority(entries: HookEntry[]): HookEntry[] {
  return entries
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].priority - b[0].priority || a[1] - b[1])
    .map(([e]) => e);
}
