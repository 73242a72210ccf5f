// Every vector of examples/plugins/<name>/vectors.json against the native TypeScript plugin and the Rust plugin
// compiled to WebAssembly, loaded from YAML through the host: the committed .wasm and a fresh build from source
// (sdk/rust/build-plugins.sh with the Debian toolchain; a missing toolchain fails the test, as in CI), and, for the
// plugins that also have one, the AssemblyScript build (<name>.as.wasm, rebuilt by sdk/assemblyscript/build.mjs).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type ContextTable,
  type Extensions,
  extensionsFromWire,
  type PipelineResult,
  type PluginFactory,
  PluginManager,
  silentLogger,
  violationToWire,
} from "../../src/core/index.js";
import { registerWasmHost } from "../../src/hosts/wasm/index.js";
import { describeChild, runChild } from "../../test/helpers/run-child.js";
import { circuitBreakerFactory } from "../native/circuit_breaker.js";
import { piiRedactorFactory } from "../native/pii_redactor.js";
import { secretsScannerFactory } from "../native/secrets_scanner.js";
import { toolTaggerFactory } from "../native/tool_tagger.js";
import { urlGuardFactory } from "../native/url_guard.js";

const here = dirname(fileURLToPath(import.meta.url));
const fresh = mkdtempSync(join(tmpdir(), "cpex-fresh-plugins-"));
const freshAs = mkdtempSync(join(tmpdir(), "cpex-fresh-as-plugins-"));
const AS_PLUGINS = new Set(["tool_tagger", "circuit_breaker"]);

// In a child process the test awaits: a cargo build takes minutes from an empty target folder, and a synchronous
// call would block this worker's event loop all that time (docs/testing.md).
beforeAll(async () => {
  const r = await runChild("bash", [join(here, "../../sdk/rust/build-plugins.sh"), "--out", fresh], {
    timeoutMs: 1_140_000,
  });
  if (r.code !== 0) throw new Error(describeChild("sdk/rust/build-plugins.sh", r));
}, 1_200_000);
// Asynchronous, so the test worker keeps answering the runner while asc works.
beforeAll(async () => {
  const r = await runChild(
    process.execPath,
    [join(here, "../../sdk/assemblyscript/build.mjs"), "--out", freshAs],
    {
      timeoutMs: 540_000,
    },
  );
  if (r.code !== 0) throw new Error(describeChild("sdk/assemblyscript/build.mjs", r));
}, 600_000);

interface Vector {
  name: string;
  hook: string;
  payload: unknown;
  /** Extensions in wire form (snake_case slots), when the plugin reads or writes them. */
  extensions?: Record<string, unknown>;
  /** A row's own config (instead of the file's). */
  config?: unknown;
  expect: Record<string, unknown>;
}
interface Step {
  request: string;
  hook: string;
  tool: string;
  now_ms: number;
  result?: unknown;
  expect: Record<string, unknown>;
}
interface VectorFile {
  plugin: string;
  config: unknown;
  capabilities?: string[];
  vectors?: Vector[];
  /** Stateful plugins: each scenario starts from a fresh instance; steps sharing a request share local_state. */
  scenarios?: Array<{ name: string; steps: Step[] }>;
}

// The simulated clock: native plugins read it directly, wasm plugins through the host's WASI clock option.
let nowMs = 0;
const clock = () => nowMs;

const PLUGINS: Record<string, PluginFactory> = {
  url_guard: urlGuardFactory,
  circuit_breaker: circuitBreakerFactory(clock),
  tool_tagger: toolTaggerFactory,
  pii_redactor: piiRedactorFactory,
  secrets_scanner: secretsScannerFactory,
};

/**
 * The plugin's extension edit, recovered from a one-plugin pipeline: the slots whose merged value differs from the
 * input (labels compared as a set, as the spec says; headers as a map).
 */
function extensionPatch(input: Extensions, merged: Extensions): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  const before = [...(input.security?.labels ?? [])];
  const after = [...(merged.security?.labels ?? [])];
  if (after.length !== before.length || after.some((l) => !before.includes(l)))
    patch["security"] = { labels: after };
  const hb = input.http?.requestHeaders;
  const ha = merged.http?.requestHeaders;
  if (
    ha !== undefined &&
    JSON.stringify(Object.entries(ha).sort()) !== JSON.stringify(Object.entries(hb ?? {}).sort())
  ) {
    patch["http"] = { request_headers: { ...ha } };
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** Labels are a set: sort them on both sides before comparing. */
function normaliseLabels(v: Record<string, unknown>): Record<string, unknown> {
  const ext = v["modified_extensions"] as { security?: { labels?: string[] } } | undefined;
  if (ext?.security?.labels === undefined) return v;
  return {
    ...v,
    modified_extensions: { ...ext, security: { ...ext.security, labels: [...ext.security.labels].sort() } },
  };
}

/** The plugin's own result, in wire form, from a one-plugin pipeline. */
function wireResult(r: PipelineResult, input?: Extensions): Record<string, unknown> {
  if (r.errors.length > 0) return { error: r.errors[0]!.code };
  if (!r.continueProcessing) {
    const { plugin_name: _, ...violation } = violationToWire(r.violation!);
    return { continue_processing: false, violation };
  }
  const metadata = r.trace?.[0]?.metadata;
  const patch = input === undefined ? undefined : extensionPatch(input, r.modifiedExtensions);
  return normaliseLabels({
    continue_processing: true,
    ...(r.payloadModified ? { modified_payload: r.modifiedPayload } : {}),
    ...(patch === undefined ? {} : { modified_extensions: patch }),
    ...(metadata === undefined ? {} : { metadata }),
  });
}

async function manager(
  name: string,
  kind: string,
  config: unknown,
  hooks: string[],
  capabilities: string[] = [],
  execution: "inline" | "worker" = "inline",
): Promise<PluginManager> {
  const dir = mkdtempSync(join(tmpdir(), "cpex-vectors-"));
  const yaml = join(dir, "cpex.yaml");
  writeFileSync(
    yaml,
    `plugins:\n  - name: ${name}\n    kind: "${kind}"\n    hooks: ${JSON.stringify(hooks)}\n    on_error: ignore\n    capabilities: ${JSON.stringify(capabilities)}\n    config: ${JSON.stringify(config)}\n${kind.startsWith("wasm://") ? `    execution: ${execution}\n` : ""}`,
  );
  const m = new PluginManager({ logger: silentLogger });
  m.registerFactory(`examples/${name}`, PLUGINS[name]!);
  registerWasmHost(m, { clock });
  await m.loadConfigFile(yaml);
  await m.initialize(); // so that shutdown() releases the plugins (and a worker-mode plugin's threads)
  return m;
}

for (const name of Object.keys(PLUGINS)) {
  const file = JSON.parse(readFileSync(join(here, name, "vectors.json"), "utf8")) as VectorFile;
  const all = [...(file.vectors ?? []), ...(file.scenarios ?? []).flatMap((s) => s.steps)];
  const hooks = [...new Set(all.map((v) => v.hook))];
  const variants: Array<[string, string, "inline" | "worker"]> = [
    ["native TS", `examples/${name}`, "inline"],
    ["wasm (committed)", `wasm://${join(here, name, `${name}.wasm`)}`, "inline"],
    ["wasm (committed, worker thread)", `wasm://${join(here, name, `${name}.wasm`)}`, "worker"],
    ["wasm (fresh build)", `wasm://${join(fresh, `${name}.wasm`)}`, "inline"],
  ];
  if (AS_PLUGINS.has(name))
    variants.push(["AssemblyScript (committed)", `wasm://${join(here, name, `${name}.as.wasm`)}`, "inline"]);

  describe(`${name} vectors`, () => {
    it("the committed .wasm is what the sources build (reproducible build)", () => {
      expect(
        readFileSync(join(fresh, `${name}.wasm`)).equals(readFileSync(join(here, name, `${name}.wasm`))),
      ).toBe(true);
    });
    if (AS_PLUGINS.has(name)) {
      it("the committed .as.wasm is what the AssemblyScript sources build (reproducible build)", () => {
        const committed = readFileSync(join(here, name, `${name}.as.wasm`));
        expect(readFileSync(join(freshAs, `${name}.as.wasm`)).equals(committed)).toBe(true);
      });
    }
    for (const [label, kind, execution] of variants) {
      it(`${label}: ${all.length} ${file.vectors ? "vectors" : "scenario steps"}`, async () => {
        if (kind.startsWith("wasm://")) expect(existsSync(kind.slice(7)), `${kind} exists`).toBe(true);
        if (file.vectors !== undefined) {
          const shared = await manager(name, kind, file.config, hooks, file.capabilities, execution);
          for (const v of file.vectors) {
            const m =
              v.config === undefined
                ? shared
                : await manager(name, kind, v.config, hooks, file.capabilities, execution);
            const input = v.extensions === undefined ? undefined : extensionsFromWire(v.extensions);
            const r = await m.invoke(v.hook, v.payload, {
              trace: true,
              ...(input === undefined ? {} : { extensions: input }),
            });
            expect(wireResult(r, input), `${label} ${v.name}`).toEqual(normaliseLabels(v.expect));
            if (m !== shared) await m.shutdown();
          }
          await shared.shutdown();
        }
        for (const scenario of file.scenarios ?? []) {
          const m = await manager(name, kind, file.config, hooks, [], execution);
          const contexts = new Map<string, ContextTable>();
          for (const [i, step] of scenario.steps.entries()) {
            nowMs = step.now_ms;
            const payload =
              step.hook === "tool_post_invoke"
                ? { name: step.tool, result: step.result }
                : { name: step.tool, args: {} };
            const table = contexts.get(step.request);
            const r = await m.invoke(step.hook, payload, {
              trace: true,
              ...(table === undefined ? {} : { contextTable: table }),
            });
            contexts.set(step.request, r.contextTable);
            expect(wireResult(r), `${label} ${scenario.name} step ${i + 1}`).toEqual(step.expect);
          }
          await m.shutdown();
        }
      });
    }
  });
}

// Plugins that need a grant have no native twin: their vectors run in granted-vectors.test.ts; here only the
// reproducible build is checked.
for (const name of ["rule_file_guard", "remote_allowlist"]) {
  it(`${name}: the committed .wasm is what the sources build (reproducible build)`, () => {
    expect(
      readFileSync(join(fresh, `${name}.wasm`)).equals(readFileSync(join(here, name, `${name}.wasm`))),
    ).toBe(true);
  });
}
