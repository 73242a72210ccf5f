// The wasmtime cost model counts fuel in wasmtime's units (docs/instrumenter.md, "Cost models"). The cases are
// those of wasmtime's own fuel tests that use features the sandbox supports (no GC), each written here as a
// module whose function `f` the host calls; `wasmtime` is the total wasmtime's test expects for instantiating
// the module with `f` as its start function. wasmtime reaches a start function through 2 units of its own
// instantiation code, while a call from the host costs 1 + the function's operators (wasmtime's test of
// `get_fuel_clamps_at_zero`: an export of 3 operators costs 4): so an exported `f` costs `wasmtime - 2` there,
// and must cost exactly that here.
import { describe, expect, it } from "vitest";
import { FuelGauge, instrument } from "../../../src/hosts/wasm/meter/index.js";
import type { CostModel } from "../../../src/hosts/wasm/meter/options.js";
import { wat2wasm } from "../../helpers/wat.js";

const START_OVERHEAD = 2;

async function fuelOf(wat: string, model: CostModel, args: number[] = []) {
  const { bytes } = instrument(await wat2wasm(wat), { costModel: model });
  const gauge = new FuelGauge();
  gauge.begin({ budget: 1e12, deadline: Number.POSITIVE_INFINITY });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), gauge.imports);
  gauge.end();
  gauge.begin({ budget: 1e12, deadline: Number.POSITIVE_INFINITY });
  let trapped = false;
  try {
    (instance.exports.f as (...a: number[]) => unknown)(...args);
  } catch {
    trapped = true;
  }
  return { fuelUsed: gauge.end().fuelUsed, trapped };
}

const a = (n: number) => "a".repeat(n);
const fs = (n: number) => Array.from({ length: n }, () => "$f").join(" ");
const F = `(func $f (export "f")`;

/** [what, module, wasmtime's total for instantiate-and-start, whether f traps] */
type Case = readonly [what: string, wat: string, wasmtime: number, traps?: boolean];
const CASES: readonly Case[] = [
  ["an empty function", `(module ${F}))`, 3],
  ["a constant dropped (drop is free)", `(module ${F} i32.const 0 drop))`, 4],
  ["block/end are free", `(module ${F} block end))`, 3],
  ["unreachable is free", `(module ${F} unreachable))`, 3, true],
  ["code before unreachable", `(module ${F} ${"i32.const 0 ".repeat(6)}unreachable))`, 9, true],
  ["nothing after return", `(module ${F} return ${"i32.const 0 ".repeat(6)}unreachable))`, 3],
  ["an if not taken skips its arm", `(module ${F} i32.const 0 if call $f end))`, 5],
  ["an if taken runs its arm", `(module ${F} i32.const 1 if i32.const 0 drop end))`, 6],
  ["then arm of if/else", `(module ${F} i32.const 1 if i32.const 0 drop else call $f end))`, 6],
  ["else arm of if/else", `(module ${F} i32.const 0 if call $f else i32.const 0 drop end))`, 6],
  [
    "a taken br_if skips the rest of the block",
    `(module ${F} block i32.const 1 br_if 0 i32.const 0 drop end))`,
    5,
  ],
  ["a br_if not taken runs on", `(module ${F} block i32.const 0 br_if 0 i32.const 0 drop end))`, 6],
  ["code before unreachable (one operator)", `(module ${F} i32.const 0 unreachable))`, 4, true],
  ["code before return", `(module ${F} i32.const 0 return))`, 4],
  ["a call to an empty function", `(module ${F} call $other) (func $other))`, 5],
  [
    "a call with a parameter",
    `(module ${F} i32.const 0 call $other i32.const 0 drop) (func $other (param i32)))`,
    7,
  ],
  ["a call with a result", `(module ${F} call $other drop) (func $other (result i32) i32.const 0))`, 6],
  [
    "call_indirect",
    `(module ${F} i32.const 0 call_indirect) (func $other) (table funcref (elem $other)))`,
    6,
  ],
  ["an empty loop", `(module ${F} loop end))`, 3],
  [
    "10 iterations of a 5-operator loop",
    `(module ${F} (local i32) i32.const 10 local.set 0
       loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end))`,
    55,
  ],
  ...[100, 200].flatMap((n): Case[] => [
    [
      `memory.copy of ${n} bytes`,
      `(module (memory 1) ${F} i32.const 0 i32.const 0 i32.const ${n} memory.copy))`,
      n + 7,
    ],
    [
      `memory.fill of ${n} bytes`,
      `(module (memory 1) ${F} i32.const 0 i32.const 0 i32.const ${n} memory.fill))`,
      n + 7,
    ],
    [
      `table.copy of ${n} elements`,
      `(module (table ${n} funcref) ${F} i32.const 0 i32.const 0 i32.const ${n} table.copy))`,
      n + 7,
    ],
    [
      `table.fill of ${n} elements`,
      `(module (table ${n} funcref) ${F} i32.const 0 ref.null func i32.const ${n} table.fill))`,
      n + 7,
    ],
    [
      `table.grow by ${n} elements`,
      `(module (table 0 funcref) ${F} ref.null func i32.const ${n} table.grow drop))`,
      n + 6,
    ],
  ]),
  ...[20, 200].flatMap((n): Case[] => [
    [
      `memory.init of ${n} bytes`,
      `(module (memory 1) ${F} i32.const 0 i32.const 0 i32.const ${n} memory.init $d) (data $d "${a(n === 20 ? 59 : n)}"))`,
      n + 7,
    ],
    [
      `table.init of ${n} elements`,
      `(module (table ${n} funcref) ${F} i32.const 0 i32.const 0 i32.const ${n} table.init $e) (elem $e func ${fs(n)}))`,
      n + 7,
    ],
  ]),
];

describe("wasmtime cost model: fuel in wasmtime's units", () => {
  for (const [what, wat, wasmtime, traps = false] of CASES) {
    it(`${what}: ${wasmtime} in wasmtime`, async () => {
      const got = await fuelOf(wat, "wasmtime");
      expect(got.trapped).toBe(traps);
      expect(got.fuelUsed).toBe(wasmtime - START_OVERHEAD);
    });
  }

  it("an export of three operators costs 4, as in wasmtime", async () => {
    const wat = `(module (func (export "f") (param i32) (result i32) local.get 0 i32.const 2 i32.add))`;
    expect((await fuelOf(wat, "wasmtime", [10])).fuelUsed).toBe(4);
  });

  it("memory.grow costs 1 (no charge per page)", async () => {
    const wat = `(module (memory 1 10) ${F} i32.const 5 memory.grow drop))`;
    expect((await fuelOf(wat, "wasmtime")).fuelUsed).toBe(1 + 2);
  });

  it("a br_table leaves: nothing after it is charged", async () => {
    const wat = `(module ${F} (param i32) block block local.get 0 br_table 0 1 i32.const 9 drop end i32.const 1 drop end))`;
    // entry 1 + local.get 1 + br_table 1; then target 0 runs i32.const (1), target 1 does not.
    expect((await fuelOf(wat, "wasmtime", [0])).fuelUsed).toBe(4);
    expect((await fuelOf(wat, "wasmtime", [1])).fuelUsed).toBe(3);
  });

  it("an if/else with arms of different cost charges the arm that ran", async () => {
    const wat = `(module ${F} (param i32) local.get 0 if i32.const 1 i32.const 2 i32.add drop else i32.const 3 drop end))`;
    // entry 1 + local.get 1 + if 1, then arm 3 (const, const, add) or else arm 1.
    expect((await fuelOf(wat, "wasmtime", [1])).fuelUsed).toBe(6);
    expect((await fuelOf(wat, "wasmtime", [0])).fuelUsed).toBe(4);
  });

  it("the cpex model charges early exits as if they ran on (documented difference)", async () => {
    const brIf = `(module ${F} block i32.const 1 br_if 0 i32.const 0 drop end))`;
    expect((await fuelOf(brIf, "cpex")).fuelUsed).toBe(4); // const, br_if, const, drop
    expect((await fuelOf(brIf, "wasmtime")).fuelUsed).toBe(3);
  });
});
