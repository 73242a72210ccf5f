// Every vector of examples/plugins/<name>/vectors.json against the native TypeScript plugin and the Rust plugin
// compiled to WebAssembly, loaded from YAML through the host: the committed .wasm and a fresh build from source
// (sdk/rust/build-plugins.sh with the Debian toolchain; a missing toolchain fails the test, as in CI).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { type PipelineResult, PluginManager, silentLogger, violationToWire } from "../../src/core/index.js";
import { registerWasmHost } from "../../src/hosts/wasm/index.js";
import { urlGuardFactory } from "../native/url_guard.js";

const here = dirname(fileURLToPath(import.meta.url));
const fresh = mkdtempSync(join(tmpdir(), "cpex-fresh-plugins-"));

beforeAll(() => {
  execFileSync("bash", [join(here, "../../sdk/rust/build-plugins.sh"), "--out", fresh], { stdio: "pipe" });
}, 600_000);

interface Vector {
  name: string;
  hook: string;
  payload: unknown;
  expect: Record<string, unknown>;
}
interface VectorFile {
  plugin: string;
  config: unknown;
  vectors: Vector[];
}

const PLUGINS: Record<string, { factory: typeof urlGuardFactory }> = {
  url_guard: { factory: urlGuardFactory },
};

/** The plugin's own result, in wire form, from a one-plugin pipeline. */
function wireResult(r: PipelineResult): Record<string, unknown> {
  if (r.errors.length > 0) return { error: r.errors[0] };
  if (!r.continueProcessing) {
    const { plugin_name: _, ...violation } = violationToWire(r.violation!);
    return { continue_processing: false, violation };
  }
  return r.payloadModified
    ? { continue_processing: true, modified_payload: r.modifiedPayload }
    : { continue_processing: true };
}

async function manager(name: string, kind: string, config: unknown, hooks: string[]): Promise<PluginManager> {
  const dir = mkdtempSync(join(tmpdir(), "cpex-vectors-"));
  const yaml = join(dir, "cpex.yaml");
  writeFileSync(
    yaml,
    `plugins:\n  - name: ${name}\n    kind: "${kind}"\n    hooks: ${JSON.stringify(hooks)}\n    on_error: ignore\n    config: ${JSON.stringify(config)}\n`,
  );
  const m = new PluginManager({ logger: silentLogger });
  m.registerFactory(`examples/${name}`, PLUGINS[name]!.factory);
  registerWasmHost(m);
  await m.loadConfigFile(yaml);
  return m;
}

for (const name of Object.keys(PLUGINS)) {
  const file = JSON.parse(readFileSync(join(here, name, "vectors.json"), "utf8")) as VectorFile;
  const hooks = [...new Set(file.vectors.map((v) => v.hook))];
  const variants: Array<[string, string]> = [
    ["native TS", `examples/${name}`],
    ["wasm (committed)", `wasm://${join(here, name, `${name}.wasm`)}`],
    ["wasm (fresh build)", `wasm://${join(fresh, `${name}.wasm`)}`],
  ];

  describe(`${name} vectors`, () => {
    it("the committed .wasm is what the sources build (reproducible build)", () => {
      expect(
        readFileSync(join(fresh, `${name}.wasm`)).equals(readFileSync(join(here, name, `${name}.wasm`))),
      ).toBe(true);
    });
    for (const [label, kind] of variants) {
      it(`${label}: ${file.vectors.length} vectors`, async () => {
        if (kind.startsWith("wasm://")) expect(existsSync(kind.slice(7)), `${kind} exists`).toBe(true);
        const m = await manager(name, kind, file.config, hooks);
        for (const v of file.vectors) {
          const r = await m.invoke(v.hook, v.payload);
          expect(wireResult(r), `${label} ${v.name}`).toEqual(v.expect);
        }
      });
    }
  });
}
