// What an embedder can ask the manager: a plugin's id, modes, breaker, hooks and counters; which plugin a
// context-table id belongs to; a context table's local states by plugin name.
import { describe, expect, it } from "vitest";
import {
  definePlugin,
  type HookHandler,
  type PluginFactory,
  PluginManager,
  PluginResult,
  silentLogger,
} from "../../../src/core/index.js";

const HOOK: string = "tool_pre_invoke";
const mgr = () => new PluginManager({ logger: silentLogger });

describe("PluginManager.plugin(name)", () => {
  it("reports id, configured and effective mode, hooks, capabilities and a closed breaker", () => {
    const m = mgr();
    const ref = m.register(
      definePlugin({ hooks: { [HOOK]: () => undefined, tool_post_invoke: () => undefined } }),
      { name: "a", mode: "audit", priority: 7, capabilities: ["read_headers"] },
    );
    expect(m.plugin("a")).toEqual({
      id: ref.id,
      name: "a",
      kind: "native",
      mode: "audit",
      effectiveMode: "audit",
      priority: 7,
      onError: "fail",
      breaker: "closed",
      hooks: [HOOK, "tool_post_invoke"],
      capabilities: ["read_headers"],
      counters: { invocations: 0, denials: 0, errors: 0, timeouts: 0 },
      overrides: [],
    });
    expect(m.plugin("nobody")).toBeUndefined();
  });

  it("shows the breaker tripped after a failure under on_error: disable", async () => {
    const m = mgr();
    const boom: HookHandler = () => {
      throw new Error("boom");
    };
    m.register(definePlugin({ hooks: { [HOOK]: boom } }), { name: "b", onError: "disable" });
    await m.invoke(HOOK, { name: "t" });
    expect(m.plugin("b")).toMatchObject({
      mode: "sequential",
      effectiveMode: "disabled",
      breaker: "tripped",
    });
    expect(m.plugin("b")?.counters).toEqual({ invocations: 1, denials: 0, errors: 1, timeouts: 0 });
  });

  it("counts invocations, denials and timeouts", async () => {
    const m = new PluginManager({ logger: silentLogger, settings: { pluginTimeout: 0.02 } });
    let n = 0;
    m.register(
      definePlugin({
        hooks: {
          [HOOK]: async () => {
            n++;
            if (n === 1) return PluginResult.deny({ code: "no", reason: "no" });
            if (n === 2) await new Promise((r) => setTimeout(r, 200));
            return undefined;
          },
        },
      }),
      { name: "c", onError: "ignore" },
    );
    for (let i = 0; i < 3; i++) await m.invoke(HOOK, { name: "t" });
    expect(m.plugin("c")?.counters).toEqual({ invocations: 3, denials: 1, errors: 0, timeouts: 1 });
  });

  it("the info is a snapshot: later invokes do not change it", async () => {
    const m = mgr();
    m.register(definePlugin({ hooks: { [HOOK]: () => undefined } }), "d");
    const before = m.plugin("d");
    await m.invoke(HOOK, { name: "t" });
    expect(before?.counters.invocations).toBe(0);
    expect(m.plugin("d")?.counters.invocations).toBe(1);
  });
});

describe("context tables by plugin name", () => {
  const remember: HookHandler = (_p, _e, ctx) => {
    ctx.set("seen", true);
  };

  it("pluginNameOf maps a registration id to its plugin; localStates keys a table by name", async () => {
    const m = mgr();
    const ref = m.register(definePlugin({ hooks: { [HOOK]: remember } }), "keeper");
    const r = await m.invoke(HOOK, { name: "t" });
    expect(m.pluginNameOf(ref.id)).toBe("keeper");
    expect(m.pluginNameOf("not-an-id")).toBeUndefined();
    expect(m.localStates(r.contextTable)).toEqual(new Map([["keeper", { seen: true }]]));
  });

  it("route-override instances have their own id, listed as 'name (route override n)'", async () => {
    const factory: PluginFactory = {
      create: (config) => ({
        plugin: {},
        handlers: config.hooks.map((hook) => ({ hook, handler: remember })),
      }),
    };
    const m = mgr();
    m.registerFactory("test", factory);
    await m.loadConfigYaml(`plugin_settings: { routing_enabled: true }
plugins:
  - { name: gate, kind: test, hooks: [${HOOK}], config: { level: low } }
routes:
  - tool: special
    plugins: [{ gate: { config: { level: high } } }]
`);
    const info = m.plugin("gate")!;
    expect(info.overrides).toHaveLength(1);
    const overrideId = info.overrides[0]!.id;
    expect(overrideId).not.toBe(info.id);
    expect(m.pluginNameOf(overrideId)).toBe("gate (route override 1)");
    const r = await m.invoke(
      HOOK,
      { name: "t" },
      { extensions: { meta: { entityType: "tool", entityName: "special" } } },
    );
    expect([...m.localStates(r.contextTable).keys()]).toEqual(["gate (route override 1)"]);
    expect(m.plugin("gate")?.overrides[0]?.counters.invocations).toBe(1);
    expect(m.plugin("gate")?.counters.invocations).toBe(0);
  });
});
