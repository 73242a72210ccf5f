// PluginTelemetry: per-plugin counters from the manager's introspection and the recorded traces (errors by code,
// recycles, fuel and duration histograms), and the same figures sent to an OpenTelemetry meter.
import { type Meter, metrics } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { PluginManager } from "../../../src/core/index.js";
import { type MeterLike, PluginTelemetry, registerWasmHost } from "../../../src/hosts/wasm/index.js";

const root = new URL("../../../", import.meta.url).pathname;
const pii = `${root}examples/plugins/pii_redactor/pii_redactor.wasm`;

// The real Meter type must satisfy what PluginTelemetry asks of a meter (checked by tsc).
const _meterFits: (m: Meter) => MeterLike = (m) => m;

async function manager(fuel: number): Promise<PluginManager> {
  const m = new PluginManager();
  registerWasmHost(m);
  await m.loadConfigYaml(
    `plugins:\n  - { name: pii, kind: "wasm://${pii}", hooks: [tool_pre_invoke], on_error: ignore, limits: { fuel: ${fuel} } }\n`,
  );
  await m.initialize();
  return m;
}

function recordingMeter() {
  const added: Array<[string, number, Record<string, string> | undefined]> = [];
  const meter: MeterLike = {
    createCounter: (name) => ({ add: (v, a) => added.push([name, v, a]) }),
    createHistogram: (name) => ({ record: (v, a) => added.push([name, v, a]) }),
  };
  return { meter, added };
}

const payload = { name: "send", args: { body: "mail alice@example.com" } };

describe("PluginTelemetry", () => {
  it("counts calls, fuel and duration per plugin, and nothing under an unknown name", async () => {
    const m = await manager(100_000_000);
    const t = new PluginTelemetry(m);
    await t.invoke("tool_pre_invoke", payload);
    await t.invoke("tool_pre_invoke", payload);
    const p = t.plugin("pii")!;
    expect(p.calls).toBe(2);
    expect(p.fuel.count).toBe(2);
    expect(p.fuel.sum).toBeGreaterThan(0);
    expect(p.durationMs.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(p.errorsByCode).toEqual({});
    expect(t.plugin("nope")).toBeUndefined();
    await m.shutdown();
  });

  it("counts errors by code and the recycles they cause, and exports them to a meter", async () => {
    const m = await manager(1_000);
    const { meter, added } = recordingMeter();
    const t = new PluginTelemetry(m, { meter });
    const r = await t.invoke("tool_pre_invoke", payload);
    expect(r.continueProcessing).toBe(true); // on_error: ignore
    const p = t.plugin("pii")!;
    expect(p.errorsByCode).toEqual({ fuel_exhausted: 1 });
    expect(p.recycles).toBe(1);
    expect(p.errors).toBe(1);
    expect(added).toContainEqual(["cpex.plugin.errors", 1, { plugin: "pii", code: "fuel_exhausted" }]);
    expect(added).toContainEqual(["cpex.plugin.recycles", 1, { plugin: "pii" }]);
    expect(added.some(([n, v]) => n === "cpex.plugin.fuel" && v > 0)).toBe(true);
    await m.shutdown();
  });

  it("works with the meter of @opentelemetry/api (no-op without an SDK)", async () => {
    const m = await manager(100_000_000);
    const t = new PluginTelemetry(m, { meter: metrics.getMeter("cpex-test") });
    await t.invoke("tool_pre_invoke", payload);
    expect(t.plugin("pii")!.calls).toBe(1);
    await m.shutdown();
  });
});
