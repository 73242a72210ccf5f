// A deny-by-default WASI preview1 shim. Toolchains import a handful of these even when a plugin never uses them;
// the plugin gets no filesystem, no sockets, no arguments and (unless granted) no environment. Node's `node:wasi`
// is not used: it is documented by Node as not a sandbox (it exposes preopened host directories as given).

import { randomFillSync } from "node:crypto";
import type { GuestMemory } from "../abi/memory.js";
import { WASI_IMPORTS } from "../abi/signatures.js";
import { GuestStop } from "../errors.js";

// Import functions take and return wasm values (numbers, bigints); V8 converts at the boundary.
// biome-ignore lint/suspicious/noExplicitAny: parameter types differ per import; checked by the ABI signature table.
export type HostFunctions = Record<string, (...args: any[]) => number | undefined>;

export const ERRNO = {
  SUCCESS: 0,
  BADF: 8,
  FAULT: 21,
  INVAL: 28,
  NOSYS: 52,
  NOTCAPABLE: 76,
} as const;

export interface WasiClock {
  /** Wall-clock time in nanoseconds since the Unix epoch. */
  realtimeNs(): bigint;
  /** Monotonic time in nanoseconds. */
  monotonicNs(): bigint;
}

export const realClock: WasiClock = {
  realtimeNs: () => BigInt(Date.now()) * 1_000_000n,
  monotonicNs: () => process.hrtime.bigint(),
};

/** A clock that reads `nowMs()` (e.g. a test's simulated time) for both wall and monotonic time. */
export function clockFrom(nowMs: () => number): WasiClock {
  const ns = (): bigint => BigInt(Math.trunc(nowMs() * 1_000_000));
  return { realtimeNs: ns, monotonicNs: ns };
}

/** Deterministic random bytes (splitmix64) for reproducible runs. */
export function seededRandom(seed: number): (out: Uint8Array) => void {
  let state = BigInt.asUintN(64, BigInt(seed));
  return (out) => {
    for (let i = 0; i < out.length; i += 8) {
      state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
      let z = state;
      z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
      z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
      z ^= z >> 31n;
      for (let j = 0; j < 8 && i + j < out.length; j++) out[i + j] = Number((z >> BigInt(8 * j)) & 0xffn);
    }
  };
}

export interface WasiOptions {
  /** Environment visible to the guest (already restricted to the granted allowlist). */
  readonly env: Readonly<Record<string, string>>;
  readonly clock: WasiClock;
  readonly random: (out: Uint8Array) => void;
  /** Receives what the guest writes to stdout (fd 1) and stderr (fd 2). */
  readonly write: (fd: 1 | 2, bytes: Uint8Array) => void;
}

const encoder = new TextEncoder();

/** Build the `wasi_snapshot_preview1` import object; `memory()` returns the live guest memory. */
export function createWasiImports(options: WasiOptions, memory: () => GuestMemory): HostFunctions {
  const envEntries = Object.entries(options.env).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
  const denied = (): number => ERRNO.NOTCAPABLE;
  const badf = (): number => ERRNO.BADF;

  const impl: HostFunctions = {
    args_sizes_get(argc: number, argvBufSize: number): number {
      const m = memory();
      m.writeU32(argc, 0, "args_sizes_get");
      m.writeU32(argvBufSize, 0, "args_sizes_get");
      return ERRNO.SUCCESS;
    },
    args_get: (): number => ERRNO.SUCCESS,
    environ_sizes_get(count: number, size: number): number {
      const m = memory();
      m.writeU32(count, envEntries.length, "environ_sizes_get");
      m.writeU32(
        size,
        envEntries.reduce((n, e) => n + e.length, 0),
        "environ_sizes_get",
      );
      return ERRNO.SUCCESS;
    },
    environ_get(environ: number, environBuf: number): number {
      const m = memory();
      let ptr = environBuf >>> 0;
      envEntries.forEach((entry, i) => {
        m.writeU32((environ >>> 0) + 4 * i, ptr, "environ_get");
        m.write(ptr, entry, "environ_get");
        ptr += entry.length;
      });
      return ERRNO.SUCCESS;
    },
    clock_res_get(id: number, out: number): number {
      if (id < 0 || id > 3) return ERRNO.INVAL;
      memory().writeU64(out, 1_000n, "clock_res_get");
      return ERRNO.SUCCESS;
    },
    clock_time_get(id: number, _precision: bigint, out: number): number {
      let t: bigint;
      if (id === 0) t = options.clock.realtimeNs();
      else if (id >= 1 && id <= 3) t = options.clock.monotonicNs();
      else return ERRNO.INVAL;
      memory().writeU64(out, t, "clock_time_get");
      return ERRNO.SUCCESS;
    },
    random_get(buf: number, len: number): number {
      const view = memory().range(buf, len, "random_get");
      // Fill a copy: randomFillSync on a view of a resizable guest buffer is fine, but keep the guest's bytes
      // untouched on failure.
      const tmp = new Uint8Array(view.length);
      options.random(tmp);
      view.set(tmp);
      return ERRNO.SUCCESS;
    },
    fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number {
      if (fd !== 1 && fd !== 2) return ERRNO.BADF;
      const m = memory();
      const count = iovsLen >>> 0;
      if (count > 1024) return ERRNO.INVAL;
      let total = 0;
      const parts: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const base = (iovs >>> 0) + 8 * i;
        const ptr = m.readU32(base, "fd_write iovec");
        const len = m.readU32(base + 4, "fd_write iovec");
        parts.push(m.range(ptr, len, "fd_write buffer").slice());
        total += len;
      }
      const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      options.write(fd, bytes);
      // Report everything as written (even past the log cap) so guests do not retry in a loop.
      m.writeU32(nwritten, total, "fd_write");
      return ERRNO.SUCCESS;
    },
    fd_fdstat_get(fd: number, out: number): number {
      if (fd < 0 || fd > 2) return ERRNO.BADF;
      const m = memory();
      const view = m.range(out, 24, "fd_fdstat_get");
      view.fill(0);
      view[0] = 2; // character device
      // rights: fd_write (bit 6) for stdout/stderr, nothing else.
      if (fd !== 0) new DataView(view.buffer, view.byteOffset, 24).setBigUint64(8, 1n << 6n, true);
      return ERRNO.SUCCESS;
    },
    fd_prestat_get: badf, // no preopened directories: ends the guest's preopen enumeration
    fd_prestat_dir_name: badf,
    fd_close: (fd: number): number => (fd >= 0 && fd <= 2 ? ERRNO.SUCCESS : ERRNO.BADF),
    proc_exit(code: number): never {
      throw new GuestStop("proc_exit", `plugin called proc_exit(${code})`, { exit_code: code });
    },
    proc_raise: denied,
    sched_yield: (): number => ERRNO.SUCCESS,
    poll_oneoff: denied,
  };
  for (const name of Object.keys(WASI_IMPORTS)) {
    if (impl[name] !== undefined) continue;
    impl[name] = name.startsWith("fd_") ? badf : denied;
  }
  return impl;
}

export const systemRandom = (out: Uint8Array): void => {
  randomFillSync(out);
};
