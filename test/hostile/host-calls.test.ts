// Every import the sandbox offers, called in a loop by a guest that executes almost no instructions of its own:
// host work is charged as fuel and the deadline is looked at inside imports, so each loop ends in `timeout`
// (huge fuel budget) or `fuel_exhausted` (small budget) — never in `ok` long after the deadline. The bystander
// plugin keeps working each time. Timing is not asserted (that is the `host-calls` benchmark's job): only the
// typed outcome, which before host calls were metered was `ok` or a hang.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { definePlugin, PluginManager, silentLogger } from "../../src/core/index.js";
import { CPEX_IMPORTS, type FuncSig, WASI_IMPORTS } from "../../src/hosts/wasm/abi/signatures.js";
import { registerWasmHost } from "../../src/hosts/wasm/index.js";
import { tempDir, writeGuest } from "../helpers/wasm-host.js";

const zero = (t: string): string => (t === "i64" ? "(i64.const 0)" : "(i32.const 0)");

/** Arguments that make each import do real work where it can (lengths, counts), zeros elsewhere. */
function args(module: string, name: string, sig: FuncSig): string {
  if (module === "cpex" && name.endsWith("_read")) return "(i32.const 1024) (i32.const 60000)";
  if (name === "error_set") return "(i32.const 64) (i32.const 11)"; // {"message": "x"}, decoded each time
  if (name === "log") return "(i32.const 2) (i32.const 1024) (i32.const 4096)";
  if (name === "random_get") return "(i32.const 1024) (i32.const 65536)";
  // fd_write: one iovec at 0 pointing at 4 KiB of memory (set up in the data segment below).
  if (name === "fd_write") return "(i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)";
  return sig.params.map(zero).join(" ");
}

function loopGuest(module: string, name: string, sig: FuncSig): string {
  const params = sig.params.length === 0 ? "" : `(param ${sig.params.join(" ")})`;
  const results = sig.results.length === 0 ? "" : `(result ${sig.results.join(" ")})`;
  const call = `(call $f ${args(module, name, sig)})`;
  return `(module
  (import "${module}" "${name}" (func $f ${params} ${results}))
  (memory (export "memory") 2)
  (data (i32.const 0) "\\00\\04\\00\\00\\00\\10\\00\\00")
  (data (i32.const 64) "\\81\\a7message\\a1x")
  (func (export "cpex_abi_version") (result i32) (i32.const 1))
  (func (export "cpex_handle") (result i32)
    (loop $l ${sig.results.length === 0 ? call : `(drop ${call})`} (br $l))
    (i32.const 0)))`;
}

const cases: Array<[string, string, FuncSig]> = [
  ...Object.entries(CPEX_IMPORTS)
    // result_set may be called once per call; a second call is an abi_violation (tested elsewhere).
    // http_request ends an ungranted call at once (network_denied) and is bounded per call (network.test.ts).
    .filter(([n]) => n !== "result_set" && n !== "http_request")
    .map(([n, s]): [string, string, FuncSig] => ["cpex", n, s]),
  ...Object.entries(WASI_IMPORTS)
    .filter(([n]) => n !== "proc_exit") // ends the call at once (tested elsewhere)
    .map(([n, s]): [string, string, FuncSig] => ["wasi_snapshot_preview1", n, s]),
];

async function run(module: string, name: string, sig: FuncSig, limits: string): Promise<string[]> {
  const dir = await tempDir();
  await writeGuest(dir, "loop.wasm", loopGuest(module, name, sig));
  const m = new PluginManager({ logger: silentLogger });
  registerWasmHost(m);
  let ran = 0;
  m.register(definePlugin({ hooks: { tool_pre_invoke: () => void ran++ } }), {
    name: "bystander",
    priority: 200,
  });
  await m.loadConfigYaml(
    `plugins:\n  - name: loop\n    kind: wasm://${join(dir, "loop.wasm")}\n    hooks: [tool_pre_invoke]\n    on_error: ignore\n    limits: ${limits}\n`,
  );
  const r = await m.invoke("tool_pre_invoke", { name: "t", args: { text: "x".repeat(2000) } });
  expect(ran).toBe(1);
  return r.errors.map((e) => e.code ?? "");
}

describe("a guest looping over one import is stopped", () => {
  it("covers every import but the three that end a call by design", () => {
    expect(cases.length).toBe(Object.keys(CPEX_IMPORTS).length + Object.keys(WASI_IMPORTS).length - 3);
  });
  for (const [module, name, sig] of cases) {
    it(`${module}.${name}: timeout under a huge fuel budget, fuel_exhausted under a small one`, async () => {
      expect(await run(module, name, sig, "{ fuel: 1000000000000, timeout_ms: 15 }")).toEqual(["timeout"]);
      expect(await run(module, name, sig, "{ fuel: 2000000, timeout_ms: 60000 }")).toEqual([
        "fuel_exhausted",
      ]);
    });
  }
});
