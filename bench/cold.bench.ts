// Cold start: what a freshly started gateway pays to load each example plugin, measured from the compiled
// package (`npm run build` output) in a fresh `node` process per figure, with no warm-up.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchSection } from "./run.js";
import { median, table } from "./stats.js";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "../dist/src/hosts/wasm");
const PLUGINS = ["circuit_breaker", "pii_redactor", "secrets_scanner", "tool_tagger", "url_guard"];
const RUNS = 3;

// One child process: `mode` is plain (new WebAssembly.Module + instantiate), load (engine.compile with the
// persistent cache at `cacheDir` + instantiate) or instrument (the first instrument() call). Imports are stubs:
// start-up of the plugin's own code is not part of loading.
const CHILD = `
import { readFileSync } from "node:fs";
const [mode, file, cacheDir, distUrl] = process.argv.slice(2);
const { WasmEngine } = await import(distUrl + "/engine.js");
const { FuelGauge, instrument } = await import(distUrl + "/meter/index.js");
const { instrumentThread } = await import(distUrl + "/offthread.js");
const stubs = (module) => {
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.module === "__cpex_meter") continue;
    imports[i.module] ??= {};
    imports[i.module][i.name] = () => 0;
  }
  return imports;
};
let workerMs = 0;
if (mode === "load") { const t = performance.now(); await instrumentThread().start(); workerMs = performance.now() - t; }
let maxStall = 0;
let last = performance.now();
const timer = setInterval(() => { const now = performance.now(); maxStall = Math.max(maxStall, now - last - 1); last = now; }, 1);
// The same timer with nothing to do first: on a loaded machine the scheduler alone delays it.
await new Promise((r) => setTimeout(r, 100));
const idleStall = maxStall;
last = performance.now();
maxStall = 0;
const t0 = performance.now();
const bytes = new Uint8Array(readFileSync(file));
let cache = "off";
if (mode === "plain") {
  const module = new WebAssembly.Module(bytes);
  new WebAssembly.Instance(module, stubs(module));
} else if (mode === "instrument") {
  instrument(bytes);
} else {
  const c = await new WasmEngine().compile(bytes, { maxMemoryPages: 1024, maxTables: 16, maxTableElements: 65536, cacheDir });
  cache = c.cache;
  const gauge = new FuelGauge();
  new WebAssembly.Instance(c.module, { ...stubs(c.module), ...gauge.imports });
}
const ms = performance.now() - t0;
await new Promise((r) => setTimeout(r, 2));
clearInterval(timer);
console.log(JSON.stringify({ ms, workerMs, maxStall, idleStall, cache, bytes: bytes.length }));
process.exit(0);
`;

interface Run {
  ms: number;
  workerMs: number;
  maxStall: number;
  idleStall: number;
  cache: string;
  bytes: number;
}

let script: string | undefined;

function child(mode: string, file: string, cacheDir: string): Run {
  if (script === undefined) {
    script = join(mkdtempSync(join(tmpdir(), "cpex-cold-child-")), "child.mjs");
    writeFileSync(script, CHILD);
  }
  const out = execFileSync(process.execPath, [script, mode, file, cacheDir, pathToFileURL(dist).href], {
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Run;
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

export default async function bench(): Promise<BenchSection> {
  if (!existsSync(join(dist, "offthread.js")))
    throw new Error("run `npm run build` first: the cold figures come from dist/");
  const rows: string[][] = [];
  const ratiosCold: number[] = [];
  const ratiosWarm: number[] = [];
  const workers: number[] = [];
  const stalls: number[] = [];
  const idle: number[] = [];
  for (const name of PLUGINS) {
    const file = join(here, `../examples/plugins/${name}/${name}.wasm`);
    const plain: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const cacheDir = mkdtempSync(join(tmpdir(), "cpex-cold-"));
      try {
        plain.push(child("plain", file, cacheDir).ms);
        const c = child("load", file, cacheDir);
        if (c.cache !== "miss") throw new Error(`${name}: expected an empty cache, got ${c.cache}`);
        cold.push(c.ms);
        workers.push(c.workerMs);
        stalls.push(c.maxStall);
        idle.push(c.idleStall);
        const w = child("load", file, cacheDir);
        if (w.cache !== "hit") throw new Error(`${name}: expected a cache hit, got ${w.cache}`);
        warm.push(w.ms);
        stalls.push(w.maxStall);
      } finally {
        rmSync(cacheDir, { recursive: true, force: true });
      }
    }
    const p = median(plain);
    const c = median(cold);
    const w = median(warm);
    ratiosCold.push(c / p);
    ratiosWarm.push(w / p);
    rows.push([name, ms(p), ms(c), `${(c / p).toFixed(2)} ×`, ms(w), `${(w / p).toFixed(2)} ×`]);
  }
  const fixture = join(here, "fixtures/rust-module.wasm");
  const first = Array.from({ length: RUNS }, () => child("instrument", fixture, "")).map((r) => r);
  const firstMs = median(first.map((r) => r.ms));
  const mbps = first[0]!.bytes / 1e6 / (firstMs / 1000);
  return {
    title: "Cold start: first load in a fresh process",
    markdown: `Each figure is the median of ${RUNS} fresh \`node\` processes running the compiled package (\`npm run build\` output),
no warm-up. _plain_: read + \`new WebAssembly.Module\` + instantiate of the original file. _empty cache_: read + validate +
instrument (on the instrumentation thread) + compile + instantiate, with an empty cache directory; _warm cache_: the
same in a new process with the entry that run stored. Imports are stubs (the plugin's own start-up is not loading).

${table(["plugin", "plain", "empty cache", "ratio", "warm cache", "ratio"], rows)}

Worst ratio: empty cache **${Math.max(...ratiosCold).toFixed(2)} ×** (goal ≤ 3 ×), warm cache **${Math.max(...ratiosWarm).toFixed(2)} ×** (goal ≤ 1.2 ×).
Start-up of the instrumentation thread, once per process (not in the figures above): median ${ms(median(workers))}.
Longest event-loop stall during a load (1 ms timer): median ${ms(median(stalls))}, worst ${ms(Math.max(...stalls))} (goal ≤ 5 ms);
the same timer over 100 ms of doing nothing just before: median ${ms(median(idle))}, worst ${ms(Math.max(...idle))} (the machine's own noise).

First \`instrument()\` call in a fresh process on \`bench/fixtures/rust-module.wasm\` (${(first[0]!.bytes / 1024).toFixed(0)} KiB): ${ms(firstMs)}, **${mbps.toFixed(1)} MB/s** (goal ≥ 30 MB/s).`,
  };
}
