// Worker execution: guests run on worker threads, the event loop stays free, a silent worker is killed and
// replaced, a crashed one too, cancellation reaches the guest, and shutdown drains calls in flight. Assertions
// are on outcomes and event order, never on durations.
import { describe, expect, it } from "vitest";
import { definePlugin, PluginManager, PluginResult } from "../../../src/core/index.js";
import { WASM_SCHEME, WasmEngine, WasmPluginFactory } from "../../../src/hosts/wasm/index.js";
import { captureLogger, guest, tempDir, writeGuest } from "../../helpers/wasm-host.js";

const TEST_IMPORTS = `(import "cpex_test" "block" (func $block (param i32)))
  (import "cpex_test" "crash" (func $crash))`;

/** Blocks its thread for 60 s when the payload is large (> 100 bytes), answers at once otherwise. */
const blocker = guest(
  `(func (export "cpex_handle") (result i32)
    (if (i32.gt_u (call $payload_len) (i32.const 100)) (then (call $block (i32.const 60000))))
    (i32.const 0))`,
  { extraImports: TEST_IMPORTS },
);
/** Ends its worker thread when the payload is large. */
const crasher = guest(
  `(func (export "cpex_handle") (result i32)
    (if (i32.gt_u (call $payload_len) (i32.const 100)) (then (call $crash)))
    (i32.const 0))`,
  { extraImports: TEST_IMPORTS },
);
const spinner = guest(`(func (export "cpex_handle") (result i32) (loop $l (br $l)) (i32.const 0))`);
const noop = guest(`(func (export "cpex_handle") (result i32) (i32.const 0))`);

type Spec = { wat: string; extra?: string; hook?: string };

async function setup(plugins: Record<string, Spec>, workers = 1) {
  const dir = await tempDir();
  let yaml = `plugin_settings:\n  wasm: { workers: ${workers}, kill_grace_ms: 50 }\nplugins:\n`;
  for (const [name, p] of Object.entries(plugins)) {
    await writeGuest(dir, `${name}.wasm`, p.wat);
    yaml += `  - name: ${name}\n    kind: wasm://${dir}/${name}.wasm\n    hooks: [${p.hook ?? "tool_pre_invoke"}]\n    on_error: ignore\n    execution: worker\n${p.extra ?? ""}`;
  }
  const m = new PluginManager({ logger: captureLogger() });
  const factory = new WasmPluginFactory(new WasmEngine({ unsafeTestImports: true }), {
    unsafeTestImports: true,
  });
  m.registerScheme(WASM_SCHEME, factory);
  await m.loadConfigYaml(yaml);
  await m.initialize();
  return { m, factory };
}

const big = { name: "t", args: { text: "x".repeat(500) } };
const small = { name: "t" };

describe("worker execution", () => {
  it("a worker that stops answering is killed past deadline + grace; the next call succeeds on a fresh worker", async () => {
    const { m, factory } = await setup({ b: { wat: blocker, extra: "    limits: { timeout_ms: 50 }\n" } });
    const r = await m.invoke("tool_pre_invoke", big, { trace: true });
    expect(r.errors.map((e) => e.code)).toEqual(["timeout"]);
    expect(r.errors[0]?.details).toMatchObject({ hard_kill: true });
    expect(factory.workerPool?.stats()).toMatchObject({ kills: 1, spawns: 1 });
    const next = await m.invoke("tool_pre_invoke", small);
    expect(next.errors).toEqual([]);
    expect(factory.workerPool?.stats()).toMatchObject({ kills: 1, spawns: 2 });
    await m.shutdown();
  });

  it("calls queued behind the killed one on the same worker never started: they run on the new worker", async () => {
    const { m, factory } = await setup({
      b: { wat: blocker, extra: "    limits: { timeout_ms: 50 }\n" },
      n: { wat: noop, hook: "tool_post_invoke", extra: "    limits: { timeout_ms: 20000 }\n" },
    });
    const first = m.invoke("tool_pre_invoke", big);
    await new Promise((r) => setTimeout(r, 10)); // b is now blocking the only worker
    const second = m.invoke("tool_post_invoke", small); // queued behind it on the main thread
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.errors.map((e) => `${e.pluginName}:${e.code}`)).toEqual(["b:timeout"]);
    expect(r2.errors).toEqual([]);
    expect(factory.workerPool?.stats()).toMatchObject({ kills: 1, spawns: 2 });
    await m.shutdown();
  });

  it("a crashed worker fails only the running call (wasm_trap, worker_crashed) and is replaced", async () => {
    const { m, factory } = await setup({ c: { wat: crasher } });
    const r = await m.invoke("tool_pre_invoke", big);
    expect(r.errors.map((e) => e.code)).toEqual(["wasm_trap"]);
    expect(r.errors[0]?.details).toMatchObject({ worker_crashed: true });
    expect((await m.invoke("tool_pre_invoke", small)).errors).toEqual([]);
    expect(factory.workerPool?.stats()).toMatchObject({ crashes: 1, spawns: 2 });
    await m.shutdown();
  });

  it("runaway guests in flight leave the event loop free: a 5 ms timer fires before any of them ends", async () => {
    const plugins: Record<string, Spec> = {};
    for (let i = 0; i < 20; i++) {
      plugins[`s${i}`] = {
        wat: spinner,
        extra: "    limits: { timeout_ms: 50, fuel: 1000000000000 }\n    mode: concurrent\n",
      };
    }
    const { m } = await setup(plugins, 2);
    const order: string[] = [];
    const done = m.invoke("tool_pre_invoke", small).then((r) => {
      order.push("pipeline");
      return r;
    });
    setTimeout(() => order.push("timer"), 5);
    const r = await done;
    expect(order).toEqual(["timer", "pipeline"]);
    expect(r.errors.map((e) => e.code)).toEqual(new Array(20).fill("timeout"));
    await m.shutdown();
  });

  it("cancellation reaches a running guest: a concurrent deny stops the sibling in its worker", async () => {
    const { m, factory } = await setup({
      s: {
        wat: spinner,
        extra: "    limits: { timeout_ms: 30000, fuel: 1000000000000 }\n    mode: concurrent\n",
      },
      n: { wat: noop, hook: "tool_post_invoke" },
    });
    m.register(
      definePlugin({
        hooks: {
          tool_pre_invoke: async () => {
            await new Promise((r) => setTimeout(r, 20));
            return PluginResult.deny({ code: "no", reason: "no" });
          },
        },
      }),
      { name: "deny", mode: "concurrent" },
    );
    const r = await m.invoke("tool_pre_invoke", small);
    expect(r.violation?.code).toBe("no");
    expect(factory.workerPool?.stats().cancels).toBe(1);
    // The only worker is free again (the spinner was stopped, not left running for 30 s): another plugin's call
    // on it is answered.
    const next = await Promise.race([
      m.invoke("tool_post_invoke", small).then(() => "answered"),
      new Promise((r) => setTimeout(() => r("still busy"), 10_000)),
    ]);
    expect(next).toBe("answered");
    await m.shutdown();
  });

  it("shutdown with calls in flight: the call completes, then the pool is closed", async () => {
    const { m, factory } = await setup({
      s: { wat: spinner, extra: "    limits: { timeout_ms: 100, fuel: 1000000000000 }\n" },
    });
    const pool = factory.workerPool;
    const order: string[] = [];
    const call = m.invoke("tool_pre_invoke", small).then((r) => {
      order.push(`call:${r.errors[0]?.code}`);
    });
    await new Promise((r) => setTimeout(r, 10));
    const closing = m.shutdown().then(() => order.push("shutdown"));
    await Promise.all([call, closing]);
    expect(order).toEqual(["call:timeout", "shutdown"]);
    expect(pool?.instanceCount).toBe(0);
    expect(factory.workerPool).toBeUndefined();
  });

  it("instances: N runs calls to one plugin in parallel on N instances; state is per instance", async () => {
    const { m, factory } = await setup({ n: { wat: noop, extra: "    instances: 2\n" } }, 2);
    const rs = await Promise.all([1, 2, 3, 4].map(() => m.invoke("tool_pre_invoke", small)));
    expect(rs.every((r) => r.errors.length === 0)).toBe(true);
    expect(factory.workerPool?.instanceCount).toBe(2);
    await m.shutdown();
  });

  it("instances > 1 without execution: worker is a load error naming the field", async () => {
    const dir = await tempDir();
    await writeGuest(dir, "n.wasm", noop);
    const m = new PluginManager({ logger: captureLogger() });
    m.registerScheme(WASM_SCHEME, new WasmPluginFactory(new WasmEngine()));
    await expect(
      m.loadConfigYaml(
        `plugins:\n  - { name: n, kind: "wasm://${dir}/n.wasm", hooks: [tool_pre_invoke], instances: 2 }\n`,
      ),
    ).rejects.toThrow(/instances.*execution: worker/);
  });
});
