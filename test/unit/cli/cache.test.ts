// `cpex cache list|clear` run as a subprocess on a cache filled by a real load with `cache_dir` set.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { guest, managerFromYaml, writeGuest } from "../../helpers/wasm-host.js";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cpex-cache-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cpex(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(join(root, "node_modules/.bin/tsx"), [join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("cache_dir and cpex cache", () => {
  it("a load stores into plugin_settings.wasm.cache_dir (relative to the config); list and clear see it", async () => {
    await writeGuest(dir, "g.wasm", guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`));
    const yaml = (cacheDir: string) =>
      `plugin_settings:\n  wasm:\n    cache_dir: ${cacheDir}\nplugins:\n  - { name: g, kind: "wasm://g.wasm", hooks: [tool_pre_invoke] }\n`;
    const m = await managerFromYaml(dir, yaml("cache"));
    await m.shutdown();
    const cacheDir = join(dir, "cache");
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".cpexi"))).toHaveLength(1);
    const list = cpex("cache", "list", "--dir", cacheDir);
    expect(list.status).toBe(0);
    expect(list.out).toMatch(/1 entry\n {2}[0-9a-f]{64} {2}\d+ bytes/);
    const clear = cpex("cache", "clear", "--dir", cacheDir);
    expect(clear.out).toContain("removed 1 entry");
    expect(readdirSync(cacheDir)).toEqual([]);
    // The off switch: nothing is written.
    const off = await managerFromYaml(dir, yaml("false"));
    await off.shutdown();
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
