// The `private-scratch` grant: an in-memory directory tree owned by one guest instance. It starts empty for every
// new instance (a recycle after a trap gets a fresh one) and is never written to the host's disk. What it holds
// is host memory, so its bytes and its entries are capped (FileQuota).

import { FS_ERRNO } from "./path-resolver.js";

export interface ScratchFile {
  readonly kind: "file";
  data: Uint8Array;
  size: number;
  /** Open fds on it; an unlinked file keeps its bytes (and its quota) until the last one is closed. */
  open: number;
  linked: boolean;
}
export interface ScratchDirNode {
  readonly kind: "dir";
  readonly entries: Map<string, ScratchNode>;
}
export type ScratchNode = ScratchFile | ScratchDirNode;

/** Host memory the file shim may hold for one instance: open read-only files and scratch bytes together. */
export class FileQuota {
  bytes = 0;
  nodes = 0;
  constructor(
    readonly maxBytes: number,
    readonly maxNodes: number,
  ) {}

  /** Reserve `n` more bytes; false when they do not fit. */
  take(n: number): boolean {
    if (this.bytes + n > this.maxBytes) return false;
    this.bytes += n;
    return true;
  }

  give(n: number): void {
    this.bytes = Math.max(0, this.bytes - n);
  }
}

export const newDir = (): ScratchDirNode => ({ kind: "dir", entries: new Map() });

/** The node at `parts` below `root`, or an errno. */
export function lookup(root: ScratchDirNode, parts: readonly string[]): ScratchNode | number {
  let node: ScratchNode = root;
  for (const p of parts) {
    if (node.kind !== "dir") return FS_ERRNO.NOTDIR;
    const next: ScratchNode | undefined = node.entries.get(p);
    if (next === undefined) return FS_ERRNO.NOENT;
    node = next;
  }
  return node;
}

/** The parent directory of `parts` and the last name, or an errno (the root itself has no parent). */
export function parentOf(
  root: ScratchDirNode,
  parts: readonly string[],
): { dir: ScratchDirNode; name: string } | number {
  if (parts.length === 0) return FS_ERRNO.INVAL;
  const dir = lookup(root, parts.slice(0, -1));
  if (typeof dir === "number") return dir;
  if (dir.kind !== "dir") return FS_ERRNO.NOTDIR;
  return { dir, name: parts[parts.length - 1] as string };
}

/** Open (creating or truncating as asked) the file or directory at `parts`. */
export function openScratch(
  root: ScratchDirNode,
  parts: readonly string[],
  flags: { create: boolean; exclusive: boolean; truncate: boolean; directory: boolean },
  quota: FileQuota,
): ScratchNode | number {
  const found = lookup(root, parts);
  if (typeof found !== "number") {
    if (flags.create && flags.exclusive) return FS_ERRNO.EXIST;
    if (flags.directory && found.kind !== "dir") return FS_ERRNO.NOTDIR;
    if (found.kind === "file" && flags.truncate) {
      quota.give(found.size);
      found.size = 0;
      found.data = new Uint8Array(0);
    }
    return found;
  }
  if (found !== FS_ERRNO.NOENT || !flags.create || flags.directory) return found;
  const parent = parentOf(root, parts);
  if (typeof parent === "number") return parent;
  if (quota.nodes >= quota.maxNodes) return FS_ERRNO.NOSPC;
  quota.nodes++;
  const file: ScratchFile = { kind: "file", data: new Uint8Array(0), size: 0, open: 0, linked: true };
  parent.dir.entries.set(parent.name, file);
  return file;
}

export function mkdirScratch(root: ScratchDirNode, parts: readonly string[], quota: FileQuota): number {
  const parent = parentOf(root, parts);
  if (typeof parent === "number") return parent === FS_ERRNO.INVAL ? FS_ERRNO.EXIST : parent;
  if (parent.dir.entries.has(parent.name)) return FS_ERRNO.EXIST;
  if (quota.nodes >= quota.maxNodes) return FS_ERRNO.NOSPC;
  quota.nodes++;
  parent.dir.entries.set(parent.name, newDir());
  return FS_ERRNO.SUCCESS;
}

export function removeScratch(
  root: ScratchDirNode,
  parts: readonly string[],
  want: "file" | "dir",
  quota: FileQuota,
): number {
  const parent = parentOf(root, parts);
  if (typeof parent === "number") return parent === FS_ERRNO.INVAL ? FS_ERRNO.ACCES : parent;
  const node = parent.dir.entries.get(parent.name);
  if (node === undefined) return FS_ERRNO.NOENT;
  if (want === "file" && node.kind === "dir") return FS_ERRNO.ISDIR;
  if (want === "dir" && node.kind !== "dir") return FS_ERRNO.NOTDIR;
  if (node.kind === "dir" && node.entries.size > 0) return FS_ERRNO.NOTEMPTY;
  parent.dir.entries.delete(parent.name);
  quota.nodes--;
  if (node.kind === "file") {
    node.linked = false;
    if (node.open === 0) quota.give(node.size);
  }
  return FS_ERRNO.SUCCESS;
}

/** Write `bytes` at `pos`, growing the file within the quota. Returns the bytes written or an errno (negative). */
export function writeScratch(file: ScratchFile, pos: number, bytes: Uint8Array, quota: FileQuota): number {
  const end = pos + bytes.length;
  if (end > file.size) {
    if (!quota.take(end - file.size)) return -FS_ERRNO.NOSPC;
    if (end > file.data.length) {
      const grown = new Uint8Array(Math.max(end, Math.min(file.data.length * 2, quota.maxBytes)));
      grown.set(file.data.subarray(0, file.size));
      file.data = grown;
    }
    file.size = end;
  }
  file.data.set(bytes, pos);
  return bytes.length;
}
