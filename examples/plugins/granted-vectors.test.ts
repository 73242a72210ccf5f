// The example plugins that need a grant — rule_file_guard (a read-only directory) and remote_allowlist (the
// network, worker mode) — run their vectors.json through the host from YAML, with the committed .wasm. They have
// no native TypeScript twin (examples/plugins/vectors.test.ts compares those), so the vectors are the reference;
// vectors.test.ts checks that these .wasm files are what the sources build. The allow-list service is a local
// server on 127.0.0.1 started here; `{{port}}` in vectors.json is its port.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PluginManager, silentLogger, violationToWire } from "../../src/core/index.js";
import { registerWasmHost } from "../../src/hosts/wasm/index.js";

const here = dirname(fileURLToPath(import.meta.url));

interface VectorFile {
  config: unknown;
  sandbox_policy: unknown;
  server?: { allow: string[] };
  vectors: Array<{ name: string; hook: string; payload: unknown; expect: Record<string, unknown> }>;
}

let server: Server;
let port = 0;
let allow = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const tool = new URL(req.url ?? "/", "http://x").searchParams.get("tool") ?? "";
    if (allow.has(tool)) res.end("allow");
    else res.writeHead(403).end("deny");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function load(name: string): VectorFile {
  const text = readFileSync(join(here, name, "vectors.json"), "utf8").replaceAll('"{{port}}"', String(port));
  return JSON.parse(text.replaceAll("{{port}}", String(port))) as VectorFile;
}

async function manager(
  name: string,
  file: VectorFile,
  execution: "inline" | "worker",
): Promise<PluginManager> {
  // The YAML sits next to a copy of the plugin's folder, so relative grants (`dir: rules`) resolve as documented.
  const dir = mkdtempSync(join(tmpdir(), `cpex-${name}-`));
  cpSync(join(here, name), dir, { recursive: true });
  const config = { ...(file.config as object), sandbox_policy: file.sandbox_policy };
  writeFileSync(
    join(dir, "cpex.yaml"),
    `plugins:\n  - name: ${name}\n    kind: wasm://${name}.wasm\n    hooks: [tool_pre_invoke]\n    execution: ${execution}\n    config: ${JSON.stringify(config)}\n`,
  );
  const m = new PluginManager({ logger: silentLogger });
  registerWasmHost(m, { workers: 1 });
  await m.loadConfigFile(join(dir, "cpex.yaml"));
  await m.initialize();
  return m;
}

const cases: Array<[string, Array<"inline" | "worker">]> = [
  ["rule_file_guard", ["inline", "worker"]],
  ["remote_allowlist", ["worker"]],
];

for (const [name, modes] of cases) {
  describe(`${name} vectors`, () => {
    for (const execution of modes) {
      it(`wasm (committed, ${execution})`, async () => {
        const file = load(name);
        allow = new Set(file.server?.allow ?? []);
        const m = await manager(name, file, execution);
        for (const v of file.vectors) {
          const r = await m.invoke(v.hook, v.payload);
          const got =
            r.errors.length > 0
              ? { error: r.errors[0]?.code }
              : r.continueProcessing
                ? { continue_processing: true }
                : {
                    continue_processing: false,
                    violation: (({ plugin_name: _, ...rest }) => rest)(violationToWire(r.violation!)),
                  };
          expect(got, v.name).toEqual(v.expect);
        }
        await m.shutdown();
      });
    }
  });
}

describe("remote_allowlist fails closed", () => {
  it("denies every call when the service is down (allowlist_unavailable)", async () => {
    const file = load("remote_allowlist");
    const closed = JSON.parse(JSON.stringify(file).replaceAll(String(port), "1")) as VectorFile;
    const m = await manager("remote_allowlist", closed, "worker");
    const r = await m.invoke("tool_pre_invoke", { name: "search", args: {} });
    expect(r.continueProcessing).toBe(false);
    expect(r.violation?.code).toBe("allowlist_unavailable");
    await m.shutdown();
  });

  it("an inline remote_allowlist does not load (the network needs a worker)", async () => {
    await expect(manager("remote_allowlist", load("remote_allowlist"), "inline")).rejects.toThrow(
      /execution: worker/,
    );
  });
});
