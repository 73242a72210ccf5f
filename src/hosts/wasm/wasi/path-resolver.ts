// Resolving a guest path inside a granted directory, with no way out (docs/security.md, "File grants"). Two
// steps: the guest's bytes are parsed lexically into components that stay under the preopen (`..` can climb at
// most to the preopen itself, never past it; absolute paths, NUL, invalid UTF-8 and over-long paths are refused);
// then, for host directories, the path is resolved by the OS (symlinks followed) and the result re-checked
// against the granted root's own real path. A file is finally opened with O_NOFOLLOW and its identity compared
// with what was checked, so a swap between the check and the open is noticed, and a file with more than one hard
// link is refused (a hard link is indistinguishable from the file it names, wherever that lives).

import { closeSync, constants, fstatSync, lstatSync, openSync, realpathSync, type Stats } from "node:fs";
import { sep } from "node:path";

/** WASI errno values used by the file shim. */
export const FS_ERRNO = {
  SUCCESS: 0,
  ACCES: 2,
  BADF: 8,
  EXIST: 20,
  FBIG: 22,
  ILSEQ: 25,
  INVAL: 28,
  IO: 29,
  ISDIR: 31,
  LOOP: 32,
  MFILE: 33,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOSPC: 51,
  NOTDIR: 54,
  NOTEMPTY: 55,
  PERM: 63,
  ROFS: 69,
  NOTCAPABLE: 76,
} as const;

/** Longest guest path accepted, bytes (Linux's PATH_MAX), and longest component (NAME_MAX). */
export const MAX_PATH_BYTES = 4096;
export const MAX_NAME_BYTES = 255;

export type Parsed =
  | { readonly ok: true; readonly parts: readonly string[] }
  | { readonly ok: false; readonly errno: number };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parse `raw` relative to `base` (components below the preopen). `.` and empty components are skipped, `..`
 * removes the last component and refuses to climb above the preopen.
 */
export function parseGuestPath(raw: Uint8Array, base: readonly string[]): Parsed {
  if (raw.length > MAX_PATH_BYTES) return { ok: false, errno: FS_ERRNO.NAMETOOLONG };
  if (raw.includes(0)) return { ok: false, errno: FS_ERRNO.INVAL };
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    return { ok: false, errno: FS_ERRNO.ILSEQ };
  }
  // WASI paths are relative to a directory fd; an absolute path would name the host's root.
  if (text.startsWith("/")) return { ok: false, errno: FS_ERRNO.NOTCAPABLE };
  const parts = [...base];
  for (const c of text.split("/")) {
    if (c === "" || c === ".") continue;
    if (Buffer.byteLength(c) > MAX_NAME_BYTES) return { ok: false, errno: FS_ERRNO.NAMETOOLONG };
    if (c === "..") {
      if (parts.length === 0) return { ok: false, errno: FS_ERRNO.NOTCAPABLE };
      parts.pop();
      continue;
    }
    // On a host that also splits on backslashes a component could hide a `..`.
    if (sep !== "/" && c.includes(sep)) return { ok: false, errno: FS_ERRNO.NOTCAPABLE };
    parts.push(c);
  }
  return { ok: true, parts };
}

export type Resolved =
  | { readonly ok: true; readonly real: string; readonly stat: Stats }
  | { readonly ok: false; readonly errno: number };

function errnoOf(err: unknown): number {
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return FS_ERRNO.NOENT;
    case "ENOTDIR":
      return FS_ERRNO.NOTDIR;
    case "ELOOP":
      return FS_ERRNO.LOOP;
    case "EACCES":
    case "EPERM":
      return FS_ERRNO.ACCES;
    case "ENAMETOOLONG":
      return FS_ERRNO.NAMETOOLONG;
    default:
      return FS_ERRNO.IO;
  }
}

/** Whether `real` is `root` or below it (both real paths). */
export function within(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The host file or directory `parts` names under `rootReal` (the granted directory's real path), symlinks
 * followed and the result checked to stay under the root.
 */
export function resolveHost(rootReal: string, parts: readonly string[]): Resolved {
  const joined = parts.length === 0 ? rootReal : rootReal + sep + parts.join(sep);
  let real: string;
  try {
    real = realpathSync.native(joined);
  } catch (err) {
    return { ok: false, errno: errnoOf(err) };
  }
  if (!within(rootReal, real)) return { ok: false, errno: FS_ERRNO.NOTCAPABLE };
  let stat: Stats;
  try {
    stat = lstatSync(real);
  } catch (err) {
    return { ok: false, errno: errnoOf(err) };
  }
  if (stat.isFile() && stat.nlink > 1) return { ok: false, errno: FS_ERRNO.NOTCAPABLE };
  if (!stat.isFile() && !stat.isDirectory()) return { ok: false, errno: FS_ERRNO.NOTCAPABLE };
  return { ok: true, real, stat };
}

/**
 * Open a resolved regular file for reading without following a symlink, and confirm it is still the file that
 * was checked (same device and inode, one link). Returns the host fd (the caller closes it) or an errno.
 */
export function openChecked(resolved: {
  real: string;
  stat: Stats;
}): { fd: number; size: number } | { errno: number } {
  let fd: number;
  try {
    fd = openSync(resolved.real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    return { errno: errnoOf(err) };
  }
  const now = fstatSync(fd);
  if (!now.isFile() || now.ino !== resolved.stat.ino || now.dev !== resolved.stat.dev || now.nlink > 1) {
    closeSync(fd);
    return { errno: FS_ERRNO.NOTCAPABLE };
  }
  return { fd, size: now.size };
}
