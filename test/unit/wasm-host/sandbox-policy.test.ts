// config.sandbox_policy, upstream CPEX's form of a wasm plugin's limits and grants: mapped onto ours, one form per
// setting, unknown keys refused, removed from the guest's config, and fixed against route-level overrides.
import { describe, expect, it } from "vitest";
import { PluginManager } from "../../../src/core/index.js";
import { WASM_SCHEME, WasmEngine, WasmPluginFactory } from "../../../src/hosts/wasm/index.js";
import {
  captureLogger,
  echoGuest,
  guest,
  managerFromYaml,
  tempDir,
  writeGuest,
} from "../../helpers/wasm-host.js";

const spinner = guest(`(func (export "cpex_handle") (result i32) (loop $l (br $l)) (i32.const 0))`);
/** Returns memory.grow(1) twice, as [first, second]. */
const grower = guest(`
  (data (i32.const 100) "\\81\\b0modified_payload\\92")
  (func (export "cpex_handle") (result i32)
    (i32.store8 (i32.const 119) (i32.and (memory.grow (i32.const 1)) (i32.const 0x7f)))
    (i32.store8 (i32.const 120) (i32.and (memory.grow (i32.const 1)) (i32.const 0xff)))
    (drop (call $result_set (i32.const 100) (i32.const 21)))
    (i32.const 0))`);
/** Returns the number of environment variables it sees. */
const envCounter = guest(
  `(data (i32.const 100) "\\81\\b0modified_payload")
  (func (export "cpex_handle") (result i32)
    (drop (call $environ_sizes_get (i32.const 200) (i32.const 204)))
    (i32.store8 (i32.const 118) (i32.load (i32.const 200)))
    (drop (call $result_set (i32.const 100) (i32.const 19)))
    (i32.const 0))`,
  {
    extraImports: `(import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))`,
  },
);
const threeTables = guest(`(table 1 funcref) (table 1 funcref) (table 1 funcref)
  (func (export "cpex_handle") (result i32) (i32.const 0))`);

async function load(wasm: string, entry: string, head = ""): Promise<PluginManager> {
  const dir = await tempDir();
  await writeGuest(dir, "p.wasm", wasm);
  return managerFromYaml(
    dir,
    `${head}plugins:\n  - name: p\n    kind: wasm://p.wasm\n    hooks: [tool_pre_invoke]\n    on_error: ignore\n${entry}`,
  );
}
const policy = (body: string) => `    config:\n      sandbox_policy:\n${body}`;

describe("sandbox_policy", () => {
  it("resources.max_fuel is the per-call fuel budget", async () => {
    const m = await load(spinner, policy("        resources: { max_fuel: 123456 }\n"));
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.errors[0]?.code).toBe("fuel_exhausted");
    expect(r.errors[0]?.message).toContain("of 123456");
  });

  it("resources.max_fuel counts in wasmtime's units unless limits.fuel_model says otherwise", async () => {
    // A taken br_if: wasmtime counts entry 1 + i32.const + br_if + i32.const 0 = 4; cpex charges the skipped
    // i32.const 5 and drop too and no entry: 5.
    const brIf = guest(`(func (export "cpex_handle") (result i32)
      (block (br_if 0 (i32.const 1)) (drop (i32.const 5))) (i32.const 0))`);
    const fuelUsed = async (entry: string) => {
      const m = await load(brIf, entry);
      const r = await m.invoke("tool_pre_invoke", { name: "t" }, { trace: true });
      expect(r.errors).toEqual([]);
      return Number(r.trace?.[0]?.telemetry?.["fuel_used"]);
    };
    expect(await fuelUsed(policy("        resources: { max_fuel: 1000 }\n"))).toBe(4);
    expect(
      await fuelUsed(
        `    limits: { fuel_model: cpex }\n${policy("        resources: { max_fuel: 1000 }\n")}`,
      ),
    ).toBe(5);
    expect(await fuelUsed("")).toBe(5); // no policy: the default cpex model
  });

  it("resources.max_execution_time_ms is the per-call deadline", async () => {
    const m = await load(
      spinner,
      policy("        resources: { max_execution_time_ms: 30, max_fuel: 100000000000 }\n"),
    );
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.errors[0]?.code).toBe("timeout");
    expect(r.errors[0]?.message).toMatch(/30 ?ms/);
  });

  it("resources.max_memory_bytes caps linear memory in whole pages (need not be whole MiB)", async () => {
    // 2 pages to start, a cap of 3.5 pages: one grow succeeds (returns 2), the next fails (0xff: fixint -1).
    const m = await load(grower, policy(`        resources: { max_memory_bytes: ${3.5 * 65536} }\n`));
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).modifiedPayload).toEqual([2, -1]);
  });

  it("resources.max_tables is the table limit (enforced at load)", async () => {
    await expect(load(threeTables, policy("        resources: { max_tables: 2 }\n"))).rejects.toThrow(
      /3 tables; the limit is 2/,
    );
    await expect(load(threeTables, policy("        resources: { max_tables: 3 }\n"))).resolves.toBeInstanceOf(
      PluginManager,
    );
  });

  it("allowed_env is the environment allowlist (grants.env)", async () => {
    process.env["CPEX_POLICY_TEST_A"] = "1";
    process.env["CPEX_POLICY_TEST_B"] = "2";
    const m = await load(
      envCounter,
      policy("        allowed_env: [CPEX_POLICY_TEST_A, CPEX_POLICY_TEST_B]\n"),
    );
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).modifiedPayload).toBe(2);
    const none = await load(envCounter, "");
    expect((await none.invoke("tool_pre_invoke", { name: "t" })).modifiedPayload).toBe(0);
  });

  it("resources.max_instances sets the live instances of a worker-mode plugin", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "p.wasm", echoGuest("config"));
    const factory = new WasmPluginFactory(new WasmEngine(), {});
    const m = new PluginManager({ logger: captureLogger() });
    m.registerScheme(WASM_SCHEME, factory);
    await m.loadConfigYaml(
      `plugin_settings: { wasm: { workers: 1 } }\nplugins:\n  - name: p\n    kind: wasm://${dir}/p.wasm\n    hooks: [tool_pre_invoke]\n    execution: worker\n${policy("        resources: { max_instances: 3 }\n")}`,
    );
    await m.initialize();
    expect(factory.workerPool?.instanceCount).toBe(3);
    await m.shutdown();
  });

  it("is removed from the config the guest receives", async () => {
    const m = await load(
      echoGuest("config"),
      "    config:\n      threshold: 3\n      sandbox_policy: { allowed_env: [HOME] }\n",
    );
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).modifiedPayload).toEqual({ threshold: 3 });
  });

  const conflicts: Array<[string, string, RegExp]> = [
    ["        resources: { max_fuel: 5 }\n", "    limits: { fuel: 5 }\n", /max_fuel and limits\.fuel/],
    [
      "        resources: { max_memory_bytes: 1048576 }\n",
      "    limits: { memory_mb: 1 }\n",
      /max_memory_bytes and limits\.memory_mb/,
    ],
    [
      "        resources: { max_execution_time_ms: 5 }\n",
      "    limits: { timeout_ms: 5 }\n",
      /max_execution_time_ms and limits\.timeout_ms/,
    ],
    [
      "        resources: { max_tables: 5 }\n",
      "    limits: { max_tables: 5 }\n",
      /max_tables and limits\.max_tables/,
    ],
    [
      "        resources: { max_instances: 2 }\n",
      "    instances: 2\n    execution: worker\n",
      /max_instances and instances/,
    ],
    ["        allowed_env: [HOME]\n", "    grants: { env: [HOME] }\n", /allowed_env and grants\.env/],
  ];
  for (const [ours, theirs, message] of conflicts) {
    it(`both forms of one setting are an error naming both (${message.source})`, async () => {
      await expect(load(echoGuest("config"), theirs + policy(ours))).rejects.toThrow(message);
    });
  }

  it("unknown keys are errors, at every level", async () => {
    await expect(load(echoGuest("config"), policy("        allowed_sockets: []\n"))).rejects.toThrow(
      /allowed_sockets/,
    );
    await expect(load(echoGuest("config"), policy("        resources: { max_fuels: 1 }\n"))).rejects.toThrow(
      /max_fuels/,
    );
    await expect(
      load(echoGuest("config"), policy("        allowed_network: [{ host: a.example, port: 443 }]\n")),
    ).rejects.toThrow(/port/);
  });

  it("a route-level config override cannot change it; one that leaves it alone is fine", async () => {
    const routes = (override: string) =>
      `plugin_settings: { routing_enabled: true }\nroutes:\n  - tool: special\n    plugins:\n      - p: { config: ${override} }\n  - { tool: "*", plugins: [p] }\n`;
    const base = policy("        resources: { max_fuel: 1000000 }\n");
    await expect(
      load(echoGuest("config"), base, routes("{ sandbox_policy: { resources: { max_fuel: 99999999 } } }")),
    ).rejects.toThrow(/sandbox_policy is host configuration/);
    const m = await load(echoGuest("config"), base, routes("{ level: high }"));
    const r = await m.invoke("tool_pre_invoke", { name: "special" }, {
      meta: { entityType: "tool", entityName: "special" },
    } as never);
    expect(r.errors).toEqual([]);
  });
});
