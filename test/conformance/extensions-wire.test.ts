// CPEX conformance: the extensions wire items of the out-of-process host checklist (§11.4) that concern the
// converters used by sandboxed plugins (extensionsToWire / extensionsFromWire / rebuildExtensionsFromWire).
import { describe, expect, it } from "vitest";
import {
  createExtensions,
  type Extensions,
  ExtensionsWireError,
  extensionsFromWire,
  extensionsToWire,
  filterExtensions,
  rebuildExtensionsFromWire,
  validateAndMerge,
  wireExtensionsField,
} from "../../src/core/extensions/index.js";

function canonical(): Extensions {
  return createExtensions({
    request: { requestId: "req-1" },
    agent: { agentId: "a-1" },
    http: {
      method: "GET",
      path: "/x",
      requestHeaders: { Authorization: "Bearer s", COOKIE: "c=1", "X-Api-Key": "k", Accept: "json" },
      responseHeaders: { "Set-Cookie": "s=1", "X-Trace": "t" },
    },
    security: { labels: ["PII"], subject: { id: "alice", roles: ["admin"] } },
    delegation: { chain: [{ subjectId: "alice", audience: "a" }], depth: 1, delegated: true },
    rawCredentials: { inboundTokens: { bearer: "secret-token" } },
    meta: { entityType: "tool", entityName: "t" },
    custom: { k: 1 },
  });
}

const WRITE_ALL = [
  "read_headers",
  "write_headers",
  "read_labels",
  "append_labels",
  "read_delegation",
  "append_delegation",
  "read_inbound_credentials",
];

describe("§11.4 extensions wire — host to plugin", () => {
  it("visible slots present, filtered slots absent", () => {
    const wire = extensionsToWire(filterExtensions(canonical(), ["read_labels"]));
    expect(Object.keys(wire).sort()).toEqual(["custom", "meta", "request", "security"]);
    expect(wire["security"]).toEqual({ labels: ["PII"] });
    expect(wire["request"]).toEqual({ request_id: "req-1" });
    expect(wire["meta"]).toEqual({ entity_type: "tool", entity_name: "t" });
  });

  it("sensitive headers stripped both ways (any casing)", () => {
    const c = canonical();
    const caps = ["read_headers", "write_headers"];
    const view = filterExtensions(c, caps);
    const http = extensionsToWire(view)["http"] as Record<string, Record<string, string>>;
    expect(http["request_headers"]).toEqual({ Accept: "json" });
    expect(http["response_headers"]).toEqual({ "X-Trace": "t" });
    // Inbound: a plugin can neither set nor drop a sensitive header.
    const patch = {
      http: { request_headers: { Accept: "xml", AUTHORIZATION: "Bearer forged", "x-api-key": "forged" } },
    };
    const returned = rebuildExtensionsFromWire(view, patch, caps)!;
    const merged = validateAndMerge(c, returned, caps).merged;
    expect(merged.http?.requestHeaders).toEqual({
      Accept: "xml",
      Authorization: "Bearer s",
      COOKIE: "c=1",
      "X-Api-Key": "k",
    });
  });

  it("raw credentials never on wire", () => {
    const view = filterExtensions(canonical(), WRITE_ALL);
    expect(view.rawCredentials).toBeDefined();
    const wire = extensionsToWire(view);
    expect(wire).not.toHaveProperty("raw_credentials");
    expect(JSON.stringify(wire)).not.toContain("secret-token");
    // and never read from a wire either
    const back = extensionsFromWire({ raw_credentials: { inbound_tokens: { bearer: "x" } } });
    expect(back.rawCredentials).toBeUndefined();
  });

  it("empty → no field", () => {
    expect(wireExtensionsField(createExtensions({}))).toBeUndefined();
    expect(extensionsToWire(createExtensions({}))).toEqual({});
    expect(wireExtensionsField(createExtensions({ custom: { a: 1 } }))).toEqual({ custom: { a: 1 } });
  });
});

describe("§11.4 extensions wire — plugin to host", () => {
  it("absent/null return = no change", () => {
    const view = filterExtensions(canonical(), WRITE_ALL);
    expect(rebuildExtensionsFromWire(view, undefined, WRITE_ALL)).toBeUndefined();
    expect(rebuildExtensionsFromWire(view, null, WRITE_ALL)).toBeUndefined();
    expect(
      rebuildExtensionsFromWire(view, { http: null, security: null, custom: null }, WRITE_ALL),
    ).toBeUndefined();
  });

  it("non-object → protocol error", () => {
    const view = filterExtensions(canonical(), WRITE_ALL);
    for (const bad of [[], "x", 3, true]) {
      expect(() => rebuildExtensionsFromWire(view, bad, WRITE_ALL)).toThrow(ExtensionsWireError);
    }
    try {
      rebuildExtensionsFromWire(view, [], WRITE_ALL);
    } catch (e) {
      expect((e as ExtensionsWireError).code).toBe("protocol_error");
    }
  });

  it("immutable slots keep inbound identity, forged immutable dropped", () => {
    const c = canonical();
    const view = filterExtensions(c, ["read_agent"]);
    const out = rebuildExtensionsFromWire(
      view,
      {
        request: { request_id: "forged" },
        agent: { agent_id: "evil" },
        meta: { entity_name: "x" },
        custom: { a: 1 },
      },
      ["read_agent"],
    )!;
    expect(out.request).toBe(view.request);
    expect(out.agent).toBe(view.agent);
    expect(out.meta).toBe(view.meta);
    const merged = validateAndMerge(c, out, ["read_agent"]);
    expect(merged.rejected).toBeUndefined();
    expect(merged.merged.request?.requestId).toBe("req-1");
  });

  it("custom taken as-is", () => {
    const c = canonical();
    const view = filterExtensions(c, []);
    const custom = { nested: { list: [1, "two", null], flag: true } };
    const out = rebuildExtensionsFromWire(view, { custom }, [])!;
    expect(validateAndMerge(c, out, []).merged.custom).toEqual(custom);
  });

  it("gated writes dropped without token", () => {
    const c = canonical();
    const caps = ["read_headers", "read_labels", "read_delegation"];
    const view = filterExtensions(c, caps);
    const out = rebuildExtensionsFromWire(
      view,
      {
        http: { request_headers: { Accept: "xml" } },
        security: { labels: ["PII", "NEW"] },
        delegation: { chain: [{ subject_id: "alice", audience: "a" }, { subject_id: "svc" }] },
      },
      caps,
    )!;
    const merged = validateAndMerge(c, out, caps).merged;
    expect(merged.http).toBe(c.http);
    expect(merged.security).toBe(c.security);
    expect(merged.delegation).toBe(c.delegation);
  });

  it("unauthorized gated write does not suppress a legit custom write", () => {
    const c = canonical();
    const view = filterExtensions(c, []);
    const out = rebuildExtensionsFromWire(view, { security: { labels: ["X"] }, custom: { ok: true } }, [])!;
    const merged = validateAndMerge(c, out, []).merged;
    expect(merged.custom).toEqual({ ok: true });
    expect([...(merged.security?.labels ?? [])]).toEqual(["PII"]);
  });

  it("returned http keeps inbound request line", () => {
    const c = canonical();
    const caps = ["read_headers", "write_headers"];
    const view = filterExtensions(c, caps);
    const out = rebuildExtensionsFromWire(
      view,
      { http: { method: "DELETE", path: "/admin", request_headers: { Accept: "xml" } } },
      caps,
    )!;
    const http = validateAndMerge(c, out, caps).merged.http;
    expect(http?.method).toBe("GET");
    expect(http?.path).toBe("/x");
    expect(http?.requestHeaders?.["Accept"]).toBe("xml");
    // response headers absent from the patch are kept
    expect(http?.responseHeaders).toEqual(c.http?.responseHeaders);
  });

  it("returned delegation chain validated", () => {
    const c = canonical();
    const caps = ["read_delegation", "append_delegation"];
    const view = filterExtensions(c, caps);
    const extended = rebuildExtensionsFromWire(
      view,
      {
        delegation: {
          chain: [
            { subject_id: "alice", audience: "a" },
            { subject_id: "svc-b", audience: "b" },
          ],
        },
      },
      caps,
    )!;
    const ok = validateAndMerge(c, extended, caps).merged.delegation;
    expect(ok?.chain?.map((h) => h.subjectId)).toEqual(["alice", "svc-b"]);
    expect(ok?.depth).toBe(2);
    const rewritten = rebuildExtensionsFromWire(
      view,
      { delegation: { chain: [{ subject_id: "mallory" }] } },
      caps,
    )!;
    expect(validateAndMerge(c, rewritten, caps).merged.delegation).toBe(c.delegation);
  });

  it("returned labels are unioned into the filtered inbound labels", () => {
    const c = canonical();
    const caps = ["read_labels", "append_labels"];
    const out = rebuildExtensionsFromWire(
      filterExtensions(c, caps),
      { security: { labels: ["NEW"] } },
      caps,
    )!;
    expect([...(validateAndMerge(c, out, caps).merged.security?.labels ?? [])].sort()).toEqual([
      "NEW",
      "PII",
    ]);
  });

  it("malformed slot JSON → error", () => {
    const view = filterExtensions(canonical(), WRITE_ALL);
    const cases: [unknown, string][] = [
      [{ http: { request_headers: { Accept: 3 } } }, "http.request_headers.Accept"],
      [{ security: { labels: "PII" } }, "security.labels"],
      [{ security: { labels: ["ok", 1] } }, "security.labels[1]"],
      [{ delegation: { chain: [{ audience: "no subject" }] } }, "delegation.chain[0].subject_id"],
      [{ custom: [1, 2] }, "custom"],
      [{ http: "headers" }, "http"],
    ];
    for (const [patch, path] of cases) {
      let err: unknown;
      try {
        rebuildExtensionsFromWire(view, patch, WRITE_ALL);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(patch)).toBeInstanceOf(ExtensionsWireError);
      expect((err as ExtensionsWireError).path).toBe(path);
    }
  });
});
