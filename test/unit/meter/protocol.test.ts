import { describe, expect, it } from "vitest";
import { Reader } from "../../../src/hosts/wasm/binary/bytes.js";
import { readModule } from "../../../src/hosts/wasm/binary/module.js";
import {
  FuelGauge,
  InstrumentOptionsError,
  instrument,
  METER_MODULE,
} from "../../../src/hosts/wasm/meter/index.js";
import { BodyPlan } from "../../../src/hosts/wasm/meter/plan.js";
import { wat2wasm } from "../../helpers/wat.js";

function run(bytes: Uint8Array<ArrayBuffer>, gauge: FuelGauge, extra: WebAssembly.Imports = {}) {
  gauge.begin({ budget: 1e12, deadline: Number.POSITIVE_INFINITY });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { ...extra, ...gauge.imports });
  gauge.end();
  return instance;
}

describe("the counter is an import", () => {
  it("imports __cpex_meter.fuel and refill and adds no export", async () => {
    const plain = await wat2wasm(`(module (memory (export "memory") 1) (func (export "f")))`);
    const module = new WebAssembly.Module(instrument(plain).bytes);
    expect(WebAssembly.Module.exports(module)).toEqual(
      WebAssembly.Module.exports(new WebAssembly.Module(plain)),
    );
    expect(WebAssembly.Module.imports(module)).toEqual([
      { module: METER_MODULE, name: "refill", kind: "function" },
      { module: METER_MODULE, name: "fuel", kind: "global" },
    ]);
  });

  it("each instance of one module meters with its own gauge's counter", async () => {
    const plain = await wat2wasm(`(module (func (export "spin") (param i32) (local i32)
      (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))))`);
    const bytes = instrument(plain).bytes;
    const a = new FuelGauge();
    const b = new FuelGauge();
    const ia = run(bytes, a);
    const ib = run(bytes, b);
    a.begin({ budget: 1e9, deadline: Number.POSITIVE_INFINITY });
    b.begin({ budget: 1e9, deadline: Number.POSITIVE_INFINITY });
    (ia.exports["spin"] as (n: number) => void)(1000);
    (ib.exports["spin"] as (n: number) => void)(10);
    const fa = a.end().fuelUsed;
    const fb = b.end().fuelUsed;
    expect(fa).toBeGreaterThan(fb * 50);
    // The same call again costs the same: one gauge's work never shows up on the other.
    b.begin({ budget: 1e9, deadline: Number.POSITIVE_INFINITY });
    (ib.exports["spin"] as (n: number) => void)(10);
    expect(b.end().fuelUsed).toBe(fb);
  });

  it("renumbers globals past the counter in code, constant expressions, data offsets and exports", async () => {
    const plain = await wat2wasm(`(module
      (import "env" "base" (global $base i32))
      (global $own (mut i32) (global.get $base))
      (global $k (export "k") i32 (i32.const 42))
      (memory (export "memory") 1)
      (data (global.get $base) "\\2a")
      (func (export "f") (result i32)
        (global.set $own (i32.add (global.get $own) (global.get $k)))
        (i32.add (global.get $own) (i32.load8_u (global.get $base)))))`);
    const base = new WebAssembly.Global({ value: "i32", mutable: false }, 8);
    const inst = run(instrument(plain).bytes, new FuelGauge(), { env: { base } });
    expect((inst.exports["k"] as WebAssembly.Global).value).toBe(42);
    expect((inst.exports["f"] as () => number)()).toBe(8 + 42 + 42);
    expect((inst.exports["f"] as () => number)()).toBe(8 + 84 + 42);
  });
});

describe("options are validated", () => {
  it.each([
    ["maxMemoryPages", Number.POSITIVE_INFINITY],
    ["maxMemoryPages", 70_000],
    ["maxMemoryPages", 1.5],
    ["maxMemoryPages", -1],
    ["maxMemoryPages", Number.NaN],
    ["maxTableElements", 1e12],
    ["maxTables", 0.5],
    ["maxSegments", -3],
  ])("%s = %s is refused with a clear error", async (name, value) => {
    const plain = await wat2wasm(`(module (memory 1))`);
    expect(() => instrument(plain, { [name]: value })).toThrow(InstrumentOptionsError);
    expect(() => instrument(plain, { [name]: value })).toThrow(new RegExp(`${name} must be an integer`));
  });

  it("the largest valid memory cap writes a module V8 accepts", async () => {
    const plain = await wat2wasm(`(module (memory 1))`);
    const { bytes, report } = instrument(plain, { maxMemoryPages: 65536 });
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(report.memory?.maxPages).toBe(65536);
  });

  it("a lowered declared maximum is reported; a kept one is not", async () => {
    const lowered = instrument(await wat2wasm(`(module (memory 1 2048) (table 4 100 funcref))`), {
      maxMemoryPages: 1024,
      maxTableElements: 50,
    }).report;
    expect(lowered.memory).toEqual({ minPages: 1, maxPages: 1024, declaredMaxPages: 2048 });
    expect(lowered.adjustments).toEqual([
      "table 0: declared maximum 100 elements lowered to 50 (maxTableElements 50 shared by 1 tables)",
      "memory 0: declared maximum 2048 pages lowered to 1024 (the memory cap)",
    ]);
    const kept = instrument(await wat2wasm(`(module (memory 1 2))`), { maxMemoryPages: 16 }).report;
    expect(kept.adjustments).toEqual([]);
  });
});

/** The plan of the only function of `wat`. */
async function planOf(wat: string): Promise<BodyPlan> {
  const bytes = await wat2wasm(wat);
  const info = readModule(bytes);
  const code = info.sections.find((s) => s.id === 10)!;
  const r = new Reader(bytes, code.start, code.end);
  r.u32(); // one body
  const size = r.u32();
  const body = new Reader(bytes, r.pos, r.pos + size);
  const groups = body.u32();
  for (let i = 0; i < groups; i++) {
    body.u32();
    body.byte();
  }
  const plan = new BodyPlan();
  plan.decodeBody(body, undefined);
  plan.planRegions(info.types, bytes);
  return plan;
}

const regions = (p: BodyPlan): number[] => p.regionCosts();

describe("plan", () => {
  it("straight-line code is one region; a flat if folds into it at its costlier arm", async () => {
    const p = await planOf(`(module (func (param i32) (result i32)
      (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.add (i32.const 2) (i32.const 3))))))`);
    // local.get, if, [else arm: i32.const, i32.const, i32.add] = 5; the final end is free.
    expect(regions(p)).toEqual([5]);
    expect(p.boundedLeaf).toBe(true);
  });

  it("a loop header starts a region; a loop is wrapped unless it has parameters", async () => {
    const p = await planOf(`(module (func (param i32)
      (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))`);
    // entry region: the `loop` itself (free); the loop body: local.get, i32.const, i32.sub, local.tee, br_if.
    expect(regions(p)).toEqual([0, 5, 0]);
    expect(p.wrap[0]).toBe(1); // event 0 is the loop
    expect(p.boundedLeaf).toBe(false);
  });

  it("calls and sized operations make a function unbounded", async () => {
    expect((await planOf(`(module (func $f (call $f)))`)).boundedLeaf).toBe(false);
    expect((await planOf(`(module (memory 1) (func (drop (memory.grow (i32.const 1)))))`)).boundedLeaf).toBe(
      false,
    );
  });
});

describe("bounded leaves", () => {
  it("get no entry check but are still charged exactly", async () => {
    const leaf = instrument(await wat2wasm(`(module (func (export "f") (result i32) (i32.const 1)))`)).report;
    expect(leaf.checks).toBe(0);
    expect(leaf.charges).toBe(1);
    const caller = instrument(
      await wat2wasm(`(module (func $leaf (result i32) (i32.const 1))
        (func (export "f") (result i32) (i32.add (call $leaf) (call $leaf))))`),
    );
    expect(caller.report.checks).toBe(1); // the caller's entry only
    const gauge = new FuelGauge();
    const inst = run(caller.bytes, gauge);
    gauge.begin({ budget: 1e9, deadline: Number.POSITIVE_INFINITY });
    expect((inst.exports["f"] as () => number)()).toBe(2);
    // caller: call, call, i32.add = 3; each leaf: i32.const = 1 (the default cpex model).
    expect(gauge.end().fuelUsed).toBe(5);
  });

  it("a loop calling a leaf still stops at the budget", async () => {
    const { bytes } = instrument(
      await wat2wasm(`(module (func $leaf (result i32) (i32.const 1))
        (func (export "spin") (loop $l (drop (call $leaf)) (br $l))))`),
    );
    const gauge = new FuelGauge({ sliceSize: 1000 });
    const inst = run(bytes, gauge);
    gauge.begin({ budget: 50_000, deadline: Number.POSITIVE_INFINITY });
    expect(() => (inst.exports["spin"] as () => void)()).toThrow(WebAssembly.RuntimeError);
    expect(gauge.stopReason).toBe("fuel_exhausted");
    const used = gauge.end().fuelUsed;
    expect(used).toBeGreaterThanOrEqual(50_000);
    expect(used).toBeLessThan(50_010); // one loop iteration past the budget at most
  });
});
