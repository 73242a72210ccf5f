// Instrumenter: run-time overhead of fuel metering on CPU-bound guests, and instrumentation throughput.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { encode } from "../src/hosts/wasm/abi/msgpack.js";
import { GuestInstance } from "../src/hosts/wasm/guest.js";
import { DEFAULT_LIMITS } from "../src/hosts/wasm/limits.js";
import { FuelGauge, instrument } from "../src/hosts/wasm/meter/index.js";
import { type CostModel, DEFAULT_COST_MODEL } from "../src/hosts/wasm/meter/options.js";
import { realClock } from "../src/hosts/wasm/wasi/preview1.js";
import { wat2wasm } from "../test/helpers/wat.js";
import type { BenchSection } from "./run.js";
import { fmtNs, median, table, timeSync } from "./stats.js";

// The three workloads of the performance anchors (call-heavy, tight loop, branchy loop) plus a state machine.
const WORKLOADS: Record<string, string> = {
  "fib(25) — call-heavy": `
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (result i32) (call $fib (i32.const 25)))`,
  "FNV-1a over 64 KiB — tight loop": `
  (func (export "run") (result i32) (local $i i32) (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.const 65536)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 0x01000193)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $h))`,
  "byte classifier over 64 KiB — branchy loop": `
  (func (export "run") (result i32) (local $i i32) (local $c i32) (local $a i32) (local $b i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.const 65536)))
      (local.set $c (i32.load8_u (local.get $i)))
      (if (i32.lt_u (local.get $c) (i32.const 128))
        (then (if (i32.eq (i32.and (local.get $c) (i32.const 7)) (i32.const 3))
          (then (local.set $a (i32.add (local.get $a) (local.get $c))))))
        (else (local.set $b (i32.xor (local.get $b) (local.get $c)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.add (local.get $a) (local.get $b)))`,
  "token state machine over 64 KiB — br_table": `
  (func (export "run") (result i32) (local $i i32) (local $s i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.const 65536)))
      (block $next
        (block $s2 (block $s1 (block $s0
          (br_table $s0 $s1 $s2 (local.get $s)))
          ;; state 0: start of token on a letter-ish byte
          (local.set $s (i32.and (i32.load8_u (local.get $i)) (i32.const 1)))
          (br $next))
        ;; state 1: inside a token
        (if (i32.gt_u (i32.load8_u (local.get $i)) (i32.const 200)) (then (local.set $s (i32.const 2))))
        (br $next))
        ;; state 2: token end
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $s (i32.const 0)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $n))`,
};

/** How a guest runs: plain, or instrumented under one cost model. */
type Variant = "plain" | CostModel;
const VARIANTS: readonly Variant[] = ["plain", "cpex", "wasmtime"];

async function instance(body: string, variant: Variant): Promise<() => number> {
  const plain = await wat2wasm(`(module (memory (export "memory") 2) ${body})`);
  const metered = variant !== "plain";
  const bytes = metered ? instrument(plain, { costModel: variant }).bytes : plain;
  const gauge = new FuelGauge();
  const imports = metered ? gauge.imports : {};
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
  const mem = new Uint8Array((inst.exports["memory"] as WebAssembly.Memory).buffer);
  let x = 12345;
  for (let i = 0; i < 65536; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    mem[i] = x >>> 24;
  }
  const run = inst.exports["run"] as () => number;
  if (!metered) return run;
  return () => {
    gauge.begin({ budget: 1e15, deadline: Number.POSITIVE_INFINITY });
    const r = run();
    gauge.end();
    return r;
  };
}

/** Text of `size` bytes: words, with a few e-mail addresses, phone numbers and key-like tokens mixed in. */
function sampleText(size: number): string {
  const words = ["deploy", "the", "service", "with", "replicas", "and", "check", "logs", "before", "rollout"];
  const specials = ["alice.smith@example.com", "(555) 123-4567", "123-45-6789", "token_abcdef0123456789"];
  let out = "";
  let x = 7;
  while (out.length < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += (x >>> 28 === 0 ? specials[(x >>> 8) % specials.length] : words[(x >>> 8) % words.length]) + " ";
  }
  return out.slice(0, size);
}

/** A real example plugin (examples/plugins) called through the guest ABI, plain or instrumented. */
function pluginGuest(name: string, hook: string, payload: unknown, variant: Variant): () => number {
  const here = dirname(fileURLToPath(import.meta.url));
  const plain = new Uint8Array(readFileSync(join(here, `../examples/plugins/${name}/${name}.wasm`)));
  const bytes =
    variant === "plain" ? plain : instrument(plain, { maxMemoryPages: 1024, costModel: variant }).bytes;
  const guest = new GuestInstance({
    name,
    module: new WebAssembly.Module(bytes),
    limits: { ...DEFAULT_LIMITS, fuel: Number.MAX_SAFE_INTEGER, timeoutMs: 3_600_000 },
    memoryCapPages: 1024,
    configBytes: encode({}),
    env: {},
    clock: realClock,
    random: (out) => out.fill(4),
    log: () => undefined,
    keepResultBytes: true,
  });
  guest.start();
  const input = encode(payload);
  const empty = encode({});
  let last: Uint8Array | undefined;
  return () => {
    const r = guest.call({ hook, payload: () => input, extensions: () => empty, context: () => empty });
    if (r.kind !== "returned") throw new Error(`${name}: ${r.kind} ${"message" in r ? r.message : ""}`);
    last = r.resultBytes;
    return (last?.length ?? 0) * 1000 + r.status;
  };
}

/**
 * Instrumentation time of the compiled package, in a child process: what users run. (Through tsx every closure the
 * pass creates per function body is wrapped in a name-keeping helper, which costs ≈ 10 %.)
 */
function compiledThroughput(fixture: string): { ms: number; mbps: number } {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = mkdtempSync(join(tmpdir(), "cpex-build-"));
  execFileSync(process.execPath, [
    join(here, "../node_modules/typescript/bin/tsc"),
    "-p",
    join(here, "../tsconfig.build.json"),
    "--outDir",
    out,
  ]);
  const script = `
    import { readFileSync } from "node:fs";
    import { instrument } from ${JSON.stringify(pathToFileURL(join(out, "src/hosts/wasm/meter/index.js")).href)};
    const b = new Uint8Array(readFileSync(${JSON.stringify(fixture)}));
    for (let i = 0; i < 30; i++) instrument(b);
    const xs = [];
    for (let r = 0; r < 7; r++) { const t = performance.now(); for (let i = 0; i < 10; i++) instrument(b); xs.push((performance.now() - t) / 10); }
    xs.sort((a, b) => a - b);
    console.log(JSON.stringify({ ms: xs[3], mbps: b.length / 1e6 / (xs[3] / 1000) }));`;
  const result = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return JSON.parse(result.trim().split("\n").pop()!) as { ms: number; mbps: number };
}

export default async function bench(): Promise<BenchSection> {
  const rows: string[][] = [];
  const overheads: Record<CostModel, number[]> = { cpex: [], wasmtime: [] };
  const modelRatios: number[] = [];
  type Make = (variant: Variant) => Promise<() => number>;
  const guests: Array<[string, Make]> = [
    ...Object.entries(WORKLOADS).map(
      ([name, body]) => [name, (v: Variant) => instance(body, v)] as [string, Make],
    ),
    ...(
      [
        ["secrets_scanner on 64 KiB — real plugin", "secrets_scanner", 64 * 1024],
        ["pii_redactor on 16 KiB — real plugin", "pii_redactor", 16 * 1024],
        ["url_guard on 16 KiB — real plugin", "url_guard", 16 * 1024],
      ] as const
    ).map(([label, plugin, size]) => {
      const payload = { name: "run_shell", args: { script: sampleText(size) } };
      return [label, async (v: Variant) => pluginGuest(plugin, "tool_pre_invoke", payload, v)] as [
        string,
        Make,
      ];
    }),
  ];
  for (const [name, make] of guests) {
    const runs = await Promise.all(VARIANTS.map((v) => make(v)));
    const expected = runs[0]!();
    if (runs.some((run) => run() !== expected)) throw new Error(`${name}: results differ`);
    // Interleave rounds so machine noise hits every variant alike; TurboFan has tiered up after the warm-up.
    const times: number[][] = VARIANTS.map(() => []);
    for (let round = 0; round < 7; round++) {
      runs.forEach((run, i) => {
        times[i]!.push(timeSync(run, { batch: 50, batches: 3, warmup: round === 0 ? 300 : 10 }).nsPerOp);
      });
    }
    const [pa, pc, pw] = times.map((t) => median(t)) as [number, number, number];
    const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)} %`;
    overheads.cpex.push((pc / pa - 1) * 100);
    overheads.wasmtime.push((pw / pa - 1) * 100);
    modelRatios.push((pw / pc - 1) * 100);
    rows.push([
      name,
      fmtNs(pa),
      `${fmtNs(pc)} (${pct((pc / pa - 1) * 100)})`,
      `${fmtNs(pw)} (${pct((pw / pa - 1) * 100)})`,
      pct((pw / pc - 1) * 100),
    ]);
  }
  const summary = (xs: readonly number[]) => {
    const sorted = [...xs].sort((x, y) => x - y);
    const med = median(sorted);
    return `median **${med >= 0 ? "+" : ""}${med.toFixed(1)} %**, worst **+${Math.max(...sorted).toFixed(1)} %**`;
  };

  const here = dirname(fileURLToPath(import.meta.url));
  const fixture = join(here, "fixtures/rust-module.wasm");
  let throughput = "";
  if (existsSync(fixture)) {
    const bytes = new Uint8Array(readFileSync(fixture));
    const validate = timeSync(() => WebAssembly.validate(bytes), { batch: 5, batches: 7, warmup: 5 });
    const t = timeSync(() => instrument(bytes), { batch: 5, batches: 7, warmup: 30 });
    const mbps = bytes.length / 1e6 / (t.nsPerOp / 1e9);
    const compiled = compiledThroughput(fixture);
    const { report } = instrument(bytes);
    throughput = `
### Instrumentation throughput

\`bench/fixtures/rust-module.wasm\` (${(bytes.length / 1024).toFixed(0)} KiB, built from \`bench/fixtures/rust-module\` with the
Debian rustc 1.63: serde + rmp-serde + regex + serde_json, release, lto, strip; ${report.functions} functions):

${table(
  ["step", "time", "throughput"],
  [
    [
      "instrument(), compiled package (`npm run build` output, own process)",
      fmtNs(compiled.ms * 1e6),
      `${compiled.mbps.toFixed(0)} MB/s`,
    ],
    ["instrument(), from the TypeScript sources through tsx", fmtNs(t.nsPerOp), `${mbps.toFixed(0)} MB/s`],
    [
      "of which WebAssembly.validate(input)",
      fmtNs(validate.nsPerOp),
      `${(bytes.length / 1e6 / (validate.nsPerOp / 1e9)).toFixed(0)} MB/s`,
    ],
  ],
)}

Output ${(report.outputBytes / 1024).toFixed(0)} KiB (+${((report.outputBytes / report.inputBytes - 1) * 100).toFixed(1)} %), ${report.charges} charge points, ${report.checks} checks. Goal: ≥ 50 MB/s.`;
  }

  return {
    title: "Instrumenter: fuel overhead and throughput",
    markdown: `Each guest runs plain and instrumented (fuel metering + deadline checks, huge budget) under each cost model
(docs/instrumenter.md, "Cost models"; the default is \`${DEFAULT_COST_MODEL}\`) in the same process, interleaved,
after warm-up (TurboFan); medians of 7 rounds × 3 batches × 50 runs.

${table(["guest", "plain", "cpex model", "wasmtime model", "wasmtime vs cpex"], rows)}

Overhead over plain, cpex model: ${summary(overheads.cpex)}; wasmtime model: ${summary(overheads.wasmtime)}
(goal: median ≤ 10 %, worst ≤ 25 %). The wasmtime model against the cpex model: ${summary(modelRatios)}
(it is the default when its median is within 2 %).
${throughput}`,
  };
}
