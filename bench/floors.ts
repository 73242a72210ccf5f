// Floors and peers for one echo through a sandbox, at 200 B to 256 KiB:
// - floor/<size>: what any MessagePack-over-linear-memory host must do at least: encode the payload, copy it into
//   a raw WAT guest's memory, let the guest copy it to its output, decode the output from a view of memory;
// - wasm_hook/<size>: the same echo as a cpex plugin through the PluginManager (pipeline, fuel, deadline,
//   validation, merge); native_hook/<size>: a native TS plugin returning a copy, through the same manager;
// - extism_js/<size>: the installed Extism JS running the Extism-ABI echo guest in-thread, MessagePack in and out.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import createPlugin from "@extism/extism";
import { Packr, Unpackr } from "msgpackr";
import { definePlugin, PluginManager, PluginResult, silentLogger } from "../src/core/index.js";
import { registerWasmHost } from "../src/hosts/wasm/index.js";
import { echoGuest } from "../test/helpers/wasm-host.js";
import { wat2wasm } from "../test/helpers/wat.js";
import { type BenchSettings, measure } from "./harness.js";
import { EXTISM_ECHO } from "./host.bench.js";

export const FLOOR_SIZES: ReadonlyArray<[number, string]> = [
  [200, "200B"],
  [1024, "1KiB"],
  [16 * 1024, "16KiB"],
  [256 * 1024, "256KiB"],
];

export function extismVersion(): string {
  // The package's exports do not include package.json: read it from where npm installed it.
  const file = join(
    dirname(fileURLToPath(import.meta.url)),
    "..",
    "node_modules",
    "@extism",
    "extism",
    "package.json",
  );
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

/** A tool call whose encoded size is about `bytes`. */
export function echoPayload(bytes: number): { name: string; args: { query: string } } {
  return { name: "search", args: { query: "x".repeat(Math.max(0, bytes - 24)) } };
}

// Input at 0, output at 512 KiB: room for the largest size in 16 pages.
const RAW_ECHO = `(module (memory (export "memory") 16)
  (func (export "echo") (param $n i32) (result i32)
    (memory.copy (i32.const 524288) (i32.const 0) (local.get $n)) (local.get $n)))`;

/** The floor: encode with msgpackr, copy into the raw echo's memory, echo, decode the output from a view. */
export async function rawEcho(): Promise<(payload: unknown) => unknown> {
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false });
  const raw = await WebAssembly.instantiate(await wat2wasm(RAW_ECHO));
  const memory = raw.instance.exports["memory"] as WebAssembly.Memory;
  const echo = raw.instance.exports["echo"] as (n: number) => number;
  return (p) => {
    const bytes = packr.pack(p);
    new Uint8Array(memory.buffer).set(bytes, 0);
    const n = echo(bytes.length);
    return unpackr.unpack(new Uint8Array(memory.buffer, 524288, n));
  };
}

/** The wasm_hook cases' manager: one echo guest (WAT) on tool_pre_invoke, returning its payload as modified. */
export async function echoHookManager(): Promise<PluginManager> {
  const dir = mkdtempSync(join(tmpdir(), "cpex-bench-floors-"));
  writeFileSync(join(dir, "echo.wasm"), await wat2wasm(echoGuest("payload")));
  const wasm = new PluginManager({ logger: silentLogger });
  registerWasmHost(wasm);
  await wasm.loadConfigYaml(
    `plugins:\n  - { name: p, kind: "wasm://${join(dir, "echo.wasm")}", hooks: [tool_pre_invoke], limits: { fuel: 100000000000 } }\n`,
  );
  return wasm;
}

export async function runFloors(settings: BenchSettings): Promise<void> {
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false });
  const floor = await rawEcho();

  const wasm = await echoHookManager();
  const native = new PluginManager({ logger: silentLogger });
  native.register(
    definePlugin({ hooks: { tool_pre_invoke: (p) => PluginResult.modifyPayload(structuredClone(p)) } }),
    "p",
  );
  // The anchors' guest has one page of memory; 256 KiB needs more (it keeps the input at address 0).
  const extismWasm = await wat2wasm(
    EXTISM_ECHO.replace('(memory (export "memory") 1)', '(memory (export "memory") 8)'),
  );
  const extism = await createPlugin({ wasm: [{ data: extismWasm }] }, { useWasi: false, runInWorker: false });

  for (const [size, label] of FLOOR_SIZES) {
    if (settings.quick && size === 200) continue;
    const fresh = () => echoPayload(size);
    await measure(settings, `floor/${label}`, floor, fresh);
    await measure(settings, `wasm_hook/${label}`, (p) => wasm.invoke("tool_pre_invoke", p), fresh);
    await measure(settings, `native_hook/${label}`, (p) => native.invoke("tool_pre_invoke", p), fresh);
    await measure(
      settings,
      `extism_js/${label}`,
      async (p) => {
        // A copy: msgpackr returns a view of its shared buffer, and Extism JS hands a Buffer's whole backing
        // store to the guest.
        const input = new Uint8Array(packr.pack(p));
        const out = await extism.call("echo", input);
        const value = out === null ? null : unpackr.unpack(out.bytes().subarray(0, input.length));
        // Without reset() this version keeps every block and fails after some thousands of calls.
        await extism.reset();
        return value;
      },
      fresh,
    );
  }
  await extism.close();
  await Promise.all([wasm.shutdown(), native.shutdown()]);
}
