// The abort handler. AssemblyScript calls `abort` on a failed assertion, an out-of-range index, a failed
// allocation or an explicit `abort()`/`throw`; by default it imports `env.abort`, which the host refuses (not in
// the ABI). The build routes it here (`--use abort=…/abort/cpexAbort`): the message and source position go to the
// host through `error_set`, then the instance traps, so the host reports `wasm_trap` with
// "guest panicked: <message>" and starts a fresh instance (docs/abi.md §6).

import { setError } from "./host";
import { encode } from "./msgpack-writer";
import { Value, ValueMap } from "./value";

let aborting = false;

export function cpexAbort(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  // An abort while reporting (e.g. the allocation for the message failed) must not recurse: trap at once.
  if (!aborting) {
    aborting = true;
    let text = message !== null ? message : "abort";
    if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
    const m = new ValueMap().set("message", Value.fromString(text)).set("code", Value.fromString("panic"));
    const bytes = encode(Value.fromMap(m));
    if (bytes !== null) setError(bytes);
  }
  unreachable();
}
