// The granted-file table on its own (no guest): directory listings, stat, the `file:` filter, fuel charged per
// byte read and per path resolved, and the memory cap on what it holds.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOST_COSTS } from "../../../src/hosts/wasm/abi/costs.js";
import { writeFile } from "../../../src/hosts/wasm/wasi/file-imports.js";
import { FILETYPE, GrantedFiles } from "../../../src/hosts/wasm/wasi/granted-files.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "cpex-granted-"));
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "a.txt"), "A");
  writeFileSync(join(dir, "big.bin"), Buffer.alloc(200_000, 1));
  writeFileSync(join(dir, "sub", "b.txt"), "BB");
  return dir;
}

describe("GrantedFiles", () => {
  it("lists a granted directory and stats its entries", () => {
    const dir = fixture();
    const f = new GrantedFiles([{ kind: "read-only", guestPath: "data", hostPath: dir }], 1 << 20);
    const names = (f.list(3, () => {}) as { name: Uint8Array; type: number }[]).map(
      (e) => `${dec(e.name)}:${e.type}`,
    );
    expect(names.sort()).toEqual([
      `a.txt:${FILETYPE.FILE}`,
      `big.bin:${FILETYPE.FILE}`,
      `sub:${FILETYPE.DIR}`,
    ]);
    expect(f.statPath(3, enc("sub/b.txt"), () => {})).toEqual({ filetype: FILETYPE.FILE, size: 2 });
    expect(f.statPath(3, enc("sub"), () => {})).toEqual({ filetype: FILETYPE.DIR, size: 0 });
    expect(dec(f.prestat(3) as Uint8Array)).toBe("data");
    expect(f.prestat(4)).toBeUndefined();
  });

  it("a `file:` grant lists only its names", () => {
    const dir = fixture();
    const f = new GrantedFiles(
      [{ kind: "read-only", guestPath: ".", hostPath: dir, only: ["a.txt"] }],
      1 << 20,
    );
    expect((f.list(3, () => {}) as { name: Uint8Array }[]).map((e) => dec(e.name))).toEqual(["a.txt"]);
    expect(f.statPath(3, enc("big.bin"), () => {})).toBe(44); // ENOENT
  });

  it("charges a path resolution and every byte read, before reading", () => {
    const dir = fixture();
    const f = new GrantedFiles([{ kind: "read-only", guestPath: "data", hostPath: dir }], 1 << 20);
    let fuel = 0;
    const fd = f.open(3, enc("big.bin"), 0, 2n, 0, (n) => {
      fuel += n;
    });
    expect(fd).toBeGreaterThan(3);
    expect(fuel).toBe(HOST_COSTS.pathResolve + 200_000 * HOST_COSTS.fileReadPerByte);
    // A budget that cannot pay stops the open (the charge throws) before the file is read.
    const stop = new Error("out of fuel");
    expect(() =>
      f.open(3, enc("big.bin"), 0, 2n, 0, (n) => {
        if (n > 10_000) throw stop;
      }),
    ).toThrow(stop);
  });

  it("holds at most the memory cap: a larger file is EFBIG, closing gives the room back", () => {
    const dir = fixture();
    const f = new GrantedFiles([{ kind: "read-only", guestPath: "data", hostPath: dir }], 250_000);
    const fd = f.open(3, enc("big.bin"), 0, 2n, 0, () => {});
    expect(f.open(3, enc("big.bin"), 0, 2n, 0, () => {})).toBe(-22); // EFBIG
    expect(f.close(fd)).toBe(0);
    expect(f.open(3, enc("big.bin"), 0, 2n, 0, () => {})).toBeGreaterThan(3);
  });

  it("private-scratch: directories, unlink, and a byte quota", () => {
    const f = new GrantedFiles([{ kind: "private-scratch", guestPath: "tmp" }], 1000);
    expect(f.mkdir(3, enc("d"))).toBe(0);
    expect(f.mkdir(3, enc("d"))).toBe(20); // EEXIST
    const fd = f.open(3, enc("d/x"), 1, 0n, 0, () => {});
    expect(fd).toBeGreaterThan(3);
    expect(f.remove(3, enc("d"), "dir")).toBe(55); // ENOTEMPTY
    expect(f.remove(3, enc("d/x"), "file")).toBe(0);
    expect(f.remove(3, enc("d"), "dir")).toBe(0);
    expect(f.open(3, enc("../x"), 1, 0n, 0, () => {})).toBe(-76); // ENOTCAPABLE
    const w = f.open(3, enc("y"), 1, 0n, 0, () => {});
    expect(writeFile(f, w, [new Uint8Array(600)], () => {})).toEqual({ errno: 0, written: 600 });
    expect(writeFile(f, w, [new Uint8Array(600)], () => {})).toEqual({ errno: 51, written: 0 }); // ENOSPC
  });
});
