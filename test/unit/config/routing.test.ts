import { describe, expect, it } from "vitest";
import {
  type CpexConfig,
  normalizePluginConfig,
  type PluginConfig,
  parseConfig,
} from "../../../src/core/config/index.js";
import { createExtensions, type Extensions } from "../../../src/core/extensions/index.js";
import {
  conditionsMatch,
  createRouter,
  dedupeLast,
  findRoute,
  mergeConfigOverride,
  routeScore,
} from "../../../src/core/routing/index.js";

const YAML = `
plugin_settings:
  routing_enabled: true
  route_cache_max_entries: 100
plugins:
  - { name: audit, kind: k }
  - { name: pii_scan, kind: k }
  - { name: gate, kind: k, config: { level: low, keep: true } }
  - { name: wild, kind: k }
  - { name: res, kind: k }
  - { name: prm, kind: k }
  - { name: llm_guard, kind: k }
  - { name: finance, kind: k }
groups:
  all: { plugins: [audit] }
  pii: { plugins: [pii_scan] }
  fin: { plugins: [finance] }
routes:
  - tool: get_user
    meta: { tags: [pii] }
    plugins:
      - gate: { config: { level: high } }
  - tool: "*"
    plugins: [wild]
  - resource: "file://*"
    plugins: [res]
  - prompt: [summarize]
    plugins: [prm]
  - llm: gpt-*
    plugins: [llm_guard]
`;

function setup(yaml = YAML) {
  const config = parseConfig(yaml);
  return { config, router: createRouter(config), entries: config.plugins };
}

function req(entityType: string, entityName: string, more: Record<string, unknown> = {}): Extensions {
  return createExtensions({ meta: { entityType, entityName, ...more } });
}

const names = (lineup: readonly { name: string }[]) => lineup.map((r) => r.name);

describe("router (cpex-semantics §6.4)", () => {
  it("full routing flow: all + tag group + route plugins, with the route's override", () => {
    const { router, entries } = setup();
    const lineup = router.resolve("tool_pre_invoke", req("tool", "get_user"), entries);
    expect(names(lineup)).toEqual(["audit", "pii_scan", "gate"]);
    expect(lineup[2]?.configOverride).toEqual({ level: "high" });
    expect(lineup[2]?.entry).toBe(entries[2]);
  });

  it("wildcard route catches unmatched tools; exact route wins for its tool", () => {
    const { router, entries } = setup();
    expect(names(router.resolve("h", req("tool", "anything"), entries))).toEqual(["audit", "wild"]);
    expect(names(router.resolve("h", req("tool", "get_user"), entries))).not.toContain("wild");
  });

  it("routing works for resource, prompt and llm entity types", () => {
    const { router, entries } = setup();
    expect(names(router.resolve("h", req("resource", "file:///etc/x"), entries))).toEqual(["audit", "res"]);
    expect(names(router.resolve("h", req("prompt", "summarize"), entries))).toEqual(["audit", "prm"]);
    expect(names(router.resolve("h", req("llm", "gpt-4o"), entries))).toEqual(["audit", "llm_guard"]);
    expect(names(router.resolve("h", req("llm", "claude"), entries))).toEqual(["audit"]);
  });

  it("routing enabled but no meta → all plugins fire", () => {
    const { router, entries } = setup();
    expect(router.resolve("h", createExtensions({}), entries)).toHaveLength(entries.length);
    expect(router.resolve("h", undefined, entries)).toHaveLength(entries.length);
    expect(router.resolve("h", req("tool", undefined as never), entries)).toHaveLength(entries.length);
    expect(router.size).toBe(0);
  });

  it("routing disabled → all plugins fire regardless of entity", () => {
    const { router, entries } = setup(YAML.replace("routing_enabled: true", "routing_enabled: false"));
    expect(names(router.resolve("h", req("tool", "get_user"), entries))).toEqual(entries.map((e) => e.name));
    expect(names(createRouter(undefined).resolve("h", req("tool", "x"), entries))).toEqual(
      entries.map((e) => e.name),
    );
  });

  it("only plugins registered for the hook are returned, in resolution order", () => {
    const { router, entries } = setup();
    const registered = [entries[2]!, entries[0]!]; // gate, audit (priority order of some hook)
    expect(names(router.resolve("h", req("tool", "get_user"), registered))).toEqual(["audit", "gate"]);
  });

  it("cache populated on first resolve, hit on second (size stays 1)", () => {
    const { router, entries } = setup();
    const first = router.resolve("h", req("tool", "get_user"), entries);
    expect(router.size).toBe(1);
    const second = router.resolve("h", req("tool", "get_user"), entries);
    expect(router.size).toBe(1);
    expect(second).toBe(first); // same entries list → the mapped lineup is reused too
  });

  it("different entities, hooks and scopes → separate cache entries", () => {
    const { router, entries } = setup();
    router.resolve("h", req("tool", "a"), entries);
    router.resolve("h", req("tool", "b"), entries);
    router.resolve("h2", req("tool", "b"), entries);
    router.resolve("h2", req("tool", "b", { scope: "s1" }), entries);
    router.resolve("h2", req("tool", "b", { scope: "s2" }), entries);
    expect(router.size).toBe(5);
  });

  it("request tags are part of the cache key (host tags activate a group without a cache clear)", () => {
    const { router, entries } = setup();
    expect(names(router.resolve("h", req("tool", "get_user"), entries))).toEqual([
      "audit",
      "pii_scan",
      "gate",
    ]);
    expect(names(router.resolve("h", req("tool", "get_user", { tags: ["fin"] }), entries))).toEqual([
      "audit",
      "pii_scan",
      "finance",
      "gate",
    ]);
    expect(router.size).toBe(2);
  });

  it("clearCache empties the cache", () => {
    const { router, entries } = setup();
    router.resolve("h", req("tool", "a"), entries);
    router.clearCache();
    expect(router.size).toBe(0);
  });

  it("cache rejects inserts at capacity but still resolves correctly (warns once per fill cycle)", () => {
    const warnings: string[] = [];
    const config = parseConfig(YAML.replace("route_cache_max_entries: 100", "route_cache_max_entries: 2"));
    const router = createRouter(config, { warn: (m) => warnings.push(m) });
    for (const n of ["a", "b", "c", "d"]) router.resolve("h", req("tool", n), config.plugins);
    expect(router.size).toBe(2);
    expect(names(router.resolve("h", req("tool", "get_user"), config.plugins))).toEqual([
      "audit",
      "pii_scan",
      "gate",
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("route_cache_max_entries");
    router.clearCache();
    for (const n of ["a", "b", "c"]) router.resolve("h", req("tool", n), config.plugins);
    expect(warnings).toHaveLength(2);
  });

  it("identity.resolve (and identity_resolve) resolve from authentication blocks", () => {
    const config = parseConfig(`
plugin_settings: { routing_enabled: true }
plugins: [{ name: jwt, kind: k }, { name: other, kind: k }]
global:
  authentication: [jwt]
routes:
  - tool: t
    plugins: [other]
`);
    const router = createRouter(config);
    expect(names(router.resolve("identity.resolve", req("tool", "t"), config.plugins))).toEqual(["jwt"]);
    expect(names(router.resolve("identity_resolve", req("tool", "t"), config.plugins))).toEqual(["jwt"]);
    expect(names(router.resolve("tool_pre_invoke", req("tool", "t"), config.plugins))).toEqual(["other"]);
  });
});

describe("route specificity", () => {
  const config: CpexConfig = parseConfig(`
plugin_settings: { routing_enabled: true }
plugins: [{ name: a, kind: k }]
routes:
  - { tool: "*", plugins: [a] }
  - { tool: "get_*", plugins: [a] }
  - { tool: [get_user, get_order], plugins: [a] }
  - { tool: get_user, plugins: [a] }
  - { tool: get_user, meta: { scope: s }, plugins: [a] }
  - { tool: "get_*", when: "x", plugins: [a] }
  - { tool: "get_*", plugins: [a] }
`);
  const r = config.routes;

  it("scores: exact 1000, list 500, glob 300, bare * 0, +100 scope, +10 when", () => {
    const q = { entityType: "tool", entityName: "get_user", scope: "s" };
    expect(r.map((route) => routeScore(route, q))).toEqual([0, 300, 500, 1000, 1100, 310, 300]);
    expect(routeScore(r[4]!, { entityType: "tool", entityName: "get_user" })).toBeUndefined();
    expect(routeScore(r[0]!, { entityType: "prompt", entityName: "get_user" })).toBeUndefined();
  });

  it("best match wins; ties go to the earliest route", () => {
    expect(findRoute(r, { entityType: "tool", entityName: "get_user", scope: "s" })?.index).toBe(4);
    expect(findRoute(r, { entityType: "tool", entityName: "get_user" })?.index).toBe(3);
    expect(findRoute(r, { entityType: "tool", entityName: "get_order" })?.index).toBe(2);
    expect(findRoute(r, { entityType: "tool", entityName: "get_thing" })?.index).toBe(5);
    expect(findRoute([r[1]!, r[6]!], { entityType: "tool", entityName: "get_x" })?.index).toBe(1);
    expect(findRoute(r, { entityType: "tool", entityName: "put" })?.index).toBe(0);
  });

  it("dedupe keeps the last occurrence's position and data", () => {
    expect(
      dedupeLast([{ name: "a" }, { name: "b", when: "w" }, { name: "a", configOverride: { x: 1 } }]),
    ).toEqual([
      { name: "b", when: "w" },
      { name: "a", configOverride: { x: 1 } },
    ]);
  });

  it("override config is a shallow merge over the base config", () => {
    expect(
      mergeConfigOverride(
        { level: "low", keep: true, nested: { a: 1 } },
        { level: "high", nested: { b: 2 } },
      ),
    ).toEqual({
      level: "high",
      keep: true,
      nested: { b: 2 },
    });
    expect(mergeConfigOverride(undefined, { a: 1 })).toEqual({ a: 1 });
  });
});

describe("conditions (routing disabled, §2.6)", () => {
  const ext = createExtensions({
    mcp: { tool: { name: "get_user", serverId: "srv-1" }, resource: { uri: "u", mimeType: "text/plain" } },
    security: { subject: { id: "admin-alice", claims: { tenant: "acme" } } },
    agent: { agentId: "agent-1" },
    meta: { entityType: "tool", entityName: "get_user" },
  });

  it("empty list always fires; any condition may match", () => {
    expect(conditionsMatch([], ext)).toBe(true);
    expect(conditionsMatch(undefined, ext)).toBe(true);
    expect(conditionsMatch([{ tools: ["nope"] }, { tools: ["get_user"] }], ext)).toBe(true);
  });

  it("every specified field must match", () => {
    expect(conditionsMatch([{ tools: ["get_user"], serverIds: ["srv-1"], tenantIds: ["acme"] }], ext)).toBe(
      true,
    );
    expect(conditionsMatch([{ tools: ["get_user"], serverIds: ["srv-2"] }], ext)).toBe(false);
    expect(conditionsMatch([{ agents: ["agent-1"], contentTypes: ["text/plain"] }], ext)).toBe(true);
    expect(conditionsMatch([{ prompts: ["get_user"] }], ext)).toBe(false);
  });

  it("user_patterns glob admin-* matches admin-alice, not user-bob", () => {
    expect(conditionsMatch([{ userPatterns: ["admin-*"] }], ext)).toBe(true);
    const bob = createExtensions({ security: { subject: { id: "user-bob" } } });
    expect(conditionsMatch([{ userPatterns: ["admin-*"] }], bob)).toBe(false);
  });

  it("a specified field whose source is absent does not match", () => {
    const empty = createExtensions({});
    expect(conditionsMatch([{ tenantIds: ["acme"] }], empty)).toBe(false);
    expect(conditionsMatch([{ serverIds: ["srv-1"] }], empty)).toBe(false);
    expect(conditionsMatch([{ userPatterns: ["*"] }], empty)).toBe(false);
  });

  it("the router filters entries by their conditions, keeping priority order", () => {
    const entries: PluginConfig[] = [
      normalizePluginConfig({ name: "any" }),
      normalizePluginConfig({ name: "admins", conditions: [{ userPatterns: ["admin-*"] }] }),
      normalizePluginConfig({ name: "bobs", conditions: [{ userPatterns: ["user-*"] }] }),
    ];
    expect(names(createRouter(undefined).resolve("h", ext, entries))).toEqual(["any", "admins"]);
  });
});
