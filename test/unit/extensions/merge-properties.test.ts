// Property tests: whatever a sandboxed plugin sends back, the tier rules hold.
import { describe, expect, it } from "vitest";
import {
  createExtensions,
  type Extensions,
  ExtensionsWireError,
  extensionsFromWire,
  filterExtensions,
  rebuildExtensionsFromWire,
  validateAndMerge,
} from "../../../src/core/extensions/index.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const CAPS = [
  "read_headers",
  "write_headers",
  "read_labels",
  "append_labels",
  "read_delegation",
  "append_delegation",
  "read_subject",
  "read_agent",
  "write_candidate_constraint",
  "read_inbound_credentials",
];

function randomValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 3 || r < 0.3) {
    const scalars = [null, true, 1, -1.5, "x", "", "authorization", 2n ** 70n, new Uint8Array([1])];
    return scalars[Math.floor(rand() * scalars.length)];
  }
  if (r < 0.55) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const keys = [
    "labels",
    "chain",
    "request_headers",
    "response_headers",
    "method",
    "subject_id",
    "audience",
    "custom",
    "Authorization",
    "x",
    "__proto__",
  ];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(rand() * 4); i++) {
    Object.defineProperty(out, keys[Math.floor(rand() * keys.length)]!, {
      value: randomValue(rand, depth + 1),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return out;
}

/** A patch that is often well-formed, so the merge paths are exercised, with random damage. */
function randomPatch(rand: () => number): unknown {
  const patch: Record<string, unknown> = {};
  if (rand() < 0.6) {
    patch["http"] = {
      request_headers: { Accept: "x", AUTHORIZATION: "forged", ...(rand() < 0.5 ? { "X-N": "1" } : {}) },
      ...(rand() < 0.5 ? { response_headers: {} } : {}),
      method: "DELETE",
    };
  }
  if (rand() < 0.6)
    patch["security"] = { labels: rand() < 0.5 ? ["NEW"] : ["PII", "NEW"], subject: { id: "mallory" } };
  if (rand() < 0.5) {
    patch["delegation"] = {
      chain:
        rand() < 0.5
          ? [{ subject_id: "alice", audience: "a" }, { subject_id: "svc" }]
          : [{ subject_id: "mallory" }],
      depth: 42,
    };
  }
  if (rand() < 0.4) patch["custom"] = { k: rand() };
  if (rand() < 0.3) patch["request"] = { request_id: "forged" };
  if (rand() < 0.3) patch["candidate_constraint"] = { allow_models: ["x"] };
  if (rand() < 0.3)
    patch[["http", "security", "delegation", "custom"][Math.floor(rand() * 4)]!] = randomValue(rand);
  return rand() < 0.05 ? randomValue(rand) : patch;
}

const canonical: Extensions = createExtensions({
  request: { requestId: "req-1" },
  agent: { agentId: "a" },
  http: { method: "GET", path: "/p", requestHeaders: { Authorization: "Bearer real", Accept: "json" } },
  security: { labels: ["PII"], subject: { id: "alice" }, authMethod: "jwt" },
  delegation: {
    chain: [{ subjectId: "alice", audience: "a" }],
    depth: 1,
    delegated: true,
    originSubjectId: "alice",
  },
  rawCredentials: { inboundTokens: { bearer: "real" } },
  meta: { entityType: "tool", entityName: "t" },
  candidateConstraint: { denyModels: ["m"] },
  custom: { k: 0 },
});

describe("merge invariants under random guest output", () => {
  it("holds for 3,000 random patches and capability sets", async () => {
    const rand = rng(7);
    let merged = 0;
    for (let i = 0; i < 3000; i++) {
      // Yield now and then: seconds of synchronous work on a loaded machine stall vitest's worker (docs/testing.md).
      if (i % 25 === 24) await new Promise((r) => setImmediate(r));
      const caps = CAPS.filter(() => rand() < 0.5);
      const view = filterExtensions(canonical, caps);
      let returned: Extensions | undefined;
      try {
        returned = rebuildExtensionsFromWire(view, randomPatch(rand), caps);
      } catch (e) {
        expect(e).toBeInstanceOf(ExtensionsWireError);
        continue;
      }
      if (returned === undefined) continue;
      const out = validateAndMerge(canonical, returned, caps).merged;
      merged++;
      // Immutable slots keep their identity.
      for (const slot of ["request", "agent", "meta", "mcp", "llm"] as const)
        expect(out[slot]).toBe(canonical[slot]);
      // Credentials never change; the sensitive header and the request line survive.
      expect(out.rawCredentials).toBe(canonical.rawCredentials);
      const auth = out.http?.requestHeaders?.["Authorization"];
      expect(auth).not.toBe("forged");
      expect(out.http?.requestHeaders?.["AUTHORIZATION"]).toBeUndefined();
      // write_headers without read_headers replaces the header map (CPEX semantics, documented: declare both).
      if (caps.includes("read_headers") || !caps.includes("write_headers")) expect(auth).toBe("Bearer real");
      expect(out.http?.method).toBe("GET");
      expect(out.http?.path).toBe("/p");
      // Labels only grow; identity fields of security never change.
      expect(out.security?.labels?.has("PII")).toBe(true);
      expect(out.security?.subject).toBe(canonical.security?.subject);
      expect(out.security?.authMethod).toBe("jwt");
      // The delegation chain keeps its prefix and its depth matches.
      expect(out.delegation?.chain?.[0]?.subjectId).toBe("alice");
      expect(out.delegation?.depth).toBe(out.delegation?.chain?.length);
      // Writes happened only with the capability.
      if (!caps.includes("write_headers")) expect(out.http).toBe(canonical.http);
      if (!caps.includes("append_labels")) expect(out.security).toBe(canonical.security);
      if (!caps.includes("append_delegation")) expect(out.delegation).toBe(canonical.delegation);
      if (!caps.includes("write_candidate_constraint"))
        expect(out.candidateConstraint).toBe(canonical.candidateConstraint);
      expect(Object.isFrozen(out)).toBe(true);
    }
    expect(merged).toBeGreaterThan(1000);
  });

  it("extensionsFromWire throws only ExtensionsWireError on random input", () => {
    const rand = rng(99);
    const slots = [
      "request",
      "agent",
      "http",
      "security",
      "delegation",
      "mcp",
      "completion",
      "meta",
      "custom",
      "candidate_constraint",
    ];
    for (let i = 0; i < 3000; i++) {
      const wire: Record<string, unknown> = {};
      for (const s of slots) if (rand() < 0.3) wire[s] = randomValue(rand);
      try {
        const ext = extensionsFromWire(rand() < 0.05 ? randomValue(rand) : wire);
        expect(Object.isFrozen(ext)).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(ExtensionsWireError);
      }
    }
  });
});
