// The base of every error cpex throws: a stable `code` (registered in error-codes.ts, listed in docs/errors.md),
// a message for people and `details` for programs. No imports but types, so every part of the repository —
// the core, the WebAssembly host, its instrumenter — can extend it without depending on anything else.

import type { JsonObject } from "./config/types.js";

export interface CpexErrorOptions {
  /** Structured facts about the failure (JSON), e.g. a byte offset or the plugin concerned. */
  readonly details?: JsonObject;
  readonly cause?: unknown;
}

/**
 * `code` is one of the registered codes (docs/errors.md). The one exception is PluginError, whose code is the
 * plugin's own (any string, or none: its record then has no code, as in CPEX).
 */
export class CpexError<C extends string | undefined = string> extends Error {
  readonly code: C;
  readonly details: JsonObject | undefined;

  constructor(code: C, message: string, options: CpexErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}
