import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  loadConfig,
  normalizePluginConfig,
  parseConfig,
  pluginConfigError,
} from "../../../src/core/config/index.js";

function error(yaml: string, file = "config.yaml"): ConfigError {
  try {
    parseConfig(yaml, { file });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const TWO = `plugins:
  - name: ok
    kind: test/ok
  - name: pii
    kind: test/pii
    mode: seq
`;

describe("config errors name the file, the plugin and the field", () => {
  it("invalid mode", () => {
    const e = error(TWO);
    expect(e.message).toBe(
      "config.yaml: plugins[1] (name 'pii'): mode: expected one of sequential|transform|audit|concurrent|fire_and_forget|disabled, got 'seq' (line 6)",
    );
    expect(e.code).toBe("config");
    expect(e.file).toBe("config.yaml");
    expect(e.plugin).toBe("pii");
    expect(e.path).toBe("plugins[1].mode");
  });

  it("invalid on_error, priority, hooks and capabilities types", () => {
    const e = error(`plugins:
  - name: p
    kind: k
    on_error: explode
    priority: high
    hooks: tool_pre_invoke
    capabilities: [read_headers, 7]
`);
    expect(e.problems).toHaveLength(4);
    expect(e.message).toContain("config.yaml: 4 configuration problems:");
    expect(e.message).toContain(
      "plugins[0] (name 'p'): on_error: expected one of fail|ignore|disable, got 'explode'",
    );
    expect(e.message).toContain("plugins[0] (name 'p'): priority: expected an integer, got 'high'");
    expect(e.message).toContain("plugins[0] (name 'p'): hooks: expected a list, got 'tool_pre_invoke'");
    expect(e.message).toContain("plugins[0] (name 'p'): capabilities[1]: expected a string, got 7");
    expect(e.problems[0]).toMatch(/^config\.yaml: /);
  });

  it("priority outside int32 and fractional priority", () => {
    expect(error("plugins:\n  - name: p\n    kind: k\n    priority: 3000000000\n").message).toContain(
      "priority: must be at most 2147483647",
    );
    expect(error("plugins:\n  - name: p\n    kind: k\n    priority: 1.5\n").message).toContain(
      "priority: expected an integer, got 1.5",
    );
  });

  it("missing name and kind", () => {
    const e = error("plugins:\n  - kind: k\n  - name: only-name\n");
    expect(e.message).toContain("plugins[0]: name: required field is missing");
    expect(e.message).toContain("plugins[1] (name 'only-name'): kind: required field is missing");
  });

  it("empty name", () => {
    expect(error('plugins:\n  - name: ""\n    kind: k\n').message).toContain("name: must not be empty");
  });

  it("plugin_settings types", () => {
    const e = error("plugin_settings:\n  routing_enabled: yes please\n  plugin_timeout: 0\n");
    expect(e.message).toContain(
      "plugin_settings: routing_enabled: expected a boolean (true/false), got 'yes please'",
    );
    expect(e.message).toContain("plugin_settings: plugin_timeout: must be at least 1, got 0");
  });

  it("top-level plugins must be a list", () => {
    expect(error("plugins:\n  a: {kind: k}\n").message).toContain("plugins: expected a list, got a mapping");
  });

  it("YAML syntax errors carry the line", () => {
    const e = error("plugins:\n  - name: a\n    kind: [unclosed\n");
    expect(e.message).toMatch(/^config\.yaml: failed to parse config YAML: .*line \d+/);
  });

  it("duplicate YAML keys are an error", () => {
    expect(error("plugins:\n  - name: a\n    name: b\n    kind: k\n").message).toContain(
      "failed to parse config YAML",
    );
  });

  it("root must be a mapping", () => {
    expect(error("- a\n- b\n").message).toBe(
      "config.yaml: the config root must be a mapping, got a list (line 1)",
    );
  });

  it("without a file name the message starts at the location", () => {
    try {
      parseConfig(TWO);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/^plugins\[1\] \(name 'pii'\): mode: /);
    }
  });

  it("group and route errors name the group or route", () => {
    const e = error(`plugin_settings: { routing_enabled: true }
plugins: [{ name: a, kind: k }]
groups:
  pii:
    plugins: [a, { b: { config: 5 } }]
routes:
  - tool: x
    meta: { tags: 5 }
`);
    expect(e.message).toContain(
      "groups.pii: plugins[1].b: expected {config: {...}} for the override of plugin 'b'",
    );
    expect(e.message).toContain("routes[0]: meta.tags: unexpected value 5");
  });
});

describe("config defaults, host sections and warnings", () => {
  it("applies every PluginConfig default", () => {
    const c = parseConfig("plugins:\n  - name: a\n    kind: k\n");
    expect(c.plugins[0]).toEqual({
      name: "a",
      kind: "k",
      hooks: [],
      mode: "sequential",
      priority: 100,
      onError: "fail",
      capabilities: [],
      tags: [],
      conditions: [],
      extra: {},
      origin: { index: 0 },
    });
  });

  it("reads every PluginConfig key", () => {
    const c = parseConfig(`plugins:
  - name: a
    kind: wasm://plugins/a.wasm
    description: does things
    author: me
    version: 1.10
    hooks: [tool_pre_invoke, tool_post_invoke]
    mode: fire_and_forget
    priority: -5
    on_error: disable
    capabilities: [read_headers, read_headers, append_labels]
    tags: [x]
    conditions:
      - server_ids: [s1]
        user_patterns: ["admin-*"]
    config: { threshold: 3, list: [1, 2] }
`);
    expect(c.plugins[0]).toMatchObject({
      description: "does things",
      author: "me",
      version: "1.10",
      hooks: ["tool_pre_invoke", "tool_post_invoke"],
      mode: "fire_and_forget",
      priority: -5,
      onError: "disable",
      capabilities: ["read_headers", "append_labels"],
      tags: ["x"],
      conditions: [{ serverIds: ["s1"], userPatterns: ["admin-*"] }],
      config: { threshold: 3, list: [1, 2] },
    });
  });

  it("empty values fall back to defaults", () => {
    const c = parseConfig("plugin_settings:\nplugins:\n  - name: a\n    kind: k\n    hooks:\n    mode:\n");
    expect(c.plugins[0]).toMatchObject({ hooks: [], mode: "sequential" });
    expect(c.pluginSettings.pluginTimeout).toBe(30);
  });

  it("an empty document is an empty config", () => {
    const c = parseConfig("");
    expect(c.plugins).toEqual([]);
    expect(c.pluginSettings.routingEnabled).toBe(false);
  });

  it("keeps host sections: plugin_settings.wasm and per-plugin limits/grants/sha256", () => {
    const warnings: string[] = [];
    const c = parseConfig(
      `plugin_settings:
  plugin_timeout: 5
  wasm: { fuel: 1000000, memory_mb: 16 }
plugins:
  - name: a
    kind: wasm://a.wasm
    limits: { fuel: 5000, timeout_ms: 100 }
    grants: { env: [HOME] }
    sha256: abc123
`,
      { warn: (m) => warnings.push(m) },
    );
    expect(c.pluginSettings.raw["wasm"]).toEqual({ fuel: 1000000, memory_mb: 16 });
    expect(c.pluginSettings.pluginTimeout).toBe(5);
    expect(c.plugins[0]?.extra).toEqual({
      limits: { fuel: 5000, timeout_ms: 100 },
      grants: { env: ["HOME"] },
      sha256: "abc123",
    });
    expect(warnings).toEqual([]);
  });

  it("warns (does not fail) on unknown keys and unhonoured settings", () => {
    const warnings: string[] = [];
    const c = parseConfig(
      `plugin_settings:
  parallel_execution_within_band: true
  fail_on_plugin_error: true
  mystery: 1
plugin_dirs: [./plugins]
frobnicate: true
authorization: { apl: true }
plugins:
  - name: a
    kind: k
    timeout: 5
    priorty: 3
    capabilities: [read_header]
`,
      { file: "gw.yaml", warn: (m) => warnings.push(m) },
    );
    expect(c.warnings).toEqual(warnings);
    const all = warnings.join("\n");
    expect(all).toContain(
      "gw.yaml: plugin_settings.parallel_execution_within_band is accepted but not honoured",
    );
    expect(all).toContain("fail_on_plugin_error is accepted but not honoured");
    expect(all).toContain("plugin_settings.mystery: unknown setting ignored");
    expect(all).toContain("plugin_dirs is not supported");
    expect(all).toContain("unknown top-level key 'frobnicate' ignored");
    expect(all).not.toContain("'authorization'");
    expect(all).toContain("plugins[0] (name 'a'): per-plugin 'timeout' is not a core setting");
    expect(all).toContain("plugins[0] (name 'a'): unknown key 'priorty'");
    expect(all).toContain("capability 'read_header' is not enforced");
    expect(c.pluginSettings.parallelExecutionWithinBand).toBe(true);
    expect(c.plugins[0]?.extra).toMatchObject({ timeout: 5, priorty: 3 });
  });

  it("hostPluginKeys silences warnings for keys a host understands", () => {
    const warnings: string[] = [];
    parseConfig("plugins:\n  - name: a\n    kind: k\n    venv: x\n", {
      hostPluginKeys: ["venv"],
      warn: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([]);
  });

  it("warns that routes are inert when routing is disabled", () => {
    const c = parseConfig("plugins: [{name: a, kind: k}]\nroutes:\n  - tool: t\n    plugins: [a]\n");
    expect(c.warnings.join()).toContain("ignored because plugin_settings.routing_enabled is false");
  });

  it("the parsed config is frozen", () => {
    const c = parseConfig("plugins:\n  - name: a\n    kind: k\n    config: { x: 1 }\n");
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.plugins[0])).toBe(true);
    expect(Object.isFrozen(c.plugins[0]?.config)).toBe(true);
    expect(Object.isFrozen(c.pluginSettings)).toBe(true);
  });

  it("keeps the raw document for orchestrators", () => {
    const c = parseConfig("authorization:\n  rules: [1]\nplugins: []\n");
    expect(c.raw["authorization"]).toEqual({ rules: [1] });
  });

  it("global.defaults per entity type", () => {
    const c = parseConfig(
      "plugin_settings: { routing_enabled: true }\nplugins: [{name: a, kind: k}]\nglobal:\n  defaults:\n    tool: { plugins: [a] }\n    agent: { plugins: [a] }\n",
    );
    expect(c.global.defaults.tool?.plugins).toEqual([{ name: "a" }]);
    expect(c.warnings.join()).toContain("global.defaults.agent: unknown entity type ignored");
  });

  it("unknown plugin in a default group is rejected", () => {
    expect(
      error(
        "plugin_settings: { routing_enabled: true }\nplugins: [{name: a, kind: k}]\nglobal:\n  defaults:\n    llm: { plugins: [ghost] }\n",
      ).message,
    ).toContain("default group 'llm' references unknown plugin 'ghost'");
  });
});

describe("loadConfig", () => {
  it("reads a file, records file and configDir", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cpex-config-"));
    const path = join(dir, "cpex.yaml");
    await writeFile(path, "plugins:\n  - name: a\n    kind: wasm://plugins/a.wasm\n");
    const c = await loadConfig(path);
    expect(c.file).toBe(path);
    expect(c.configDir).toBe(dir);
    expect(c.plugins[0]?.origin).toEqual({ file: path, index: 0 });
  });

  it("names the file in validation errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cpex-config-"));
    const path = join(dir, "bad.yaml");
    await writeFile(path, TWO);
    await expect(loadConfig(path)).rejects.toThrow(`${path}: plugins[1] (name 'pii'): mode:`);
  });

  it("a missing file is a ConfigError naming the path", async () => {
    await expect(loadConfig("does/not/exist.yaml")).rejects.toThrow(
      /does\/not\/exist\.yaml: cannot read config file: .*ENOENT/,
    );
  });
});

describe("normalizePluginConfig", () => {
  it("fills defaults for programmatic registration", () => {
    const p = normalizePluginConfig({ name: "x", capabilities: new Set(["read_headers"]) });
    expect(p).toMatchObject({
      name: "x",
      kind: "native",
      mode: "sequential",
      priority: 100,
      onError: "fail",
      capabilities: ["read_headers"],
      hooks: [],
      extra: {},
    });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it("rejects bad values naming the plugin and field", () => {
    expect(() => normalizePluginConfig({ name: "x", mode: "seq" as never, priority: 0.5 })).toThrow(
      "plugin 'x': mode: expected one of sequential|transform|audit|concurrent|fire_and_forget|disabled, got 'seq'; priority: expected a 32-bit integer, got 0.5",
    );
    expect(() => normalizePluginConfig({ name: "" })).toThrow("name: must be a non-empty string");
  });
});

describe("hostile keys", () => {
  it("a `__proto__` key stays plain data in config and extra", () => {
    const c = parseConfig(
      'plugins:\n  - name: a\n    kind: k\n    "__proto__": { x: 1 }\n    config: { "__proto__": { polluted: 1 }, ok: 1 }\n',
    );
    const p = c.plugins[0]!;
    expect(Object.getPrototypeOf(p.extra)).toBe(Object.prototype);
    expect(Object.keys(p.extra)).toEqual(["__proto__"]);
    expect((p.extra as Record<string, unknown>)["x"]).toBeUndefined();
    expect(Object.getPrototypeOf(p.config)).toBe(Object.prototype);
    expect((p.config as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("pluginConfigError (for factories and hosts)", () => {
  it("formats like the loader", () => {
    const c = parseConfig("plugins:\n  - name: a\n    kind: k\n  - name: pii\n    kind: wasm://x.wasm\n", {
      file: "cpex.yaml",
    });
    const e = pluginConfigError(c.plugins[1]!, "limits.fuel", "expected a positive integer, got -1");
    expect(e.message).toBe(
      "cpex.yaml: plugins[1] (name 'pii'): limits.fuel: expected a positive integer, got -1",
    );
    expect(e).toMatchObject({
      code: "config",
      file: "cpex.yaml",
      plugin: "pii",
      path: "plugins[1].limits.fuel",
    });
    expect(pluginConfigError(normalizePluginConfig({ name: "n" }), undefined, "boom").message).toBe(
      "plugin 'n': boom",
    );
  });
});
