// The YAMLs in upstream CPEX's form (one per sandbox_policy feature) load unchanged and behave as
// docs/configuration.md ("Upstream sandbox_policy") says.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PluginManager, silentLogger } from "../../src/core/index.js";
import { WASM_SCHEME, WasmEngine, WasmPluginFactory } from "../../src/hosts/wasm/index.js";

const here = dirname(fileURLToPath(import.meta.url));

async function load(file: string): Promise<{ m: PluginManager; factory: WasmPluginFactory }> {
  const m = new PluginManager({ logger: silentLogger });
  const factory = new WasmPluginFactory(new WasmEngine(), { workers: 1 });
  m.registerScheme(WASM_SCHEME, factory);
  await m.loadConfigFile(file);
  await m.initialize();
  return { m, factory };
}

describe("upstream sandbox_policy YAMLs", () => {
  it("filesystem.yaml: the plugin reads its rules from the granted read-only directory", async () => {
    const { m } = await load(join(here, "filesystem.yaml"));
    expect((await m.invoke("tool_pre_invoke", { name: "search", args: {} })).continueProcessing).toBe(true);
    const denied = await m.invoke("tool_pre_invoke", { name: "shell_exec", args: {} });
    expect(denied.violation?.code).toBe("tool_blocked");
    await m.shutdown();
  });

  it("network.yaml: loads as written (on a worker); asks the allowed service, and fails closed without it", async () => {
    const { m, factory } = await load(join(here, "network.yaml"));
    expect(factory.workerPool?.instanceCount).toBe(1);
    await m.shutdown();
    // The same YAML against a live service on an ephemeral port (only the port and the module path differ).
    const server = createServer((req, res) => {
      if (new URL(req.url ?? "/", "http://x").searchParams.get("tool") === "search") res.end("allow");
      else res.writeHead(403).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), "cpex-upstream-"));
    const yaml = readFileSync(join(here, "network.yaml"), "utf8")
      .replaceAll("8787", String(port))
      .replace("wasm://../", `wasm://${join(here, "..")}/`);
    writeFileSync(join(dir, "network.yaml"), yaml);
    const live = await load(join(dir, "network.yaml"));
    expect((await live.m.invoke("tool_pre_invoke", { name: "search", args: {} })).continueProcessing).toBe(
      true,
    );
    expect((await live.m.invoke("tool_pre_invoke", { name: "shell_exec", args: {} })).violation?.code).toBe(
      "tool_not_allowed",
    );
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    expect((await live.m.invoke("tool_pre_invoke", { name: "search", args: {} })).violation?.code).toBe(
      "allowlist_unavailable",
    );
    await live.m.shutdown();
  });

  it("env.yaml: loads; allowed_env is the environment allowlist", async () => {
    const { m } = await load(join(here, "env.yaml"));
    expect((await m.invoke("tool_pre_invoke", { name: "search", args: {} })).errors).toEqual([]);
    await m.shutdown();
  });

  it("resources.yaml: loads with its limits; max_instances instances serve the worker-mode plugin", async () => {
    const { m, factory } = await load(join(here, "resources.yaml"));
    expect(factory.workerPool?.instanceCount).toBe(2);
    expect(
      (await m.invoke("resource_pre_fetch", { uri: "https://example.com/a", metadata: {} }))
        .continueProcessing,
    ).toBe(true);
    expect(
      (await m.invoke("resource_pre_fetch", { uri: "http://example.com/a", metadata: {} }))
        .continueProcessing,
    ).toBe(false);
    await m.shutdown();
  });
});
