import { pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import {
  createExtensions,
  ExtensionsWireError,
  extensionsFromWire,
  extensionsToWire,
  MonotonicSet,
} from "../../../src/core/extensions/index.js";

// Every slot and field, as CPEX writes it on the wire (snake_case).
const WIRE = {
  request: {
    environment: "prod",
    request_id: "r-1",
    timestamp: "2026-01-01T00:00:00Z",
    trace_id: "t",
    span_id: "s",
  },
  agent: {
    input: "hi",
    session_id: "se",
    conversation_id: "co",
    turn: 3,
    agent_id: "ag",
    parent_agent_id: "pa",
    conversation: { history: [{ role: "user" }], summary: "sum", topics: ["x"] },
  },
  http: {
    request_headers: { Accept: "json" },
    response_headers: { "X-R": "1" },
    method: "GET",
    path: "/p",
    host: "h",
    scheme: "https",
  },
  security: {
    labels: ["PII", "SECRET"],
    classification: "c",
    subject: {
      id: "u",
      subject_type: "user",
      roles: ["r"],
      permissions: ["p"],
      teams: ["t"],
      claims: { tenant: "acme" },
    },
    client: {
      client_id: "cl",
      client_name: "n",
      trust_level: "first_party",
      authorized_scopes: ["s"],
      authorized_audiences: ["a"],
      roles: [],
      permissions: [],
      teams: [],
      claims: {},
    },
    caller_workload: {
      spiffe_id: "spiffe://x",
      trust_domain: "x",
      attested_at: "now",
      attestor: "k8s",
      selectors: ["a"],
      client_id: "c",
    },
    this_workload: { spiffe_id: "spiffe://y" },
    auth_method: "jwt",
    objects: { db: { managed_by: "dba", permissions: ["read"], trust_domain: "td", data_scope: ["users"] } },
    data: {
      users: {
        apply_labels: ["PII"],
        allowed_actions: ["read"],
        denied_actions: ["delete"],
        retention: { max_age_seconds: 60, policy: "delete", delete_after: "2027-01-01" },
      },
    },
  },
  delegation: {
    chain: [
      {
        subject_id: "u",
        subject_type: "user",
        audience: "svc",
        scopes_granted: ["read"],
        authorization_details: [{ type: "payment", amount: 5 }],
        timestamp: "now",
        ttl_seconds: 60,
        strategy: "token_exchange",
        from_cache: false,
      },
    ],
    depth: 1,
    origin_subject_id: "u",
    actor_subject_id: "svc",
    delegated: true,
    age_seconds: 2,
  },
  mcp: {
    tool: {
      name: "get_user",
      title: "Get",
      description: "d",
      input_schema: { type: "object" },
      output_schema: { type: "object" },
      server_id: "srv",
      namespace: "ns",
      annotations: { readOnly: true },
    },
    resource: {
      uri: "file:///x",
      name: "x",
      description: "d",
      mime_type: "text/plain",
      server_id: "srv",
      annotations: {},
    },
    prompt: { name: "p", description: "d", arguments: [{ name: "a" }], server_id: "srv", annotations: {} },
  },
  completion: {
    stop_reason: "end",
    tokens: { input: 1, output: 2, total: 3 },
    model: "m",
    raw_format: "openai",
    created_at: "now",
    latency_ms: 12.5,
  },
  provenance: { source: "user", message_id: "m", parent_id: "p" },
  llm: { model_id: "m", provider: "acme", capabilities: ["tools"] },
  framework: { framework: "lg", framework_version: "1", node_id: "n", graph_id: "g", metadata: { a: 1 } },
  meta: { entity_type: "tool", entity_name: "get_user", tags: ["pii"], scope: "s", properties: { p: 1 } },
  candidate_constraint: {
    allow_models: ["a"],
    deny_models: ["b"],
    allow_regions: ["eu"],
    allow_sites: ["x"],
    max_cost_tiers: ["low"],
    custom: { k: "v" },
    on_empty: "deny",
  },
  custom: { free: { form: [1, "two", null, true] } },
};

describe("extension wire converters", () => {
  it("round-trips every slot and field through the snake_case wire form", () => {
    const ext = extensionsFromWire(WIRE);
    expect(ext.request?.requestId).toBe("r-1");
    expect(ext.security?.callerWorkload?.spiffeId).toBe("spiffe://x");
    expect(ext.security?.labels).toBeInstanceOf(MonotonicSet);
    expect(ext.delegation?.chain?.[0]?.scopesGranted).toEqual(["read"]);
    expect(ext.candidateConstraint?.onEmpty).toBe("deny");
    // Sensitive headers are absent here, so the wire form is identical.
    expect(extensionsToWire(ext)).toEqual(WIRE);
  });

  it("survives MessagePack (as the WebAssembly host sends it)", () => {
    const ext = extensionsFromWire(WIRE);
    expect(extensionsFromWire(unpack(pack(extensionsToWire(ext))))).toEqual(ext);
  });

  it("output of extensionsFromWire is a frozen canonical container", () => {
    const ext = extensionsFromWire(WIRE);
    expect(Object.isFrozen(ext)).toBe(true);
    expect(Object.isFrozen(ext.security?.subject?.roles)).toBe(true);
    expect(Object.isFrozen(ext.custom?.["free"])).toBe(true);
    expect(ext.security?.labels?.isFrozen).toBe(true);
  });

  it("null fields are absent; unknown slots and fields are ignored", () => {
    const ext = extensionsFromWire({
      meta: null,
      request: { request_id: "r", trace_id: null, future: 1 },
      future_slot: {},
    });
    expect(ext).toEqual({ request: { requestId: "r" } });
    expect(extensionsFromWire(null)).toEqual({});
  });

  it("bigint integers in safe range are accepted (MessagePack int64)", () => {
    expect(extensionsFromWire({ agent: { turn: 7n } }).agent?.turn).toBe(7);
    expect(() => extensionsFromWire({ agent: { turn: 2n ** 60n } })).toThrow(ExtensionsWireError);
  });

  it("type errors name the field path", () => {
    expect(() => extensionsFromWire({ agent: { turn: 1.5 } })).toThrow(
      "extensions: agent.turn: expected an integer, got number",
    );
    expect(() => extensionsFromWire({ security: { client: {} } })).toThrow(
      "extensions: security.client.client_id: required field is missing",
    );
    expect(() => extensionsFromWire({ security: { objects: { db: { permissions: [1] } } } })).toThrow(
      "security.objects.db.permissions[0]: expected a string, got number",
    );
    expect(() => extensionsFromWire([])).toThrow("expected a map, got array");
  });

  it("createExtensions values serialise like wire ones (labels as arrays)", () => {
    const ext = createExtensions({ security: { labels: new Set(["A"]) } });
    expect(JSON.parse(JSON.stringify(ext))).toEqual({ security: { labels: ["A"] } });
    expect(extensionsToWire(ext)).toEqual({ security: { labels: ["A"] } });
  });
});

describe("hostile wire input", () => {
  it("a `__proto__` key stays plain data", () => {
    const e = extensionsFromWire(
      JSON.parse(
        '{"custom": {"__proto__": {"polluted": 1}}, "http": {"request_headers": {"__proto__": "x"}}}',
      ),
    );
    expect(Object.keys(e.custom ?? {})).toEqual(["__proto__"]);
    expect((e.custom as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.getPrototypeOf(e.http?.requestHeaders)).toBe(Object.prototype);
    expect(extensionsToWire(e)).toEqual(
      JSON.parse(
        '{"custom": {"__proto__": {"polluted": 1}}, "http": {"request_headers": {"__proto__": "x"}}}',
      ),
    );
  });
});
