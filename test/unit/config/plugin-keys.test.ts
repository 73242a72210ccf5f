// Factories declare the per-plugin keys they read (PluginFactory.pluginKeys); the core keeps no host's key list.
// An unknown key is warned about where it can be judged: at parse time when it looks like a typo of a core key,
// otherwise when a manager loads the plugin, against the keys of the factory that builds it.
import { describe, expect, it } from "vitest";
import { type Logger, type PluginFactory, PluginManager, parseConfig } from "../../../src/core/index.js";

const yaml = (keys: string) => `plugins:\n  - { name: a, kind: k, hooks: [tool_pre_invoke]${keys} }\n`;

function collecting(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (m) => void warnings.push(m),
    error() {},
  };
  return { logger, warnings };
}

const factory = (pluginKeys?: readonly string[]): PluginFactory => ({
  ...(pluginKeys === undefined ? {} : { pluginKeys }),
  create: () => ({ plugin: {}, handlers: [] }),
});

describe("plugin keys", () => {
  it("the parser alone does not judge host keys: they are kept in extra without a warning", () => {
    const c = parseConfig(yaml(", venv: x, limits: { fuel: 1 }"));
    expect(c.warnings).toEqual([]);
    expect(c.plugins[0]?.extra).toEqual({ venv: "x", limits: { fuel: 1 } });
  });

  it("a key the plugin's factory declares draws no warning at load", async () => {
    const { logger, warnings } = collecting();
    const m = new PluginManager({ logger });
    m.registerFactory("k", factory(["venv"]));
    await m.loadConfigYaml(yaml(", venv: x"));
    expect(warnings).toEqual([]);
  });

  it("a key neither the core nor the plugin's factory reads is warned about at load, naming the kind", async () => {
    const { logger, warnings } = collecting();
    const m = new PluginManager({ logger });
    m.registerFactory("k", factory(["venv"]));
    m.registerFactory("other", factory(["sandbox"]));
    await m.loadConfigYaml(yaml(", sandbox: x"));
    expect(warnings).toEqual([
      "plugins[0] (name 'a'): unknown key 'sandbox' kept for hosts, but neither the core nor the factory of kind 'k' reads it",
    ]);
  });

  it("a typo of a core key is warned about at parse time, with a suggestion", () => {
    const c = parseConfig(yaml(", priorty: 3"));
    expect(c.warnings).toEqual([
      "plugins[0] (name 'a'): unknown key 'priorty' kept for hosts (not used by the core) (did you mean 'priority'?)",
    ]);
  });

  it("a factory's declared key is not mistaken for a typo when loading through the manager", async () => {
    const { logger, warnings } = collecting();
    const m = new PluginManager({ logger });
    m.registerFactory("k", factory(["tag"]));
    await m.loadConfigYaml(yaml(", tag: x"));
    expect(warnings).toEqual([]);
    expect(parseConfig(yaml(", tag: x")).warnings.join()).toContain("did you mean 'tags'?");
  });

  it("hostPluginKeys silences the load-time check as well", async () => {
    const { logger, warnings } = collecting();
    const m = new PluginManager({ logger });
    m.registerFactory("k", factory());
    await m.loadConfigYaml(yaml(", venv: x"), { hostPluginKeys: ["venv"] });
    expect(warnings).toEqual([]);
  });
});
