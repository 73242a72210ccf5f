// `npx tsx bench/goal-probes.ts hook|url_guard [--wasm <url_guard.wasm>]`: the probes behind the profile findings
// of docs/performance.md for two goals of issue 17 that the overhead section reports missed. Each probe times
// the parts of one case in one process, alternating them over six rounds and keeping each part's lowest median
// (the least disturbed by other work on a shared machine), and prints them as a ratio to the goal's reference:
// - hook: wasm_hook/1KiB against floor/1KiB, with the manager alone, a native plugin, and the host's encoder and
//   decoder beside msgpackr's (what the floor uses);
// - url_guard: plugin/url_guard/wasm/16KiB against native_rust, with the same guest run without the meter or the
//   manager (the host's own import functions, fuel charges ignored, bytes encoded beforehand) and the encoding
//   alone; `--wasm` adds another build of the guest (e.g. one compiled with opt-level 3).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Packr, Unpackr } from "msgpackr";
import { definePlugin, PluginManager, PluginResult, silentLogger } from "../src/core/index.js";
import { CallState } from "../src/hosts/wasm/abi/call-state.js";
import { decode } from "../src/hosts/wasm/abi/decode.js";
import { createHostFunctions } from "../src/hosts/wasm/abi/host-functions.js";
import { GuestMemory } from "../src/hosts/wasm/abi/memory.js";
import { encode } from "../src/hosts/wasm/abi/msgpack.js";
import { registerWasmHost } from "../src/hosts/wasm/index.js";
import { createWasiImports, realClock } from "../src/hosts/wasm/wasi/preview1.js";
import { echoHookManager, echoPayload, rawEcho } from "./floors.js";
import { find, freshCopy, measure } from "./harness.js";
import { runNativeRust } from "./native-rust.js";
import { invokeChecked, PLUGIN_DIR, setupOf } from "./plugin-hosts.js";
import { type PluginInput, WORKLOADS } from "./plugin-payloads.js";

interface Part {
  name: string;
  run: () => Promise<number>;
}

function part<T>(name: string, fn: (input: T) => unknown, prepare: () => T): Part {
  return {
    name,
    run: async () => (await measure({ quick: true }, name, fn, prepare, { timeMs: 300 })).median_ns,
  };
}

async function lowestMedians(parts: readonly Part[]): Promise<Map<string, number>> {
  const best = new Map<string, number>();
  for (let round = 0; round < 6; round++)
    for (const p of parts)
      best.set(p.name, Math.min(best.get(p.name) ?? Number.POSITIVE_INFINITY, await p.run()));
  return best;
}

function print(best: ReadonlyMap<string, number>, reference: number, against: string): void {
  for (const [name, ns] of best)
    console.log(
      `${name.padEnd(64)} ${(ns / 1000).toFixed(2).padStart(8)} µs  ${(ns / reference).toFixed(2)} × ${against}`,
    );
}

const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(" / ");

async function hookProbe(): Promise<void> {
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false });
  const floor = await rawEcho();
  const hook = await echoHookManager();
  const noop = new PluginManager({ logger: silentLogger });
  noop.register(definePlugin({ hooks: { tool_pre_invoke: () => ({ continueProcessing: true }) } }), "p");
  const native = new PluginManager({ logger: silentLogger });
  native.register(
    definePlugin({ hooks: { tool_pre_invoke: (p) => PluginResult.modifyPayload(structuredClone(p)) } }),
    "p",
  );
  const fresh = () => echoPayload(1024);
  const result = encode({ modified_payload: echoPayload(1024) });
  const best = await lowestMedians([
    part("floor/1KiB (msgpackr, copy in, raw echo, decode from a view)", floor, fresh),
    part("wasm_hook/1KiB (echo guest through the manager)", (p) => hook.invoke("tool_pre_invoke", p), fresh),
    part(
      "the manager alone (a native plugin that changes nothing)",
      (p) => noop.invoke("tool_pre_invoke", p),
      fresh,
    ),
    part(
      "native_hook/1KiB (a native plugin, structuredClone)",
      (p) => native.invoke("tool_pre_invoke", p),
      fresh,
    ),
    part("the host's encoder, payload", (p) => encode(p, "payload"), fresh),
    part("msgpackr pack, payload", (p) => packr.pack(p), fresh),
    part(
      "the host's decoder, result",
      (b) => decode(b, { path: "result" }),
      () => result,
    ),
    part(
      "msgpackr unpack, result",
      (b) => unpackr.unpack(b),
      () => result,
    ),
  ]);
  print(best, best.values().next().value ?? Number.NaN, "floor/1KiB");
  await Promise.all([hook.shutdown(), noop.shutdown(), native.shutdown()]);
}

/** The url_guard guest under the host's import functions, no meter (charges ignored), no manager. */
function bareGuest(file: string, config: unknown, hook: string): (payload: Uint8Array) => unknown {
  const state = new CallState();
  let mem: GuestMemory | undefined;
  const memory = (): GuestMemory => mem!;
  const ignore = (): void => {};
  const limits = { config: encode(config), maxResultBytes: 1 << 24, maxLogBytes: 1 << 20 };
  const cpex = createHostFunctions(state, memory, { ...limits, log: ignore, charge: ignore });
  const wasi = createWasiImports(
    {
      env: {},
      clock: realClock,
      random: (o) => o.fill(1),
      admitLog: () => true,
      charge: ignore,
      write: ignore,
    },
    memory,
  );
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {
    cpex: cpex as WebAssembly.ModuleImports,
    wasi_snapshot_preview1: wasi as WebAssembly.ModuleImports,
  });
  const exports = instance.exports as Record<string, unknown>;
  mem = new GuestMemory(exports["memory"] as WebAssembly.Memory);
  state.reset("init");
  (exports["_initialize"] as (() => void) | undefined)?.();
  (exports["cpex_init"] as () => number)();
  const handle = exports["cpex_handle"] as () => number;
  const hookBytes = new TextEncoder().encode(hook);
  const empty = encode({});
  const context = encode({ local_state: {}, global_state: {} });
  return (payload) => {
    state.reset("handle");
    state.hookName = () => hookBytes;
    state.payload = () => payload;
    state.extensions = () => empty;
    state.context = () => context;
    if (handle() !== 0) throw new Error(`url_guard failed: ${state.error?.message}`);
    return state.result;
  };
}

async function hostedGuest(file: string): Promise<PluginManager> {
  const { config, capabilities } = setupOf("url_guard");
  const dir = mkdtempSync(join(tmpdir(), "cpex-probe-"));
  writeFileSync(
    join(dir, "cpex.yaml"),
    `plugins:\n  - { name: url_guard, kind: "wasm://${file}", hooks: ["resource_pre_fetch"], capabilities: ${JSON.stringify(capabilities)}, config: ${JSON.stringify(config)}, limits: { fuel: 100000000000, timeout_ms: 30000 } }\n`,
  );
  const m = new PluginManager({ logger: silentLogger });
  registerWasmHost(m);
  await m.loadConfigFile(join(dir, "cpex.yaml"));
  await m.initialize();
  return m;
}

async function urlGuardProbe(extra: string | undefined): Promise<void> {
  const w = WORKLOADS.url_guard;
  const inputs: PluginInput[] = Array.from({ length: 8 }, (_, i) => w.make(i + 1, 16 * 1024));
  const encoded = inputs.map((x) => encode(x.payload, "payload"));
  const builds: Array<[string, string]> = [
    ["committed build", join(PLUGIN_DIR, "url_guard", "url_guard.wasm")],
  ];
  if (extra !== undefined) builds.push([extra.split("/").pop() ?? extra, extra]);
  let i = 0;
  const next = () => freshCopy(inputs[i++ % inputs.length]!);
  const parts: Part[] = [
    part("the host's encoder alone, payload", (x) => encode(x.payload, "payload"), next),
  ];
  const managers: PluginManager[] = [];
  for (const [label, file] of builds) {
    const m = await hostedGuest(file);
    managers.push(m);
    const bare = bareGuest(file, setupOf("url_guard").config, w.hook);
    parts.push(part(`${label}: plugin/url_guard/wasm/16KiB`, (x) => invokeChecked(m, w.hook, x), next));
    parts.push(part(`${label}: the guest alone (no meter, no manager)`, bare, () => encoded[i++ % 8]!));
  }
  const best = await lowestMedians(parts);
  const rust = await runNativeRust({ quick: false }, [
    { plugin: "url_guard", size: 16 * 1024, label: "16KiB" },
  ]);
  const native = find("plugin/url_guard/native_rust/16KiB")?.median_ns;
  if (native === undefined) throw new Error(`native_rust is missing: ${rust.missing}`);
  console.log(`plugin/url_guard/native_rust/16KiB ${(native / 1000).toFixed(2)} µs`);
  print(best, native, "native_rust");
  await Promise.all(managers.map((m) => m.shutdown()));
}

const [which, flag, file] = process.argv.slice(2);
console.log(`load average ${load()} at the start`);
if (which === "hook") await hookProbe();
else if (which === "url_guard") await urlGuardProbe(flag === "--wasm" ? file : undefined);
else throw new Error("usage: tsx bench/goal-probes.ts hook | url_guard [--wasm <file>]");
console.log(`load average ${load()} at the end`);
