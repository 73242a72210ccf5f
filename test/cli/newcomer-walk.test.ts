// The newcomer's walk from the README, in an empty folder outside the repository with the packed tarball
// installed: `npx cpex new` → `cargo test` → `npx cpex build` → `inspect` → `check` a config that uses the
// plugin → `run --json` on a payload file. Every step is a child process the test awaits. One crate is built,
// into a target folder kept under the repository's target/ so later runs reuse the compiled dependencies.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, exec, root } from "./cli-process.js";

const targetDir = join(root, "target/cli-e2e");
let work = "";
let app = "";
const log: string[] = [];

function step(title: string, r: CliResult): CliResult {
  log.push(`$ ${title}\n${r.stdout}${r.stderr === "" ? "" : `[stderr]\n${r.stderr}`}[exit ${r.code}]`);
  return r;
}

async function npx(args: string[], cwd = app): Promise<CliResult> {
  return step(
    `npx cpex ${args.join(" ")}`,
    await exec("npx", ["--no-install", "cpex", ...args], { cwd, timeoutMs: 600_000 }),
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "cpex-newcomer-"));
  app = join(work, "app");
  const built = await exec("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, timeoutMs: 300_000 });
  if (built.code !== 0) throw new Error(`build failed: ${built.stdout}${built.stderr}`);
  const packed = await exec("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: root,
    timeoutMs: 300_000,
  });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  await exec("mkdir", ["-p", app]);
  await writeFile(
    join(app, "package.json"),
    `${JSON.stringify({ name: "app", private: true, type: "module" })}\n`,
  );
  const installed = await exec(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", join(work, info!.filename)],
    {
      cwd: app,
      timeoutMs: 300_000,
    },
  );
  if (installed.code !== 0) throw new Error(`npm install failed: ${installed.stderr}`);
}, 900_000);

afterAll(async () => {
  // The walk's terminal output, for the report and for whoever debugs a failure.
  await writeFile(join(root, "target/cli-e2e-walk.log"), `${log.join("\n\n")}\n`).catch(() => {});
  await rm(work, { recursive: true, force: true });
});

describe("newcomer walk with the packed tarball", () => {
  it("new → cargo test → build → inspect → check → run --json", async () => {
    const made = await npx(["new", "my_guard"]);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain("created my_guard/");
    const crate = join(app, "my_guard");

    const tested = step(
      "cargo test",
      await exec("/usr/bin/cargo", ["test", "--quiet", "--target-dir", targetDir], {
        cwd: crate,
        env: { RUSTC: "/usr/bin/rustc", RUSTDOC: "/usr/bin/rustdoc" },
        timeoutMs: 600_000,
      }),
    );
    expect(tested.code).toBe(0);
    expect(`${tested.stdout}${tested.stderr}`).toMatch(/test result: ok\. 1 passed/);

    const built = await npx(["build", "my_guard", "--target-dir", targetDir]);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/my_guard\.wasm: [\d.]+ KiB/);
    expect(built.stdout).toMatch(/sha256 {2}[0-9a-f]{64}/);
    expect(built.stdout).toContain("loadable cpex plugin");

    const inspected = await npx(["inspect", "my_guard/my_guard.wasm", "--json"]);
    expect(inspected.code).toBe(0);
    const summary = JSON.parse(inspected.stdout) as { bytes: number; loadable: boolean; hooks: string[] };
    expect(summary).toMatchObject({ loadable: true, hooks: ["tool_pre_invoke"] });
    // The size-optimised release profile came along: a plugin this small is well under a megabyte.
    expect(summary.bytes).toBeLessThan(1024 * 1024);

    await writeFile(
      join(app, "cpex.yaml"),
      "plugins:\n  - name: my_guard\n    kind: wasm://my_guard/my_guard.wasm\n    hooks: [tool_pre_invoke]\n    config: { blocked_tools: [shell_exec] }\n",
    );
    const checked = await npx(["check", "cpex.yaml"]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain("cpex.yaml: 1 plugins, 0 failed");

    await writeFile(join(app, "payload.json"), JSON.stringify({ name: "shell_exec", args: {} }));
    const denied = await npx([
      "run",
      "cpex.yaml",
      "--hook",
      "tool_pre_invoke",
      "--payload",
      "payload.json",
      "--json",
    ]);
    expect(denied.code).toBe(1);
    const doc = JSON.parse(denied.stdout) as { decision: string; result: { violation: { code: string } } };
    expect(doc.decision).toBe("deny");
    expect(doc.result.violation.code).toBe("tool_blocked");
  }, 900_000);
});
