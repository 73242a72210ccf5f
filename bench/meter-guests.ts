// Guests for the instrumenter's benchmarks (meter, cost-models): CPU-bound WAT workloads and the five example
// plugins on their seeded 16 KiB payloads, each built plain or instrumented under one cost model.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encode } from "../src/hosts/wasm/abi/msgpack.js";
import { GuestInstance } from "../src/hosts/wasm/guest.js";
import { DEFAULT_LIMITS } from "../src/hosts/wasm/limits.js";
import { FuelGauge, instrument } from "../src/hosts/wasm/meter/index.js";
import type { CostModel } from "../src/hosts/wasm/meter/options.js";
import { realClock } from "../src/hosts/wasm/wasi/preview1.js";
import { wat2wasm } from "../test/helpers/wat.js";
import { WORKLOADS as PLUGIN_WORKLOADS, PLUGINS, type PluginName } from "./plugin-payloads.js";

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
export type Variant = "plain" | CostModel;

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

/** A real example plugin (examples/plugins) called through the guest ABI, plain or instrumented. */
function pluginGuest(name: PluginName, size: number, variant: Variant): () => number {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, `../examples/plugins/${name}`);
  const plain = new Uint8Array(readFileSync(join(dir, `${name}.wasm`)));
  const vectors = JSON.parse(readFileSync(join(dir, "vectors.json"), "utf8")) as { config?: unknown };
  const bytes =
    variant === "plain" ? plain : instrument(plain, { maxMemoryPages: 1024, costModel: variant }).bytes;
  const guest = new GuestInstance({
    name,
    module: new WebAssembly.Module(bytes),
    limits: { ...DEFAULT_LIMITS, fuel: Number.MAX_SAFE_INTEGER, timeoutMs: 3_600_000 },
    memoryCapPages: 1024,
    configBytes: encode(vectors.config ?? {}),
    env: {},
    clock: realClock,
    random: (out) => out.fill(4),
    log: () => undefined,
    keepResultBytes: true,
  });
  guest.start();
  // The same seeded payload as the per-plugin benchmark (bench/plugin-payloads.ts), encoded once: this measures
  // the guest, not the host's encoding.
  const workload = PLUGIN_WORKLOADS[name];
  const made = workload.make(1, size);
  const input = encode(made.payload);
  const extensions = encode(made.extensions ?? {});
  const empty = encode({});
  let last: Uint8Array | undefined;
  return () => {
    const r = guest.call({
      hook: workload.hook,
      payload: () => input,
      extensions: () => extensions,
      context: () => empty,
    });
    if (r.kind !== "returned") throw new Error(`${name}: ${r.kind} ${"message" in r ? r.message : ""}`);
    last = r.resultBytes;
    return (last?.length ?? 0) * 1000 + r.status;
  };
}

/** Every guest by name: a builder of its run function for one variant. */
export const GUESTS: ReadonlyArray<readonly [string, (variant: Variant) => Promise<() => number>]> = [
  ...Object.entries(WORKLOADS).map(([name, body]) => [name, (v: Variant) => instance(body, v)] as const),
  ...PLUGINS.map(
    (plugin) =>
      [`${plugin} on 16 KiB — real plugin`, async (v: Variant) => pluginGuest(plugin, 16 * 1024, v)] as const,
  ),
];
