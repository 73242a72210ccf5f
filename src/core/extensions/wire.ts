// Wire converters for sandboxed and out-of-process plugins (the `extensions` message of docs/abi.md §2).
//
// On the wire a container is a map of snake_case slot name → slot map with the CPEX field names. One table per
// slot (below) drives both directions, so the TypeScript and wire names cannot drift apart, and validation of
// inbound data reports the exact path of a bad field. (A zod schema per slot would need the same names twice.)

import { CpexError } from "../cpex-error.js";
import { isPlainObject } from "../guards.js";
import { deepFreeze, setKey } from "./container.js";
import { toCapabilitySet } from "./filter.js";
import { MonotonicSet } from "./monotonic.js";
import type { CapabilityInput, Extensions, JsonObject } from "./types.js";

/** Extensions as a snake_case map, ready for MessagePack or JSON. */
export type WireExtensions = Record<string, unknown>;

/** Headers never sent to, nor accepted from, a plugin across a wire (compared case-insensitively). */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
]);

export class ExtensionsWireError extends CpexError<"protocol_error"> {
  /** Path of the offending field, e.g. `security.subject.roles[1]`. */
  readonly path: string;
  constructor(path: string, message: string) {
    super("protocol_error", `extensions: ${path}: ${message}`, { details: { path } });
    this.path = path;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Slot tables: camelCase TS name → [snake_case wire name, kind, required?]

type Kind =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "strings"
  | "stringMap"
  | "json"
  | "jsonObject"
  | "jsonObjects"
  | "labels"
  | { readonly spec: Spec }
  | { readonly list: Spec }
  | { readonly map: Spec };
type Field = readonly [wire: string, kind: Kind, required?: true];
/** A slot table, flattened once at load so conversions do not re-enumerate object keys on every call. */
type Spec = readonly (readonly [camel: string, wire: string, kind: Kind, required: boolean])[];

function spec(fields: Readonly<Record<string, Field>>): Spec {
  return Object.entries(fields).map(
    ([camel, [wire, kind, required]]) => [camel, wire, kind, required === true] as const,
  );
}

const REQUEST: Spec = spec({
  environment: ["environment", "string"],
  requestId: ["request_id", "string"],
  timestamp: ["timestamp", "string"],
  traceId: ["trace_id", "string"],
  spanId: ["span_id", "string"],
});
const CONVERSATION: Spec = spec({
  history: ["history", "json"],
  summary: ["summary", "string"],
  topics: ["topics", "strings"],
});
const AGENT: Spec = spec({
  input: ["input", "string"],
  sessionId: ["session_id", "string"],
  conversationId: ["conversation_id", "string"],
  turn: ["turn", "integer"],
  agentId: ["agent_id", "string"],
  parentAgentId: ["parent_agent_id", "string"],
  conversation: ["conversation", { spec: CONVERSATION }],
});
const HTTP: Spec = spec({
  requestHeaders: ["request_headers", "stringMap"],
  responseHeaders: ["response_headers", "stringMap"],
  method: ["method", "string"],
  path: ["path", "string"],
  host: ["host", "string"],
  scheme: ["scheme", "string"],
});
const SUBJECT: Spec = spec({
  id: ["id", "string"],
  subjectType: ["subject_type", "string"],
  roles: ["roles", "strings"],
  permissions: ["permissions", "strings"],
  teams: ["teams", "strings"],
  claims: ["claims", "stringMap"],
});
const CLIENT: Spec = spec({
  clientId: ["client_id", "string", true],
  clientName: ["client_name", "string"],
  trustLevel: ["trust_level", "string"],
  authorizedScopes: ["authorized_scopes", "strings"],
  authorizedAudiences: ["authorized_audiences", "strings"],
  roles: ["roles", "strings"],
  permissions: ["permissions", "strings"],
  teams: ["teams", "strings"],
  claims: ["claims", "stringMap"],
});
const WORKLOAD: Spec = spec({
  spiffeId: ["spiffe_id", "string"],
  trustDomain: ["trust_domain", "string"],
  attestedAt: ["attested_at", "string"],
  attestor: ["attestor", "string"],
  selectors: ["selectors", "strings"],
  clientId: ["client_id", "string"],
});
const OBJECT_PROFILE: Spec = spec({
  managedBy: ["managed_by", "string"],
  permissions: ["permissions", "strings"],
  trustDomain: ["trust_domain", "string"],
  dataScope: ["data_scope", "strings"],
});
const RETENTION: Spec = spec({
  maxAgeSeconds: ["max_age_seconds", "number"],
  policy: ["policy", "string"],
  deleteAfter: ["delete_after", "string"],
});
const DATA_POLICY: Spec = spec({
  applyLabels: ["apply_labels", "strings"],
  allowedActions: ["allowed_actions", "strings"],
  deniedActions: ["denied_actions", "strings"],
  retention: ["retention", { spec: RETENTION }],
});
const SECURITY: Spec = spec({
  labels: ["labels", "labels"],
  classification: ["classification", "string"],
  subject: ["subject", { spec: SUBJECT }],
  client: ["client", { spec: CLIENT }],
  callerWorkload: ["caller_workload", { spec: WORKLOAD }],
  thisWorkload: ["this_workload", { spec: WORKLOAD }],
  authMethod: ["auth_method", "string"],
  objects: ["objects", { map: OBJECT_PROFILE }],
  data: ["data", { map: DATA_POLICY }],
});
const HOP: Spec = spec({
  subjectId: ["subject_id", "string", true],
  subjectType: ["subject_type", "string"],
  audience: ["audience", "string"],
  scopesGranted: ["scopes_granted", "strings"],
  authorizationDetails: ["authorization_details", "jsonObjects"],
  timestamp: ["timestamp", "string"],
  ttlSeconds: ["ttl_seconds", "number"],
  strategy: ["strategy", "string"],
  fromCache: ["from_cache", "boolean"],
});
const DELEGATION: Spec = spec({
  chain: ["chain", { list: HOP }],
  depth: ["depth", "integer"],
  originSubjectId: ["origin_subject_id", "string"],
  actorSubjectId: ["actor_subject_id", "string"],
  delegated: ["delegated", "boolean"],
  ageSeconds: ["age_seconds", "number"],
});
const TOOL: Spec = spec({
  name: ["name", "string", true],
  title: ["title", "string"],
  description: ["description", "string"],
  inputSchema: ["input_schema", "json"],
  outputSchema: ["output_schema", "json"],
  serverId: ["server_id", "string"],
  namespace: ["namespace", "string"],
  annotations: ["annotations", "jsonObject"],
});
const RESOURCE: Spec = spec({
  uri: ["uri", "string", true],
  name: ["name", "string"],
  description: ["description", "string"],
  mimeType: ["mime_type", "string"],
  serverId: ["server_id", "string"],
  annotations: ["annotations", "jsonObject"],
});
const PROMPT: Spec = spec({
  name: ["name", "string", true],
  description: ["description", "string"],
  arguments: ["arguments", "json"],
  serverId: ["server_id", "string"],
  annotations: ["annotations", "jsonObject"],
});
const MCP: Spec = spec({
  tool: ["tool", { spec: TOOL }],
  resource: ["resource", { spec: RESOURCE }],
  prompt: ["prompt", { spec: PROMPT }],
});
const TOKENS: Spec = spec({
  input: ["input", "integer"],
  output: ["output", "integer"],
  total: ["total", "integer"],
});
const COMPLETION: Spec = spec({
  stopReason: ["stop_reason", "string"],
  tokens: ["tokens", { spec: TOKENS }],
  model: ["model", "string"],
  rawFormat: ["raw_format", "string"],
  createdAt: ["created_at", "string"],
  latencyMs: ["latency_ms", "number"],
});
const PROVENANCE: Spec = spec({
  source: ["source", "string"],
  messageId: ["message_id", "string"],
  parentId: ["parent_id", "string"],
});
const LLM: Spec = spec({
  modelId: ["model_id", "string"],
  provider: ["provider", "string"],
  capabilities: ["capabilities", "strings"],
});
const FRAMEWORK: Spec = spec({
  framework: ["framework", "string"],
  frameworkVersion: ["framework_version", "string"],
  nodeId: ["node_id", "string"],
  graphId: ["graph_id", "string"],
  metadata: ["metadata", "jsonObject"],
});
const META: Spec = spec({
  entityType: ["entity_type", "string"],
  entityName: ["entity_name", "string"],
  tags: ["tags", "strings"],
  scope: ["scope", "string"],
  properties: ["properties", "jsonObject"],
});
const CANDIDATE: Spec = spec({
  allowModels: ["allow_models", "strings"],
  denyModels: ["deny_models", "strings"],
  allowRegions: ["allow_regions", "strings"],
  allowSites: ["allow_sites", "strings"],
  maxCostTiers: ["max_cost_tiers", "strings"],
  custom: ["custom", "jsonObject"],
  onEmpty: ["on_empty", "string"],
});

/** Slots carried on the wire. `rawCredentials` is deliberately absent: raw tokens never cross. */
const SLOTS: Spec = spec({
  request: ["request", { spec: REQUEST }],
  agent: ["agent", { spec: AGENT }],
  http: ["http", { spec: HTTP }],
  security: ["security", { spec: SECURITY }],
  delegation: ["delegation", { spec: DELEGATION }],
  mcp: ["mcp", { spec: MCP }],
  completion: ["completion", { spec: COMPLETION }],
  provenance: ["provenance", { spec: PROVENANCE }],
  llm: ["llm", { spec: LLM }],
  framework: ["framework", { spec: FRAMEWORK }],
  meta: ["meta", { spec: META }],
  candidateConstraint: ["candidate_constraint", { spec: CANDIDATE }],
  custom: ["custom", "jsonObject"],
});

// ---------------------------------------------------------------------------------------------------------------
// TS → wire

/**
 * Convert a (filtered) view to its wire map. Sensitive headers are removed from both header maps; raw
 * credentials are never included. An empty view gives `{}` (callers omit the field then).
 */
export function extensionsToWire(view: Extensions): WireExtensions {
  const wire = specToWire(view as Record<string, unknown>, SLOTS);
  const http = wire["http"] as Record<string, unknown> | undefined;
  if (http !== undefined) {
    if (http["request_headers"] !== undefined) {
      http["request_headers"] = stripSensitiveHeaders(http["request_headers"] as Record<string, string>);
    }
    if (http["response_headers"] !== undefined) {
      http["response_headers"] = stripSensitiveHeaders(http["response_headers"] as Record<string, string>);
    }
  }
  return wire;
}

/** The wire map for a task's `extensions` field, or undefined when the view is empty (the field is omitted). */
export function wireExtensionsField(view: Extensions): WireExtensions | undefined {
  const wire = extensionsToWire(view);
  return Object.keys(wire).length === 0 ? undefined : wire;
}

function specToWire(value: Record<string, unknown>, spec: Spec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [camel, wireName, kind] of spec) {
    const v = value[camel];
    if (v === undefined || v === null) continue;
    out[wireName] = valueToWire(v, kind);
  }
  return out;
}

function valueToWire(v: unknown, kind: Kind): unknown {
  if (typeof kind === "string") {
    if (kind === "labels") return v instanceof MonotonicSet ? v.toArray() : [...(v as Iterable<string>)];
    if (kind === "strings") return [...(v as Iterable<string>)];
    if (kind === "stringMap") return { ...(v as Record<string, string>) };
    return v; // scalars and JSON values are already wire-shaped
  }
  if ("spec" in kind) return specToWire(v as Record<string, unknown>, kind.spec);
  if ("list" in kind) return (v as Record<string, unknown>[]).map((x) => specToWire(x, kind.list));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, Record<string, unknown>>)) {
    setKey(out, k, specToWire(x, kind.map));
  }
  return out;
}

/** Copy of `headers` without the sensitive ones (any casing). */
export function stripSensitiveHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (!SENSITIVE_HEADERS.has(k.toLowerCase())) setKey(out, k, v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// wire → TS

/**
 * Parse a wire map into a frozen canonical container. `null` fields count as absent; unknown slots and fields
 * are ignored (forward compatible); `raw_credentials` is ignored (tokens never cross a wire). A field of the
 * wrong type throws ExtensionsWireError naming its path.
 */
export function extensionsFromWire(wire: unknown): Extensions {
  if (wire === undefined || wire === null) return deepFreeze({});
  const obj = expectMap(wire, "(root)");
  return deepFreeze(specFromWire(obj, SLOTS, "")) as Extensions;
}

function specFromWire(obj: Record<string, unknown>, spec: Spec, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [camel, wireName, kind, required] of spec) {
    const v = obj[wireName];
    const path = prefix === "" ? wireName : `${prefix}.${wireName}`;
    if (v === undefined || v === null) {
      if (required) throw new ExtensionsWireError(path, "required field is missing");
      continue;
    }
    out[camel] = valueFromWire(v, kind, path);
  }
  return out;
}

function valueFromWire(v: unknown, kind: Kind, path: string): unknown {
  if (typeof kind !== "string") {
    if ("spec" in kind) return specFromWire(expectMap(v, path), kind.spec, path);
    if ("list" in kind) {
      return expectArray(v, path).map((x, i) =>
        specFromWire(expectMap(x, `${path}[${i}]`), kind.list, `${path}[${i}]`),
      );
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(expectMap(v, path))) {
      setKey(out, k, specFromWire(expectMap(x, `${path}.${k}`), kind.map, `${path}.${k}`));
    }
    return out;
  }
  switch (kind) {
    case "string":
      if (typeof v !== "string") throw typeError(path, "a string", v);
      return v;
    case "number":
    case "integer": {
      const n = typeof v === "bigint" && Number.isSafeInteger(Number(v)) ? Number(v) : v;
      if (typeof n !== "number" || !Number.isFinite(n)) throw typeError(path, "a number", v);
      if (kind === "integer" && !Number.isInteger(n)) throw typeError(path, "an integer", v);
      return n;
    }
    case "boolean":
      if (typeof v !== "boolean") throw typeError(path, "a boolean", v);
      return v;
    case "strings":
      return expectStrings(v, path);
    case "labels":
      return new MonotonicSet(expectStrings(v, path));
    case "stringMap": {
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(expectMap(v, path))) {
        if (typeof x !== "string") throw typeError(`${path}.${k}`, "a string", x);
        setKey(out, k, x);
      }
      return out;
    }
    case "jsonObject":
      return copyJson(expectMap(v, path));
    case "jsonObjects":
      return expectArray(v, path).map((x, i) => copyJson(expectMap(x, `${path}[${i}]`)));
    case "json":
      return copyJson(v);
  }
}

function copyJson(v: unknown): JsonObject {
  if (v === null || typeof v !== "object") return v as JsonObject;
  if (v instanceof Uint8Array) return v.slice() as unknown as JsonObject;
  if (Array.isArray(v)) return v.map(copyJson) as unknown as JsonObject;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) setKey(out, k, copyJson(x));
  return out as JsonObject;
}

function expectMap(v: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(v)) throw typeError(path, "a map", v);
  return v;
}

function expectArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw typeError(path, "an array", v);
  return v;
}

function expectStrings(v: unknown, path: string): string[] {
  const arr = expectArray(v, path);
  arr.forEach((x, i) => {
    if (typeof x !== "string") throw typeError(`${path}[${i}]`, "a string", x);
  });
  return arr as string[];
}

function typeError(path: string, expected: string, got: unknown): ExtensionsWireError {
  const kind =
    got === null ? "null" : Array.isArray(got) ? "array" : got instanceof Uint8Array ? "binary" : typeof got;
  return new ExtensionsWireError(path, `expected ${expected}, got ${kind}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Patches returned by sandboxed / out-of-process plugins

/**
 * Build a plugin's returned extensions from the inbound filtered `view` plus the writable slots of a wire `patch`
 * (a plugin cannot forge what it was not shown). Immutable slots come from the view (same identity, so a forged `request` in the patch is
 * simply not read); from the patch only `http` headers (with `write_headers`), `security.labels` (with
 * `append_labels`; unioned into the view's labels), `delegation` (with `append_delegation`; the merge checks that
 * the chain extends) and `custom` (no capability) are taken. Sensitive headers in the patch are ignored and the
 * view's own sensitive headers are kept, so a guest can neither set nor drop `authorization`.
 *
 * Returns `undefined` for "no change": a null/absent patch, or one whose writable slots are all absent/null.
 * A malformed slot throws ExtensionsWireError (a protocol error of the plugin). The result goes through
 * validateAndMerge like a native plugin's return.
 */
export function rebuildExtensionsFromWire(
  view: Extensions,
  patch: unknown,
  capabilities: CapabilityInput,
): Extensions | undefined {
  if (patch === undefined || patch === null) return undefined;
  const p = expectMap(patch, "modified_extensions");
  const caps = toCapabilitySet(capabilities);

  // Validate every writable slot first: a malformed slot is an error even when it would have been ignored.
  const http =
    p["http"] == null
      ? undefined
      : (valueFromWire(p["http"], { spec: HTTP }, "http") as Record<string, unknown>);
  const securityIn = p["security"] == null ? undefined : expectMap(p["security"], "security");
  const labels =
    securityIn?.["labels"] == null ? undefined : expectStrings(securityIn["labels"], "security.labels");
  const delegation =
    p["delegation"] == null
      ? undefined
      : (valueFromWire(p["delegation"], { spec: DELEGATION }, "delegation") as Record<string, unknown>);
  const custom = p["custom"] == null ? undefined : copyJson(expectMap(p["custom"], "custom"));
  const headerPatch =
    http !== undefined && (http["requestHeaders"] !== undefined || http["responseHeaders"] !== undefined);
  if (!headerPatch && labels === undefined && delegation === undefined && custom === undefined)
    return undefined;

  const owned: { -readonly [K in keyof Extensions]: Extensions[K] } = { ...view };
  if (headerPatch && caps.has("write_headers")) {
    const base = view.http ?? {};
    owned.http = {
      ...base,
      requestHeaders: patchHeaders(base.requestHeaders, http!["requestHeaders"] as Record<string, string>),
      responseHeaders: patchHeaders(base.responseHeaders, http!["responseHeaders"] as Record<string, string>),
    };
  }
  if (labels !== undefined && caps.has("append_labels")) {
    const set = view.security?.labels?.clone() ?? new MonotonicSet();
    for (const l of labels) set.add(l);
    owned.security = { ...view.security, labels: set };
  }
  if (delegation !== undefined && caps.has("append_delegation")) {
    owned.delegation = { ...view.delegation, ...delegation };
  }
  if (custom !== undefined) owned.custom = custom;
  return owned;
}

/** New header map from a patch: non-sensitive headers from the patch, sensitive ones kept from the view. */
function patchHeaders(
  base: Readonly<Record<string, string>> | undefined,
  patch: Record<string, string> | undefined,
): Readonly<Record<string, string>> | undefined {
  if (patch === undefined) return base;
  const out = stripSensitiveHeaders(patch);
  if (base !== undefined) {
    for (const [k, v] of Object.entries(base)) if (SENSITIVE_HEADERS.has(k.toLowerCase())) setKey(out, k, v);
  }
  return out;
}
