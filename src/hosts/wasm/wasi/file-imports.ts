// The WASI preview1 file functions over the granted-file table (granted-files.ts). Every function charges the
// per-call fuel first (preview1.ts does), then the work: bytes copied between host and guest memory, path
// resolutions, directory entries (abi/costs.ts). Memory ranges are bounds-checked by GuestMemory; a range outside
// guest memory ends the call with `abi_violation`, as for every other import.

import { copyCost, HOST_COSTS } from "../abi/costs.js";
import type { GuestMemory } from "../abi/memory.js";
import { ALL_RIGHTS, FILETYPE, type GrantedFiles, READ_RIGHTS, type Stat } from "./granted-files.js";
import { FS_ERRNO } from "./path-resolver.js";
import { writeScratch } from "./scratch-dir.js";

// biome-ignore lint/suspicious/noExplicitAny: parameter types differ per import; checked by the ABI signature table.
type Fns = Record<string, (...args: any[]) => number>;
const MAX_IOVECS = 1024;

function iovecs(m: GuestMemory, iovs: number, count: number, what: string): Uint8Array[] | number {
  if (count >>> 0 > MAX_IOVECS) return FS_ERRNO.INVAL;
  const out: Uint8Array[] = [];
  for (let i = 0; i < count >>> 0; i++) {
    const base = (iovs >>> 0) + 8 * i;
    out.push(m.range(m.readU32(base, what), m.readU32(base + 4, what), what));
  }
  return out;
}

function writeStat(m: GuestMemory, ptr: number, s: Stat, what: string): void {
  const view = m.range(ptr, 64, what);
  view.fill(0);
  const dv = new DataView(view.buffer, view.byteOffset, 64);
  view[16] = s.filetype;
  dv.setBigUint64(24, 1n, true); // nlink
  dv.setBigUint64(32, BigInt(s.size), true);
  // dev, ino and the timestamps stay 0: host inode numbers and times are not the guest's business.
}

export function createFileImports(
  files: GrantedFiles,
  memory: () => GuestMemory,
  charge: (fuel: number) => void,
): Fns {
  const fail = (errno: number): number => errno;
  return {
    fd_prestat_get(fd: number, out: number): number {
      const name = files.prestat(fd);
      if (name === undefined) return fail(FS_ERRNO.BADF);
      const view = memory().range(out, 8, "fd_prestat_get");
      view.fill(0); // tag 0: a directory
      new DataView(view.buffer, view.byteOffset, 8).setUint32(4, name.length, true);
      return FS_ERRNO.SUCCESS;
    },
    fd_prestat_dir_name(fd: number, ptr: number, len: number): number {
      const name = files.prestat(fd);
      if (name === undefined) return FS_ERRNO.BADF;
      if (len >>> 0 < name.length) return FS_ERRNO.NAMETOOLONG;
      memory().write(ptr, name, "fd_prestat_dir_name");
      return FS_ERRNO.SUCCESS;
    },
    fd_fdstat_get(fd: number, out: number): number {
      const f = files.get(fd);
      if (f === undefined) return FS_ERRNO.BADF;
      const view = memory().range(out, 24, "fd_fdstat_get");
      view.fill(0);
      const dv = new DataView(view.buffer, view.byteOffset, 24);
      const rights = f.preopen.scratch !== undefined ? ALL_RIGHTS : READ_RIGHTS;
      view[0] = f.kind === "dir" ? FILETYPE.DIR : FILETYPE.FILE;
      dv.setBigUint64(8, rights, true);
      dv.setBigUint64(16, rights, true);
      return FS_ERRNO.SUCCESS;
    },
    fd_close(fd: number): number {
      return files.close(fd);
    },
    path_open(
      dirFd: number,
      _dirflags: number,
      ptr: number,
      len: number,
      oflags: number,
      rights: bigint,
      _inh: bigint,
      fdflags: number,
      out: number,
    ): number {
      const path = memory().range(ptr, len, "path_open").slice();
      const r = files.open(dirFd, path, oflags, BigInt.asUintN(64, rights), fdflags, charge);
      if (r < 0) return -r;
      memory().writeU32(out, r, "path_open");
      return FS_ERRNO.SUCCESS;
    },
    fd_read(fd: number, iovs: number, count: number, nread: number): number {
      return read(fd, iovs, count, nread, undefined);
    },
    fd_pread(fd: number, iovs: number, count: number, offset: bigint, nread: number): number {
      return read(fd, iovs, count, nread, BigInt.asUintN(64, offset));
    },
    fd_seek(fd: number, offset: bigint, whence: number, out: number): number {
      const f = files.get(fd);
      if (f === undefined) return FS_ERRNO.BADF;
      if (f.kind !== "file") return FS_ERRNO.ISDIR;
      const base = whence === 0 ? 0 : whence === 1 ? f.pos : whence === 2 ? f.content.size : -1;
      if (base < 0) return FS_ERRNO.INVAL;
      const next = BigInt(base) + BigInt.asIntN(64, offset);
      if (next < 0n || next > BigInt(Number.MAX_SAFE_INTEGER)) return FS_ERRNO.INVAL;
      f.pos = Number(next);
      memory().writeU64(out, next, "fd_seek");
      return FS_ERRNO.SUCCESS;
    },
    fd_tell(fd: number, out: number): number {
      const f = files.get(fd);
      if (f === undefined) return FS_ERRNO.BADF;
      if (f.kind !== "file") return FS_ERRNO.ISDIR;
      memory().writeU64(out, BigInt(f.pos), "fd_tell");
      return FS_ERRNO.SUCCESS;
    },
    fd_filestat_get(fd: number, out: number): number {
      const s = files.statFd(fd);
      if (typeof s === "number") return s;
      writeStat(memory(), out, s, "fd_filestat_get");
      return FS_ERRNO.SUCCESS;
    },
    path_filestat_get(dirFd: number, _flags: number, ptr: number, len: number, out: number): number {
      const path = memory().range(ptr, len, "path_filestat_get").slice();
      const s = files.statPath(dirFd, path, charge);
      if (typeof s === "number") return s;
      writeStat(memory(), out, s, "path_filestat_get");
      return FS_ERRNO.SUCCESS;
    },
    fd_readdir(fd: number, buf: number, bufLen: number, cookie: bigint, used: number): number {
      const entries = files.list(fd, charge);
      if (typeof entries === "number") return entries;
      const m = memory();
      const out = m.range(buf, bufLen, "fd_readdir");
      let at = 0;
      // Each entry: a 24-byte header then the name; the last one may be cut (bufused == buf_len means "more").
      const from = BigInt.asUintN(64, cookie);
      const start = from > BigInt(entries.length) ? entries.length : Number(from);
      for (let i = start; i < entries.length && at < out.length; i++) {
        const e = entries[i] as (typeof entries)[number];
        const rec = new Uint8Array(24 + e.name.length);
        const dv = new DataView(rec.buffer);
        dv.setBigUint64(0, BigInt(i + 1), true);
        dv.setBigUint64(8, BigInt(i + 1), true);
        dv.setUint32(16, e.name.length, true);
        rec[20] = e.type;
        rec.set(e.name, 24);
        const n = Math.min(rec.length, out.length - at);
        charge(copyCost(n));
        out.set(rec.subarray(0, n), at);
        at += n;
      }
      m.writeU32(used, at, "fd_readdir");
      return FS_ERRNO.SUCCESS;
    },
    path_create_directory(dirFd: number, ptr: number, len: number): number {
      return files.mkdir(dirFd, memory().range(ptr, len, "path_create_directory").slice());
    },
    path_unlink_file(dirFd: number, ptr: number, len: number): number {
      return files.remove(dirFd, memory().range(ptr, len, "path_unlink_file").slice(), "file");
    },
    path_remove_directory(dirFd: number, ptr: number, len: number): number {
      return files.remove(dirFd, memory().range(ptr, len, "path_remove_directory").slice(), "dir");
    },
  };

  function read(fd: number, iovs: number, count: number, nread: number, at: bigint | undefined): number {
    const f = files.get(fd);
    if (f === undefined) return FS_ERRNO.BADF;
    if (f.kind !== "file") return FS_ERRNO.ISDIR;
    const m = memory();
    const views = iovecs(m, iovs, count, "fd_read iovec");
    if (typeof views === "number") return views;
    charge(views.length * HOST_COSTS.iovec);
    const c = f.content;
    let pos = at === undefined ? f.pos : at > BigInt(c.size) ? c.size : Number(at);
    let total = 0;
    for (const v of views) {
      const n = Math.min(v.length, c.size - pos);
      if (n <= 0) break;
      charge(copyCost(n));
      v.set(c.data.subarray(pos, pos + n));
      pos += n;
      total += n;
    }
    if (at === undefined) f.pos = pos;
    m.writeU32(nread, total, "fd_read");
    return FS_ERRNO.SUCCESS;
  }
}

/** fd_write to a scratch file; `undefined` when `fd` is not a file of the table (stdout/stderr are elsewhere). */
export function writeFile(
  files: GrantedFiles,
  fd: number,
  views: readonly Uint8Array[],
  charge: (fuel: number) => void,
): { errno: number; written: number } | undefined {
  const f = files.get(fd);
  if (f === undefined) return undefined;
  if (f.kind !== "file") return { errno: FS_ERRNO.ISDIR, written: 0 };
  if (!f.writable || !("open" in f.content)) return { errno: FS_ERRNO.BADF, written: 0 };
  const file = f.content;
  let written = 0;
  for (const v of views) {
    charge(copyCost(v.length) + v.length * HOST_COSTS.scratchWritePerByte);
    const pos = f.append ? file.size : f.pos;
    const n = writeScratch(file, pos, v, files.quota);
    if (n < 0) return written > 0 ? { errno: FS_ERRNO.SUCCESS, written } : { errno: -n, written: 0 };
    f.pos = pos + n;
    written += n;
  }
  return { errno: FS_ERRNO.SUCCESS, written };
}
