// CPEX result, violation, error and context types with the snake_case wire names of CPEX (docs/abi.md §3.2).
// Absent optional fields are omitted on the wire, never sent as nil.

import { Value, ValueMap } from "./value";

/** Why a plugin asks the pipeline to stop (`PluginViolation` in CPEX). The host stamps `plugin_name`. */
export class PluginViolation {
  description: string | null = null;
  details: ValueMap | null = null;
  /** Protocol error code for the caller (MCP / JSON-RPC); sent when `hasProtoErrorCode`. */
  protoErrorCode: i64 = 0;
  hasProtoErrorCode: bool = false;

  constructor(
    public code: string,
    public reason: string,
  ) {}

  withDescription(description: string): PluginViolation {
    this.description = description;
    return this;
  }
  withDetails(details: ValueMap): PluginViolation {
    this.details = details;
    return this;
  }
  withProtoErrorCode(code: i64): PluginViolation {
    this.protoErrorCode = code;
    this.hasProtoErrorCode = true;
    return this;
  }

  toValue(): Value {
    const m = new ValueMap()
      .set("code", Value.fromString(this.code))
      .set("reason", Value.fromString(this.reason));
    const description = this.description;
    if (description !== null) m.set("description", Value.fromString(description));
    const details = this.details;
    if (details !== null) m.set("details", Value.fromMap(details));
    if (this.hasProtoErrorCode) m.set("proto_error_code", Value.fromI64(this.protoErrorCode));
    return Value.fromMap(m);
  }
}

/** The outcome of one handler (`PluginResult` in CPEX). */
export class PluginResult {
  continueProcessing: bool = true;
  /** The complete replacement payload (see the payload classes' `toValue`). */
  modifiedPayload: Value | null = null;
  /** A patch of the writable slots: `http` headers, `security.labels`, `delegation`, `custom`. */
  modifiedExtensions: ValueMap | null = null;
  violation: PluginViolation | null = null;
  metadata: ValueMap | null = null;

  /** Continue, nothing changed. */
  static allow(): PluginResult {
    return new PluginResult();
  }
  /** Stop the request with a violation. */
  static deny(violation: PluginViolation): PluginResult {
    const r = new PluginResult();
    r.continueProcessing = false;
    r.violation = violation;
    return r;
  }
  /** Continue with a replacement payload. */
  static modifyPayload(payload: Value): PluginResult {
    const r = new PluginResult();
    r.modifiedPayload = payload;
    return r;
  }
  /** Continue with extension edits (honoured only with the matching capabilities in the YAML). */
  static modifyExtensions(patch: ValueMap): PluginResult {
    const r = new PluginResult();
    r.modifiedExtensions = patch;
    return r;
  }
  withMetadata(metadata: ValueMap): PluginResult {
    this.metadata = metadata;
    return this;
  }
  get isDenied(): bool {
    return !this.continueProcessing;
  }

  toValue(): ValueMap {
    const m = new ValueMap().set("continue_processing", Value.fromBool(this.continueProcessing));
    const payload = this.modifiedPayload;
    if (payload !== null) m.set("modified_payload", payload);
    const ext = this.modifiedExtensions;
    if (ext !== null) m.set("modified_extensions", Value.fromMap(ext));
    const violation = this.violation;
    if (violation !== null) m.set("violation", violation.toValue());
    const metadata = this.metadata;
    if (metadata !== null) m.set("metadata", Value.fromMap(metadata));
    return m;
  }
}

/** A plugin failure (`PluginError` in CPEX); the operator's `on_error` decides what happens next. */
export class PluginError {
  details: ValueMap | null = null;
  constructor(
    public code: string,
    public message: string,
  ) {}

  withDetails(details: ValueMap): PluginError {
    this.details = details;
    return this;
  }

  /** The `error_set` message `{ message, code, details? }`. */
  toValue(): Value {
    const m = new ValueMap()
      .set("message", Value.fromString(this.message))
      .set("code", Value.fromString(this.code));
    const details = this.details;
    if (details !== null) m.set("details", Value.fromMap(details));
    return Value.fromMap(m);
  }
}

/**
 * Per-request plugin state (`PluginContext`): `localState` is this plugin's (threaded from a pre hook to its
 * post hook), `globalState` is shared by the serial plugins. A map written through `set`/`setGlobal` (or marked
 * with `touch`) is sent back and replaces the host's copy; an untouched one is not sent.
 */
export class PluginContext {
  localChanged: bool = false;
  globalChanged: bool = false;
  constructor(
    public localState: ValueMap,
    public globalState: ValueMap,
  ) {}

  get(key: string): Value | null {
    return this.localState.get(key);
  }
  set(key: string, value: Value): void {
    this.localState.set(key, value);
    this.localChanged = true;
  }
  getGlobal(key: string): Value | null {
    return this.globalState.get(key);
  }
  setGlobal(key: string, value: Value): void {
    this.globalState.set(key, value);
    this.globalChanged = true;
  }
  /** Mark the maps as changed after editing them directly. */
  touch(local: bool = true, global: bool = false): void {
    if (local) this.localChanged = true;
    if (global) this.globalChanged = true;
  }

  /** The result's `context` entry, or null when nothing changed. */
  toValue(): Value | null {
    if (!this.localChanged && !this.globalChanged) return null;
    const m = new ValueMap();
    if (this.localChanged) m.set("local_state", Value.fromMap(this.localState));
    if (this.globalChanged) m.set("global_state", Value.fromMap(this.globalState));
    return Value.fromMap(m);
  }
}
