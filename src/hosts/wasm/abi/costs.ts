// What host functions charge the guest, in fuel (docs/abi.md, "Host-call costs" — this table is the source of
// truth; a test keeps the docs in step). The unit is calibrated so that one fuel is at least about one
// nanosecond of host work on the machines we measure on (bench/host.bench.ts, `host-calls` case): then a guest
// that spends its budget in host calls is stopped as surely as one that spends it in instructions, and the
// deadline is looked at before host work piles up (FuelGauge.charge reads the clock every HOST_CLOCK_EVERY fuel).
//
// Every charge is made BEFORE the work, so a call the budget cannot pay for never runs.

export const HOST_COSTS = Object.freeze({
  /** Every import call: the JS↔wasm transition, argument checks, bookkeeping. */
  call: 300,
  /** Per byte copied between host and guest memory (`*_read`, `environ_get`): 1 fuel per 4 bytes. */
  copyBytesPerFuel: 4,
  /** Per byte of an input the host encodes for this call (`payload`, `extensions`, `context`), once per call. */
  encodePerByte: 1,
  /** Per byte of MessagePack the host decodes (`result_set`, `error_set`). */
  decodePerByte: 1,
  /** Per value decoded (maps, arrays, strings, numbers…): allocation dominates the cost of small values. */
  decodePerItem: 32,
  /** Per byte of log text the host accepts (`log`, `fd_write` to stdout/stderr); dropped bytes cost nothing. */
  logPerByte: 1,
  /** Per iovec entry of `fd_write`. */
  iovec: 100,
  /** Per byte of `random_get` output. */
  randomPerByte: 2,
  /** Per host path resolution of a read-only grant (realpath, lstat, open, fstat: a few system calls). */
  pathResolve: 10_000,
  /** Per byte read from a host file (read-only grant), in pieces of HOST_CHUNK_BYTES. */
  fileReadPerByte: 1,
  /** Per directory entry listed (`fd_readdir`). */
  dirEntry: 500,
  /** Per byte written to a private-scratch file (on top of the copy). */
  scratchWritePerByte: 1,
  /** Per outbound HTTP request (`http_request`), on top of the bytes; waiting for the answer costs no fuel. */
  httpRequest: 50_000,
  /** Per byte of an HTTP request or response the host encodes or decodes. */
  httpPerByte: 1,
});

/** Host work is done in pieces of at most this many bytes, each charged (and the clock looked at) before it runs. */
export const HOST_CHUNK_BYTES = 64 * 1024;

/** Largest single copy between host and guest memory done in one piece (a memcpy of 1 MiB is ~60 µs). */
export const HOST_COPY_CHUNK_BYTES = 1024 * 1024;

export function copyCost(bytes: number): number {
  return Math.ceil(bytes / HOST_COSTS.copyBytesPerFuel);
}
