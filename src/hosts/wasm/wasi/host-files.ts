// Host I/O of a read-only grant, after the path was resolved and checked (path-resolver.ts): reading a whole file
// and listing a directory, both in pieces each charged before it is done, so a large file or directory is host
// work the guest pays for like any other (abi/costs.ts).

import { opendirSync, readSync } from "node:fs";
import { HOST_CHUNK_BYTES, HOST_COSTS } from "../abi/costs.js";

/** WASI file types. */
export const FILETYPE = { UNKNOWN: 0, CHAR: 2, DIR: 3, FILE: 4, SYMLINK: 7 } as const;

export interface DirEntry {
  readonly name: Uint8Array;
  readonly type: number;
}

const EOVERFLOW = 61;
const utf8 = new TextEncoder();

/** The `size` bytes of the open host file `fd`, read in charged pieces (fewer if the file shrank meanwhile). */
export function readWhole(
  fd: number,
  size: number,
  charge: (fuel: number) => void,
): { data: Uint8Array; size: number } {
  const data = new Uint8Array(size);
  let got = 0;
  while (got < size) {
    const n = Math.min(HOST_CHUNK_BYTES, size - got);
    charge(n * HOST_COSTS.fileReadPerByte);
    const read = readSync(fd, data, got, n, got);
    if (read === 0) break; // the file shrank: what was read is what the guest sees
    got += read;
  }
  return { data, size: got };
}

/** The entries of host directory `real`, each charged; EOVERFLOW past `max` (never a silently cut listing). */
export function listHostDir(real: string, charge: (fuel: number) => void, max: number): DirEntry[] | number {
  const out: DirEntry[] = [];
  const dir = opendirSync(real);
  try {
    for (let e = dir.readSync(); e !== null; e = dir.readSync()) {
      charge(HOST_COSTS.dirEntry);
      if (out.length >= max) return EOVERFLOW;
      const type = e.isDirectory()
        ? FILETYPE.DIR
        : e.isFile()
          ? FILETYPE.FILE
          : e.isSymbolicLink()
            ? FILETYPE.SYMLINK
            : FILETYPE.UNKNOWN;
      out.push({ name: utf8.encode(e.name), type });
    }
  } finally {
    dir.closeSync();
  }
  return out;
}
