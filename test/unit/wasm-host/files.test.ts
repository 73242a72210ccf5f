// File grants (sandbox_policy.allowed_filesystem): a read-only host directory and a private in-memory scratch
// directory, served by the WASI shim's own path resolver. The escape corpus runs through the whole stack (YAML,
// preopen fd 3, path_open, fd_read): every attempt is refused with a WASI errno and never returns the secret.
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PluginManager } from "../../../src/core/index.js";
import { readFileGuest, scratchGuest } from "../../helpers/file-guests.js";
import { managerFromYaml, tempDir, writeGuest } from "../../helpers/wasm-host.js";

const ERR = {
  NOENT: 44,
  ILSEQ: 25,
  INVAL: 28,
  LOOP: 32,
  NAMETOOLONG: 37,
  NOTCAPABLE: 76,
  ROFS: 69,
  EXIST: 20,
};
const SECRET = "top secret, outside the grant";

let dir: string;
let ro: PluginManager;
let fileOnly: PluginManager;

const yaml = (fs: string, extra = "") => `plugins:
  - name: reader
    kind: wasm://reader.wasm
    hooks: [tool_pre_invoke]
    on_error: ignore
${extra}    config:
      sandbox_policy:
        allowed_filesystem: ${fs}
`;

beforeAll(async () => {
  dir = await tempDir();
  await writeGuest(dir, "reader.wasm", readFileGuest);
  await writeGuest(dir, "scratch.wasm", scratchGuest);
  writeFileSync(join(dir, "secret.txt"), SECRET);
  mkdirSync(join(dir, "outside"));
  writeFileSync(join(dir, "outside", "x.txt"), SECRET);
  const rules = join(dir, "data", "rules");
  mkdirSync(join(rules, "sub"), { recursive: true });
  writeFileSync(join(rules, "a.txt"), "rule a");
  writeFileSync(join(rules, "sub", "b.txt"), "rule b");
  symlinkSync("a.txt", join(rules, "link-in"));
  symlinkSync(join(dir, "secret.txt"), join(rules, "link-out"));
  symlinkSync("../../secret.txt", join(rules, "link-out-rel"));
  symlinkSync(join(dir, "outside"), join(rules, "dirlink-out"));
  symlinkSync("loop2", join(rules, "loop1"));
  symlinkSync("loop1", join(rules, "loop2"));
  linkSync(join(dir, "secret.txt"), join(rules, "hard"));
  ro = await managerFromYaml(dir, yaml("[{dir: data/rules, permission: read-only}]"));
  fileOnly = await managerFromYaml(dir, yaml("[{file: data/rules/a.txt, permission: read-only}]"));
});

const HOOK: string = "tool_pre_invoke";

const read = async (m: PluginManager, path: string): Promise<unknown> => {
  // The guest takes the path as its whole payload (a test shape, not a tool_pre_invoke payload).
  const r = await m.invoke(HOOK, path);
  expect(r.errors).toEqual([]);
  return r.modifiedPayload;
};

describe("read-only grant", () => {
  it("reads files below the granted directory, through inside symlinks and `..` that stays inside", async () => {
    expect(await read(ro, "a.txt")).toBe("rule a");
    expect(await read(ro, "sub/b.txt")).toBe("rule b");
    expect(await read(ro, "./sub/../a.txt")).toBe("rule a");
    expect(await read(ro, "sub//b.txt")).toBe("rule b");
    expect(await read(ro, "link-in")).toBe("rule a");
  });

  const corpus: Array<[string, string, number]> = [
    ["`..` past the root", "../../secret.txt", ERR.NOTCAPABLE],
    ["`..` past the root after a descent", "sub/../../secret.txt", ERR.NOTCAPABLE],
    ["an absolute path", "$DIR/secret.txt", ERR.NOTCAPABLE],
    ["an absolute path to /etc", "/etc/passwd", ERR.NOTCAPABLE],
    ["a symlink to an absolute path outside", "link-out", ERR.NOTCAPABLE],
    ["a relative symlink climbing out", "link-out-rel", ERR.NOTCAPABLE],
    ["a file below a symlinked directory outside", "dirlink-out/x.txt", ERR.NOTCAPABLE],
    ["a symlink loop", "loop1", ERR.LOOP],
    ["a hard link to a file outside", "hard", ERR.NOTCAPABLE],
    ["a case trick (the host is case-sensitive)", "A.TXT", ERR.NOENT],
    ["a NUL byte", "a.txt\0../../secret.txt", ERR.INVAL],
    ["a very long path", `${"a/".repeat(2100)}a.txt`, ERR.NAMETOOLONG],
    ["a very long component", `${"x".repeat(300)}`, ERR.NAMETOOLONG],
  ];
  for (const [what, path, errno] of corpus) {
    it(`refuses ${what}`, async () => {
      expect(await read(ro, path.replace("$DIR", dir))).toBe(errno);
    });
  }

  it("works the same in a worker thread (the worker resolves with the same resolver)", async () => {
    const m = await managerFromYaml(
      dir,
      yaml("[{dir: data/rules, permission: read-only}]", "    execution: worker\n"),
    );
    expect(await read(m, "sub/b.txt")).toBe("rule b");
    expect(await read(m, "link-out")).toBe(ERR.NOTCAPABLE);
    await m.shutdown();
  });

  it("refuses writes: O_CREAT on a read-only grant is EROFS", async () => {
    await writeGuest(dir, "w.wasm", scratchGuest);
    const m = await managerFromYaml(
      dir,
      yaml("[{dir: data/rules, permission: read-only}]").replace("reader.wasm", "w.wasm"),
    );
    expect((await m.invoke(HOOK, "new.txt")).modifiedPayload).toBe(ERR.ROFS);
  });

  it("a `file:` grant shows that file only (no siblings, no case variants)", async () => {
    expect(await read(fileOnly, "a.txt")).toBe("rule a");
    expect(await read(fileOnly, "sub/b.txt")).toBe(ERR.NOENT);
    expect(await read(fileOnly, "A.txt")).toBe(ERR.NOENT);
    expect(await read(fileOnly, "link-in")).toBe(ERR.NOENT);
    expect(await read(fileOnly, "../secret.txt")).toBe(ERR.NOTCAPABLE);
  });

  it("without a grant there is no fd 3 and path_open is denied", async () => {
    const m = await managerFromYaml(dir, yaml("[]"));
    expect(await read(m, "a.txt")).toBe(ERR.NOTCAPABLE);
  });

  it("a granted directory that does not exist fails the load", async () => {
    await expect(managerFromYaml(dir, yaml("[{dir: nowhere, permission: read-only}]"))).rejects.toThrow(
      /granted directory cannot be opened: ENOENT/,
    );
  });

  it("the other upstream permission levels are a load error saying they are not supported", async () => {
    for (const level of ["full-access", "drop-box", "fixed-mutable", "list-only"]) {
      await expect(managerFromYaml(dir, yaml(`[{dir: data/rules, permission: ${level}}]`))).rejects.toThrow(
        new RegExp(`permission '${level}' is not supported`),
      );
    }
  });
});

describe("private-scratch grant", () => {
  it("is an in-memory directory the guest can write and read back, empty for each new instance", async () => {
    const m = await managerFromYaml(
      dir,
      yaml("[{dir: tmp, permission: private-scratch}]").replace("reader.wasm", "scratch.wasm"),
    );
    expect(await read(m, "note.txt")).toBe("scratch!");
    // Same instance: the file exists now (O_EXCL).
    expect(await read(m, "note.txt")).toBe(ERR.EXIST);
    expect(await read(m, "../escape.txt")).toBe(ERR.NOTCAPABLE);
    // Another plugin instance (a new manager) starts with an empty directory; nothing reached the disk.
    const m2 = await managerFromYaml(
      dir,
      yaml("[{dir: tmp, permission: private-scratch}]").replace("reader.wasm", "scratch.wasm"),
    );
    expect(await read(m2, "note.txt")).toBe("scratch!");
  });
});
