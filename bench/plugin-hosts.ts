// Loads the example plugins for the per-plugin benchmarks, each implementation behind the same PluginManager API:
// the Rust wasm build inline and on a worker, the AssemblyScript wasm build (where there is one), and the native
// TypeScript version. Config and capabilities come from the plugin's vectors.json, as in the conformance tests.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { circuitBreakerFactory } from "../examples/native/circuit_breaker.js";
import { piiRedactorFactory } from "../examples/native/pii_redactor.js";
import { secretsScannerFactory } from "../examples/native/secrets_scanner.js";
import { toolTaggerFactory } from "../examples/native/tool_tagger.js";
import { urlGuardFactory } from "../examples/native/url_guard.js";
import { extensionsFromWire, type PluginFactory, PluginManager, silentLogger } from "../src/core/index.js";
import { registerWasmHost } from "../src/hosts/wasm/index.js";
import { PLUGINS, type PluginInput, type PluginName, WORKLOADS } from "./plugin-payloads.js";

export const PLUGIN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "examples", "plugins");

export type Impl = "wasm" | "wasm_worker" | "as_wasm" | "native_ts";

const FACTORIES: Record<PluginName, PluginFactory> = {
  url_guard: urlGuardFactory,
  pii_redactor: piiRedactorFactory,
  tool_tagger: toolTaggerFactory,
  secrets_scanner: secretsScannerFactory,
  circuit_breaker: circuitBreakerFactory(),
};

export interface PluginSetup {
  config: unknown;
  capabilities: string[];
}

export function setupOf(name: PluginName): PluginSetup {
  const file = JSON.parse(readFileSync(join(PLUGIN_DIR, name, "vectors.json"), "utf8")) as {
    config?: unknown;
    capabilities?: string[];
  };
  return { config: file.config ?? {}, capabilities: file.capabilities ?? [] };
}

/** The implementations this checkout has for a plugin (as_wasm only where an AssemblyScript build exists). */
export function implsOf(name: PluginName): Impl[] {
  const impls: Impl[] = ["wasm", "wasm_worker", "native_ts"];
  if (existsSync(join(PLUGIN_DIR, name, `${name}.as.wasm`))) impls.splice(2, 0, "as_wasm");
  return impls;
}

function kindOf(name: PluginName, impl: Impl): string {
  if (impl === "native_ts") return `examples/${name}`;
  return `wasm://${join(PLUGIN_DIR, name, impl === "as_wasm" ? `${name}.as.wasm` : `${name}.wasm`)}`;
}

function entry(name: PluginName, impl: Impl): string {
  const { config, capabilities } = setupOf(name);
  // Limits high enough for 100 KiB of scanning: the figure is the work, not a stop.
  const wasm = impl === "native_ts" ? "" : ", limits: { fuel: 100000000000, timeout_ms: 30000 }";
  const worker = impl === "wasm_worker" ? ", execution: worker" : "";
  const hooks = name === "url_guard" ? ["resource_pre_fetch"] : [WORKLOADS[name].hook];
  return `  - { name: ${name}, kind: "${kindOf(name, impl)}", hooks: ${JSON.stringify(hooks)}, capabilities: ${JSON.stringify(capabilities)}, config: ${JSON.stringify(config)}${wasm}${worker} }\n`;
}

async function manager(entries: string): Promise<PluginManager> {
  const dir = mkdtempSync(join(tmpdir(), "cpex-bench-plugins-"));
  const yaml = join(dir, "cpex.yaml");
  writeFileSync(yaml, `plugins:\n${entries}`);
  const m = new PluginManager({ logger: silentLogger });
  for (const p of PLUGINS) m.registerFactory(`examples/${p}`, FACTORIES[p]);
  registerWasmHost(m, { workers: 1 });
  await m.loadConfigFile(yaml);
  await m.initialize();
  return m;
}

/** One plugin, one implementation. */
export function loadPlugin(name: PluginName, impl: Impl): Promise<PluginManager> {
  return manager(entry(name, impl));
}

/** All five plugins in one pipeline, all wasm (inline) or all native TS. */
export function loadPipeline(impl: "wasm" | "native_ts"): Promise<PluginManager> {
  return manager(PLUGINS.map((p) => entry(p, impl)).join(""));
}

/** One invoke of `hook` with a fresh input; throws if the pipeline reports an error (no time for a failure). */
export async function invokeChecked(m: PluginManager, hook: string, input: PluginInput): Promise<unknown> {
  const r = await m.invoke(
    hook,
    input.payload,
    input.extensions === undefined ? {} : { extensions: extensionsFromWire(input.extensions) },
  );
  if (r.errors.length > 0) throw new Error(`${hook}: ${JSON.stringify(r.errors[0])}`);
  return r;
}
