// A deny-by-default WASI preview1 shim. Toolchains import a handful of these even when a plugin never uses them;
// the plugin gets no sockets, no arguments, and (unless granted) no filesystem and no environment. Granted
// directories (sandbox_policy.allowed_filesystem) are served by granted-files.ts with its own path resolver.
// Node's `node:wasi` is not used: it is documented by Node as not a sandbox (it exposes preopened host
// directories as given).

import { randomFillSync } from "node:crypto";
import { copyCost, HOST_CHUNK_BYTES, HOST_COSTS } from "../abi/costs.js";
import type { GuestMemory } from "../abi/memory.js";
import { WASI_IMPORTS } from "../abi/signatures.js";
import { GuestStop } from "../errors.js";
import { createFileImports, writeFile } from "./file-imports.js";
import type { GrantedFiles } from "./granted-files.js";

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

/**
 * Nanoseconds for a reading in milliseconds, exactly: the whole milliseconds are converted in integer
 * arithmetic (`ms * 1e6` in floating point is up to 128 ns off at epoch-sized values, which a guest truncating
 * to milliseconds sees as a whole millisecond early), the fraction is rounded to the nearest nanosecond.
 */
export function msToNs(ms: number): bigint {
  if (!Number.isFinite(ms)) throw new RangeError(`clock reading ${ms} is not a finite number`);
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1_000_000));
}

/**
 * A clock that reads `now()` (e.g. a test's simulated time) for both wall and monotonic time: milliseconds as a
 * number, or nanoseconds as a bigint (exact end to end).
 */
export function clockFrom(now: () => number | bigint): WasiClock {
  const ns = (): bigint => {
    const t = now();
    return typeof t === "bigint" ? t : msToNs(t);
  };
  return { realtimeNs: ns, monotonicNs: ns };
}

/**
 * Deterministic random bytes for reproducible runs: xoshiro128** seeded through splitmix32. 32-bit integer
 * arithmetic only (a BigInt generator costs ~70 ns a byte, which would make `random_get` the cheapest way to
 * burn host time).
 */
export function seededRandom(seed: number): (out: Uint8Array) => void {
  let x = seed >>> 0;
  const split = (): number => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return (out) => {
    const n = out.length;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const r = next();
      out[i] = r;
      out[i + 1] = r >>> 8;
      out[i + 2] = r >>> 16;
      out[i + 3] = r >>> 24;
    }
    if (i < n) {
      let r = next();
      for (; i < n; i++, r >>>= 8) out[i] = r;
    }
  };
}

function rotl(v: number, k: number): number {
  return (v << k) | (v >>> (32 - k));
}

export interface WasiOptions {
  /** Environment visible to the guest (already restricted to the granted allowlist). */
  readonly env: Readonly<Record<string, string>>;
  readonly clock: WasiClock;
  readonly random: (out: Uint8Array) => void;
  /** Whether `n` more bytes of stdout/stderr fit under the log cap (counted when they do). */
  readonly admitLog: (n: number) => boolean;
  /** Receives what the guest writes to stdout (fd 1) and stderr (fd 2), once admitted. */
  readonly write: (fd: 1 | 2, text: string) => void;
  /** Charge fuel for host work before doing it (throws to end the call). */
  readonly charge: (fuel: number) => void;
  /** Granted directories (fd 3 onwards); none: every file function is denied. */
  readonly files?: GrantedFiles;
}

const encoder = new TextEncoder();
const textDecoder = new TextDecoder();
const MAX_IOVECS = 1024;

/** Build the `wasi_snapshot_preview1` import object; `memory()` returns the live guest memory. */
export function createWasiImports(options: WasiOptions, memory: () => GuestMemory): HostFunctions {
  const envEntries = Object.entries(options.env).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
  const envBytes = envEntries.reduce((n, e) => n + e.length, 0);
  const charge = options.charge;
  const call = HOST_COSTS.call;
  const files = options.files;
  const fileFns = files === undefined ? undefined : createFileImports(files, memory, charge);

  const impl: HostFunctions = {
    args_sizes_get(argc: number, argvBufSize: number): number {
      charge(call);
      const m = memory();
      m.writeU32(argc, 0, "args_sizes_get");
      m.writeU32(argvBufSize, 0, "args_sizes_get");
      return ERRNO.SUCCESS;
    },
    args_get(): number {
      charge(call);
      return ERRNO.SUCCESS;
    },
    environ_sizes_get(count: number, size: number): number {
      charge(call);
      const m = memory();
      m.writeU32(count, envEntries.length, "environ_sizes_get");
      m.writeU32(size, envBytes, "environ_sizes_get");
      return ERRNO.SUCCESS;
    },
    environ_get(environ: number, environBuf: number): number {
      charge(call + copyCost(envBytes) + 4 * envEntries.length);
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
      charge(call);
      if (id < 0 || id > 3) return ERRNO.INVAL;
      memory().writeU64(out, 1_000n, "clock_res_get");
      return ERRNO.SUCCESS;
    },
    clock_time_get(id: number, _precision: bigint, out: number): number {
      charge(call);
      let t: bigint;
      if (id === 0) t = options.clock.realtimeNs();
      else if (id >= 1 && id <= 3) t = options.clock.monotonicNs();
      else return ERRNO.INVAL;
      memory().writeU64(out, t, "clock_time_get");
      return ERRNO.SUCCESS;
    },
    random_get(buf: number, len: number): number {
      charge(call);
      const view = memory().range(buf, len, "random_get");
      // In pieces, each charged before it is generated: 16 MiB in one call would otherwise be ~25 ms of host
      // work past any deadline.
      for (let off = 0; off < view.length; off += HOST_CHUNK_BYTES) {
        const end = Math.min(view.length, off + HOST_CHUNK_BYTES);
        charge((end - off) * HOST_COSTS.randomPerByte);
        options.random(view.subarray(off, end));
      }
      return ERRNO.SUCCESS;
    },
    fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number {
      charge(call);
      const count = iovsLen >>> 0;
      if (fd !== 1 && fd !== 2) {
        if (files === undefined || files.get(fd) === undefined) return ERRNO.BADF;
        if (count > MAX_IOVECS) return ERRNO.INVAL;
        charge(count * HOST_COSTS.iovec);
        const m = memory();
        const views: Uint8Array[] = [];
        for (let i = 0; i < count; i++) {
          const base = (iovs >>> 0) + 8 * i;
          views.push(
            m.range(
              m.readU32(base, "fd_write iovec"),
              m.readU32(base + 4, "fd_write iovec"),
              "fd_write buffer",
            ),
          );
        }
        const r = writeFile(files, fd, views, charge) ?? { errno: ERRNO.BADF, written: 0 };
        if (r.errno === ERRNO.SUCCESS) m.writeU32(nwritten, r.written, "fd_write");
        return r.errno;
      }
      if (count > MAX_IOVECS) return ERRNO.INVAL;
      charge(count * HOST_COSTS.iovec);
      const m = memory();
      // First pass: bounds-check every buffer and add up the lengths, copying nothing.
      let total = 0;
      const views: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const base = (iovs >>> 0) + 8 * i;
        const ptr = m.readU32(base, "fd_write iovec");
        const len = m.readU32(base + 4, "fd_write iovec");
        views.push(m.range(ptr, len, "fd_write buffer"));
        total += len;
      }
      // Only what the log cap admits is copied and decoded; the rest is dropped (and counted) uncopied.
      if (total > 0 && options.admitLog(total)) {
        charge(total * HOST_COSTS.logPerByte);
        let text: string;
        if (views.length === 1) text = textDecoder.decode(views[0]);
        else {
          const joined = new Uint8Array(total);
          let at = 0;
          for (const v of views) {
            joined.set(v, at);
            at += v.length;
          }
          text = textDecoder.decode(joined);
        }
        options.write(fd, text);
      }
      // Report everything as written (even past the log cap) so guests do not retry in a loop.
      m.writeU32(nwritten, total >>> 0, "fd_write");
      return ERRNO.SUCCESS;
    },
    fd_fdstat_get(fd: number, out: number): number {
      charge(call);
      if (fd < 0 || fd > 2) return fileFns?.["fd_fdstat_get"]?.(fd, out) ?? ERRNO.BADF;
      const m = memory();
      const view = m.range(out, 24, "fd_fdstat_get");
      view.fill(0);
      view[0] = 2; // character device
      // rights: fd_write (bit 6) for stdout/stderr, nothing else.
      if (fd !== 0) new DataView(view.buffer, view.byteOffset, 24).setBigUint64(8, 1n << 6n, true);
      return ERRNO.SUCCESS;
    },
    fd_close(fd: number): number {
      charge(call);
      if (fd >= 0 && fd <= 2) return ERRNO.SUCCESS;
      return files === undefined ? ERRNO.BADF : files.close(fd);
    },
    proc_exit(code: number): never {
      throw new GuestStop("proc_exit", `plugin called proc_exit(${code})`, { exit_code: code });
    },
    sched_yield(): number {
      charge(call);
      return ERRNO.SUCCESS;
    },
  };
  // With granted directories, the file functions (each charged the per-call fuel first).
  for (const [name, fn] of Object.entries(fileFns ?? {})) {
    if (impl[name] !== undefined) continue;
    impl[name] = (...args: unknown[]): number => {
      charge(call);
      return fn(...args);
    };
  }
  // Everything else is denied (no sockets, no polling; no files without a grant); still a host call, so still
  // charged. fd_prestat_get answers EBADF past the last preopen, which ends a guest's preopen enumeration.
  for (const name of Object.keys(WASI_IMPORTS)) {
    if (impl[name] !== undefined) continue;
    const errno = name.startsWith("fd_") ? ERRNO.BADF : ERRNO.NOTCAPABLE;
    impl[name] = (): number => {
      charge(call);
      return errno;
    };
  }
  return impl;
}

export const systemRandom = (out: Uint8Array): void => {
  randomFillSync(out);
};
