import { describe, expect, it } from "vitest";
import { FuelGauge, instrument } from "../../../src/hosts/wasm/meter/index.js";
import { COST_MODELS, type CostModel } from "../../../src/hosts/wasm/meter/options.js";
import { wat2wasm } from "../../helpers/wat.js";

async function load(
  wat: string,
  opts: { maxMemoryPages?: number; sliceSize?: number; costModel?: CostModel } = {},
) {
  const plain = await wat2wasm(wat);
  const { bytes, report } = instrument(plain, {
    ...(opts.maxMemoryPages === undefined ? {} : { maxMemoryPages: opts.maxMemoryPages }),
    ...(opts.costModel === undefined ? {} : { costModel: opts.costModel }),
  });
  const gauge = new FuelGauge(opts.sliceSize === undefined ? {} : { sliceSize: opts.sliceSize });
  gauge.begin({ budget: 1e15, deadline: Number.POSITIVE_INFINITY });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), gauge.imports);
  gauge.end();
  const call = (name: string, args: unknown[] = [], budget = 1e12, deadlineMs = Number.POSITIVE_INFINITY) => {
    gauge.begin({
      budget,
      deadline: deadlineMs === Number.POSITIVE_INFINITY ? deadlineMs : performance.now() + deadlineMs,
    });
    let value: unknown;
    let error: unknown;
    try {
      value = (instance.exports[name] as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      error = e;
    }
    const { fuelUsed } = gauge.end();
    return { value, error, fuelUsed, stop: gauge.stopReason };
  };
  const plainInstance = new WebAssembly.Instance(new WebAssembly.Module(plain), {});
  return { call, report, instance, plainInstance };
}

// Each count under both cost models (docs/instrumenter.md, "Cost models"): `by[model]`. The wasmtime model's
// agreement with wasmtime's own totals is in wasmtime-units.test.ts.
describe.each(COST_MODELS)("fuel: exact counts (%s model)", (costModel) => {
  const by = (counts: Record<CostModel, number>) => counts[costModel];
  const loadAs = (wat: string, opts: { sliceSize?: number } = {}) => load(wat, { ...opts, costModel });

  it("straight-line code costs one per instruction (structural ones are free)", async () => {
    const { call } = await loadAs(
      `(module (func (export "f") (result i32) i32.const 1 i32.const 2 i32.add))`,
    );
    // wasmtime: + 1 for entering the function.
    const n = by({ cpex: 3, wasmtime: 4 });
    expect(call("f")).toMatchObject({ value: 3, fuelUsed: n });
    expect(call("f").fuelUsed).toBe(n); // reproducible
  });

  it("a loop is charged per iteration", async () => {
    const wat = `(module (func (export "f") (param $n i32) (result i32) (local $i i32)
      (block $out (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.get $i)))`;
    const { call } = await loadAs(wat);
    // cpex: the loop body is one metered region charged on entry at the header: local.get, local.get, i32.ge_u,
    // br_if, local.get, i32.const, i32.add, local.set, br = 9 — also on the final pass that leaves through br_if
    // (early exits are charged as if they ran to the end). After the loop: local.get (1).
    // wasmtime: entry 1; the final pass stops at the br_if (4 of the 9); after the loop 1.
    const f = (n: number) => call("f", [n]).fuelUsed;
    expect(f(0)).toBe(by({ cpex: 10, wasmtime: 6 }));
    expect(f(1)).toBe(by({ cpex: 19, wasmtime: 15 }));
    expect(f(10)).toBe(by({ cpex: 100, wasmtime: 96 }));
    expect(f(10) - f(9)).toBe(9);
  });

  it("fuel used does not depend on the slice size (refills inside loops are exact)", async () => {
    const wat = `(module (func (export "f") (param $n i32) (result i32) (local $i i32)
      (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $i)))`;
    const big = await loadAs(wat);
    const small = await loadAs(wat, { sliceSize: 97 });
    const a = big.call("f", [100_000]);
    const b = small.call("f", [100_000]);
    expect(b.value).toBe(100_000);
    expect(b.fuelUsed).toBe(a.fuelUsed);
  });

  it("recursion: each call pays for its own body", async () => {
    const wat = `(module (func $fib (export "fib") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2))))))))`;
    const { call, plainInstance } = await loadAs(wat);
    const a = call("fib", [20]);
    expect(a.value).toBe((plainInstance.exports["fib"] as (n: number) => number)(20));
    expect(call("fib", [20]).fuelUsed).toBe(a.fuelUsed);
    // cpex: a flat if/else is charged its costlier arm up front: local.get, i32.const, i32.lt_u, if (4) + the
    // else arm (local.get, i32.const, i32.sub, call, local.get, i32.const, i32.sub, call, i32.add = 9) = 13 a call.
    // wasmtime: entry 1 + 4 + the arm that runs: then 1 (fib(0), fib(1): 6), else 9 (fib(2): 14 + 6 + 6).
    expect(call("fib", [1]).fuelUsed).toBe(by({ cpex: 13, wasmtime: 6 }));
    expect(call("fib", [2]).fuelUsed).toBe(by({ cpex: 39, wasmtime: 26 }));
  });

  it("br_table and tail calls are metered and keep their semantics", async () => {
    const wat = `(module
      (func $sel (export "sel") (param i32) (result i32)
        (block $c (block $b (block $a (br_table $a $b $c (local.get 0))) (return (i32.const 10))) (return (i32.const 20)))
        (i32.const 30))
      (func $count (export "count") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7)) (else (return_call $count (i32.sub (local.get 0) (i32.const 1)))))))`;
    const { call } = await loadAs(wat);
    expect([0, 1, 2, 9].map((i) => call("sel", [i]).value)).toEqual([10, 20, 30, 30]);
    // cpex: local.get, br_table, i32.const, return; wasmtime: entry, local.get, br_table, i32.const (return is free).
    expect(call("sel", [0]).fuelUsed).toBe(4);
    const deep = call("count", [1_000_000]);
    expect(deep.value).toBe(7); // a real tail call: no stack overflow
    // cpex, per call: local.get, i32.eqz, if (3) + the costlier arm (local.get, i32.const, i32.sub, return_call).
    // wasmtime: entry 1 + 3 + the arm that runs (4 on the way down, i32.const = 1 at the bottom).
    expect(deep.fuelUsed).toBe(by({ cpex: 1_000_001 * 7, wasmtime: 1_000_000 * 8 + 5 }));
  });

  it("bulk memory operations are charged by size before they run", async () => {
    const wat = `(module (memory 2) (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 1) (local.get 0))))`;
    const { call } = await loadAs(wat);
    const small = call("fill", [0]).fuelUsed;
    expect(call("fill", [1600]).fuelUsed - small).toBe(by({ cpex: 100, wasmtime: 1600 })); // per 16 bytes / per byte
    // A fill beyond the budget never starts: stopped with fuel_exhausted, not a memory trap.
    const r = call("fill", [131072], 1000);
    expect(r.stop).toBe("fuel_exhausted");
  });
});

describe("fuel: stops", () => {
  it("an infinite loop stops with fuel_exhausted at the budget", async () => {
    const { call } = await load(`(module (func (export "spin") (loop $l (br $l))))`);
    const r = call("spin", [], 10_000);
    expect(r.stop).toBe("fuel_exhausted");
    expect(r.error).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(r.fuelUsed).toBeGreaterThanOrEqual(10_000);
    expect(r.fuelUsed).toBeLessThan(10_010);
    expect(call("spin", [], 10_000).fuelUsed).toBe(r.fuelUsed);
  });

  it("an infinite loop stops at the deadline with a huge budget", async () => {
    const { call } = await load(`(module (func (export "spin") (loop $l (br $l))))`);
    const t = performance.now();
    const r = call("spin", [], 1e15, 20);
    const elapsed = performance.now() - t;
    expect(r.stop).toBe("timeout");
    expect(elapsed).toBeGreaterThanOrEqual(20);
    expect(elapsed).toBeLessThan(2000); // generous: only checks that it stops, speed is in the benchmarks
  });

  it("a loop of memory.fill stops at the deadline", async () => {
    const { call } = await load(
      `(module (memory 256) (func (export "f") (loop $l (memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216)) (br $l))))`,
    );
    const r = call("f", [], 1e15, 20);
    expect(r.stop).toBe("timeout");
  });

  it("infinite recursion ends as a stack-overflow trap, not a hang", async () => {
    const { call } = await load(`(module (func $f (export "f") (call $f)))`);
    const r = call("f");
    expect(r.error).toBeInstanceOf(RangeError);
    expect(r.stop).toBeNull();
  });

  it("the guest cannot read or write the fuel counter, and the exports are the original ones", async () => {
    // The fuel global is imported after the module's own imported globals and the module's globals are
    // renumbered past it: every original instruction still names the global it named.
    const { report, instance, call } = await load(
      `(module (global $g (export "g") (mut i32) (i32.const 0))
        (func (export "f") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g)))`,
    );
    expect(report.exports.map((e) => e.name)).toEqual(["g", "f"]);
    expect(Object.keys(instance.exports)).toEqual(["g", "f"]);
    expect(call("f").value).toBe(1);
    expect(call("f").value).toBe(2);
    expect((instance.exports["g"] as WebAssembly.Global).value).toBe(2);
  });
});

describe("limits", () => {
  it("memory.grow beyond the cap returns -1", async () => {
    const { call } = await load(
      `(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`,
      {
        maxMemoryPages: 4,
      },
    );
    expect(call("grow", [2]).value).toBe(1);
    expect(call("grow", [2]).value).toBe(-1);
    expect(call("grow", [1]).value).toBe(3);
    expect(call("grow", [1]).value).toBe(-1);
  });

  it("a declared maximum below the cap is kept", async () => {
    const { report } = await load(`(module (memory 1 2))`, { maxMemoryPages: 16 });
    expect(report.memory).toEqual({ minPages: 1, maxPages: 2, declaredMaxPages: 2 });
  });

  it("a minimum above the cap is a clear error", async () => {
    await expect(load(`(module (memory 20))`, { maxMemoryPages: 16 })).rejects.toThrow(
      /memory needs 20 pages .* the limit is 16 pages/,
    );
  });

  it.each([
    ["exception handling", `(module (func (try (do) (catch_all))))`, /exception handling/],
    ["reserved export", `(module (func (export "__cpex_fuel")))`, /reserved/],
    ["reserved import", `(module (import "__cpex_meter" "refill" (func)))`, /reserved/],
    ["imported memory", `(module (import "env" "m" (memory 1)))`, /imported memory/],
  ])("rejects %s", async (_, wat, message) => {
    await expect(load(wat)).rejects.toThrow(message);
  });

  it("rejects shared memory (threads)", () => {
    // (module (memory 1 1 shared)) — written by hand: wabt's validator refuses it without the threads feature.
    const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 4, 1, 3, 1, 1]);
    expect(() => instrument(bytes)).toThrow(/shared memory/);
  });
});

describe("binary", () => {
  it("accepts padded (non-minimal) LEB128", async () => {
    // (func (result i32) i32.const 5) with the type index of the function section padded to 5 bytes.
    const bytes = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 6, 1, 0x80, 0x80, 0x80, 0x80, 0, 7, 5, 1, 1,
      102, 0, 0, 10, 6, 1, 4, 0, 65, 5, 11,
    ]);
    const { bytes: out } = instrument(bytes);
    const gauge = new FuelGauge();
    gauge.begin({ budget: 100, deadline: Number.POSITIVE_INFINITY });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(out), gauge.imports);
    expect((inst.exports["f"] as () => number)()).toBe(5);
  });

  it("keeps the name section consistent with the shifted function indices", async () => {
    const plain = await wat2wasm(
      `(module (import "m" "imp" (func $imp)) (func $first (export "a")) (func $second (export "b")))`,
    );
    const { bytes } = instrument(plain);
    const names = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), "name");
    expect(names).toHaveLength(1);
    const text = new TextDecoder().decode(names[0]);
    expect(text).toContain("__cpex_refill");
    expect(text.indexOf("imp")).toBeLessThan(text.indexOf("__cpex_refill"));
    expect(text.indexOf("__cpex_refill")).toBeLessThan(text.indexOf("first"));
  });
});
