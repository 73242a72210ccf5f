// CPEX conformance: extensions filtering, copy-on-write, validation and merge, monotonic sets (§11.3).
import { describe, expect, it } from "vitest";
import {
  cowCopy,
  createExtensions,
  type Extensions,
  filterExtensions,
  MonotonicSet,
  validateAndMerge,
} from "../../src/core/extensions/index.js";
import { mintDeclassifierToken } from "../../src/core/extensions/monotonic.js";

function canonical(): Extensions {
  return createExtensions({
    request: { requestId: "req-1", environment: "prod" },
    agent: { agentId: "agent-7", sessionId: "s-1" },
    http: {
      method: "POST",
      path: "/v1/tools",
      host: "gw.local",
      scheme: "https",
      requestHeaders: { "Content-Type": "application/json", Authorization: "Bearer x" },
      responseHeaders: { "X-Upstream": "a" },
    },
    security: {
      labels: ["PII"],
      classification: "confidential",
      authMethod: "jwt",
      subject: {
        id: "alice",
        subjectType: "user",
        roles: ["admin"],
        permissions: ["tools.execute"],
        teams: ["blue"],
        claims: { tenant: "acme" },
      },
      client: { clientId: "cli-1", trustLevel: "first_party" },
      callerWorkload: { spiffeId: "spiffe://acme/caller" },
      thisWorkload: { spiffeId: "spiffe://acme/gw" },
      objects: { db: { managedBy: "dba" } },
      data: { users: { applyLabels: ["PII"] } },
    },
    delegation: {
      chain: [{ subjectId: "alice", subjectType: "user", audience: "svc-a", scopesGranted: ["read"] }],
      depth: 1,
      delegated: true,
      originSubjectId: "alice",
    },
    rawCredentials: { inboundTokens: { bearer: "tok-in" }, delegatedTokens: { "svc-a": "tok-out" } },
    mcp: { tool: { name: "get_user", serverId: "srv-1" } },
    completion: { stopReason: "end" },
    provenance: { source: "user" },
    llm: { modelId: "m-1" },
    framework: { framework: "langgraph" },
    meta: { entityType: "tool", entityName: "get_user", tags: ["pii"] },
    candidateConstraint: { denyModels: ["bad"] },
    custom: { note: "hello" },
  });
}

const ALL_CAPS = [
  "read_subject",
  "read_roles",
  "read_teams",
  "read_claims",
  "read_permissions",
  "read_client",
  "read_workload",
  "read_agent",
  "read_headers",
  "read_labels",
  "read_delegation",
  "write_headers",
  "append_labels",
  "append_delegation",
];

describe("§11.3 extensions — filtering", () => {
  it("no caps → only unrestricted slots (security with empty labels/no subject)", () => {
    const c = canonical();
    const v = filterExtensions(c, []);
    expect(Object.keys(v).sort()).toEqual(
      [
        "request",
        "provenance",
        "completion",
        "llm",
        "framework",
        "mcp",
        "meta",
        "custom",
        "candidateConstraint",
        "security",
      ].sort(),
    );
    expect(v.request).toBe(c.request);
    expect(v.security?.labels?.size).toBe(0);
    expect(v.security?.subject).toBeUndefined();
    expect(v.security?.client).toBeUndefined();
    expect(v.security?.callerWorkload).toBeUndefined();
    // objects, data, classification and auth_method are always copied.
    expect(v.security).toMatchObject({ classification: "confidential", authMethod: "jwt" });
    expect(v.security?.objects).toBe(c.security?.objects);
    expect(v.security?.data).toBe(c.security?.data);
  });

  it("read_headers/agent/labels/delegation expose their slot", () => {
    const c = canonical();
    expect(filterExtensions(c, ["read_headers"]).http).toBe(c.http);
    expect(filterExtensions(c, ["read_agent"]).agent).toBe(c.agent);
    expect([...(filterExtensions(c, ["read_labels"]).security?.labels ?? [])]).toEqual(["PII"]);
    expect(filterExtensions(c, ["read_delegation"]).delegation).toBe(c.delegation);
    // write_headers alone does not grant visibility.
    expect(filterExtensions(c, ["write_headers"]).http).toBeUndefined();
  });

  it("read_subject → id+type only", () => {
    const s = filterExtensions(canonical(), ["read_subject"]).security?.subject;
    expect(s).toEqual({
      id: "alice",
      subjectType: "user",
      roles: [],
      permissions: [],
      teams: [],
      claims: {},
    });
  });

  it("read_roles implies subject base", () => {
    const s = filterExtensions(canonical(), ["read_roles"]).security?.subject;
    expect(s).toEqual({
      id: "alice",
      subjectType: "user",
      roles: ["admin"],
      permissions: [],
      teams: [],
      claims: {},
    });
    expect(filterExtensions(canonical(), ["read_claims"]).security?.subject?.claims).toEqual({
      tenant: "acme",
    });
    expect(filterExtensions(canonical(), ["read_teams"]).security?.subject?.teams).toEqual(["blue"]);
    expect(filterExtensions(canonical(), ["read_permissions"]).security?.subject?.permissions).toEqual([
      "tools.execute",
    ]);
  });

  it("read_client / read_workload / raw-credential caps expose exactly their sub-parts", () => {
    const c = canonical();
    const client = filterExtensions(c, ["read_client"]).security;
    expect(client?.client).toBe(c.security?.client);
    expect(client?.callerWorkload).toBeUndefined();
    expect(client?.subject).toBeUndefined();
    const wl = filterExtensions(c, ["read_workload"]).security;
    expect(wl?.callerWorkload).toBe(c.security?.callerWorkload);
    expect(wl?.thisWorkload).toBe(c.security?.thisWorkload);
    expect(wl?.client).toBeUndefined();
    expect(filterExtensions(c, []).rawCredentials).toBeUndefined();
    expect(filterExtensions(c, ["read_inbound_credentials"]).rawCredentials).toEqual({
      inboundTokens: { bearer: "tok-in" },
      delegatedTokens: {},
    });
    expect(filterExtensions(c, ["read_delegated_tokens"]).rawCredentials).toEqual({
      inboundTokens: {},
      delegatedTokens: { "svc-a": "tok-out" },
    });
  });
});

describe("§11.3 extensions — copy-on-write and authority", () => {
  it("cow_copy shares immutable references and deep-copies writable slots", () => {
    const v = filterExtensions(canonical(), ALL_CAPS);
    const o = cowCopy(v);
    for (const slot of [
      "request",
      "agent",
      "mcp",
      "completion",
      "provenance",
      "llm",
      "framework",
      "meta",
    ] as const) {
      expect(o[slot]).toBe(v[slot]);
    }
    expect(o.http).not.toBe(v.http);
    expect(o.http?.requestHeaders).not.toBe(v.http?.requestHeaders);
    expect(o.http?.requestHeaders).toEqual(v.http?.requestHeaders);
    expect(o.security?.labels).not.toBe(v.security?.labels);
    expect(o.delegation?.chain).not.toBe(v.delegation?.chain);
    expect(o.custom).not.toBe(v.custom);
    o.http!.requestHeaders["X-New"] = "1";
    o.security!.labels.add("NEW");
    expect(v.http?.requestHeaders).not.toHaveProperty("X-New");
    expect(v.security?.labels?.has("NEW")).toBe(false);
  });

  it("tokens propagate only if present: write authority comes only from declared capabilities", () => {
    const c = canonical();
    const withCap = cowCopy(filterExtensions(c, ["read_headers", "write_headers"]));
    withCap.http!.requestHeaders["X-A"] = "1";
    expect(
      validateAndMerge(c, withCap, ["read_headers", "write_headers"]).merged.http?.requestHeaders,
    ).toHaveProperty("X-A");
    const noCap = cowCopy(filterExtensions(c, ["read_headers"]));
    noCap.http!.requestHeaders["X-A"] = "1";
    const out = validateAndMerge(c, noCap, ["read_headers"]);
    expect(out.merged.http).toBe(c.http);
    expect(out.dropped.join()).toContain("write_headers");
  });

  it("clone drops tokens: authority is never read from the returned object", () => {
    const c = canonical();
    const o = cowCopy(filterExtensions(c, ["read_headers"])) as Record<string, unknown>;
    // Whatever a plugin attaches to its return (forged token fields, capability lists) is ignored.
    o["writeTokens"] = { http: true };
    o["capabilities"] = ["write_headers"];
    (o["http"] as { requestHeaders: Record<string, string> }).requestHeaders["X-Forged"] = "1";
    const out = validateAndMerge(c, o as Extensions, ["read_headers"]);
    expect(out.merged.http).toBe(c.http);
    expect(out.merged).not.toHaveProperty("writeTokens");
  });

  it("guarded write needs token", () => {
    const c = canonical();
    const o = cowCopy(filterExtensions(c, ["read_headers"]));
    o.http!.requestHeaders = { Only: "this" };
    expect(validateAndMerge(c, o, ["read_headers"]).merged.http?.requestHeaders).toEqual(
      c.http?.requestHeaders,
    );
  });
});

describe("§11.3 extensions — immutable and candidate-constraint validation", () => {
  it("immutable validation passes for cow", () => {
    const c = canonical();
    const out = validateAndMerge(c, cowCopy(filterExtensions(c, ALL_CAPS)), ALL_CAPS);
    expect(out.rejected).toBeUndefined();
    expect(out.merged.request).toBe(c.request);
  });

  it("immutable validation fails on tamper", () => {
    const c = canonical();
    const o = cowCopy(filterExtensions(c, ALL_CAPS));
    (o as { request: unknown }).request = { ...o.request, requestId: "forged" };
    const out = validateAndMerge(c, o, ALL_CAPS);
    expect(out.rejected).toContain("immutable slot 'request' was modified");
    expect(out.merged.request?.requestId).toBe("req-1");
    expect(out.merged).toBe(c);
  });

  it("immutable validation fails on fabrication", () => {
    const c = createExtensions({ request: { requestId: "r" } });
    const o = { ...cowCopy(c), meta: { entityType: "tool", entityName: "other" } };
    expect(validateAndMerge(c, o, []).rejected).toContain("immutable slot 'meta' was fabricated");
  });

  it("immutable validation passes when filtered-out", () => {
    const c = canonical();
    const v = filterExtensions(c, []); // no read_agent: the agent slot is absent from the view
    expect(v.agent).toBeUndefined();
    const out = validateAndMerge(c, cowCopy(v), []);
    expect(out.rejected).toBeUndefined();
    expect(out.merged.agent).toBe(c.agent);
  });

  it("candidate constraint unchanged OK", () => {
    const c = canonical();
    const o = cowCopy(filterExtensions(c, []));
    expect(o.candidateConstraint).not.toBe(c.candidateConstraint); // copied, equal by value
    expect(validateAndMerge(c, o, []).rejected).toBeUndefined();
  });

  it("candidate constraint overwrite/removal/fabrication rejected without cap", () => {
    const c = canonical();
    const overwrite = { ...cowCopy(filterExtensions(c, [])), candidateConstraint: { denyModels: ["other"] } };
    expect(validateAndMerge(c, overwrite, []).rejected).toContain("candidate_constraint changed");
    const removal = { ...cowCopy(filterExtensions(c, [])), candidateConstraint: undefined };
    expect(validateAndMerge(c, removal, []).rejected).toContain("candidate_constraint removed");
    const bare = createExtensions({ request: { requestId: "r" } });
    const fabricated = { ...cowCopy(bare), candidateConstraint: { allowModels: ["x"] } };
    expect(validateAndMerge(bare, fabricated, []).rejected).toContain("candidate_constraint created");
    // With the capability the write is taken.
    const ok = validateAndMerge(c, overwrite, ["write_candidate_constraint"]);
    expect(ok.rejected).toBeUndefined();
    expect(ok.merged.candidateConstraint).toEqual({ denyModels: ["other"] });
  });
});

describe("§11.3 extensions — merge", () => {
  it("merge keeps response headers & request line", () => {
    const c = canonical();
    const caps = ["read_headers", "write_headers"];
    const o = cowCopy(filterExtensions(c, caps));
    o.http!.requestHeaders["X-Added"] = "1";
    Object.assign(o.http!, { method: "DELETE", path: "/admin", host: "evil", scheme: "http" });
    const http = validateAndMerge(c, o, caps).merged.http;
    expect(http).toMatchObject({ method: "POST", path: "/v1/tools", host: "gw.local", scheme: "https" });
    expect(http?.requestHeaders).toMatchObject({ "X-Added": "1", "Content-Type": "application/json" });
    expect(http?.responseHeaders).toEqual({ "X-Upstream": "a" });
  });

  it("filtered security never wipes labels", () => {
    const c = canonical();
    // No read_labels: the view's security is hollow (empty labels); returning it changes nothing.
    const o = cowCopy(filterExtensions(c, ["append_labels"]));
    const out = validateAndMerge(c, o, ["append_labels"]);
    expect([...(out.merged.security?.labels ?? [])]).toEqual(["PII"]);
    expect(out.merged.security?.subject).toEqual(c.security?.subject);
  });

  it("custom write cannot wipe labels", () => {
    const c = canonical();
    const o = cowCopy(filterExtensions(c, []));
    o.custom = { note: "changed" };
    const out = validateAndMerge(c, o, []);
    expect(out.merged.custom).toEqual({ note: "changed" });
    expect([...(out.merged.security?.labels ?? [])]).toEqual(["PII"]);
    expect(out.merged.security?.subject?.id).toBe("alice");
  });

  it("labels token cannot rewrite subject/auth_method", () => {
    const c = canonical();
    const caps = ["read_labels", "append_labels", "read_subject"];
    const o = cowCopy(filterExtensions(c, caps));
    o.security!.labels.add("NEW");
    Object.assign(o.security!, { subject: { id: "mallory" }, authMethod: "none", classification: "public" });
    const s = validateAndMerge(c, o, caps).merged.security;
    expect(s?.labels?.has("NEW")).toBe(true);
    expect(s?.subject).toBe(c.security?.subject);
    expect(s?.authMethod).toBe("jwt");
    expect(s?.classification).toBe("confidential");
  });

  it("label removal dropped whole", () => {
    const c = canonical();
    const caps = ["read_labels", "append_labels"];
    const o = cowCopy(filterExtensions(c, caps));
    o.security = { ...o.security, labels: new MonotonicSet(["NEW"]) }; // PII removed, NEW added
    o.custom = { note: "changed" };
    const out = validateAndMerge(c, o, caps);
    expect(out.rejected).toContain("labels were removed");
    expect(out.merged).toBe(c);
    // Without read_labels the security edit alone is dropped.
    const blind = cowCopy(filterExtensions(c, ["append_labels"]));
    blind.security!.labels.add("NEW");
    const out2 = validateAndMerge(c, blind, ["append_labels"]);
    expect([...(out2.merged.security?.labels ?? [])]).toEqual(["PII"]);
    expect(out2.dropped.join()).toContain("not a superset");
  });

  it("security merge needs token", () => {
    const c = canonical();
    const o = cowCopy(filterExtensions(c, ["read_labels"]));
    o.security!.labels.add("NEW");
    const out = validateAndMerge(c, o, ["read_labels"]);
    expect(out.merged.security?.labels?.has("NEW")).toBe(false);
    expect(out.dropped.join()).toContain("append_labels");
  });

  it("delegation chain cannot be shortened/rewritten", () => {
    const c = canonical();
    const caps = ["read_delegation", "append_delegation"];
    const shortened = cowCopy(filterExtensions(c, caps));
    shortened.delegation!.chain = [];
    expect(validateAndMerge(c, shortened, caps).merged.delegation).toBe(c.delegation);
    const rewritten = cowCopy(filterExtensions(c, caps));
    rewritten.delegation!.chain = [
      { subjectId: "mallory", subjectType: "user", audience: "svc-a", scopesGranted: ["read"] },
    ];
    const out = validateAndMerge(c, rewritten, caps);
    expect(out.merged.delegation).toBe(c.delegation);
    expect(out.dropped.join()).toContain("does not extend");
  });

  it("delegation append honoured with depth recomputed", () => {
    const c = canonical();
    const caps = ["read_delegation", "append_delegation"];
    const o = cowCopy(filterExtensions(c, caps));
    o.delegation!.chain.push({
      subjectId: "svc-a",
      subjectType: "service",
      audience: "svc-b",
      scopesGranted: ["read"],
    });
    o.delegation!.depth = 99;
    o.delegation!.originSubjectId = "mallory";
    o.delegation!.actorSubjectId = "svc-a";
    const d = validateAndMerge(c, o, caps).merged.delegation;
    expect(d?.chain).toHaveLength(2);
    expect(d?.depth).toBe(2);
    expect(d?.delegated).toBe(true);
    expect(d?.originSubjectId).toBe("alice");
    expect(d?.actorSubjectId).toBe("svc-a");
  });

  it("delegation append needs token", () => {
    const c = canonical();
    const o = cowCopy(filterExtensions(c, ["read_delegation"]));
    o.delegation!.chain.push({ subjectId: "svc-a" });
    const out = validateAndMerge(c, o, ["read_delegation"]);
    expect(out.merged.delegation).toBe(c.delegation);
    expect(out.dropped.join()).toContain("append_delegation");
  });
});

describe("§11.3 extensions — MonotonicSet", () => {
  it("monotonic set insert-only", () => {
    const s = new MonotonicSet(["a"]);
    expect(s.add("b")).toBe(true);
    expect(s.add("b")).toBe(false);
    expect(s.size).toBe(2);
    expect("delete" in s).toBe(false);
    expect("clear" in s).toBe(false);
    expect(() => s.freeze().add("c")).toThrow(/frozen/);
  });

  it("monotonic set superset", () => {
    const s = new MonotonicSet(["a", "b"]);
    expect(s.isSupersetOf(["a"])).toBe(true);
    expect(s.isSupersetOf(new MonotonicSet(["a", "b"]))).toBe(true);
    expect(s.isSupersetOf(["a", "c"])).toBe(false);
  });

  it("monotonic set declassifier removal", () => {
    const s = new MonotonicSet(["secret", "pii"]).freeze();
    expect(() => s.remove("secret", {} as never)).toThrow(/declassifier/);
    expect(s.remove("secret", mintDeclassifierToken())).toBe(true);
    expect(s.toArray()).toEqual(["pii"]);
  });

  it("monotonic set case-insensitive has_label", () => {
    const s = new MonotonicSet(["PII"]);
    expect(s.hasLabel("pii")).toBe(true);
    expect(s.hasLabel("Pii")).toBe(true);
    expect(s.has("pii")).toBe(false);
    s.add("Secret");
    expect(s.hasLabel("SECRET")).toBe(true);
  });

  it("monotonic set serde round trip", () => {
    const s = new MonotonicSet(["a", "b"]);
    const json = JSON.stringify({ labels: s });
    expect(json).toBe('{"labels":["a","b"]}');
    const back = new MonotonicSet(JSON.parse(json).labels as string[]);
    expect(back.toArray()).toEqual(["a", "b"]);
  });
});
