// CPEX conformance: config parsing and route resolution (cpex-semantics §11.2), one test per checklist item.
import { describe, expect, it } from "vitest";
import { ConfigError, type CpexConfig, parseConfig } from "../../src/core/config/index.js";
import { createExtensions } from "../../src/core/extensions/index.js";
import {
  createRouter,
  globMatch,
  resolveIdentitySteps,
  resolvePluginsForEntity,
} from "../../src/core/routing/index.js";

const ROUTING = "plugin_settings:\n  routing_enabled: true\n";

function plugins(...names: string[]): string {
  return `plugins:\n${names.map((n) => `  - name: ${n}\n    kind: test/${n}\n`).join("")}`;
}

function names(
  config: CpexConfig,
  entityType: string,
  entityName: string,
  extra: { scope?: string; tags?: string[] } = {},
) {
  return resolvePluginsForEntity(config, { entityType, entityName, ...extra }).map((r) => r.name);
}

function parseError(yaml: string): ConfigError {
  try {
    parseConfig(yaml, { file: "config.yaml" });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("§11.2 config — parsing", () => {
  it("minimal config parses", () => {
    const c = parseConfig("plugins:\n  - name: a\n    kind: test/a\n");
    expect(c.plugins).toHaveLength(1);
    expect(c.plugins[0]).toMatchObject({ name: "a", kind: "test/a" });
  });

  it("missing settings → routing disabled & defaults", () => {
    const c = parseConfig(plugins("a"));
    expect(c.pluginSettings).toMatchObject({
      routingEnabled: false,
      pluginTimeout: 30,
      shortCircuitOnDeny: true,
      parallelExecutionWithinBand: false,
      failOnPluginError: false,
      routeCacheMaxEntries: 10_000,
    });
    expect(c.plugins[0]).toMatchObject({ mode: "sequential", priority: 100, onError: "fail", hooks: [] });
  });

  it("duplicate names rejected", () => {
    const e = parseError(plugins("a", "b", "a"));
    expect(e.message).toContain("duplicate plugin name: 'a'");
    expect(e.message).toContain("plugins[2]");
  });

  it("route needs exactly one entity matcher (none)", () => {
    const e = parseError(`${ROUTING}${plugins("a")}routes:\n  - plugins: [a]\n`);
    expect(e.message).toContain("route 0 has no entity matcher (need tool, resource, prompt, or llm)");
  });

  it("route needs exactly one entity matcher (multiple)", () => {
    const e = parseError(`${ROUTING}${plugins("a")}routes:\n  - tool: x\n    prompt: y\n    plugins: [a]\n`);
    expect(e.message).toContain("route 0 has multiple entity matchers (need exactly one");
  });

  it("unknown plugin in route rejected", () => {
    const e = parseError(`${ROUTING}${plugins("a")}routes:\n  - tool: x\n    plugins: [a, ghost]\n`);
    expect(e.message).toContain("route 0 references unknown plugin 'ghost'");
    expect(e.message).toContain("routes[0]");
  });

  it("unknown plugin in group rejected", () => {
    const e = parseError(`${ROUTING}${plugins("a")}groups:\n  pii:\n    plugins: [ghost]\n`);
    expect(e.message).toContain("policy group 'pii' references unknown plugin 'ghost'");
  });

  it("validation skipped when routing disabled", () => {
    const c = parseConfig(
      `${plugins("a")}groups:\n  pii:\n    plugins: [ghost]\nroutes:\n  - tool: x\n    plugins: [ghost2]\n  - plugins: [a]\n`,
    );
    expect(c.pluginSettings.routingEnabled).toBe(false);
    expect(c.groups.get("pii")?.plugins).toEqual([{ name: "ghost" }]);
  });
});

describe("§11.2 config — resolution", () => {
  it("conditions mode returns all", () => {
    const c = parseConfig(`${plugins("a", "b")}routes:\n  - tool: x\n    plugins: [a]\n`);
    const router = createRouter(c);
    const ext = createExtensions({ meta: { entityType: "tool", entityName: "x" } });
    const lineup = router.resolve("tool_pre_invoke", ext, c.plugins);
    expect(lineup.map((r) => r.name)).toEqual(["a", "b"]);
  });

  it("routes inherit policy groups", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("scan", "gate")}groups:\n  pii:\n    plugins: [scan]\nroutes:\n  - tool: get_user\n    meta:\n      tags: [pii]\n    plugins: [gate]\n`,
    );
    expect(names(c, "tool", "get_user")).toEqual(["scan", "gate"]);
  });

  it("unmatched entity gets only `all`", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("audit", "gate")}groups:\n  all:\n    plugins: [audit]\nroutes:\n  - tool: get_user\n    plugins: [gate]\n`,
    );
    expect(names(c, "tool", "other_tool")).toEqual(["audit"]);
  });

  it("exact beats glob", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("glob", "exact")}routes:\n  - tool: "get_*"\n    plugins: [glob]\n  - tool: get_user\n    plugins: [exact]\n`,
    );
    expect(names(c, "tool", "get_user")).toEqual(["exact"]);
    expect(names(c, "tool", "get_order")).toEqual(["glob"]);
  });

  it("bare/override/mixed plugin refs", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("a", "b")}routes:\n  - tool: t\n    plugins:\n      - a\n      - b:\n          config:\n            level: high\n`,
    );
    const refs = resolvePluginsForEntity(c, { entityType: "tool", entityName: "t" });
    expect(refs).toEqual([{ name: "a" }, { name: "b", configOverride: { level: "high" } }]);
  });

  it("dedupe keeps order (a,b,c)", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("a", "b", "c")}groups:\n  all:\n    plugins: [b, a]\n  g:\n    plugins: [b]\nroutes:\n  - tool: t\n    groups: [g]\n    plugins: [c]\n`,
    );
    // all → [b, a], tag group g → [b], route → [c]; each name keeps its last position.
    expect(names(c, "tool", "t")).toEqual(["a", "b", "c"]);
  });

  it("glob trailing/leading/middle/multiple `*`, `**` ≡ `*`", () => {
    expect(globMatch("get_*", "get_user")).toBe(true);
    expect(globMatch("get_*", "get_")).toBe(true);
    expect(globMatch("get_*", "set_user")).toBe(false);
    expect(globMatch("*_user", "get_user")).toBe(true);
    expect(globMatch("*_user", "get_users")).toBe(false);
    expect(globMatch("get_*_v2", "get_user_v2")).toBe(true);
    expect(globMatch("get_*_v2", "get_user_v3")).toBe(false);
    expect(globMatch("*a*b*", "xxaYYbZZ")).toBe(true);
    expect(globMatch("*a*b*", "xxbYYaZZ")).toBe(false);
    expect(globMatch("get_**", "get_user")).toBe(globMatch("get_*", "get_user"));
    expect(globMatch("**", "anything")).toBe(true);
    expect(globMatch("get_?", "get_a")).toBe(true);
    expect(globMatch("get_?", "get_ab")).toBe(false);
  });

  it("pattern round-trips YAML", () => {
    const c = parseConfig(`${ROUTING}${plugins("a")}routes:\n  - tool: "db_*_query?"\n    plugins: [a]\n`);
    expect(c.routes[0]?.matcher).toEqual({ kind: "pattern", pattern: "db_*_query?" });
    expect(names(c, "tool", "db_users_query1")).toEqual(["a"]);
  });

  it("list matches any member", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("a")}routes:\n  - tool: [get_user, del_user]\n    plugins: [a]\n`,
    );
    expect(names(c, "tool", "get_user")).toEqual(["a"]);
    expect(names(c, "tool", "del_user")).toEqual(["a"]);
    expect(names(c, "tool", "put_user")).toEqual([]);
    // A list is exact membership: no globbing inside lists.
    const g = parseConfig(`${ROUTING}${plugins("a")}routes:\n  - tool: ["get_*"]\n    plugins: [a]\n`);
    expect(names(g, "tool", "get_user")).toEqual([]);
  });

  it("scoped route chosen only for matching scope", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("base", "scoped")}routes:\n  - tool: t\n    plugins: [base]\n  - tool: t\n    meta:\n      scope: tenant-a\n    plugins: [scoped]\n`,
    );
    expect(names(c, "tool", "t", { scope: "tenant-a" })).toEqual(["scoped"]);
    expect(names(c, "tool", "t", { scope: "tenant-b" })).toEqual(["base"]);
    expect(names(c, "tool", "t")).toEqual(["base"]);
  });

  it("host tags merged with route tags", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("pii", "fin", "gate")}groups:\n  pii:\n    plugins: [pii]\n  finance:\n    plugins: [fin]\nroutes:\n  - tool: t\n    meta:\n      tags: [pii]\n    plugins: [gate]\n`,
    );
    expect(names(c, "tool", "t", { tags: ["finance"] })).toEqual(["pii", "fin", "gate"]);
  });

  it("route `when` carried to route plugins but not to group plugins", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("g1", "r1")}groups:\n  sec:\n    plugins: [g1]\nroutes:\n  - tool: t\n    groups: sec\n    when: "args.size > 10"\n    plugins: [r1]\n`,
    );
    const refs = resolvePluginsForEntity(c, { entityType: "tool", entityName: "t" });
    expect(refs).toEqual([{ name: "g1" }, { name: "r1", when: "args.size > 10" }]);
  });

  it("`groups:` ≡ `meta.tags` (union)", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("a", "b", "r")}groups:\n  ga:\n    plugins: [a]\n  gb:\n    plugins: [b]\nroutes:\n  - tool: t\n    meta:\n      tags: [ga]\n    groups: [gb]\n    plugins: [r]\n`,
    );
    expect(names(c, "tool", "t")).toEqual(["a", "b", "r"]);
  });

  it("top-level groups canonical, both locations apply, top-level wins collisions", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("old", "new", "legacy")}global:\n  policies:\n    shared:\n      plugins: [old]\n    legacy_only:\n      plugins: [legacy]\ngroups:\n  shared:\n    plugins: [new]\nroutes:\n  - tool: t\n    groups: [shared, legacy_only]\n`,
    );
    expect(c.groups.get("shared")?.plugins).toEqual([{ name: "new" }]);
    expect(names(c, "tool", "t")).toEqual(["new", "legacy"]);
  });

  it("route joining unknown group rejected", () => {
    const e = parseError(
      `${ROUTING}${plugins("a")}routes:\n  - tool: t\n    groups: [nope]\n    plugins: [a]\n`,
    );
    expect(e.message).toContain("route 0 joins unknown group 'nope'");
  });

  it("`plugins:` map form → empty structural list", () => {
    const c = parseConfig(
      `${ROUTING}${plugins("a")}groups:\n  g:\n    plugins:\n      a:\n        args: { x: 1 }\nroutes:\n  - tool: t\n    groups: [g]\n`,
    );
    expect(c.groups.get("g")?.plugins).toEqual([]);
    expect(names(c, "tool", "t")).toEqual([]);
  });

  it("scalar `plugins:` rejected", () => {
    const e = parseError(`${ROUTING}${plugins("a")}groups:\n  g:\n    plugins: a\n`);
    expect(e.message).toContain("groups.g: plugins: expected a list of plugin references");
  });
});

describe("§11.2 config — authentication", () => {
  const AUTH = `${ROUTING}${plugins("jwt", "mtls", "apikey", "tenant")}`;

  it("authentication list/object forms", () => {
    const c = parseConfig(
      `${AUTH}global:\n  authentication: [jwt, { name: mtls, on_error: ignore }]\nroutes:\n  - tool: t\n    authentication:\n      replace_inherited: false\n      steps: [apikey]\n`,
    );
    expect(c.global.authentication).toEqual({
      replaceInherited: false,
      steps: [{ name: "jwt" }, { name: "mtls", onError: "ignore" }],
    });
    expect(c.routes[0]?.authentication).toEqual({ replaceInherited: false, steps: [{ name: "apikey" }] });
  });

  it("replace_inherited must be bool", () => {
    const e = parseError(
      `${AUTH}routes:\n  - tool: t\n    authentication:\n      replace_inherited: "yes"\n      steps: [jwt]\n`,
    );
    expect(e.message).toContain("replace_inherited must be a boolean");
    expect(e.message).toContain("routes[0]");
  });

  it("empty step name errors", () => {
    const e = parseError(`${AUTH}global:\n  authentication: [""]\n`);
    expect(e.message).toContain("step name must not be empty");
  });

  it("scalar authentication errors", () => {
    const e = parseError(`${AUTH}global:\n  authentication: jwt\n`);
    expect(e.message).toContain(
      "global: authentication: expected a list of steps or {replace_inherited, steps}",
    );
  });

  it("authentication object without steps errors", () => {
    const e = parseError(`${AUTH}groups:\n  g:\n    authentication:\n      replace_inherited: true\n`);
    expect(e.message).toContain("needs `steps:`");
    expect(e.message).toContain("groups.g");
  });

  it("legacy `identity:` rejected at route", () => {
    const e = parseError(`${AUTH}routes:\n  - tool: t\n    identity: [jwt]\n`);
    expect(e.message).toContain("routes[0]: identity: `identity:` was renamed to `authentication`");
  });

  it("legacy `identity:` rejected at global", () => {
    const e = parseError(`${AUTH}global:\n  identity: [jwt]\n`);
    expect(e.message).toContain("renamed to `authentication`");
    expect(e.message).toContain("global");
  });

  it("legacy `identity:` rejected at groups", () => {
    for (const yaml of [
      `${AUTH}groups:\n  g:\n    identity: [jwt]\n`,
      `${AUTH}global:\n  policies:\n    g:\n      identity: [jwt]\n`,
      `${AUTH}global:\n  defaults:\n    tool:\n      identity: [jwt]\n`,
    ]) {
      expect(parseError(yaml).message).toContain("renamed to `authentication`");
    }
  });

  const LAYERED = `${AUTH}global:\n  authentication: [jwt]\ngroups:\n  mtls_bundle:\n    authentication: [mtls]\n`;

  it("identity resolution order global → tag bundle → route", () => {
    const c = parseConfig(
      `${LAYERED}routes:\n  - tool: t\n    meta:\n      tags: [mtls_bundle]\n    authentication: [apikey]\n`,
    );
    const steps = resolveIdentitySteps(c, { entityType: "tool", entityName: "t" }).map((s) => s.name);
    expect(steps).toEqual(["jwt", "mtls", "apikey"]);
  });

  it("replace_inherited drops inherited", () => {
    const c = parseConfig(
      `${LAYERED}routes:\n  - tool: t\n    meta:\n      tags: [mtls_bundle]\n    authentication:\n      replace_inherited: true\n      steps: [apikey]\n`,
    );
    expect(resolveIdentitySteps(c, { entityType: "tool", entityName: "t" }).map((s) => s.name)).toEqual([
      "apikey",
    ]);
  });

  it("replace_inherited with empty steps → nothing", () => {
    const c = parseConfig(
      `${LAYERED}routes:\n  - tool: t\n    authentication:\n      replace_inherited: true\n      steps: []\n`,
    );
    expect(resolveIdentitySteps(c, { entityType: "tool", entityName: "t" })).toEqual([]);
  });

  it("per-step config surfaced as override", () => {
    const c = parseConfig(
      `${AUTH}routes:\n  - tool: t\n    authentication:\n      - name: tenant\n        on_error: disable\n        config: { header: X-Tenant }\n`,
    );
    const router = createRouter(c);
    const ext = createExtensions({ meta: { entityType: "tool", entityName: "t" } });
    const lineup = router.resolve("identity.resolve", ext, c.plugins);
    expect(lineup).toHaveLength(1);
    expect(lineup[0]).toMatchObject({
      name: "tenant",
      configOverride: { header: "X-Tenant" },
      onError: "disable",
    });
  });
});
