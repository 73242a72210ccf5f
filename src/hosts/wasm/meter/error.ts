// The one error the instrumenter raises for a module it will not sandbox (or cannot read).

import { CpexError } from "../../../core/cpex-error.js";

/**
 * The module is refused. `offset`: where in the input the binary reader stopped, when a malformed or unsupported
 * binary is the reason. The reader's errors (BinaryError) end with `(at byte offset N)`, so wrapping one keeps
 * N even where only its message is passed on.
 */
export class InstrumentError extends CpexError<"module_rejected"> {
  readonly offset: number | undefined;
  constructor(message: string, options: { readonly offset?: number; readonly cause?: unknown } = {}) {
    const found = /\(at byte offset (\d+)\)$/.exec(message);
    const offset = options.offset ?? (found === null ? undefined : Number(found[1]));
    super("module_rejected", message, {
      ...(offset === undefined ? {} : { details: { offset } }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.offset = offset;
    this.name = "InstrumentError";
  }
}
