// Config loading fails closed on hook names nothing can serve, and suggests the likely intended name.
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  hookMetadata,
  isKnownHook,
  PluginManager,
  parseConfig,
  registerHook,
  silentLogger,
} from "../../../src/core/index.js";
import { closestMatch, editDistance } from "../../../src/core/suggest.js";

const plugin = (hooks: string) => `plugins:
  - name: fetcher
    kind: native
    hooks: ${hooks}
`;

function loadError(text: string): ConfigError {
  try {
    parseConfig(text, { file: "cpex.yaml" });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("hook names in a config", () => {
  it("an unknown hook is a load error naming file, plugin, field and line, with a suggestion", () => {
    const e = loadError(plugin("[tool_pre_invoke, resource_prefetch]"));
    expect(e.message).toBe(
      "cpex.yaml: plugins[0] (name 'fetcher'): hooks[1]: unknown hook 'resource_prefetch' (did you mean " +
        "'resource_pre_fetch'?); a custom hook must be registered with registerHook() before the config is " +
        "loaded (line 4)",
    );
    expect(e.plugin).toBe("fetcher");
    expect(e.file).toBe("cpex.yaml");
    expect(e.path).toBe("plugins[0].hooks[1]");
  });

  it("a name close to nothing gets no suggestion", () => {
    expect(loadError(plugin("[zzz]")).message).toContain("unknown hook 'zzz'; a custom hook");
  });

  it("every unknown hook is reported at once", () => {
    const e = loadError(`${plugin("[tool_pre_invok]")}  - { name: b, kind: native, hooks: [email_send] }\n`);
    expect(e.problems).toHaveLength(2);
  });

  it("built-in hooks load", () => {
    expect(parseConfig(plugin("[tool_pre_invoke, cmf.llm_input, identity.resolve]")).plugins).toHaveLength(1);
  });

  it("a hook registered before loading is accepted, with its metadata", () => {
    expect(isKnownHook("email_pre_send")).toBe(false);
    registerHook("email_pre_send", { phase: "pre" });
    expect(parseConfig(plugin("[email_pre_send]")).plugins[0]?.hooks).toEqual(["email_pre_send"]);
    expect(hookMetadata("email_pre_send")).toEqual({ phase: "pre" });
  });

  it("registerHook rejects empty names", () => {
    expect(() => registerHook("")).toThrow(TypeError);
    expect(() => registerHook(" x")).toThrow(TypeError);
  });

  it("programmatic registration needs no registerHook", async () => {
    const m = new PluginManager({ logger: silentLogger });
    m.registerHandler("never_registered_hook", () => undefined, { name: "p" });
    expect((await m.invoke("never_registered_hook", {})).continueProcessing).toBe(true);
  });

  it("loading through the manager fails atomically on an unknown hook", async () => {
    const m = new PluginManager({ logger: silentLogger });
    m.registerFactory("native", { create: () => ({ plugin: {}, handlers: [] }) });
    await expect(m.loadConfigYaml(plugin("[tool_pre_invok]"))).rejects.toThrow(
      /did you mean 'tool_pre_invoke'/,
    );
    expect(m.pluginCount).toBe(0);
  });
});

describe("unknown top-level keys", () => {
  it("stay warnings, with a did-you-mean, and are listed in unknownKeys", () => {
    const warnings: string[] = [];
    const c = parseConfig("plugin:\n  - { name: a, kind: native }\nzebra: 1\n", {
      file: "cpex.yaml",
      warn: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([
      "cpex.yaml: unknown top-level key 'plugin' ignored (did you mean 'plugins'?)",
      "cpex.yaml: unknown top-level key 'zebra' ignored",
    ]);
    expect(c.unknownKeys).toEqual(["plugin", "zebra"]);
  });

  it("orchestrator keys load silently", () => {
    const warnings: string[] = [];
    const c = parseConfig("authorization: {}\nargs: {}\n", { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(c.unknownKeys).toEqual([]);
  });
});

describe("edit distance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("plugin", "plugins")).toBe(1);
  });

  it("suggests only plausible typos", () => {
    expect(closestMatch("routs", ["routes", "plugins"])).toBe("routes");
    expect(closestMatch("xyz", ["routes", "plugins"])).toBeUndefined();
  });
});
