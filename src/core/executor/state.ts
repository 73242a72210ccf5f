// The mutable state one invoke carries across phases, and the settings it runs under.

import type { ContextTable } from "../context.js";
import type { PluginErrorRecord, PluginViolation } from "../errors.js";
import type { Extensions } from "../extensions/types.js";
import type { Logger } from "../logger.js";
import type { PluginTrace } from "../result.js";

export interface RunSettings {
  readonly timeoutMs: number;
  readonly shortCircuitOnDeny: boolean;
  readonly logger: Logger;
  /**
   * True once the manager shut its plugins down: a request that outlived the shutdown drain bound must not call
   * handlers of shut-down plugins, so each further call fails closed (a host failure, code `manager_closed`).
   */
  readonly closed?: () => boolean;
  /**
   * Payload-check mode (ManagerOptions.checkPayloadMutation): handlers of phases that share the pipeline's payload
   * get a frozen copy, so an in-place write fails the call (docs/configuration.md, "Payloads are read-only").
   */
  readonly checkPayloads?: boolean;
}

export interface RunState {
  readonly hook: string;
  readonly settings: RunSettings;
  payload: unknown;
  /** Canonical (unfiltered) extensions. */
  extensions: Extensions;
  payloadModified: boolean;
  readonly errors: PluginErrorRecord[];
  readonly table: ContextTable;
  /** Collected only when the caller asked for a trace. */
  readonly trace: PluginTrace[] | undefined;
}

/** A phase either lets the pipeline go on (`undefined`) or halts it with a violation. */
export type Halt = { readonly violation: PluginViolation } | undefined;
