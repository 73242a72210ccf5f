// The phase table: what each of the five phases may do, read by the serial, concurrent and fire-and-forget
// runners instead of rules of their own (docs/configuration.md, "Modes"; docs/compatibility.md for the CPEX
// quirks kept here).

import type { Phase } from "../result.js";

export interface PhaseRules {
  /**
   * A deny halts the pipeline, and so does a failure under `on_error: fail`. In the other phases a deny is
   * recorded as `deny_ignored` and `on_error: fail` only records the error.
   */
  readonly canDeny: boolean;
  /**
   * A result with `continue_processing: false` and no violation is a deny too (`concurrent_deny`). Serial phases
   * treat it as an allow, as CPEX does (quirk 1).
   */
  readonly denyWithoutViolation: boolean;
  /** The plugin's `modifiedPayload` and `modifiedExtensions` are applied. Elsewhere results are discarded. */
  readonly canModify: boolean;
  /**
   * `take`: the plugin's local state is moved out of the context table and stored back after the call (writes
   * persist, its global state replaces the canonical one). `snapshot`: copies of both; writes are discarded.
   */
  readonly context: "take" | "snapshot";
  /**
   * What payload object a handler receives. `current`: the pipeline's payload as it is (read-only by contract,
   * checked in development mode; docs/configuration.md, "Payloads are read-only"). `shared-copy`: one copy the
   * whole phase shares, since its plugins run at once. `own-copy`: a copy per plugin, since it runs after the
   * caller got the result and may hold on to it.
   */
  readonly payload: "current" | "shared-copy" | "own-copy";
  /**
   * A panic (a thrown non-PluginError, a sandbox trap) is a task's panic, as in CPEX's spawned tasks: it halts
   * as `plugin_panic` ("task panicked: …") and is recorded with code `panic` when the host gave none. Elsewhere
   * it is an ordinary `plugin_error`.
   */
  readonly panicsAsTask: boolean;
}

export const PHASES: Readonly<Record<Phase, PhaseRules>> = Object.freeze({
  sequential: {
    canDeny: true,
    denyWithoutViolation: false,
    canModify: true,
    context: "take",
    payload: "current",
    panicsAsTask: false,
  },
  transform: {
    canDeny: false,
    denyWithoutViolation: false,
    canModify: true,
    context: "take",
    payload: "current",
    panicsAsTask: false,
  },
  audit: {
    canDeny: false,
    denyWithoutViolation: false,
    canModify: false,
    context: "snapshot",
    payload: "current",
    panicsAsTask: false,
  },
  concurrent: {
    canDeny: true,
    denyWithoutViolation: true,
    canModify: false,
    context: "snapshot",
    payload: "shared-copy",
    panicsAsTask: true,
  },
  fire_and_forget: {
    canDeny: false,
    denyWithoutViolation: false,
    canModify: false,
    context: "snapshot",
    payload: "own-copy",
    // Its failures are only logged and handed to `background.wait()`, with the plain record.
    panicsAsTask: false,
  },
});

/** The order phases run in; `fire_and_forget` starts only once the others allowed the request. */
export const PHASE_ORDER: readonly Phase[] = Object.freeze([
  "sequential",
  "transform",
  "audit",
  "concurrent",
  "fire_and_forget",
]);
