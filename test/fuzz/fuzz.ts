// Differential fuzzing of the instrumenter: random modules from binaryen (`wasm-opt -ttf`, seeded), every export
// run on the original and on the instrumented module; results, traps and the sequence of logged values must be
// identical (huge budget), and with a small budget each call must be identical or stopped by fuel.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readModule } from "../../src/hosts/wasm/binary/module.js";
import { FuelGauge, instrument } from "../../src/hosts/wasm/meter/index.js";
import { loadWasmOpt, wasmOpt } from "./wasm-opt.js";

// `--mvp-features` first: the feature set is exactly this list whatever binaryen's version enables by default.
const FEATURES = [
  "--mvp-features",
  "--enable-bulk-memory",
  "--enable-nontrapping-float-to-int",
  "--enable-sign-ext",
  "--enable-mutable-globals",
  "--enable-simd",
  "--enable-multivalue",
  "--enable-tail-call",
];

export async function requireWasmOpt(): Promise<void> {
  await loadWasmOpt();
}

/** Deterministic bytes from a seed (xorshift32), the "random input" binaryen turns into a module. */
function randomBytes(seed: number, n: number): Uint8Array {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export async function generate(seed: number, dir: string): Promise<Uint8Array> {
  const input = join(dir, `${seed}.dat`);
  const output = join(dir, `${seed}.wasm`);
  writeFileSync(input, randomBytes(seed, 1024 + (seed % 7) * 1024));
  await wasmOpt([input, "-ttf", ...FEATURES, "--quiet", "-o", output]);
  return new Uint8Array(readFileSync(output));
}

/** Far above what a terminating generated module uses (most need under 100,000), yet seconds at most to exhaust. */
const SCREEN_BUDGET = 10_000_000;

/** How deep exports may call each other through the harness. */
const MAX_REENTRY = 32;

const HARNESS_IMPORTS = new Set([
  "log-i32",
  "log-i64",
  "log-f32",
  "log-f64",
  "log-v128",
  "call-export",
  "call-export-catch",
  "sleep",
]);

type Value = string;

function show(v: unknown): Value {
  if (typeof v === "number") {
    const d = new DataView(new ArrayBuffer(8));
    d.setFloat64(0, v);
    return `n${d.getBigUint64(0)}`;
  }
  if (typeof v === "bigint") return `i${v}`;
  if (Array.isArray(v)) return `[${v.map(show).join(",")}]`;
  if (v === undefined) return "void";
  if (v === null) return "null";
  return typeof v;
}

interface Trial {
  readonly outcomes: string[];
  readonly fuelStopAt: number; // index of the first call stopped by fuel, or -1
}

function trial(
  bytes: Uint8Array,
  budget: number | undefined,
  calls: ReadonlyArray<{ name: string; args: unknown[] }>,
): Trial {
  const log: string[] = [];
  const logger =
    (kind: string) =>
    (...a: unknown[]) => {
      log.push(`${kind}(${a.map(show).join(",")})`);
    };
  const gauge = budget === undefined ? undefined : new FuelGauge({ sliceSize: 100_000 });
  // Newer binaryen modules call back into their own exports through the harness; the index is the position among
  // the function exports, called with no arguments (what cannot convert throws, the same on both sides).
  // Re-entry is capped: unbounded, it ends in a stack overflow whose depth differs between the plain and the
  // (larger-framed) instrumented module, which is not a difference in behaviour the instrumenter must preserve.
  let functionExports: Array<(...a: unknown[]) => unknown> = [];
  let depth = 0;
  const callExport = (index: unknown): unknown => {
    const f = functionExports[Number(index)];
    if (f === undefined) throw new Error(`call-export: no function export ${String(index)}`);
    if (depth >= MAX_REENTRY) throw new Error("call-export: re-entry limit");
    depth++;
    try {
      return f();
    } finally {
      depth--;
    }
  };
  const imports: WebAssembly.Imports = {
    "fuzzing-support": {
      "log-i32": logger("i32"),
      "log-i64": logger("i64"),
      "log-f32": logger("f32"),
      "log-f64": logger("f64"),
      "log-v128": logger("v128"),
      "call-export": (index: unknown) => {
        callExport(index);
      },
      // A guest may catch its own traps this way, never a fuel or deadline stop: the host does not hand those back.
      "call-export-catch": (index: unknown) => {
        try {
          callExport(index);
          return 0;
        } catch (e) {
          if (gauge?.stopReason) throw e;
          return 1;
        }
      },
      // JSPI's sleep, synchronous here: it returns its id as binaryen's harness does.
      sleep: (_ms: unknown, id: unknown) => id,
    },
    ...(gauge?.imports ?? {}),
  };
  const outcomes: string[] = [];
  let fuelStopAt = -1;
  const metered = <T>(fn: () => T): T => {
    gauge?.begin({ budget: budget!, deadline: Number.POSITIVE_INFINITY });
    try {
      return fn();
    } finally {
      gauge?.end();
    }
  };
  let instance: WebAssembly.Instance;
  try {
    instance = metered(
      () => new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports),
    );
  } catch (e) {
    if (gauge?.stopReason) return { outcomes: ["instantiate:fuel"], fuelStopAt: 0 };
    return { outcomes: [`instantiate:${(e as Error).name}:${(e as Error).message}`], fuelStopAt: -1 };
  }
  gauge?.attach(instance);
  functionExports = Object.values(instance.exports).filter(
    (v): v is (...a: unknown[]) => unknown => typeof v === "function",
  );
  const reset = instance.exports["hangLimitInitializer"] as (() => void) | undefined;
  calls.forEach(({ name, args }, i) => {
    if (fuelStopAt >= 0) return;
    log.length = 0;
    let result: string;
    try {
      const v = metered(() => {
        reset?.();
        return (instance.exports[name] as (...a: unknown[]) => unknown)(...args);
      });
      result = `ok:${show(v)}`;
    } catch (e) {
      if (gauge?.stopReason) {
        fuelStopAt = i;
        result = "fuel";
      } else {
        result = `${(e as Error).name}:${(e as Error).message}`;
      }
    }
    outcomes.push(`${name} ${result} log=${log.join(" ")}`);
  });
  return { outcomes, fuelStopAt };
}

/** Calls to make: every exported function whose parameters can cross the JS boundary, with zero arguments. */
function plan(bytes: Uint8Array): Array<{ name: string; args: unknown[] }> {
  const info = readModule(bytes);
  const funcImports = info.imports.filter((i) => i.kind === 0);
  const out: Array<{ name: string; args: unknown[] }> = [];
  for (const e of info.exports) {
    if (e.kind !== 0 || e.name === "hangLimitInitializer") continue;
    const t =
      info.types[
        e.index < funcImports.length
          ? funcImports[e.index]!.typeIndex!
          : info.funcTypes[e.index - funcImports.length]!
      ];
    if (t === undefined || [...t.params, ...t.results].some((v) => v === 0x7b)) continue;
    out.push({
      name: e.name,
      args: t.params.map((p) => (p === 0x7e ? 0n : p === 0x70 || p === 0x6f ? null : 0)),
    });
  }
  return out;
}

export interface FuzzResult {
  readonly seed: number;
  readonly status: "ok" | "mismatch" | "skipped";
  readonly detail?: string;
  readonly calls: number;
}

export async function fuzzOne(seed: number, dir: string): Promise<FuzzResult> {
  let plain: Uint8Array;
  try {
    plain = await generate(seed, dir);
  } catch (e) {
    return { seed, status: "skipped", detail: `wasm-opt: ${(e as Error).message.split("\n")[0]}`, calls: 0 };
  }
  if (!WebAssembly.validate(plain as Uint8Array<ArrayBuffer>))
    return { seed, status: "skipped", detail: "V8 rejects the module", calls: 0 };
  // An import the harness lacks would make both sides fail to link alike and pass as "identical": fail instead.
  const unknown = WebAssembly.Module.imports(new WebAssembly.Module(plain as Uint8Array<ArrayBuffer>)).filter(
    (i) => i.kind === "function" && !(i.module === "fuzzing-support" && HARNESS_IMPORTS.has(i.name)),
  );
  if (unknown.length > 0)
    return {
      seed,
      status: "mismatch",
      detail: `the harness does not provide ${unknown.map((i) => `${i.module}.${i.name}`).join(", ")}`,
      calls: 0,
    };
  let metered: Uint8Array;
  try {
    // Even seeds under the default (wasmtime) cost model, odd ones under the cpex model: both keep semantics.
    metered = instrument(plain, { costModel: seed % 2 === 0 ? "wasmtime" : "cpex" }).bytes;
  } catch (e) {
    return { seed, status: "mismatch", detail: `instrument failed: ${(e as Error).message}`, calls: 0 };
  }
  const calls = plan(plain);
  // binaryen's hang limit bounds each loop, but a guest that catches that trap through `call-export-catch` and
  // calls itself again can run for hours. The instrumented module goes first, under a budget far above what a
  // terminating module needs: a module that exhausts it is skipped, and only one that finished is run unmetered.
  const b = trial(metered, SCREEN_BUDGET, calls);
  if (b.fuelStopAt >= 0)
    return { seed, status: "skipped", detail: `runs past ${SCREEN_BUDGET} fuel`, calls: calls.length };
  const a = trial(plain, undefined, calls);
  for (let i = 0; i < Math.max(a.outcomes.length, b.outcomes.length); i++) {
    if (a.outcomes[i] !== b.outcomes[i]) {
      return {
        seed,
        status: "mismatch",
        detail: `plain: ${a.outcomes[i]}\n  instrumented: ${b.outcomes[i]}`,
        calls: calls.length,
      };
    }
  }
  const c = trial(metered, 20_000, calls);
  const upTo = c.fuelStopAt < 0 ? c.outcomes.length : c.fuelStopAt;
  for (let i = 0; i < upTo; i++) {
    if (c.outcomes[i] !== b.outcomes[i]) {
      return {
        seed,
        status: "mismatch",
        detail: `small budget: ${c.outcomes[i]}\n  expected: ${b.outcomes[i]}`,
        calls: calls.length,
      };
    }
  }
  return { seed, status: "ok", calls: calls.length };
}

export async function fuzz(count: number, seed: number, parallel = 2): Promise<FuzzResult[]> {
  await requireWasmOpt();
  const dir = mkdtempSync(join(tmpdir(), "cpex-fuzz-"));
  const results: FuzzResult[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await fuzzOne(seed + i, dir);
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function fuzzSummary(results: readonly FuzzResult[]): string {
  return `fuzz: ${results.length} modules, ${results.filter((r) => r.status === "mismatch").length} mismatches`;
}
