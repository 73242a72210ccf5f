// Stopping a runaway: how far past `timeout_ms` a looping guest is stopped (wall time from invoke to the error,
// minus the deadline), and how far past its budget a `fuel_exhausted` stop lands, in fuel units (the error
// message reports the units used against the limit).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginManager, silentLogger } from "../src/core/index.js";
import { registerWasmHost } from "../src/hosts/wasm/index.js";
import { guest } from "../test/helpers/wasm-host.js";
import { wat2wasm } from "../test/helpers/wat.js";
import { quantile, record } from "./harness.js";

export const RUNAWAY_RUNS = 50;
const TIMEOUT_MS = 20;
const FUEL = 5_000_000;

async function spinner(limits: string): Promise<PluginManager> {
  const dir = mkdtempSync(join(tmpdir(), "cpex-bench-runaway-"));
  const file = join(dir, "spin.wasm");
  writeFileSync(
    file,
    await wat2wasm(guest(`(func (export "cpex_handle") (result i32) (loop $l (br $l)) (i32.const 0))`)),
  );
  const m = new PluginManager({ logger: silentLogger });
  registerWasmHost(m);
  await m.loadConfigYaml(
    `plugins:\n  - { name: spin, kind: "wasm://${file}", hooks: [tool_pre_invoke], on_error: ignore, limits: ${limits} }\n`,
  );
  await m.initialize();
  return m;
}

export interface RunawayFigures {
  timeoutMs: number;
  fuel: number;
  fuelOvershoot: { median: number; p99: number; max: number };
}

export async function runRunaway(): Promise<RunawayFigures> {
  const byTime = await spinner(`{ fuel: 1000000000000000, timeout_ms: ${TIMEOUT_MS} }`);
  const over: number[] = [];
  for (let i = 0; i < RUNAWAY_RUNS; i++) {
    const t = performance.now();
    const r = await byTime.invoke("tool_pre_invoke", { name: "t" });
    const elapsed = performance.now() - t;
    if (r.errors[0]?.code !== "timeout")
      throw new Error(`expected a timeout, got ${JSON.stringify(r.errors)}`);
    over.push(Math.max(0, elapsed - TIMEOUT_MS));
  }
  await byTime.shutdown();
  over.sort((a, b) => a - b);
  record({
    name: "timeout/overshoot",
    median_ns: Math.round(quantile(over, 0.5) * 1e6),
    p99_ns: Math.round(quantile(over, 0.99) * 1e6),
    samples: over.length,
  });

  const byFuel = await spinner(`{ fuel: ${FUEL}, timeout_ms: 10000 }`);
  const units: number[] = [];
  for (let i = 0; i < RUNAWAY_RUNS; i++) {
    const r = await byFuel.invoke("tool_pre_invoke", { name: "t" });
    const e = r.errors[0];
    const used = /fuel exhausted \((\d+) of (\d+)\)/.exec(e?.message ?? "");
    if (e?.code !== "fuel_exhausted" || used === null)
      throw new Error(`expected fuel_exhausted, got ${JSON.stringify(r.errors)}`);
    units.push(Number(used[1]) - FUEL);
  }
  await byFuel.shutdown();
  units.sort((a, b) => a - b);
  return {
    timeoutMs: TIMEOUT_MS,
    fuel: FUEL,
    fuelOvershoot: {
      median: quantile(units, 0.5),
      p99: quantile(units, 0.99),
      max: units[units.length - 1]!,
    },
  };
}
