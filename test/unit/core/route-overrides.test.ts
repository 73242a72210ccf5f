// Route/group/authentication config overrides are built when the config is loaded, never at a request
// (docs/configuration.md, "Route overrides").
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  type HookHandler,
  type PluginConfig,
  type PluginFactory,
  type PluginInstance,
  PluginManager,
  PluginResult,
  silentLogger,
} from "../../../src/core/index.js";

const HOOK = "tool_pre_invoke";
const meta = (name: string) => ({ extensions: { meta: { entityType: "tool", entityName: name } } });
const level = (c: PluginConfig): string => String((c.config as { level?: unknown } | undefined)?.level);

/** Denies with the plugin's configured level as the violation code, so a test sees which instance ran. */
const denyWithLevel =
  (c: PluginConfig): HookHandler =>
  () =>
    PluginResult.deny({ code: level(c), reason: "r" });

function countingFactory(created: string[], events: string[] = []): PluginFactory {
  return {
    create(config) {
      created.push(level(config));
      return {
        plugin: {
          initialize: () => void events.push(`init ${level(config)}`),
          shutdown: () => void events.push(`shutdown ${level(config)}`),
        },
        handlers: [{ hook: HOOK, handler: denyWithLevel(config) }],
      };
    },
  };
}

const routed = (plugins: string) => `plugin_settings: { routing_enabled: true }
plugins:
  - { name: gate, kind: test, hooks: [${HOOK}], config: { level: low, keep: 1 } }
routes:
  - tool: special
    plugins:
${plugins}
  - { tool: "*", plugins: [gate] }
`;
const override = routed("      - gate: { config: { level: high } }");

async function load(yaml: string, factory: PluginFactory): Promise<PluginManager> {
  const m = new PluginManager({ logger: silentLogger });
  m.registerFactory("test", factory);
  await m.loadConfigYaml(yaml);
  return m;
}

describe("route overrides are built at load", () => {
  it("the factory builds the override during loadConfig and never at invoke", async () => {
    const created: string[] = [];
    const m = await load(override, countingFactory(created));
    expect(created).toEqual(["low", "high"]);
    for (let i = 0; i < 3; i++) {
      expect((await m.invoke(HOOK, {}, meta("special"))).violation?.code).toBe("high");
      expect((await m.invoke(HOOK, {}, meta("other"))).violation?.code).toBe("low");
    }
    expect(created).toEqual(["low", "high"]);
  });

  it("derive() on the base instance is preferred over the factory, with the merged config", async () => {
    const created: string[] = [];
    const derived: unknown[] = [];
    const factory: PluginFactory = {
      create(config) {
        created.push(level(config));
        const instance: PluginInstance = {
          plugin: {},
          handlers: [{ hook: HOOK, handler: denyWithLevel(config) }],
          derive: async (c) => {
            derived.push(c.config);
            return { plugin: {}, handlers: [{ hook: HOOK, handler: denyWithLevel(c) }] };
          },
        };
        return instance;
      },
    };
    const m = await load(override, factory);
    expect(created).toEqual(["low"]);
    expect(derived).toEqual([{ level: "high", keep: 1 }]);
    expect((await m.invoke(HOOK, {}, meta("special"))).violation?.code).toBe("high");
  });

  it("a failing override is a load error naming the route and plugin; nothing is registered", async () => {
    const factory: PluginFactory = {
      create(config) {
        if (level(config) === "high") throw new Error("bad level");
        return { plugin: {}, handlers: [{ hook: HOOK, handler: () => undefined }] };
      },
    };
    const m = new PluginManager({ logger: silentLogger });
    m.registerFactory("test", factory);
    const err = await m.loadConfigYaml(override, { file: "cpex.yaml" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      "cpex.yaml: routes[0].plugins: config override of plugin 'gate' failed: bad level",
    );
    expect((err as ConfigError).plugin).toBe("gate");
    expect(m.pluginCount).toBe(0);
    expect(m.hasHooksFor(HOOK)).toBe(false);
  });

  it("an override instance without the base's handler is a load error", async () => {
    const factory: PluginFactory = {
      create: (config) => ({
        plugin: {},
        handlers: level(config) === "high" ? [] : [{ hook: HOOK, handler: () => undefined }],
      }),
    };
    const m = new PluginManager({ logger: silentLogger });
    m.registerFactory("test", factory);
    await expect(m.loadConfigYaml(override)).rejects.toThrow(
      "routes[0].plugins: config override of plugin 'gate' failed: the override instance has no handler for hook 'tool_pre_invoke'",
    );
    expect(m.pluginCount).toBe(0);
  });

  it("group and authentication-step overrides are built at load too", async () => {
    const created: string[] = [];
    await load(
      `plugin_settings: { routing_enabled: true }
plugins:
  - { name: gate, kind: test, hooks: [${HOOK}, identity.resolve], config: { level: low } }
groups:
  pii: { plugins: [{ gate: { config: { level: group } } }] }
global:
  authentication: [{ name: gate, config: { level: auth } }]
routes:
  - { tool: "*", meta: { tags: [pii] } }
`,
      {
        create(config) {
          created.push(level(config));
          return {
            plugin: {},
            handlers: config.hooks.map((hook) => ({ hook, handler: () => undefined })),
          };
        },
      },
    );
    expect(created.sort()).toEqual(["auth", "group", "low"]);
  });

  it("references with the same override share one instance; routing off builds none", async () => {
    const created: string[] = [];
    await load(
      routed("      - gate: { config: { level: high } }").replace(
        '{ tool: "*", plugins: [gate] }',
        '{ tool: "*", plugins: [{ gate: { config: { level: high } } }] }',
      ),
      countingFactory(created),
    );
    expect(created).toEqual(["low", "high"]);
    const off: string[] = [];
    await load(override.replace("routing_enabled: true", "routing_enabled: false"), countingFactory(off));
    expect(off).toEqual(["low"]);
  });

  it("override instances are initialised by initialize() and shut down once, before their base", async () => {
    const events: string[] = [];
    const m = await load(override, countingFactory([], events));
    expect(events).toEqual([]);
    await m.initialize();
    await m.invoke(HOOK, {}, meta("special"));
    await Promise.all([m.shutdown(), m.shutdown()]);
    expect(events).toEqual(["init low", "init high", "shutdown high", "shutdown low"]);
  });

  it("a plugin registered after the config that overrides it fails the request instead of running unoverridden", async () => {
    const m = await load(override, countingFactory([]));
    m.unregister("gate");
    let ran = false;
    m.registerHandler(
      HOOK,
      () => {
        ran = true;
      },
      { name: "gate" },
    );
    const r = await m.invoke(HOOK, {}, meta("special"));
    expect(r.continueProcessing).toBe(false);
    expect(r.violation?.code).toBe("internal_error");
    expect(ran).toBe(false);
  });
});
