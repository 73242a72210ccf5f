// `npx tsx bench/assemblyscript-plugins.ts`: size and per-call time of the AssemblyScript plugins against the
// Rust wasm and native TypeScript versions of the same plugins, each loaded from YAML and invoked through the
// PluginManager (inline execution), on the inputs of the plugin's vectors.json. Prints a markdown table; the
// figures quoted in docs/writing-an-assemblyscript-plugin.md come from it.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { circuitBreakerFactory } from "../examples/native/circuit_breaker.js";
import { toolTaggerFactory } from "../examples/native/tool_tagger.js";
import {
  type Extensions,
  extensionsFromWire,
  type PipelineResult,
  type PluginFactory,
  PluginManager,
  silentLogger,
} from "../src/core/index.js";
import { registerWasmHost } from "../src/hosts/wasm/index.js";
import { fmtNs, table, time } from "./stats.js";

const plugins = join(dirname(fileURLToPath(import.meta.url)), "..", "examples", "plugins");
let nowMs = 0;
const FACTORIES: Record<string, PluginFactory> = {
  tool_tagger: toolTaggerFactory,
  circuit_breaker: circuitBreakerFactory(() => nowMs),
};

interface VectorFile {
  config: unknown;
  capabilities?: string[];
  vectors?: Array<{ hook: string; payload: unknown; extensions?: Record<string, unknown> }>;
}

async function load(name: string, kind: string, file: VectorFile, hooks: string[]): Promise<PluginManager> {
  const dir = mkdtempSync(join(tmpdir(), "cpex-as-bench-"));
  const yaml = join(dir, "cpex.yaml");
  writeFileSync(
    yaml,
    `plugins:\n  - name: ${name}\n    kind: "${kind}"\n    hooks: ${JSON.stringify(hooks)}\n    capabilities: ${JSON.stringify(file.capabilities ?? [])}\n    config: ${JSON.stringify(file.config)}\n`,
  );
  const m = new PluginManager({ logger: silentLogger });
  m.registerFactory(`examples/${name}`, FACTORIES[name]!);
  registerWasmHost(m, { clock: () => nowMs });
  await m.loadConfigFile(yaml);
  await m.initialize();
  return m;
}

/** One "call" of the plugin: tool_tagger cycles through its vectors; circuit_breaker runs a pre/post pair. */
function workload(
  name: string,
  file: VectorFile,
  m: PluginManager,
  trace = false,
): () => Promise<PipelineResult[]> {
  if (name === "tool_tagger") {
    const inputs = (file.vectors ?? []).map((v) => ({
      payload: v.payload,
      extensions: v.extensions === undefined ? undefined : extensionsFromWire(v.extensions),
    }));
    let i = 0;
    return async () => {
      const v = inputs[i++ % inputs.length]!;
      const ext: Extensions | undefined = v.extensions;
      return [
        await m.invoke(
          "tool_pre_invoke",
          v.payload as Record<string, unknown>,
          ext === undefined ? { trace } : { trace, extensions: ext },
        ),
      ];
    };
  }
  return async () => {
    nowMs += 1000; // successes only: the breaker stays closed, the window keeps ~60 calls
    const pre = await m.invoke("tool_pre_invoke", { name: "search", args: {} }, { trace });
    nowMs += 10;
    const post = await m.invoke(
      "tool_post_invoke",
      { name: "search", result: { isError: false } },
      { trace, contextTable: pre.contextTable },
    );
    return [pre, post];
  };
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const name of ["tool_tagger", "circuit_breaker"]) {
    const file = JSON.parse(readFileSync(join(plugins, name, "vectors.json"), "utf8")) as VectorFile;
    const hooks = name === "tool_tagger" ? ["tool_pre_invoke"] : ["tool_pre_invoke", "tool_post_invoke"];
    const variants: Array<[string, string, string | undefined]> = [
      ["native TS", `examples/${name}`, undefined],
      ["Rust wasm", `wasm://${join(plugins, name, `${name}.wasm`)}`, join(plugins, name, `${name}.wasm`)],
      [
        "AssemblyScript wasm",
        `wasm://${join(plugins, name, `${name}.as.wasm`)}`,
        join(plugins, name, `${name}.as.wasm`),
      ],
    ];
    for (const [label, kind, path] of variants) {
      const m = await load(name, kind, file, hooks);
      const t = await time(workload(name, file, m), { batch: 500, batches: 7, warmup: 500 });
      // Fuel (≈ instructions plus host work, docs/abi.md §3.3) is exact where wall time is noisy.
      const traced = workload(name, file, m, true);
      let fuel = 0;
      const passes = file.vectors?.length ?? 1;
      for (let i = 0; i < passes; i++)
        for (const r of await traced())
          for (const e of r.trace ?? []) fuel += Number(e.telemetry?.["fuel_used"] ?? 0);
      await m.shutdown();
      const size = path === undefined ? "—" : `${Math.round(statSync(path).size / 1024)} KB`;
      const fuelCell = path === undefined ? "—" : Math.round(fuel / passes).toLocaleString("en");
      rows.push([name, label, size, fmtNs(t.nsPerOp), `${fmtNs(t.min)}–${fmtNs(t.max)}`, fuelCell]);
    }
  }
  console.log(
    table(["plugin", "variant", ".wasm", "per call (median)", "batch spread", "fuel per call"], rows),
  );
  console.log("\ncircuit_breaker's call is a pre + post pair (two invocations).");
}

await main();
