// The last differences a behavioural suite translated from CPEX Rust's own tests found, one test per behaviour:
// concurrent panics under ignore/disable, authentication steps' `on_error`, and `?`-only route patterns.
import { describe, expect, it } from "vitest";
import {
  definePlugin,
  type HookHandler,
  PluginError,
  type PluginFactory,
  PluginManager,
  parseConfig,
  resolveIdentitySteps,
  routeScore,
  silentLogger,
} from "../../src/core/index.js";

const panic: HookHandler = () => {
  throw new TypeError("unexpected");
};
const HOOK: string = "tool_pre_invoke";

describe("a concurrent plugin that panics", () => {
  for (const onError of ["ignore", "disable"] as const) {
    it(`with on_error: ${onError} leaves an error record with code 'panic'`, async () => {
      const m = new PluginManager({ logger: silentLogger });
      m.register(definePlugin({ hooks: { [HOOK]: panic } }), { name: "p", mode: "concurrent", onError });
      const r = await m.invoke(HOOK, { name: "t" }, { trace: true });
      expect(r.continueProcessing).toBe(true);
      expect(r.errors).toEqual([{ pluginName: "p", message: "unexpected", code: "panic" }]);
      expect(r.trace?.[0]?.error?.code).toBe("panic");
    });
  }

  it("with on_error: fail halts with plugin_panic whose reason says 'task panicked'", async () => {
    const m = new PluginManager({ logger: silentLogger });
    m.register(definePlugin({ hooks: { [HOOK]: panic } }), { name: "p", mode: "concurrent" });
    const r = await m.invoke(HOOK, { name: "t" });
    expect(r.violation).toMatchObject({
      code: "plugin_panic",
      reason: "Plugin 'p' task panicked: unexpected",
    });
  });

  it("keeps a code the host gave (a sandbox trap stays wasm_trap)", async () => {
    const m = new PluginManager({ logger: silentLogger });
    const trap: HookHandler = () => {
      throw new PluginError("trapped", { code: "wasm_trap", panic: true });
    };
    m.register(definePlugin({ hooks: { [HOOK]: trap } }), {
      name: "w",
      mode: "concurrent",
      onError: "ignore",
    });
    expect((await m.invoke(HOOK, { name: "t" })).errors[0]?.code).toBe("wasm_trap");
  });

  it("in a serial phase is a plain plugin error, without code 'panic'", async () => {
    const m = new PluginManager({ logger: silentLogger });
    m.register(definePlugin({ hooks: { [HOOK]: panic } }), { name: "p", onError: "ignore" });
    const r = await m.invoke(HOOK, { name: "t" });
    expect(r.errors).toEqual([{ pluginName: "p", message: "unexpected" }]);
  });
});

const AUTH = `plugin_settings: { routing_enabled: true }
plugins:
  - { name: jwt, kind: test, hooks: [identity.resolve], on_error: fail }
routes:
  - tool: t
    authentication:
      - { name: jwt, on_error: keep_going }
`;

describe("an authentication step's on_error", () => {
  it("may be any string: a CPEX file with another value loads, and the value is kept as written", () => {
    const c = parseConfig(AUTH);
    expect(c.routes[0]?.authentication?.steps).toEqual([{ name: "jwt", onError: "keep_going" }]);
    expect(resolveIdentitySteps(c, { entityType: "tool", entityName: "t" })).toEqual([
      { name: "jwt", onError: "keep_going" },
    ]);
  });

  it("must still be a string", () => {
    expect(() => parseConfig(AUTH.replace("keep_going", "[1, 2]"))).toThrow(
      "routes[0]: authentication[0].on_error: expected a string, got a list",
    );
  });

  it("is not applied: the identity plugin's own on_error governs, as in CPEX", async () => {
    const failing: PluginFactory = {
      create: (config) => ({ plugin: {}, handlers: config.hooks.map((hook) => ({ hook, handler: panic })) }),
    };
    const m = new PluginManager({ logger: silentLogger });
    m.registerFactory("test", failing);
    await m.loadConfigYaml(AUTH.replace("keep_going", "ignore"));
    const r = await m.invoke(
      "identity.resolve",
      { source: "s", headers: {} },
      { extensions: { meta: { entityType: "tool", entityName: "t" } } },
    );
    expect(r.continueProcessing).toBe(false);
    expect(r.violation).toMatchObject({ code: "plugin_error", pluginName: "jwt" });
  });
});

describe("route patterns", () => {
  const route = (pattern: string) =>
    parseConfig(`plugin_settings: { routing_enabled: true }\nroutes:\n  - tool: "${pattern}"\n`).routes[0]!;

  it("a ?-only pattern scores like a glob (300) and matches names of its length only", () => {
    expect(routeScore(route("???"), { entityType: "tool", entityName: "abc" })).toBe(300);
    expect(routeScore(route("???"), { entityType: "tool", entityName: "abcd" })).toBeUndefined();
    expect(routeScore(route("a?c"), { entityType: "tool", entityName: "abc" })).toBe(300);
  });

  it("only a *-only pattern is the catch-all (0)", () => {
    expect(routeScore(route("**"), { entityType: "tool", entityName: "anything" })).toBe(0);
  });
});
