// Bindings for every import of the cpex ABI (docs/abi.md §3) and the one WASI function the SDK uses (the clock,
// §5). Nothing else may be imported: the host refuses a module with any other import, which is why the SDK never
// touches AssemblyScript's `env.abort`, `env.seed` or `env.trace` (see abort.ts and the build script's flags).

// @ts-ignore: decorator
@external("cpex", "hook_name_len")
declare function hook_name_len(): i32;
// @ts-ignore: decorator
@external("cpex", "hook_name_read")
declare function hook_name_read(ptr: usize, cap: i32): i32;
// @ts-ignore: decorator
@external("cpex", "payload_len")
declare function payload_len(): i32;
// @ts-ignore: decorator
@external("cpex", "payload_read")
declare function payload_read(ptr: usize, cap: i32): i32;
// @ts-ignore: decorator
@external("cpex", "extensions_len")
declare function extensions_len(): i32;
// @ts-ignore: decorator
@external("cpex", "extensions_read")
declare function extensions_read(ptr: usize, cap: i32): i32;
// @ts-ignore: decorator
@external("cpex", "context_len")
declare function context_len(): i32;
// @ts-ignore: decorator
@external("cpex", "context_read")
declare function context_read(ptr: usize, cap: i32): i32;
// @ts-ignore: decorator
@external("cpex", "config_len")
declare function config_len(): i32;
// @ts-ignore: decorator
@external("cpex", "config_read")
declare function config_read(ptr: usize, cap: i32): i32;
// @ts-ignore: decorator
@external("cpex", "result_set")
declare function result_set(ptr: usize, len: i32): i32;
// @ts-ignore: decorator
@external("cpex", "error_set")
declare function error_set(ptr: usize, len: i32): i32;
// @ts-ignore: decorator
@external("cpex", "log")
declare function log(level: i32, ptr: usize, len: i32): i32;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
declare function clock_time_get(id: u32, precision: u64, out: usize): u16;

/** The inputs the host offers as `*_len` / `*_read` pairs (docs/abi.md §3.1). */
export enum Input {
  HookName,
  Payload,
  Extensions,
  Context,
  Config,
}

function inputLen(item: Input): i32 {
  switch (item) {
    case Input.HookName:
      return hook_name_len();
    case Input.Payload:
      return payload_len();
    case Input.Extensions:
      return extensions_len();
    case Input.Context:
      return context_len();
    default:
      return config_len();
  }
}

function inputRead(item: Input, ptr: usize, cap: i32): i32 {
  switch (item) {
    case Input.HookName:
      return hook_name_read(ptr, cap);
    case Input.Payload:
      return payload_read(ptr, cap);
    case Input.Extensions:
      return extensions_read(ptr, cap);
    case Input.Context:
      return context_read(ptr, cap);
    default:
      return config_read(ptr, cap);
  }
}

/**
 * The bytes of one input, pulled into a buffer this module allocated (the host never writes elsewhere). The
 * length is asked first; should the item change size between the two calls, the read is retried with the new
 * length, so a short buffer can never be mistaken for the whole item.
 */
export function readInput(item: Input): Uint8Array {
  let buf = new Uint8Array(max(inputLen(item), 0));
  let got = inputRead(item, buf.dataStart, buf.length);
  while (got > buf.length) {
    buf = new Uint8Array(got);
    got = inputRead(item, buf.dataStart, buf.length);
  }
  return got === buf.length ? buf : buf.subarray(0, max(got, 0));
}

/** Hand a MessagePack `PluginResult` to the host; 0 when accepted (anything else is already an `abi_violation`). */
export function setResult(bytes: Uint8Array): i32 {
  return result_set(bytes.dataStart, bytes.length);
}

/** Hand a MessagePack `{ message, code?, details? }` to the host, to be reported when the call fails. */
export function setError(bytes: Uint8Array): i32 {
  return error_set(bytes.dataStart, bytes.length);
}

/** Log UTF-8 bytes at a level (0 trace … 4 error); 1 when the host dropped them (log cap reached). */
export function logBytes(level: i32, bytes: Uint8Array): i32 {
  return log(level, bytes.dataStart, bytes.length);
}

/** WASI realtime clock in nanoseconds (the host's real clock, or the embedder's `clock` option); 0 on error. */
export function realtimeNs(): u64 {
  const out = new ArrayBuffer(8);
  const errno = clock_time_get(0, 1_000_000, changetype<usize>(out));
  return errno === 0 ? load<u64>(changetype<usize>(out)) : 0;
}
