import { createHash } from "node:crypto";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { guest, managerFromYaml, tempDir, writeGuest } from "../../helpers/wasm-host.js";

const ok = guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`);

async function loadError(wat: string | undefined, pluginExtra = "", kind = "wasm://g.wasm"): Promise<string> {
  const dir = await tempDir();
  if (wat !== undefined) await writeGuest(dir, "g.wasm", wat);
  try {
    await managerFromYaml(
      dir,
      `plugins:\n  - name: bad\n    kind: ${kind}\n    hooks: [tool_pre_invoke]\n${pluginExtra}`,
    );
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a load error");
}

describe("wasm host: loading", () => {
  it("resolves wasm:// relative to the YAML folder, and absolute paths", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "plugins"));
    const abs = await writeGuest(dir, "plugins/p.wasm", ok);
    const m = await managerFromYaml(
      dir,
      `plugins:\n  - { name: rel, kind: "wasm://plugins/p.wasm", hooks: [tool_pre_invoke] }\n  - { name: abs, kind: "wasm://${abs}", hooks: [tool_pre_invoke] }\n`,
    );
    expect(m.pluginNames).toEqual(["rel", "abs"]);
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
  });

  it("a missing file is a load error naming plugin, field and file", async () => {
    const msg = await loadError(undefined);
    expect(msg).toMatch(/plugins\[0\] \(name 'bad'\): kind: cannot read .*g\.wasm: ENOENT/);
  });

  it("sha256 pin: a match loads, a mismatch is a load error", async () => {
    const dir = await tempDir();
    const path = await writeGuest(dir, "g.wasm", ok);
    const { readFile } = await import("node:fs/promises");
    const hash = createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
    const good = await managerFromYaml(
      dir,
      `plugins:\n  - { name: p, kind: wasm://g.wasm, hooks: [tool_pre_invoke], sha256: ${hash} }\n`,
    );
    expect(good.pluginCount).toBe(1);
    const dir2 = await tempDir();
    await copyFile(path, join(dir2, "g.wasm"));
    const msg = await loadError(undefined, `    sha256: ${"0".repeat(64)}\n`).catch(() => "");
    expect(msg).toMatch(/cannot read|sha256/);
    const msg2 = await (async () => {
      try {
        await managerFromYaml(
          dir2,
          `plugins:\n  - { name: p, kind: wasm://g.wasm, hooks: [tool_pre_invoke], sha256: "${"0".repeat(64)}" }\n`,
        );
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg2).toMatch(/sha256: .*g\.wasm has sha256 [0-9a-f]{64}, the config pins 0{64}/);
  });

  it("a wrong ABI version is a load error", async () => {
    expect(
      await loadError(guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`, { version: 2 })),
    ).toMatch(/unsupported ABI version 2/);
  });

  it("forbidden imports are all listed in one load error", async () => {
    const msg = await loadError(
      guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`, {
        extraImports: `(import "env" "system" (func (param i32)))
        (import "cpex" "read_host_file" (func (param i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_open" (func (param i32) (result i32)))`,
      }),
    );
    expect(msg).toContain("forbidden imports");
    expect(msg).toContain("env.system: unknown import module 'env'");
    expect(msg).toContain("cpex.read_host_file: the host provides no such function");
    expect(msg).toContain("wasi_snapshot_preview1.sock_open: the host provides no such function");
  });

  it("an import declared with the wrong signature is a load error", async () => {
    const wat = guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`).replace(
      `(import "cpex" "payload_read" (func $payload_read (param i32 i32) (result i32)))`,
      `(import "cpex" "payload_read" (func $payload_read (param i64 i64) (result i64)))`,
    );
    expect(await loadError(wat)).toContain(
      "cpex.payload_read: declared as (i64, i64) -> (i64), the ABI defines (i32, i32) -> (i32)",
    );
  });

  it("an imported memory is rejected", async () => {
    const msg = await loadError(
      `(module (import "env" "memory" (memory 1)) (func (export "cpex_abi_version") (result i32) (i32.const 1)) (func (export "cpex_handle") (result i32) (i32.const 0)))`,
    );
    expect(msg).toMatch(/env\.memory/);
  });

  it("missing exports and WASI commands are load errors", async () => {
    expect(await loadError(guest(""))).toContain("missing export `cpex_handle`");
    expect(
      await loadError(
        `(module (memory (export "memory") 1) (func (export "cpex_handle") (result i32) (i32.const 0)))`,
      ),
    ).toContain("cpex_abi_version");
    expect(
      await loadError(
        guest(`(func (export "cpex_handle") (result i32) (i32.const 0)) (func (export "_start"))`),
      ),
    ).toContain("`_start`");
  });

  it("cpex_init failing (status or trap) is init_failed at load", async () => {
    expect(
      await loadError(
        guest(
          `(func (export "cpex_handle") (result i32) (i32.const 0)) (func (export "cpex_init") (result i32) (i32.const 1))`,
        ),
      ),
    ).toMatch(/init_failed: cpex_init returned 1/);
    expect(
      await loadError(
        guest(
          `(func (export "cpex_handle") (result i32) (i32.const 0)) (func (export "cpex_init") (result i32) unreachable)`,
        ),
      ),
    ).toMatch(/trap/);
  });

  it("not a module / invalid bytes are load errors", async () => {
    const dir = await tempDir();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(dir, "g.wasm"), "hello");
    await expect(
      managerFromYaml(dir, `plugins:\n  - { name: bad, kind: wasm://g.wasm, hooks: [tool_pre_invoke] }\n`),
    ).rejects.toThrow(/bad.*not a valid WebAssembly module/);
  });

  it("invalid limits and grants name the field", async () => {
    expect(await loadError(ok, "    limits: { fuel: -5 }\n")).toMatch(/limits\.fuel/);
    expect(await loadError(ok, "    limits: { fule: 5 }\n")).toMatch(/limits.*fule/);
    expect(await loadError(ok, '    grants: { env: ["A B"] }\n')).toMatch(/grants\.env\.0/);
    expect(await loadError(ok, "", "wasm://")).toMatch(/kind: wasm:\/\/ needs a path/);
  });

  it("a plugin that loads is unaffected by one that fails in another manager", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "ok.wasm", ok);
    const m = await managerFromYaml(
      dir,
      `plugins:\n  - { name: good, kind: wasm://ok.wasm, hooks: [tool_pre_invoke] }\n`,
    );
    await expect(
      m.loadConfigYaml(`plugins:\n  - { name: bad, kind: wasm://missing.wasm, hooks: [tool_pre_invoke] }\n`),
    ).rejects.toThrow();
    expect(m.pluginNames).toEqual(["good"]);
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
  });
});
