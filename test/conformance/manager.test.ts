// CPEX Rust conformance: the 66 manager/executor scenarios of cpex-semantics §11.1, one test each.
import { describe, expect, it } from "vitest";
import {
  type ConfigVisitor,
  cowCopy,
  createExtensions,
  definePlugin,
  type ExtensionsInput,
  type HookHandler,
  type ManagerOptions,
  PluginError,
  type PluginFactory,
  PluginManager,
  PluginResult,
  registerHook,
  silentLogger,
} from "../../src/core/index.js";

// The YAML scenarios use the custom hook name `h`; config loading only accepts registered hook names.
registerHook("h");

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new Error("aborted"));
    });
  });

const mgr = (settings: ManagerOptions["settings"] = {}) =>
  new PluginManager({ logger: silentLogger, settings });
const allow: HookHandler = () => undefined;
const deny: HookHandler = () => PluginResult.deny({ code: "denied", reason: "no" });
const fail: HookHandler = () => {
  throw new PluginError("boom");
};
const panic: HookHandler = () => {
  throw new TypeError("unexpected");
};
const on = (hook: string, handler: HookHandler) => definePlugin({ hooks: { [hook]: handler } });
const meta = (
  entityType: string,
  entityName: string,
  extra: Record<string, unknown> = {},
): ExtensionsInput => ({
  meta: { entityType, entityName, ...extra },
});

/** A factory registering `handlers[name]` for every hook the YAML entry lists. */
function factory(handlers: Record<string, HookHandler>, created?: string[]): PluginFactory {
  return {
    create(config) {
      created?.push(config.name);
      const h = handlers[config.name] ?? allow;
      return { plugin: {}, handlers: config.hooks.map((hook) => ({ hook, handler: h })) };
    },
  };
}

async function fromYaml(yaml: string, handlers: Record<string, HookHandler>, created?: string[]) {
  const m = mgr();
  m.registerFactory("test", factory(handlers, created));
  await m.loadConfigYaml(yaml);
  return m;
}

describe("§11.1 manager / executor", () => {
  it("11.1-1 lifecycle: not initialized → initialize → initialized → shutdown → not initialized; count 0", async () => {
    const m = mgr();
    expect(m.isInitialized).toBe(false);
    await m.initialize();
    expect(m.isInitialized).toBe(true);
    await m.shutdown();
    expect(m.isInitialized).toBe(false);
    expect(m.pluginCount).toBe(0);
  });

  it("11.1-2 invoke with no plugins → allowed, payload returned", async () => {
    const r = await mgr().invoke("tool_pre_invoke", { name: "t" });
    expect(r.continueProcessing).toBe(true);
    expect(r.modifiedPayload).toEqual({ name: "t" });
  });

  it("11.1-3 invoke with an allow plugin → continue", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", allow), "a");
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
  });

  it("11.1-4 invoke with a deny plugin → halted, violation code denied", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", deny), "d");
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.continueProcessing).toBe(false);
    expect(r.violation?.code).toBe("denied");
  });

  it("11.1-5 typed invoke → continue", async () => {
    const m = mgr();
    m.register(
      definePlugin({
        hooks: {
          tool_pre_invoke: (p) =>
            p.name === "t" ? undefined : PluginResult.deny({ code: "x", reason: "x" }),
        },
      }),
      "a",
    );
    expect((await m.invoke("tool_pre_invoke", { name: "t", args: { a: 1 } })).continueProcessing).toBe(true);
  });

  it("11.1-6 invoke by custom name → continue", async () => {
    const m = mgr();
    m.register(on("cmf.tool_pre_invoke", allow), "a");
    const r = await m.invoke("cmf.tool_pre_invoke", { message: { role: "user", content: [] } });
    expect(r.continueProcessing).toBe(true);
  });

  it("11.1-7 invoke by name for a hook with no plugins → continue", async () => {
    const m = mgr();
    m.register(on("cmf.tool_pre_invoke", deny), "a");
    expect((await m.invoke("email_pre_send", { to: "x" })).continueProcessing).toBe(true);
  });

  it("11.1-8 invoke by name with a deny plugin → halted with denied", async () => {
    const m = mgr();
    m.register(on("email_pre_send", deny), "a");
    expect((await m.invoke("email_pre_send", { to: "x" })).violation?.code).toBe("denied");
  });

  it("11.1-9 hasHooksFor is true only for registered hook names", () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", allow), "a");
    expect(m.hasHooksFor("tool_pre_invoke")).toBe(true);
    expect(m.hasHooksFor("tool_post_invoke")).toBe(false);
  });

  it("11.1-10 conditions filter plugins per request when routing is disabled", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", deny), { name: "scoped", conditions: [{ tools: ["dangerous"] }] });
    expect(
      (await m.invoke("tool_pre_invoke", { name: "x" }, { extensions: meta("tool", "safe") }))
        .continueProcessing,
    ).toBe(true);
    expect(
      (await m.invoke("tool_pre_invoke", { name: "x" }, { extensions: meta("tool", "dangerous") }))
        .continueProcessing,
    ).toBe(false);
  });

  it("11.1-11 conditions user_patterns glob admin-* matches admin-alice, not user-bob", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", deny), { name: "admins", conditions: [{ userPatterns: ["admin-*"] }] });
    const as = (id: string) => ({ extensions: { security: { subject: { id } } } });
    expect((await m.invoke("tool_pre_invoke", { name: "x" }, as("admin-alice"))).continueProcessing).toBe(
      false,
    );
    expect((await m.invoke("tool_pre_invoke", { name: "x" }, as("user-bob"))).continueProcessing).toBe(true);
  });

  it("11.1-12 unregister removes the plugin and its hook entries", async () => {
    const m = mgr();
    m.register(
      {
        plugin: {},
        handlers: [
          { hook: "tool_pre_invoke", handler: deny },
          { hook: "tool_post_invoke", handler: deny },
        ],
      },
      "a",
    );
    expect(m.unregister("a")).toBe(true);
    expect(m.hasHooksFor("tool_pre_invoke")).toBe(false);
    expect(m.hasHooksFor("tool_post_invoke")).toBe(false);
    expect(m.pluginCount).toBe(0);
  });

  it("11.1-13 a manager shared across tasks: concurrent invokes plus a mid-flight registration all succeed", async () => {
    const m = mgr();
    m.register(
      on("tool_pre_invoke", async () => sleep(5)),
      "slow",
    );
    const runs = Array.from({ length: 20 }, (_, i) => m.invoke("tool_pre_invoke", { name: `t${i}` }));
    m.register(on("tool_pre_invoke", allow), "late");
    const results = await Promise.all(runs);
    expect(results.every((r) => r.continueProcessing)).toBe(true);
    expect(m.pluginCount).toBe(2);
  });

  it("11.1-14 an audit plugin returning deny does not block", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", deny), { name: "a", mode: "audit" });
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
  });

  it("11.1-15 on_error disable: first failure continues, plugin disabled, skipped next time", async () => {
    const m = mgr();
    let calls = 0;
    m.register(
      on("tool_pre_invoke", () => {
        calls++;
        throw new PluginError("x");
      }),
      { name: "flaky", onError: "disable" },
    );
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
    expect(m.effectiveMode("flaky")).toBe("disabled");
    await m.invoke("tool_pre_invoke", { name: "t" });
    expect(calls).toBe(1);
  });

  it("11.1-16 on_error ignore: continues, not disabled, mode unchanged", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", fail), { name: "f", onError: "ignore" });
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
    expect(m.effectiveMode("f")).toBe("sequential");
  });

  it("11.1-17 on_error ignore: exactly one record in errors naming the plugin", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", fail), { name: "f", onError: "ignore" });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.errors).toEqual([{ pluginName: "f", message: "boom" }]);
  });

  it("11.1-18 on_error disable: a record in errors and the breaker tripped", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", fail), { name: "f", onError: "disable" });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.errors.map((e) => e.pluginName)).toEqual(["f"]);
    expect(m.effectiveMode("f")).toBe("disabled");
  });

  it("11.1-19 on_error fail: halted with violation code plugin_error", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", fail), { name: "f" });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.continueProcessing).toBe(false);
    expect(r.violation).toMatchObject({
      code: "plugin_error",
      pluginName: "f",
      reason: "Plugin 'f' failed: boom",
    });
  });

  it("11.1-20 a transform plugin's modification is visible (original_transformed)", async () => {
    const m = mgr();
    m.register(
      on("custom", (p: unknown) => PluginResult.modifyPayload(`${p}_transformed`)),
      { name: "t", mode: "transform" },
    );
    expect((await m.invoke("custom", "original")).modifiedPayload).toBe("original_transformed");
  });

  it("11.1-21 allow with no mutation: modified_payload present but payload_modified false", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", allow), "a");
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.modifiedPayload).toEqual({ name: "t" });
    expect(r.payloadModified).toBe(false);
  });

  it("11.1-22 transform-phase error or timeout with on_error fail does not halt; no violation", async () => {
    const m = mgr({ pluginTimeout: 0.05 });
    m.register(on("tool_pre_invoke", fail), { name: "e", mode: "transform" });
    m.register(
      on("tool_pre_invoke", () => sleep(1000)),
      { name: "slow", mode: "transform" },
    );
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.continueProcessing).toBe(true);
    expect(r.violation).toBeUndefined();
    expect(r.errors.map((e) => [e.pluginName, e.code])).toEqual([
      ["e", undefined],
      ["slow", "timeout"],
    ]);
  });

  it("11.1-23 audit phase honours on_error disable: breaker trips, pipeline continues, error recorded", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", fail), { name: "a", mode: "audit", onError: "disable" });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.continueProcessing).toBe(true);
    expect(r.errors).toHaveLength(1);
    expect(m.effectiveMode("a")).toBe("disabled");
  });

  it("11.1-24 two concurrent plugins both run; the pipeline continues", async () => {
    const m = mgr();
    const ran: string[] = [];
    m.register(
      on("tool_pre_invoke", async () => void ran.push("a")),
      { name: "a", mode: "concurrent" },
    );
    m.register(
      on("tool_pre_invoke", async () => void ran.push("b")),
      { name: "b", mode: "concurrent" },
    );
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
    expect(ran.sort()).toEqual(["a", "b"]);
  });

  it("11.1-25 concurrent deny short-circuits: returns quickly and the slow sibling never completes its side effect", async () => {
    const m = mgr({ pluginTimeout: 10 });
    let sideEffect = false;
    m.register(
      on("tool_pre_invoke", async (_p, _e, _c, call) => {
        await sleep(2000, call.signal);
        sideEffect = true;
      }),
      { name: "slow", mode: "concurrent", priority: 1 },
    );
    m.register(
      on("tool_pre_invoke", async () => {
        await sleep(5);
        return PluginResult.deny({ code: "denied", reason: "no" });
      }),
      { name: "gate", mode: "concurrent", priority: 2 },
    );
    const t = performance.now();
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(performance.now() - t).toBeLessThan(1500);
    expect(r.violation?.pluginName).toBe("gate");
    await sleep(2100);
    expect(sideEffect).toBe(false);
  });

  it("11.1-26 short_circuit_on_deny=false: all concurrent plugins run, the earliest deny is returned", async () => {
    const m = mgr({ shortCircuitOnDeny: false });
    const ran: string[] = [];
    const d = (name: string, ms: number) =>
      on("tool_pre_invoke", async () => {
        await sleep(ms);
        ran.push(name);
        return PluginResult.deny({ code: name, reason: name });
      });
    m.register(d("first", 30), { name: "first", mode: "concurrent", priority: 1 });
    m.register(d("second", 1), { name: "second", mode: "concurrent", priority: 2 });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(ran.sort()).toEqual(["first", "second"]);
    expect(r.violation?.code).toBe("first");
  });

  it("11.1-27 concurrent panic + fail → halt with plugin_panic, plugin_name set", async () => {
    const m = mgr();
    m.register(on("tool_pre_invoke", panic), { name: "p", mode: "concurrent" });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.violation).toMatchObject({ code: "plugin_panic", pluginName: "p" });
  });

  it("11.1-28 concurrent panic + disable → breaker trips, sibling still runs, next invoke continues", async () => {
    const m = mgr();
    let sibling = 0;
    m.register(on("tool_pre_invoke", panic), { name: "p", mode: "concurrent", onError: "disable" });
    m.register(
      on("tool_pre_invoke", async () => void sibling++),
      { name: "s", mode: "concurrent" },
    );
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
    expect(m.effectiveMode("p")).toBe("disabled");
    expect((await m.invoke("tool_pre_invoke", { name: "t" })).continueProcessing).toBe(true);
    expect(sibling).toBe(2);
  });

  it("11.1-29 a slow handler exceeding the timeout → halt with plugin_timeout", async () => {
    const m = mgr({ pluginTimeout: 0.05 });
    m.register(
      on("tool_pre_invoke", () => sleep(2000)),
      "slow",
    );
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.violation).toMatchObject({ code: "plugin_timeout", pluginName: "slow" });
  });

  it("11.1-30 fire_and_forget: invoke returns before the background task completes; it completes later", async () => {
    const m = mgr();
    let done = false;
    m.register(
      on("tool_pre_invoke", async () => {
        await sleep(50);
        done = true;
      }),
      { name: "bg", mode: "fire_and_forget" },
    );
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(done).toBe(false);
    expect(r.background.count).toBe(1);
    await r.background.wait();
    expect(done).toBe(true);
  });

  it("11.1-31 shutdown waits for in-flight fire_and_forget tasks even if the handle was dropped", async () => {
    const m = mgr();
    let done = false;
    m.register(
      on("tool_pre_invoke", async () => {
        await sleep(50);
        done = true;
      }),
      { name: "bg", mode: "fire_and_forget" },
    );
    await m.initialize();
    await m.invoke("tool_pre_invoke", { name: "t" });
    await m.shutdown();
    expect(done).toBe(true);
  });

  it("11.1-32 global_state written by an earlier serial plugin is visible to a later one", async () => {
    const m = mgr();
    let seen: unknown;
    m.register(
      on("tool_pre_invoke", (_p, _e, ctx) => ctx.setGlobal("user", "alice")),
      { name: "a", priority: 1 },
    );
    m.register(
      on("tool_pre_invoke", (_p, _e, ctx) => {
        seen = ctx.getGlobal("user");
      }),
      { name: "b", priority: 2 },
    );
    await m.invoke("tool_pre_invoke", { name: "t" });
    expect(seen).toBe("alice");
  });

  it("11.1-33 local_state persists across invocations via the returned context table (counter 1 → 2)", async () => {
    const m = mgr();
    const counts: number[] = [];
    m.register(
      on("tool_pre_invoke", (_p, _e, ctx) => {
        const n = (ctx.get<number>("n") ?? 0) + 1;
        ctx.set("n", n);
        counts.push(n);
      }),
      "counter",
    );
    const r1 = await m.invoke("tool_pre_invoke", { name: "t" });
    await m.invoke("tool_pre_invoke", { name: "t" }, { contextTable: r1.contextTable });
    expect(counts).toEqual([1, 2]);
  });

  it("11.1-34 global_state contributions accumulate in priority order", async () => {
    const m = mgr();
    const add =
      (x: string): HookHandler =>
      (_p, _e, ctx) => {
        ctx.setGlobal("order", [...(ctx.getGlobal<string[]>("order") ?? []), x]);
      };
    m.register(on("tool_pre_invoke", add("b")), { name: "b", priority: 20 });
    m.register(on("tool_pre_invoke", add("a")), { name: "a", priority: 10 });
    const r = await m.invoke("tool_pre_invoke", { name: "t" });
    expect(r.contextTable.globalState["order"]).toEqual(["a", "b"]);
  });

  it("11.1-35 all five phases run in order; payload chained start|seq|transform; audit sees both edits", async () => {
    const m = mgr();
    const order: string[] = [];
    let audited: unknown;
    m.register(
      on("custom", async () => void order.push("faf")),
      { name: "f", mode: "fire_and_forget", priority: 1 },
    );
    m.register(
      on("custom", () => void order.push("concurrent")),
      { name: "c", mode: "concurrent", priority: 1 },
    );
    m.register(
      on("custom", (p) => {
        order.push("audit");
        audited = p;
      }),
      { name: "a", mode: "audit", priority: 1 },
    );
    m.register(
      on("custom", (p) => {
        order.push("transform");
        return PluginResult.modifyPayload(`${p}|transform`);
      }),
      { name: "t", mode: "transform", priority: 1 },
    );
    m.register(
      on("custom", (p) => {
        order.push("seq");
        return PluginResult.modifyPayload(`${p}|seq`);
      }),
      { name: "s", mode: "sequential", priority: 999 },
    );
    const r = await m.invoke("custom", "start");
    await r.background.wait();
    expect(order).toEqual(["seq", "transform", "audit", "concurrent", "faf"]);
    expect(r.modifiedPayload).toBe("start|seq|transform");
    expect(audited).toBe("start|seq|transform");
  });

  it("11.1-36 routing works for resource, prompt and llm entity types, not only tool", async () => {
    const m = await fromYaml(
      `plugin_settings: { routing_enabled: true }
plugins:
  - { name: gate, kind: test, hooks: [h] }
routes:
  - { resource: "file://*", plugins: [gate] }
  - { prompt: secret, plugins: [gate] }
  - { llm: gpt-x, plugins: [gate] }
  - { tool: "*" }`,
      { gate: deny },
    );
    for (const [type, name] of [
      ["resource", "file://a"],
      ["prompt", "secret"],
      ["llm", "gpt-x"],
    ]) {
      expect((await m.invoke("h", {}, { extensions: meta(type!, name!) })).continueProcessing).toBe(false);
    }
    expect((await m.invoke("h", {}, { extensions: meta("prompt", "public") })).continueProcessing).toBe(true);
  });

  it("11.1-37 initialize failure rolls back: already-initialized plugins are shut down, manager not initialized", async () => {
    const m = mgr();
    const log: string[] = [];
    m.register(
      definePlugin({
        hooks: { h: allow },
        initialize: () => void log.push("init a"),
        shutdown: () => void log.push("down a"),
      }),
      "a",
    );
    m.register(
      definePlugin({
        hooks: { h: allow },
        initialize: () => {
          throw new Error("nope");
        },
      }),
      "b",
    );
    await expect(m.initialize()).rejects.toThrow(/initialization failed: nope/);
    expect(log).toEqual(["init a", "down a"]);
    expect(m.isInitialized).toBe(false);
  });

  it("11.1-38 fromConfig builds a manager with the registered hook", async () => {
    const { parseConfig } = await import("../../src/core/index.js");
    const m = await PluginManager.fromConfig(
      parseConfig("plugins:\n  - { name: a, kind: test, hooks: [h] }"),
      {
        logger: silentLogger,
        factories: { test: factory({}) },
      },
    );
    expect(m.hasHooksFor("h")).toBe(true);
  });

  it("11.1-39 a fromConfig-built manager invokes correctly (deny)", async () => {
    const { parseConfig } = await import("../../src/core/index.js");
    const m = await PluginManager.fromConfig(
      parseConfig("plugins:\n  - { name: a, kind: test, hooks: [h] }"),
      {
        logger: silentLogger,
        factories: { test: factory({ a: deny }) },
      },
    );
    expect((await m.invoke("h", {})).violation?.code).toBe("denied");
  });

  it("11.1-40 fromConfig with an unknown kind → error containing 'no factory registered'", async () => {
    const m = mgr();
    await expect(m.loadConfigYaml("plugins:\n  - { name: a, kind: nope, hooks: [h] }")).rejects.toThrow(
      "no factory registered for plugin kind 'nope' (plugin 'a')",
    );
  });

  it("11.1-41 fromConfig with several plugins: the gate denies before the fallback allows", async () => {
    let fallbackRan = false;
    const m = await fromYaml(
      "plugins:\n  - { name: gate, kind: test, hooks: [h], priority: 1 }\n  - { name: fallback, kind: test, hooks: [h], priority: 2 }",
      {
        gate: deny,
        fallback: () => {
          fallbackRan = true;
        },
      },
    );
    expect((await m.invoke("h", {})).violation?.pluginName).toBe("gate");
    expect(fallbackRan).toBe(false);
  });

  const routed = `plugin_settings: { routing_enabled: true }
plugins:
  - { name: a, kind: test, hooks: [h] }
routes:
  - { tool: "*", plugins: [a] }`;

  it("11.1-42 the routing cache is populated on the first invoke and hit on the second (size stays 1)", async () => {
    const m = await fromYaml(routed, {});
    await m.invoke("h", {}, { extensions: meta("tool", "x") });
    expect(m.routingCacheSize).toBe(1);
    await m.invoke("h", {}, { extensions: meta("tool", "x") });
    expect(m.routingCacheSize).toBe(1);
  });

  it("11.1-43 loadConfigYaml folds top-level groups into route resolution (a group-only deny plugin fires)", async () => {
    const m = await fromYaml(
      `plugin_settings: { routing_enabled: true }
plugins:
  - { name: pii_gate, kind: test, hooks: [h] }
groups:
  pii: { plugins: [pii_gate] }
routes:
  - { tool: get_user, meta: { tags: [pii] } }`,
      { pii_gate: deny },
    );
    expect((await m.invoke("h", {}, { extensions: meta("tool", "get_user") })).continueProcessing).toBe(
      false,
    );
  });

  it("11.1-44 a config visitor is asked to compile a top-level group bundle", async () => {
    const m = mgr();
    m.registerFactory("test", factory({}));
    const bundles: string[] = [];
    const visitor: ConfigVisitor = { visitPolicyBundle: (name) => void bundles.push(name) };
    m.addConfigVisitor(visitor);
    await m.loadConfigYaml(
      "plugins:\n  - { name: a, kind: test, hooks: [h] }\ngroups:\n  finance: { plugins: [a] }",
    );
    expect(bundles).toEqual(["finance"]);
  });

  it("11.1-45 different entities → separate cache entries", async () => {
    const m = await fromYaml(routed, {});
    await m.invoke("h", {}, { extensions: meta("tool", "x") });
    await m.invoke("h", {}, { extensions: meta("tool", "y") });
    expect(m.routingCacheSize).toBe(2);
  });

  it("11.1-46 clearRoutingCache empties the cache", async () => {
    const m = await fromYaml(routed, {});
    await m.invoke("h", {}, { extensions: meta("tool", "x") });
    m.clearRoutingCache();
    expect(m.routingCacheSize).toBe(0);
  });

  it("11.1-47 unregister invalidates the cache", async () => {
    const m = await fromYaml(routed, {});
    await m.invoke("h", {}, { extensions: meta("tool", "x") });
    m.unregister("a");
    expect(m.routingCacheSize).toBe(0);
  });

  it("11.1-48 the cache survives a failing invoke (JS analogue of the poisoned-lock recovery)", async () => {
    const m = await fromYaml(routed, { a: panic });
    const r1 = await m.invoke("h", {}, { extensions: meta("tool", "x") });
    expect(r1.violation?.code).toBe("plugin_error");
    expect(m.routingCacheSize).toBe(1);
    const r2 = await m.invoke("h", {}, { extensions: meta("tool", "x") });
    expect(r2.violation?.code).toBe("plugin_error");
  });

  it("11.1-49 the cache rejects inserts at capacity but still resolves correctly", async () => {
    const m = await fromYaml(
      routed.replace("routing_enabled: true", "routing_enabled: true, route_cache_max_entries: 1"),
      { a: deny },
    );
    for (const name of ["x", "y", "z"]) {
      expect((await m.invoke("h", {}, { extensions: meta("tool", name) })).continueProcessing).toBe(false);
    }
    expect(m.routingCacheSize).toBe(1);
  });

  it("11.1-50 registerHandler invalidates the cache", async () => {
    const m = await fromYaml(routed, {});
    await m.invoke("h", {}, { extensions: meta("tool", "x") });
    m.registerHandler("h", allow, { name: "b" });
    expect(m.routingCacheSize).toBe(0);
  });

  it("11.1-51 different scopes → separate cache entries", async () => {
    const m = await fromYaml(routed, {});
    await m.invoke("h", {}, { extensions: meta("tool", "x", { scope: "s1" }) });
    await m.invoke("h", {}, { extensions: meta("tool", "x", { scope: "s2" }) });
    expect(m.routingCacheSize).toBe(2);
  });

  const override = `plugin_settings: { routing_enabled: true }
plugins:
  - { name: gate, kind: test, hooks: [h], config: { level: low } }
routes:
  - tool: special
    plugins:
      - gate: { config: { level: high } }`;

  it("11.1-52 a route config override creates a new instance (cached)", async () => {
    const created: string[] = [];
    const configs: unknown[] = [];
    const m = mgr();
    m.registerFactory("test", {
      create(config) {
        created.push(config.name);
        configs.push(config.config);
        return { plugin: {}, handlers: [{ hook: "h", handler: allow }] };
      },
    });
    await m.loadConfigYaml(override);
    await m.invoke("h", {}, { extensions: meta("tool", "special") });
    await m.invoke("h", {}, { extensions: meta("tool", "special") });
    expect(created).toEqual(["gate", "gate"]);
    expect(configs).toEqual([{ level: "low" }, { level: "high" }]);
  });

  it("11.1-53 an override instance has initialize() called exactly once", async () => {
    // Overrides are built at load and initialised by the manager's initialize() (docs/configuration.md).
    const inits: unknown[] = [];
    const m = mgr();
    m.registerFactory("test", {
      create: (config) => ({
        plugin: { initialize: () => void inits.push(config.config) },
        handlers: [{ hook: "h", handler: allow }],
      }),
    });
    await m.loadConfigYaml(override);
    await m.initialize();
    await Promise.all([1, 2, 3].map(() => m.invoke("h", {}, { extensions: meta("tool", "special") })));
    expect(inits).toEqual([{ level: "low" }, { level: "high" }]);
  });

  it("11.1-54 an override's circuit breaker is independent of the base plugin's", async () => {
    const m = mgr();
    m.registerFactory("test", {
      create: (config) => ({
        plugin: {},
        handlers: [
          { hook: "h", handler: (config.config as { level: string }).level === "high" ? fail : allow },
        ],
      }),
    });
    await m.loadConfigYaml(
      override.replace("config: { level: low } }", "config: { level: low }, on_error: disable }"),
    );
    await m.invoke("h", {}, { extensions: meta("tool", "special") });
    expect(m.effectiveMode("gate")).toBe("sequential");
  });

  it("11.1-55 registerFactory then loadConfig registers and invokes", async () => {
    const m = mgr();
    m.registerFactory("test", factory({ a: deny }));
    await m.loadConfigYaml("plugins:\n  - { name: a, kind: test, hooks: [h] }");
    expect((await m.invoke("h", {})).continueProcessing).toBe(false);
  });

  const full = `plugin_settings: { routing_enabled: true }
plugins:
  - { name: logger, kind: test, hooks: [h] }
  - { name: pii_gate, kind: test, hooks: [h] }
  - { name: route_plugin, kind: test, hooks: [h] }
groups:
  all: { plugins: [logger] }
  pii: { plugins: [pii_gate] }
routes:
  - { tool: get_ssn, meta: { tags: [pii] }, plugins: [route_plugin] }
  - { tool: "*", plugins: [route_plugin] }`;

  it("11.1-56 full routing flow: all + tag group + route plugins; the pii-tagged tool is denied, another allowed", async () => {
    const ran: string[] = [];
    const track =
      (name: string, h: HookHandler = allow): HookHandler =>
      (...a) => {
        ran.push(name);
        return h(...a);
      };
    const m = await fromYaml(full, {
      logger: track("logger"),
      pii_gate: track("pii_gate", deny),
      route_plugin: track("route_plugin"),
    });
    expect((await m.invoke("h", {}, { extensions: meta("tool", "get_ssn") })).continueProcessing).toBe(false);
    expect(ran).toEqual(["logger", "pii_gate"]);
    ran.length = 0;
    expect((await m.invoke("h", {}, { extensions: meta("tool", "weather") })).continueProcessing).toBe(true);
    expect(ran).toEqual(["logger", "route_plugin"]);
  });

  it("11.1-57 routing disabled → all plugins fire regardless of entity", async () => {
    const ran: string[] = [];
    const m = await fromYaml(full.replace("routing_enabled: true", "routing_enabled: false"), {
      logger: () => void ran.push("logger"),
      pii_gate: () => void ran.push("pii_gate"),
      route_plugin: () => void ran.push("route_plugin"),
    });
    await m.invoke("h", {}, { extensions: meta("tool", "weather") });
    expect(ran.sort()).toEqual(["logger", "pii_gate", "route_plugin"]);
  });

  it("11.1-58 routing enabled but no meta → all plugins fire", async () => {
    const ran: string[] = [];
    const m = await fromYaml(full, {
      logger: () => void ran.push("logger"),
      pii_gate: () => void ran.push("pii_gate"),
      route_plugin: () => void ran.push("route_plugin"),
    });
    await m.invoke("h", {});
    expect(ran.sort()).toEqual(["logger", "pii_gate", "route_plugin"]);
  });

  it("11.1-59 a wildcard route catches unmatched tools; the exact route wins for its tool", async () => {
    const m = await fromYaml(
      `plugin_settings: { routing_enabled: true }
plugins:
  - { name: strict, kind: test, hooks: [h] }
  - { name: lax, kind: test, hooks: [h] }
routes:
  - { tool: "*", plugins: [lax] }
  - { tool: admin, plugins: [strict] }`,
      { strict: deny },
    );
    expect((await m.invoke("h", {}, { extensions: meta("tool", "admin") })).continueProcessing).toBe(false);
    expect((await m.invoke("h", {}, { extensions: meta("tool", "other") })).continueProcessing).toBe(true);
  });

  it("11.1-60 host runtime tags activate a policy group (after a cache clear)", async () => {
    const m = await fromYaml(
      `plugin_settings: { routing_enabled: true }
plugins:
  - { name: gate, kind: test, hooks: [h] }
groups:
  high_risk: { plugins: [gate] }
routes:
  - { tool: "*" }`,
      { gate: deny },
    );
    expect((await m.invoke("h", {}, { extensions: meta("tool", "x") })).continueProcessing).toBe(true);
    m.clearRoutingCache();
    expect(
      (await m.invoke("h", {}, { extensions: meta("tool", "x", { tags: ["high_risk"] }) }))
        .continueProcessing,
    ).toBe(false);
  });

  it("11.1-61 routing also applies to typed invokes", async () => {
    const m = await fromYaml(routed.replace("[h]", "[tool_pre_invoke]"), { a: deny });
    expect(
      (await m.invoke("tool_pre_invoke", { name: "x" }, { extensions: meta("tool", "x") }))
        .continueProcessing,
    ).toBe(false);
  });

  it("11.1-62 a valid label addition is merged (original and added labels present)", async () => {
    const m = mgr();
    m.register(
      on("h", (_p, ext) => {
        const owned = cowCopy(ext);
        owned.security!.labels.add("pii");
        return PluginResult.modifyExtensions(owned);
      }),
      { name: "tagger", capabilities: ["read_labels", "append_labels"] },
    );
    const r = await m.invoke("h", {}, { extensions: { security: { labels: ["internal"] } } });
    expect([...(r.modifiedExtensions.security?.labels ?? [])].sort()).toEqual(["internal", "pii"]);
  });

  it("11.1-63 tampering with an immutable slot is rejected (request_id unchanged)", async () => {
    const m = mgr();
    m.register(
      on("h", (_p, ext) =>
        PluginResult.modifyExtensions({ ...cowCopy(ext), request: { requestId: "forged" } }),
      ),
      "t",
    );
    const r = await m.invoke("h", {}, { extensions: { request: { requestId: "real" } } });
    expect(r.modifiedExtensions.request?.requestId).toBe("real");
  });

  it("11.1-64 a plugin with no security caps: the pipeline continues; security is present but hollow", async () => {
    const m = mgr();
    let seen: unknown;
    m.register(
      on("h", (_p, ext) => {
        seen = ext.security;
      }),
      "blind",
    );
    const extensions = createExtensions({ security: { labels: ["secret"], subject: { id: "alice" } } });
    expect((await m.invoke("h", {}, { extensions })).continueProcessing).toBe(true);
    const sec = seen as { labels?: Iterable<string>; subject?: unknown };
    expect(sec).toBeDefined();
    expect([...(sec.labels ?? [])]).toEqual([]);
    expect(sec.subject).toBeUndefined();
  });

  it("11.1-65 a genuinely awaiting handler completes before the result is observed", async () => {
    const m = mgr();
    let done = false;
    m.register(
      on("h", async () => {
        await sleep(20);
        done = true;
      }),
      "slow",
    );
    await m.invoke("h", {});
    expect(done).toBe(true);
  });

  it("11.1-66 sync-style and awaiting handlers co-register on one hook and both run in priority order", async () => {
    const m = mgr();
    const order: string[] = [];
    m.register(
      on("h", async () => {
        await sleep(5);
        order.push("async");
      }),
      { name: "a", priority: 2 },
    );
    m.register(
      on("h", () => void order.push("sync")),
      { name: "s", priority: 1 },
    );
    await m.invoke("h", {});
    expect(order).toEqual(["sync", "async"]);
  });
});
