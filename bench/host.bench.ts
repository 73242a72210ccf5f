// WebAssembly host: per-call cost of a wasm plugin through the cpex host, against the same plugin as native TS and
// against Extism JS 1.0.3 (the reference Node host), on echo-style plugins and three payload sizes.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import createPlugin from "@extism/extism";
import { Packr, Unpackr } from "msgpackr";
import { definePlugin, PluginManager, PluginResult, silentLogger } from "../src/core/index.js";
import { registerWasmHost } from "../src/hosts/wasm/index.js";
import { echoGuest, guest } from "../test/helpers/wasm-host.js";
import { wat2wasm } from "../test/helpers/wat.js";
import type { BenchSection } from "./run.js";
import { fmtNs, table, time } from "./stats.js";

// The hand-written Extism-ABI echo guest of the performance anchors (shared/anchor-bench/plugins.mjs), abridged.
export const EXTISM_ECHO = `(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "echo") (result i32)
    (local $len i64) (local $i i64) (local $out i64) (local $end8 i64)
    (local.set $len (call $input_length))
    (local.set $end8 (i64.and (local.get $len) (i64.const -8)))
    (block $done (loop $l (br_if $done (i64.ge_u (local.get $i) (local.get $end8)))
      (i64.store (i32.wrap_i64 (local.get $i)) (call $input_load_u64 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 8))) (br $l)))
    (block $done2 (loop $l2 (br_if $done2 (i64.ge_u (local.get $i) (local.get $len)))
      (i32.store8 (i32.wrap_i64 (local.get $i)) (call $input_load_u8 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1))) (br $l2)))
    (local.set $out (call $alloc (local.get $len)))
    (local.set $i (i64.const 0))
    (block $d3 (loop $l3 (br_if $d3 (i64.ge_u (local.get $i) (local.get $end8)))
      (call $store_u64 (i64.add (local.get $out) (local.get $i)) (i64.load (i32.wrap_i64 (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 8))) (br $l3)))
    (block $d4 (loop $l4 (br_if $d4 (i64.ge_u (local.get $i) (local.get $len)))
      (call $store_u8 (i64.add (local.get $out) (local.get $i)) (i32.load8_u (i32.wrap_i64 (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1))) (br $l4)))
    (call $output_set (local.get $out) (local.get $len))
    (i32.const 0)))`;

function payloadOf(bytes: number) {
  const base = { name: "search", args: { query: "" } };
  const overhead = JSON.stringify(base).length;
  return { name: "search", args: { query: "x".repeat(Math.max(0, bytes - overhead)) } };
}

async function wasmManager(dir: string, file: string, wat: string): Promise<PluginManager> {
  writeFileSync(join(dir, file), await wat2wasm(wat));
  const m = new PluginManager({ logger: silentLogger });
  registerWasmHost(m);
  await m.loadConfigYaml(
    `plugins:\n  - { name: p, kind: "wasm://${join(dir, file)}", hooks: [tool_pre_invoke] }\n`,
  );
  return m;
}

export default async function bench(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "cpex-bench-"));
  const echo = await wasmManager(dir, "echo.wasm", echoGuest("payload"));
  const noop = await wasmManager(
    dir,
    "noop.wasm",
    guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`),
  );
  const native = new PluginManager({ logger: silentLogger });
  native.register(
    definePlugin({ hooks: { tool_pre_invoke: (p) => PluginResult.modifyPayload(structuredClone(p)) } }),
    "p",
  );
  const extismWasm = await wat2wasm(EXTISM_ECHO);
  const packr = new Packr({ useRecords: false });
  const unpackr = new Unpackr({ useRecords: false });

  const rows: string[][] = [];
  for (const size of [100, 1024, 16 * 1024]) {
    const batch = size > 4096 ? 1000 : 2000;
    // A fresh payload object per call: the host's per-payload encoding cache must not make the echo look free.
    const fresh = () => payloadOf(size);
    const t0 = await time(() => fresh(), { batch });
    const tNative = await time(() => native.invoke("tool_pre_invoke", fresh()), { batch });
    const tNoop = await time(() => noop.invoke("tool_pre_invoke", fresh()), { batch });
    const tEcho = await time(() => echo.invoke("tool_pre_invoke", fresh()), { batch });
    const plugin = await createPlugin(
      { wasm: [{ data: extismWasm }] },
      { useWasi: false, runInWorker: false },
    );
    const tExtism = await time(
      async () => {
        // A copy: msgpackr returns a view of its shared buffer, and 1.0.3 hands a Buffer's whole backing store to
        // the guest (the pitfall the cpex host avoids).
        const input = new Uint8Array(packr.pack(fresh()));
        const out = await plugin.call("echo", input);
        // 1.0.3's bytes() can return more than the output (the block it lives in): decode the echoed length.
        const value = out === null ? null : unpackr.unpack(out.bytes().subarray(0, input.length));
        // Without reset() 1.0.3 keeps every block and fails after some thousands of calls.
        await plugin.reset();
        return value;
      },
      { batch: 1000, batches: 7, warmup: 1000 },
    );
    await plugin.close();
    const net = (t: { nsPerOp: number }) => fmtNs(Math.max(0, t.nsPerOp - t0.nsPerOp));
    rows.push([
      `${size >= 1024 ? `${size / 1024} KiB` : `${size} B`}`,
      net(tNative),
      net(tNoop),
      net(tEcho),
      net(tExtism),
    ]);
  }
  await Promise.all([echo.shutdown(), noop.shutdown(), native.shutdown()]);
  return {
    title: "WebAssembly host: per-call latency",
    markdown: `One \`tool_pre_invoke\` through the manager with a single plugin; medians of 7 batches, building the payload
object excluded. *echo* returns the payload as \`modified_payload\` (the host encodes the payload to MessagePack, the
guest copies it into its memory and hands it back, the host decodes it); *noop* returns without reading anything.
Extism JS 1.0.3 runs the hand-written Extism-ABI echo guest of the performance anchors in-thread with MessagePack in
and out and \`reset()\` after each call, included in the time (without it 1.0.3 keeps every block and fails after a few thousand calls); no
CPEX pipeline, no fuel, no limits: the floor a CPEX host built on Extism would start from.

${table(["payload", "native TS echo", "cpex wasm noop", "cpex wasm echo", "Extism JS 1.0.3 echo"], rows)}

The cpex figures include the whole pipeline (filtering, validation, merge), fuel metering and the deadline.`,
  };
}
