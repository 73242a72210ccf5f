// The package as a user gets it: `npm pack` (which builds through `prepack`), the tarball installed into a new app
// outside the repository, and that app run with plain Node — no tsx, no repository files. Every step is a child
// process the test awaits.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChildResult, describeChild, REPO_ROOT, runChild } from "../helpers/run-child.js";

const APP_CODE = `
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { definePlugin, PluginManager, PluginResult } from "cpex";
import { registerWasmHost } from "cpex/wasm";

const guard = definePlugin({
  hooks: {
    tool_pre_invoke(payload) {
      if (payload.name === "shell_exec") {
        return PluginResult.deny({ code: "tool_blocked", reason: "shell access is not allowed" });
      }
    },
  },
});

const manager = new PluginManager();
manager.registerFactory("app/guard", { create: () => guard });
registerWasmHost(manager);
await manager.loadConfigFile(join(dirname(fileURLToPath(import.meta.url)), "cpex.yaml"));
await manager.initialize();
const shell = await manager.invoke("tool_pre_invoke", { name: "shell_exec", args: {} });
const listing = await manager.invoke("tool_pre_invoke", { name: "list_files", args: {} });
const http = await manager.invoke("resource_pre_fetch", { uri: "http://example.com/docs/page.html", metadata: {} });
const https = await manager.invoke("resource_pre_fetch", { uri: "https://api.github.com/repos", metadata: {} });
await manager.shutdown();
console.log(
  JSON.stringify({
    shell: [shell.continueProcessing, shell.violation?.code, shell.violation?.pluginName],
    listing: [listing.continueProcessing],
    http: [http.continueProcessing, http.violation?.code, http.violation?.pluginName],
    https: [https.continueProcessing],
  }),
);
`;

const APP_YAML = `plugins:
  - name: guard
    kind: app/guard
    hooks: [tool_pre_invoke]
  - name: url_guard
    kind: wasm://plugins/url_guard.wasm # relative to this file
    hooks: [resource_pre_fetch]
    on_error: fail
    config:
      allowed_schemes: [https]
      block_private_addresses: true
`;

let packDir = "";
let tarball = "";
let tarballFiles: string[] = [];
let app = "";

async function npm(args: string[], cwd: string): Promise<ChildResult> {
  return runChild("npm", args, { cwd, timeoutMs: 300_000 });
}

beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), "cpex-pack-"));
  const packed = await npm(["pack", "--json", "--pack-destination", packDir], REPO_ROOT);
  if (packed.code !== 0) throw new Error(describeChild("npm pack", packed));
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(packDir, info!.filename);
  tarballFiles = info!.files.map((f) => f.path);

  app = mkdtempSync(join(tmpdir(), "cpex-app-"));
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify({ name: "app", private: true, type: "module" })}\n`,
  );
  mkdirSync(join(app, "plugins"));
  copyFileSync(
    join(REPO_ROOT, "examples/plugins/url_guard/url_guard.wasm"),
    join(app, "plugins/url_guard.wasm"),
  );
  writeFileSync(join(app, "cpex.yaml"), APP_YAML);
  writeFileSync(join(app, "app.mjs"), APP_CODE);
  writeFileSync(join(app, "app.ts"), APP_CODE);
  // The types the app compiles against: the same @types/node as the repository, so it is in npm's cache.
  const typesNode = JSON.parse(
    readFileSync(join(REPO_ROOT, "node_modules/@types/node/package.json"), "utf8"),
  ) as {
    version: string;
  };
  const install = ["install", tarball, `@types/node@${typesNode.version}`, "--no-audit", "--no-fund"];
  // Offline first: everything the tarball depends on is in npm's cache after the repository's `npm ci`.
  let installed = await npm([...install, "--offline"], app);
  if (installed.code !== 0) installed = await npm([...install, "--prefer-offline"], app);
  if (installed.code !== 0) throw new Error(describeChild("npm install <tarball>", installed));
}, 600_000);

afterAll(() => {
  for (const dir of [packDir, app]) if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("carries dist/ with types, LICENSE, README, docs and the Rust SDK sources; no source maps, no tests", () => {
    for (const f of [
      "LICENSE",
      "README.md",
      "docs/configuration.md",
      "docs/writing-a-rust-plugin.md",
      "dist/src/core/index.js",
      "dist/src/core/index.d.ts",
      "dist/src/hosts/wasm/index.js",
      "dist/src/hosts/wasm/index.d.ts",
      "dist/src/cli/main.js",
      "sdk/rust/cpex-sdk/Cargo.toml",
      "sdk/rust/cpex-sdk/src/lib.rs",
    ])
      expect(tarballFiles, f).toContain(f);
    expect(tarballFiles.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(
      tarballFiles.filter(
        // The plugin template is shipped on purpose: `cpex new` copies it.
        (f) =>
          (/^(src|test|examples|bench|target)\//.test(f) && !f.startsWith("examples/plugins/_template/")) ||
          f.includes("/target/"),
      ),
    ).toEqual([]);
    expect(tarballFiles).toContain("examples/plugins/_template/src/lib.rs");
    expect(readFileSync(join(REPO_ROOT, "LICENSE"), "utf8")).toContain(
      "Apache License\n                           Version 2.0",
    );
  });

  it("an ESM app outside the repo imports cpex and cpex/wasm and runs a native and a .wasm plugin from YAML", async () => {
    const r = await runChild(process.execPath, ["app.mjs"], { cwd: app, timeoutMs: 120_000 });
    expect(r.code, describeChild("node app.mjs", r)).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toEqual({
      shell: [false, "tool_blocked", "guard"],
      listing: [true],
      http: [false, "URL_REPUTATION_BLOCK", "url_guard"],
      https: [true],
    });
  });

  it("the TypeScript version of the app passes tsc --noEmit --strict against the shipped types", async () => {
    const tsc = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const args = ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "app.ts"];
    const r = await runChild(process.execPath, [tsc, ...args], { cwd: app, timeoutMs: 180_000 });
    expect(r.code, describeChild("tsc --noEmit --strict app.ts", r)).toBe(0);
  });

  it("npx cpex --help runs the installed command", async () => {
    const r = await runChild("npx", ["--no", "--", "cpex", "--help"], { cwd: app, timeoutMs: 120_000 });
    expect(r.code, describeChild("npx cpex --help", r)).toBe(0);
    expect(r.stdout).toMatch(/Usage: cpex/);
    expect(r.stdout).toMatch(/inspect/);
    expect(r.stdout).toMatch(/check/);
  });
});
