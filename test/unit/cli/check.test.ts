// `cpex check` run as a subprocess on temporary YAML files: it exits non-zero on what a config loader only warns
// about (unknown top-level keys) and on kinds with a scheme the CLI has no host for.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cpex-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(name: string, yaml: string): { status: number | null; out: string } {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  const r = spawnSync(join(root, "node_modules/.bin/tsx"), [join(root, "src/cli/main.ts"), "check", file], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("cpex check", () => {
  it("a clean config with native kinds exits 0", () => {
    const r = check("ok.yaml", "plugins:\n  - { name: a, kind: my_native, hooks: [tool_pre_invoke] }\n");
    expect(r.out).toContain("a: kind 'my_native' (native, provided by the embedding application)");
    expect(r.status).toBe(0);
  });

  it("a kind with an unregistered scheme fails, with a suggestion", () => {
    const r = check(
      "scheme.yaml",
      "plugins:\n  - { name: a, kind: wasmm://x.wasm, hooks: [tool_pre_invoke] }\n",
    );
    expect(r.out).toContain(
      "a: kind 'wasmm://x.wasm' uses unknown scheme 'wasmm://' (known: wasm://) (did you mean 'wasm://'?)",
    );
    expect(r.out).not.toContain("native, provided by the embedding application");
    expect(r.status).toBe(1);
  });

  it("an unknown top-level key fails (loading only warns)", () => {
    const r = check("key.yaml", "plugin:\n  - { name: a, kind: my_native, hooks: [tool_pre_invoke] }\n");
    expect(r.out).toContain("unknown top-level key 'plugin' ignored (did you mean 'plugins'?)");
    expect(r.status).toBe(1);
  });

  it("orchestrator keys do not fail the check", () => {
    const r = check(
      "apl.yaml",
      "authorization: {}\nplugins:\n  - { name: a, kind: n, hooks: [tool_pre_invoke] }\n",
    );
    expect(r.status).toBe(0);
  });

  it("an unknown hook fails the load", () => {
    const r = check("hook.yaml", "plugins:\n  - { name: a, kind: n, hooks: [tool_pre_invok] }\n");
    expect(r.out).toContain("unknown hook 'tool_pre_invok' (did you mean 'tool_pre_invoke'?)");
    expect(r.status).toBe(1);
  });
});
