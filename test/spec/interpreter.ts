// Runs the commands of a wast2json script against V8, either on the original modules ("plain") or on the
// instrumented ones, and records one outcome per command so the two runs can be compared exactly.
//
// Values cross the JS boundary through a small generated wrapper module where possible, so floats and v128 are
// compared bit for bit (the JS API would canonicalise NaNs and cannot carry v128 at all).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writer } from "../../src/hosts/wasm/binary/bytes.js";
import { type FuncType, readModule } from "../../src/hosts/wasm/binary/module.js";
import { FuelGauge, instrument } from "../../src/hosts/wasm/meter/index.js";

export interface JsonValue {
  type: string;
  value?: string | string[];
  lane_type?: string;
}
export interface Action {
  type: "invoke" | "get";
  module?: string;
  field: string;
  args?: JsonValue[];
}
export interface Command {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  action?: Action;
  expected?: JsonValue[];
  text?: string;
  module_type?: "binary" | "text";
}

export type Mode = { kind: "plain" } | { kind: "instrumented"; budget: number };

/** One command's outcome: a canonical string, equal across runs iff behaviour is equal. */
export interface Outcome {
  readonly line: number;
  readonly type: string;
  readonly result: string;
  /** For assertions: whether the outcome satisfies the script's expectation. */
  readonly satisfied?: boolean;
  readonly fuelStop?: boolean;
}

const VT: Record<string, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};
const VT_NAME: Record<number, string> = Object.fromEntries(Object.entries(VT).map(([k, v]) => [v, k]));

const externs = new Map<string, object>();
function externValue(v: string): object {
  let o = externs.get(v);
  if (o === undefined) {
    o = { extern: v };
    externs.set(v, o);
  }
  return o;
}

function spectest(): WebAssembly.Imports {
  const noop = () => {};
  return {
    spectest: {
      print: noop,
      print_i32: noop,
      print_i64: noop,
      print_f32: noop,
      print_f64: noop,
      print_i32_f32: noop,
      print_f64_f64: noop,
      global_i32: new WebAssembly.Global({ value: "i32", mutable: false }, 666),
      global_i64: new WebAssembly.Global({ value: "i64", mutable: false }, 666n),
      global_f32: new WebAssembly.Global({ value: "f32", mutable: false }, 666.6),
      global_f64: new WebAssembly.Global({ value: "f64", mutable: false }, 666.6),
      table: new WebAssembly.Table({ element: "anyfunc", initial: 10, maximum: 20 }),
      memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
    },
  };
}

interface Loaded {
  readonly instance: WebAssembly.Instance;
  readonly bytes: Uint8Array;
}

export class ScriptRun {
  private readonly modules = new Map<string, Loaded>();
  private readonly registered = new Map<string, WebAssembly.Exports>();
  private last: Loaded | undefined;
  private readonly gauges: FuelGauge[] = [];
  private readonly base = spectest();

  constructor(
    private readonly dir: string,
    private readonly mode: Mode,
  ) {}

  private prepare(bytes: Uint8Array): Uint8Array {
    if (this.mode.kind === "plain") return bytes;
    return instrument(bytes, {
      maxMemoryPages: 65536,
      maxTableElements: 10_000_000,
      maxSegments: 10_000_000,
      allowImportedMemory: true,
      allowImportedTables: true,
    }).bytes;
  }

  private imports(gauge: FuelGauge | undefined): WebAssembly.Imports {
    const imports: WebAssembly.Imports = { ...this.base, ...(gauge?.imports ?? {}) };
    for (const [name, exports] of this.registered) imports[name] = exports as WebAssembly.ModuleImports;
    return imports;
  }

  /** Run `fn` with every gauge started; "fuel" when a gauge stopped it. */
  private metered<T>(fn: () => T): { value?: T; error?: unknown; fuelStop: boolean } {
    const budget = this.mode.kind === "instrumented" ? this.mode.budget : 0;
    for (const g of this.gauges) g.begin({ budget, deadline: Number.POSITIVE_INFINITY });
    try {
      return { value: fn(), fuelStop: false };
    } catch (error) {
      return { error, fuelStop: this.gauges.some((g) => g.stopReason !== null) };
    } finally {
      for (const g of this.gauges) g.end();
    }
  }

  private instantiate(file: string): { loaded?: Loaded; error?: string; fuelStop: boolean } {
    const plain = new Uint8Array(readFileSync(join(this.dir, file)));
    let bytes: Uint8Array;
    try {
      bytes = this.prepare(plain);
    } catch (err) {
      return { error: `instrument: ${(err as Error).message}`, fuelStop: false };
    }
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (err) {
      return { error: `compile: ${(err as Error).name}`, fuelStop: false };
    }
    const gauge = this.mode.kind === "instrumented" ? new FuelGauge({ sliceSize: 1_000_000 }) : undefined;
    if (gauge !== undefined) this.gauges.push(gauge);
    const r = this.metered(() => new WebAssembly.Instance(module, this.imports(gauge)));
    if (r.error !== undefined) {
      if (gauge !== undefined) this.gauges.pop();
      return { error: `instantiate: ${(r.error as Error).name}`, fuelStop: r.fuelStop };
    }
    gauge?.attach(r.value!);
    return { loaded: { instance: r.value!, bytes: plain }, fuelStop: false };
  }

  run(cmd: Command): Outcome {
    const base = { line: cmd.line, type: cmd.type };
    switch (cmd.type) {
      case "module": {
        const r = this.instantiate(cmd.filename!);
        if (r.loaded !== undefined) {
          this.last = r.loaded;
          if (cmd.name !== undefined) this.modules.set(cmd.name, r.loaded);
        }
        return { ...base, result: r.error ?? "ok", fuelStop: r.fuelStop };
      }
      case "register": {
        const m = cmd.name !== undefined ? this.modules.get(cmd.name) : this.last;
        if (m !== undefined) this.registered.set(cmd.as!, m.instance.exports);
        return { ...base, result: m === undefined ? "no module" : "ok" };
      }
      case "action":
      case "assert_return":
      case "assert_trap":
      case "assert_exhaustion": {
        const r = this.action(cmd.action!);
        const satisfied =
          cmd.type === "assert_return"
            ? r.values !== undefined && matches(r.values, cmd.expected ?? [])
            : cmd.type === "assert_trap"
              ? r.result.startsWith("trap")
              : cmd.type === "assert_exhaustion"
                ? r.result.startsWith("exhaustion")
                : undefined;
        return {
          ...base,
          result: r.result,
          fuelStop: r.fuelStop,
          ...(satisfied === undefined ? {} : { satisfied }),
        };
      }
      case "assert_invalid":
      case "assert_malformed": {
        if (cmd.module_type === "text") return { ...base, result: "text (not applicable)" };
        const plain = new Uint8Array(readFileSync(join(this.dir, cmd.filename!)));
        let rejected: string;
        try {
          const bytes = this.prepare(plain);
          rejected = WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>) ? "accepted" : "rejected";
        } catch {
          rejected = "rejected";
        }
        return { ...base, result: rejected, satisfied: rejected === "rejected" };
      }
      case "assert_unlinkable":
      case "assert_uninstantiable": {
        const r = this.instantiate(cmd.filename!);
        const failed =
          r.error !== undefined && !r.error.startsWith("compile") && !r.error.startsWith("instrument");
        const kind = r.error?.includes("LinkError") ? "link" : r.error !== undefined ? "fail" : "ok";
        return {
          ...base,
          result: r.loaded !== undefined ? "instantiated" : `failed:${kind}`,
          satisfied: failed,
          fuelStop: r.fuelStop,
        };
      }
      default:
        return { ...base, result: `unknown command ${cmd.type}` };
    }
  }

  private target(action: Action): Loaded | undefined {
    return action.module !== undefined ? this.modules.get(action.module) : this.last;
  }

  private action(action: Action): { result: string; values?: string[]; fuelStop: boolean } {
    const m = this.target(action);
    if (m === undefined) return { result: "no module", fuelStop: false };
    const exp = m.instance.exports[action.field];
    if (action.type === "get") {
      if (!(exp instanceof WebAssembly.Global)) return { result: "no global", fuelStop: false };
      const v = [jsValue(exp.value)];
      return { result: `ok:${v.join(",")}`, values: v, fuelStop: false };
    }
    if (typeof exp !== "function") return { result: "no function", fuelStop: false };
    const sig = exportSignature(m.bytes, action.field);
    const args = action.args ?? [];
    const useWrapper =
      sig !== undefined && ![...sig.params, ...sig.results].some((t) => t === 0x70 || t === 0x6f);
    const r = this.metered(() =>
      useWrapper ? callViaWrapper(exp, sig!, args) : callViaJs(exp as JsFunction, args),
    );
    if (r.error !== undefined) {
      if (r.fuelStop) return { result: "fuel_exhausted", fuelStop: true };
      const e = r.error;
      if (e instanceof RangeError && /call stack/i.test(e.message))
        return { result: "exhaustion", fuelStop: false };
      if (e instanceof WebAssembly.RuntimeError) return { result: `trap:${e.message}`, fuelStop: false };
      return { result: `error:${(e as Error).name}:${(e as Error).message}`, fuelStop: false };
    }
    return { result: `ok:${r.value!.join(",")}`, values: r.value!, fuelStop: false };
  }
}

function exportSignature(bytes: Uint8Array, field: string): FuncType | undefined {
  const info = readModule(bytes);
  const e = info.exports.find((x) => x.name === field && x.kind === 0);
  if (e === undefined) return undefined;
  const funcImports = info.imports.filter((i) => i.kind === 0);
  const typeIndex =
    e.index < funcImports.length
      ? funcImports[e.index]!.typeIndex
      : info.funcTypes[e.index - funcImports.length];
  return typeIndex === undefined ? undefined : info.types[typeIndex];
}

// ---- values ---------------------------------------------------------------------------------------------------

function jsValue(v: unknown): string {
  if (typeof v === "number") {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v);
    return Number.isInteger(v) ? `n:${v}` : `f:${b.getBigUint64(0)}`;
  }
  if (typeof v === "bigint") return `i64:${BigInt.asUintN(64, v)}`;
  if (v === null) return "null";
  if (typeof v === "function") return "func";
  if (typeof v === "object") return `extern:${(v as { extern?: string }).extern ?? "?"}`;
  return String(v);
}

type JsFunction = (...args: unknown[]) => unknown;

function callViaJs(fn: JsFunction, args: JsonValue[]): string[] {
  const a = args.map((x) => {
    const v = x.value as string;
    switch (x.type) {
      case "i32":
        return Number(BigInt.asIntN(32, BigInt(v)));
      case "i64":
        return BigInt.asIntN(64, BigInt(v));
      case "f32": {
        const d = new DataView(new ArrayBuffer(4));
        d.setUint32(0, Number(v));
        return d.getFloat32(0);
      }
      case "f64": {
        const d = new DataView(new ArrayBuffer(8));
        d.setBigUint64(0, BigInt(v));
        return d.getFloat64(0);
      }
      case "externref":
        return v === "null" ? null : externValue(v);
      case "funcref":
        return null;
      default:
        throw new Error(`cannot pass ${x.type} through JS`);
    }
  });
  const r = fn(...a);
  const list = Array.isArray(r) ? r : r === undefined ? [] : [r];
  return list.map(jsValue);
}

/** Call through a generated module: arguments as constants, results reinterpreted as integers (exact bits). */
function callViaWrapper(fn: unknown, sig: FuncType, args: JsonValue[]): string[] {
  const w = new Writer(256);
  w.bytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  const outTypes: number[] = [];
  for (const t of sig.results) {
    if (t === 0x7b) outTypes.push(0x7e, 0x7e);
    else if (t === 0x7d) outTypes.push(0x7f);
    else if (t === 0x7c) outTypes.push(0x7e);
    else outTypes.push(t);
  }
  const section = (id: number, body: (s: Writer) => void) => {
    const s = new Writer(64);
    body(s);
    w.byte(id);
    w.sized(s.result());
  };
  section(1, (s) => {
    s.u32(2);
    s.byte(0x60);
    s.u32(sig.params.length);
    for (const p of sig.params) s.byte(p);
    s.u32(sig.results.length);
    for (const r of sig.results) s.byte(r);
    s.byte(0x60);
    s.u32(0);
    s.u32(outTypes.length);
    for (const r of outTypes) s.byte(r);
  });
  section(2, (s) => {
    s.u32(1);
    s.name("t");
    s.name("f");
    s.byte(0);
    s.u32(0);
  });
  section(3, (s) => {
    s.u32(1);
    s.u32(1);
  });
  section(7, (s) => {
    s.u32(1);
    s.name("w");
    s.byte(0);
    s.u32(1);
  });
  section(10, (s) => {
    const body = new Writer(128);
    body.u32(sig.results.length);
    for (const r of sig.results) {
      body.u32(1);
      body.byte(r);
    }
    args.forEach((a, i) => {
      pushConst(body, a, sig.params[i]!);
    });
    body.byte(0x10);
    body.u32(0);
    for (let i = sig.results.length - 1; i >= 0; i--) {
      body.byte(0x21);
      body.u32(i);
    }
    sig.results.forEach((t, i) => {
      if (t === 0x7b) {
        for (const lane of [0, 1]) {
          body.byte(0x20);
          body.u32(i);
          body.bytes(new Uint8Array([0xfd, 0x1d, lane])); // i64x2.extract_lane
        }
      } else {
        body.byte(0x20);
        body.u32(i);
        if (t === 0x7d) body.byte(0xbc); // i32.reinterpret_f32
        if (t === 0x7c) body.byte(0xbd); // i64.reinterpret_f64
      }
    });
    body.byte(0x0b);
    s.u32(1);
    s.sized(body.result());
  });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(w.result()), { t: { f: fn as JsFunction } });
  const r = (inst.exports["w"] as () => unknown)();
  const list = Array.isArray(r) ? r : r === undefined ? [] : [r];
  const out: string[] = [];
  let k = 0;
  for (const t of sig.results) {
    if (t === 0x7b) {
      out.push(`v128:${BigInt.asUintN(64, list[k] as bigint)}:${BigInt.asUintN(64, list[k + 1] as bigint)}`);
      k += 2;
    } else if (t === 0x7f) out.push(`i32:${(list[k++] as number) >>> 0}`);
    else if (t === 0x7d) out.push(`f32:${(list[k++] as number) >>> 0}`);
    else out.push(`${VT_NAME[t]}:${BigInt.asUintN(64, list[k++] as bigint)}`);
  }
  return out;
}

function pushConst(w: Writer, a: JsonValue, t: number): void {
  const v = a.value;
  switch (t) {
    case 0x7f:
      w.byte(0x41);
      w.s64(BigInt.asIntN(32, BigInt(v as string)));
      return;
    case 0x7e:
      w.byte(0x42);
      w.s64(BigInt.asIntN(64, BigInt(v as string)));
      return;
    case 0x7d: {
      w.byte(0x43);
      const d = new DataView(new ArrayBuffer(4));
      d.setUint32(0, Number(v), true);
      w.bytes(new Uint8Array(d.buffer));
      return;
    }
    case 0x7c: {
      w.byte(0x44);
      const d = new DataView(new ArrayBuffer(8));
      d.setBigUint64(0, BigInt(v as string), true);
      w.bytes(new Uint8Array(d.buffer));
      return;
    }
    case 0x7b: {
      w.bytes(new Uint8Array([0xfd, 0x0c]));
      w.bytes(v128Bytes(a));
      return;
    }
    default:
      throw new Error(`cannot build a constant of type ${t}`);
  }
}

const LANES: Record<string, [number, number]> = {
  i8: [16, 1],
  i16: [8, 2],
  i32: [4, 4],
  i64: [2, 8],
  f32: [4, 4],
  f64: [2, 8],
};

function v128Bytes(a: JsonValue): Uint8Array {
  const [count, size] = LANES[a.lane_type ?? "i32"]!;
  const out = new Uint8Array(16);
  const d = new DataView(out.buffer);
  const values = a.value as string[];
  for (let i = 0; i < count; i++) {
    const raw = values[i]!;
    const big = raw.startsWith("nan") ? (size === 4 ? 0x7fc00000n : 0x7ff8000000000000n) : BigInt(raw);
    if (size === 1) d.setUint8(i, Number(BigInt.asUintN(8, big)));
    else if (size === 2) d.setUint16(i * 2, Number(BigInt.asUintN(16, big)), true);
    else if (size === 4) d.setUint32(i * 4, Number(BigInt.asUintN(32, big)), true);
    else d.setBigUint64(i * 8, BigInt.asUintN(64, big), true);
  }
  return out;
}

// ---- expectations ---------------------------------------------------------------------------------------------

function isNanBits(bits: bigint, size: 4 | 8, canonical: boolean): boolean {
  if (size === 4) {
    const exp = (bits >> 23n) & 0xffn;
    const mant = bits & 0x7fffffn;
    if (exp !== 0xffn || mant === 0n) return false;
    return canonical ? mant === 0x400000n : (mant & 0x400000n) !== 0n;
  }
  const exp = (bits >> 52n) & 0x7ffn;
  const mant = bits & 0xfffffffffffffn;
  if (exp !== 0x7ffn || mant === 0n) return false;
  return canonical ? mant === 0x8000000000000n : (mant & 0x8000000000000n) !== 0n;
}

function matchOne(got: string, exp: JsonValue): boolean {
  const [type, ...rest] = got.split(":");
  const v = exp.value;
  switch (exp.type) {
    case "i32":
      return type === "i32" && BigInt(rest[0]!) === BigInt.asUintN(32, BigInt(v as string));
    case "i64":
      return type === "i64" && BigInt(rest[0]!) === BigInt.asUintN(64, BigInt(v as string));
    case "f32":
    case "f64": {
      const size = exp.type === "f32" ? 4 : 8;
      if (type !== exp.type) return false;
      const bits = BigInt(rest[0]!);
      if (v === "nan:canonical") return isNanBits(bits, size, true);
      if (v === "nan:arithmetic") return isNanBits(bits, size, false);
      return bits === BigInt(v as string);
    }
    case "v128": {
      if (type !== "v128") return false;
      const bytes = new Uint8Array(16);
      const d = new DataView(bytes.buffer);
      d.setBigUint64(0, BigInt(rest[0]!), true);
      d.setBigUint64(8, BigInt(rest[1]!), true);
      const [count, size] = LANES[exp.lane_type ?? "i32"]!;
      const values = v as string[];
      for (let i = 0; i < count; i++) {
        const e = values[i]!;
        let lane: bigint;
        if (size === 1) lane = BigInt(d.getUint8(i));
        else if (size === 2) lane = BigInt(d.getUint16(i * 2, true));
        else if (size === 4) lane = BigInt(d.getUint32(i * 4, true));
        else lane = d.getBigUint64(i * 8, true);
        if (e === "nan:canonical" || e === "nan:arithmetic") {
          if (!isNanBits(lane, size as 4 | 8, e === "nan:canonical")) return false;
        } else if (lane !== BigInt.asUintN(size * 8, BigInt(e))) return false;
      }
      return true;
    }
    case "externref":
      return v === "null" ? got === "null" : got === `extern:${v}`;
    case "funcref":
      return v === "null" ? got === "null" : got === "func";
    default:
      return false;
  }
}

function matches(got: string[], expected: JsonValue[]): boolean {
  // Values that crossed through JS come back as "n:" / "f:" / "i64:"; normalise them by the expected type.
  if (got.length !== expected.length) return false;
  return got.every((g, i) => matchOne(normalise(g, expected[i]!), expected[i]!));
}

function normalise(got: string, exp: JsonValue): string {
  if (got.startsWith("n:") || got.startsWith("f:")) {
    const num = got.startsWith("n:") ? Number(got.slice(2)) : fromBits(BigInt(got.slice(2)));
    if (exp.type === "i32") return `i32:${num >>> 0}`;
    const d = new DataView(new ArrayBuffer(8));
    if (exp.type === "f32") {
      d.setFloat32(0, num);
      return `f32:${d.getUint32(0)}`;
    }
    d.setFloat64(0, num);
    return `f64:${d.getBigUint64(0)}`;
  }
  return got;
}

function fromBits(b: bigint): number {
  const d = new DataView(new ArrayBuffer(8));
  d.setBigUint64(0, b);
  return d.getFloat64(0);
}
