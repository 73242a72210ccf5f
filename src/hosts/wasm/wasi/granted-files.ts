// The guest's file descriptors for granted directories (sandbox_policy.allowed_filesystem): preopens at fd 3
// onwards, in grant order, and what the guest opens below them. `read-only` grants map a host directory; every
// open resolves the path inside it (path-resolver.ts) and reads the whole file into host memory at open time, in
// charged pieces, so no host fd stays open after a call and a file changed later is not seen half-way. A
// `private-scratch` grant is an in-memory tree (scratch-dir.ts). Without grants this table holds only fds 0–2.

import { closeSync, realpathSync } from "node:fs";
import { HOST_COSTS } from "../abi/costs.js";
import type { FileGrant } from "../limits.js";
import { type DirEntry, FILETYPE, listHostDir, readWhole } from "./host-files.js";
import { FS_ERRNO, openChecked, parseGuestPath, resolveHost } from "./path-resolver.js";
import {
  FileQuota,
  lookup,
  mkdirScratch,
  newDir,
  openScratch,
  removeScratch,
  type ScratchDirNode,
  type ScratchFile,
} from "./scratch-dir.js";

export { FILETYPE } from "./host-files.js";

/** path_open `oflags`. */
const O_CREAT = 1;
const O_DIRECTORY = 2;
const O_EXCL = 4;
const O_TRUNC = 8;
/**
 * Rights that mean "open for writing" (fd_write, fd_allocate, fd_filestat_set_size): refused on a read-only grant.
 * Other rights a toolchain asks for by habit (Rust's std asks fd_sync and fd_filestat_set_times even to read) are
 * simply not honoured.
 */
const WRITE_RIGHTS = (1n << 6n) | (1n << 8n) | (1n << 22n);
(1n << 0n) | (1n << 4n) | (1n << 6n) | (1n << 8n) | (1n << 9n) | (1n << 10n) | (1n << 22n);
/** fd_read, fd_seek, fd_tell, fd_advise, path_open, fd_readdir, path_filestat_get, fd_filestat_get. */
export const READ_RIGHTS =
  (1n << 1n) | (1n << 2n) | (1n << 5n) | (1n << 7n) | (1n << 13n) | (1n << 14n) | (1n << 18n) | (1n << 21n);
export const ALL_RIGHTS = (1n << 30n) - 1n;

/** Open fds a guest may hold at once, and directory entries listed in one fd_readdir snapshot. */
export const MAX_OPEN_FDS = 128;
export const MAX_DIR_ENTRIES = 10_000;

interface Preopen {
  readonly grant: FileGrant;
  readonly name: Uint8Array;
  /** read-only: the granted directory's real path, resolved when the instance starts. */
  readonly rootReal?: string;
  /** read-only `file:` grants: each granted name's real path. */
  readonly only?: ReadonlyMap<string, string>;
  readonly scratch?: ScratchDirNode;
}

export interface FileContent {
  data: Uint8Array;
  size: number;
}
export type OpenFd =
  | {
      readonly kind: "dir";
      readonly preopen: Preopen;
      readonly parts: readonly string[];
      listing?: DirEntry[];
    }
  | {
      readonly kind: "file";
      readonly preopen: Preopen;
      readonly content: FileContent | ScratchFile;
      readonly writable: boolean;
      readonly append: boolean;
      pos: number;
    };
export type { DirEntry } from "./host-files.js";
export interface Stat {
  readonly filetype: number;
  readonly size: number;
}

const utf8 = new TextEncoder();
type Charge = (fuel: number) => void;

export class GrantedFiles {
  private readonly fds = new Map<number, OpenFd>();
  private readonly preopens: Preopen[] = [];
  readonly quota: FileQuota;

  constructor(grants: readonly FileGrant[], maxBytes: number) {
    this.quota = new FileQuota(maxBytes, 4096);
    for (const g of grants) {
      let p: Preopen;
      if (g.kind === "private-scratch") p = { grant: g, name: utf8.encode(g.guestPath), scratch: newDir() };
      else {
        // A granted directory that is missing or unreadable fails the start-up (fail closed, and visibly).
        const rootReal = realpathSync.native(g.hostPath as string);
        const only =
          g.only === undefined
            ? undefined
            : new Map(g.only.map((n) => [n, realpathSync.native(`${rootReal}/${n}`)]));
        p = { grant: g, name: utf8.encode(g.guestPath), rootReal, ...(only === undefined ? {} : { only }) };
      }
      this.fds.set(3 + this.preopens.length, { kind: "dir", preopen: p, parts: [] });
      this.preopens.push(p);
    }
  }

  get(fd: number): OpenFd | undefined {
    return this.fds.get(fd);
  }

  /** The preopen name of `fd` (fd_prestat_*), or undefined when `fd` is not a preopen. */
  prestat(fd: number): Uint8Array | undefined {
    const i = fd - 3;
    const p = this.preopens[i];
    return p !== undefined && this.fds.get(fd)?.kind === "dir" ? p.name : undefined;
  }

  close(fd: number): number {
    const f = this.fds.get(fd);
    if (f === undefined) return FS_ERRNO.BADF;
    this.fds.delete(fd);
    if (f.kind === "file") {
      const c = f.content;
      if ("open" in c) {
        c.open--;
        if (!c.linked && c.open === 0) this.quota.give(c.size);
      } else this.quota.give(c.data.length);
    }
    return FS_ERRNO.SUCCESS;
  }

  private dirAt(fd: number): Extract<OpenFd, { kind: "dir" }> | number {
    const d = this.fds.get(fd);
    if (d === undefined) return FS_ERRNO.BADF;
    return d.kind === "dir" ? d : FS_ERRNO.NOTDIR;
  }

  private add(f: OpenFd): number {
    if (this.fds.size >= MAX_OPEN_FDS) return -FS_ERRNO.MFILE;
    let fd = 3 + this.preopens.length;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, f);
    return fd;
  }

  /** Resolve `path` under `dirFd`: the preopen and the components below it, or an errno. */
  private where(
    dirFd: number,
    path: Uint8Array,
  ): { d: Extract<OpenFd, { kind: "dir" }>; parts: readonly string[] } | number {
    const d = this.dirAt(dirFd);
    if (typeof d === "number") return d;
    const parsed = parseGuestPath(path, d.parts);
    if (!parsed.ok) return parsed.errno;
    const only = d.preopen.only;
    // A `file:` grant shows its granted names and nothing else, nothing below them either.
    if (
      only !== undefined &&
      parsed.parts.length > 0 &&
      (parsed.parts.length > 1 || !only.has(parsed.parts[0] as string))
    ) {
      return FS_ERRNO.NOENT;
    }
    return { d, parts: parsed.parts };
  }

  /** The host object under a read-only preopen, checked (symlinks, hard links, the root). */
  private host(p: Preopen, parts: readonly string[], charge: Charge) {
    charge(HOST_COSTS.pathResolve);
    const only = p.only?.get(parts[0] ?? "");
    return only !== undefined ? resolveHost(only, []) : resolveHost(p.rootReal as string, parts);
  }

  /** path_open. Returns the new fd, or an errno as a negative number. */
  open(
    dirFd: number,
    path: Uint8Array,
    oflags: number,
    rights: bigint,
    fdflags: number,
    charge: Charge,
  ): number {
    const w = this.where(dirFd, path);
    if (typeof w === "number") return -w;
    const p = w.d.preopen;
    const wantsDir = (oflags & O_DIRECTORY) !== 0;
    if (p.scratch !== undefined) {
      const node = openScratch(
        p.scratch,
        w.parts,
        {
          create: (oflags & O_CREAT) !== 0,
          exclusive: (oflags & O_EXCL) !== 0,
          truncate: (oflags & O_TRUNC) !== 0,
          directory: wantsDir,
        },
        this.quota,
      );
      if (typeof node === "number") return -node;
      if (node.kind === "dir") return this.add({ kind: "dir", preopen: p, parts: w.parts });
      node.open++;
      const fd = this.add({
        kind: "file",
        preopen: p,
        content: node,
        writable: true,
        append: (fdflags & 1) !== 0,
        pos: 0,
      });
      if (fd < 0) node.open--;
      return fd;
    }
    if ((oflags & (O_CREAT | O_EXCL | O_TRUNC)) !== 0 || (rights & WRITE_RIGHTS) !== 0n)
      return -FS_ERRNO.ROFS;
    const r = this.host(p, w.parts, charge);
    if (!r.ok) return -r.errno;
    if (r.stat.isDirectory()) return this.add({ kind: "dir", preopen: p, parts: w.parts });
    if (wantsDir) return -FS_ERRNO.NOTDIR;
    const opened = openChecked(r);
    if ("errno" in opened) return -opened.errno;
    try {
      if (!this.quota.take(opened.size)) return -FS_ERRNO.FBIG;
      const content = readWhole(opened.fd, opened.size, charge);
      const fd = this.add({ kind: "file", preopen: p, content, writable: false, append: false, pos: 0 });
      if (fd < 0) this.quota.give(content.data.length);
      return fd;
    } finally {
      closeSync(opened.fd);
    }
  }

  /** path_filestat_get: the type and size of what `path` names. */
  statPath(dirFd: number, path: Uint8Array, charge: Charge): Stat | number {
    const w = this.where(dirFd, path);
    if (typeof w === "number") return w;
    const p = w.d.preopen;
    if (p.scratch !== undefined) {
      const node = lookup(p.scratch, w.parts);
      if (typeof node === "number") return node;
      return node.kind === "dir"
        ? { filetype: FILETYPE.DIR, size: 0 }
        : { filetype: FILETYPE.FILE, size: node.size };
    }
    const r = this.host(p, w.parts, charge);
    if (!r.ok) return r.errno;
    return r.stat.isDirectory()
      ? { filetype: FILETYPE.DIR, size: 0 }
      : { filetype: FILETYPE.FILE, size: r.stat.size };
  }

  statFd(fd: number): Stat | number {
    const f = this.fds.get(fd);
    if (f === undefined) return FS_ERRNO.BADF;
    return f.kind === "dir"
      ? { filetype: FILETYPE.DIR, size: 0 }
      : { filetype: FILETYPE.FILE, size: f.content.size };
  }

  /** The entries of a directory fd, listed once (on the first fd_readdir) and kept for later cookies. */
  list(fd: number, charge: Charge): DirEntry[] | number {
    const d = this.dirAt(fd);
    if (typeof d === "number") return d;
    if (d.listing !== undefined) return d.listing;
    const p = d.preopen;
    const out: DirEntry[] = [];
    if (p.scratch !== undefined) {
      const node = lookup(p.scratch, d.parts);
      if (typeof node === "number") return node;
      if (node.kind !== "dir") return FS_ERRNO.NOTDIR;
      for (const [name, n] of node.entries) {
        charge(HOST_COSTS.dirEntry);
        out.push({ name: utf8.encode(name), type: n.kind === "dir" ? FILETYPE.DIR : FILETYPE.FILE });
      }
    } else if (p.only !== undefined && d.parts.length === 0) {
      for (const name of p.only.keys()) out.push({ name: utf8.encode(name), type: FILETYPE.FILE });
    } else {
      const r = this.host(p, d.parts, charge);
      if (!r.ok) return r.errno;
      const listed = listHostDir(r.real, charge, MAX_DIR_ENTRIES);
      if (typeof listed === "number") return listed;
      out.push(...listed);
    }
    d.listing = out;
    return out;
  }

  mkdir(dirFd: number, path: Uint8Array): number {
    const w = this.where(dirFd, path);
    if (typeof w === "number") return w;
    const s = w.d.preopen.scratch;
    return s === undefined ? FS_ERRNO.ROFS : mkdirScratch(s, w.parts, this.quota);
  }

  remove(dirFd: number, path: Uint8Array, want: "file" | "dir"): number {
    const w = this.where(dirFd, path);
    if (typeof w === "number") return w;
    const s = w.d.preopen.scratch;
    return s === undefined ? FS_ERRNO.ROFS : removeScratch(s, w.parts, want, this.quota);
  }
}
