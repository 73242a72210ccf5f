// Post-handler validation and merge of a plugin's returned extensions, for the serial modifying phases
// (docs/configuration.md, "Capabilities").
//
// Authority is re-derived from the plugin's declared capabilities here; nothing the plugin returned can widen it.
// Every slot taken from the return is copied and frozen, because the plugin still holds references to it.
//
// Deliberate differences from CPEX Rust (documented in docs/configuration.md, "Extensions"):
// - `custom` is assigned when the returned object *has* the key (`cowCopy` always carries it); a partial return
//   without the key leaves canonical custom alone instead of clearing it (CPEX quirk 5).
// - `rawCredentials` are never taken from a plugin (CPEX lets framework orchestrators replace them; no plugin
//   capability grants that, so a returned value would be a fabrication).

import { frozenCopy, setKey } from "./container.js";
import { toCapabilitySet } from "./filter.js";
import { MonotonicSet } from "./monotonic.js";
import {
  type CandidateConstraint,
  type CapabilityInput,
  type DelegationExtension,
  type DelegationHop,
  type Extensions,
  type HttpExtension,
  IMMUTABLE_SLOTS,
  type MergeOutcome,
  type SecurityExtension,
} from "./types.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Validate a plugin's returned extensions against the canonical container and merge what it may write. */
export function validateAndMerge(
  canonical: Extensions,
  returned: Extensions,
  capabilities: CapabilityInput,
): MergeOutcome {
  if (returned === null || typeof returned !== "object" || Array.isArray(returned)) {
    return reject(canonical, "returned extensions are not an object");
  }
  if (returned === canonical) return { merged: canonical, dropped: [] };
  const caps = toCapabilitySet(capabilities);

  // 1. Immutable slots keep their identity; absent means "not seen"; present-but-not-canonical is fabrication.
  for (const slot of IMMUTABLE_SLOTS) {
    const c = canonical[slot];
    const r = returned[slot];
    if (r === undefined || r === c) continue;
    return reject(
      canonical,
      c === undefined ? `immutable slot '${slot}' was fabricated` : `immutable slot '${slot}' was modified`,
    );
  }

  // 3. Labels may only grow (checked up front when the plugin could see them).
  const canonicalLabels = canonical.security?.labels;
  const returnedLabels = returned.security?.labels;
  if (caps.has("read_labels") && returned.security !== undefined && canonicalLabels !== undefined) {
    if (!labelsSuperset(returnedLabels, canonicalLabels)) {
      return reject(canonical, "security labels were removed (labels are monotonic)");
    }
  }

  // 4. Candidate constraint: value must be unchanged without write_candidate_constraint.
  const writesConstraint = caps.has("write_candidate_constraint");
  if (!writesConstraint && !jsonEqual(returned.candidateConstraint, canonical.candidateConstraint)) {
    const what =
      canonical.candidateConstraint === undefined
        ? "created"
        : returned.candidateConstraint === undefined
          ? "removed"
          : "changed";
    return reject(canonical, `candidate_constraint ${what} without write_candidate_constraint`);
  }

  // 5. Field-by-field merge, fail-closed.
  const merged: Mutable<Extensions> = { ...canonical };
  const dropped: string[] = [];

  mergeHttp(canonical, returned, caps, merged, dropped);
  mergeSecurity(canonical, returned, caps, merged, dropped);
  mergeDelegation(canonical, returned, caps, merged, dropped);

  if (writesConstraint && returned.candidateConstraint !== canonical.candidateConstraint) {
    setOrDelete(merged, "candidateConstraint", copyConstraint(returned.candidateConstraint));
  }

  if ("custom" in returned && !jsonEqual(returned.custom, canonical.custom)) {
    setOrDelete(merged, "custom", returned.custom === undefined ? undefined : frozenCopy(returned.custom));
  }

  if (
    returned.rawCredentials !== undefined &&
    canonical.rawCredentials !== returned.rawCredentials &&
    !jsonEqual(filteredCredentials(canonical, caps), returned.rawCredentials)
  ) {
    dropped.push("raw_credentials: plugins cannot write credentials");
  }

  return { merged: Object.freeze(merged), dropped };
}

function reject(canonical: Extensions, reason: string): MergeOutcome {
  return { merged: canonical, rejected: reason, dropped: [] };
}

function mergeHttp(
  canonical: Extensions,
  returned: Extensions,
  caps: ReadonlySet<string>,
  merged: Mutable<Extensions>,
  dropped: string[],
): void {
  const r = returned.http;
  if (r === undefined || r === canonical.http) return;
  const c = canonical.http;
  if (
    jsonEqual(r.requestHeaders ?? {}, c?.requestHeaders ?? {}) &&
    jsonEqual(r.responseHeaders ?? {}, c?.responseHeaders ?? {})
  ) {
    return;
  }
  if (!caps.has("write_headers")) {
    dropped.push("http: headers changed without write_headers");
    return;
  }
  // Headers only; the request line (method, path, host, scheme) always comes from the canonical slot.
  const http: Mutable<HttpExtension> = {};
  if (c?.method !== undefined) http.method = c.method;
  if (c?.path !== undefined) http.path = c.path;
  if (c?.host !== undefined) http.host = c.host;
  if (c?.scheme !== undefined) http.scheme = c.scheme;
  http.requestHeaders = copyHeaders(r.requestHeaders);
  http.responseHeaders = copyHeaders(r.responseHeaders);
  merged.http = Object.freeze(http);
}

function mergeSecurity(
  canonical: Extensions,
  returned: Extensions,
  caps: ReadonlySet<string>,
  merged: Mutable<Extensions>,
  dropped: string[],
): void {
  const r = returned.security;
  if (r === undefined || r === canonical.security) return;
  const canonicalLabels = canonical.security?.labels;
  const added = [...(r.labels ?? [])].filter((l) => !canonicalLabels?.has(l));
  if (added.length === 0) return; // Only labels can be written; nothing new → nothing to merge.
  if (!caps.has("append_labels")) {
    dropped.push("security: labels added without append_labels");
    return;
  }
  if (canonicalLabels !== undefined && !labelsSuperset(r.labels, canonicalLabels)) {
    // Typical with append_labels but not read_labels: the plugin saw an empty set.
    dropped.push("security: returned labels are not a superset of the current labels");
    return;
  }
  const labels = canonicalLabels?.clone() ?? new MonotonicSet();
  for (const l of added) labels.add(l);
  // Every other security field (subject, client, auth_method, ...) is preserved from canonical.
  const security: SecurityExtension = { ...canonical.security, labels: labels.freeze() };
  merged.security = Object.freeze(security);
}

function mergeDelegation(
  canonical: Extensions,
  returned: Extensions,
  caps: ReadonlySet<string>,
  merged: Mutable<Extensions>,
  dropped: string[],
): void {
  const r = returned.delegation;
  const c = canonical.delegation;
  if (r === undefined || r === c) return;
  const cChain = c?.chain ?? [];
  const rChain = r.chain ?? [];
  const changed =
    rChain.length !== cChain.length ||
    rChain.some((hop, i) => hop !== cChain[i] && !jsonEqual(hop, cChain[i])) ||
    r.actorSubjectId !== c?.actorSubjectId ||
    r.ageSeconds !== c?.ageSeconds;
  if (!changed) return;
  if (!caps.has("append_delegation")) {
    dropped.push("delegation: changed without append_delegation");
    return;
  }
  if (!chainExtends(cChain, rChain)) {
    dropped.push("delegation: returned chain does not extend the current chain");
    return;
  }
  const chain = rChain.map((hop, i) => (i < cChain.length ? cChain[i]! : frozenCopy(hop)));
  const delegation: Mutable<DelegationExtension> = {
    chain: Object.freeze(chain),
    depth: chain.length,
    delegated: chain.length > 0,
  };
  const origin = c?.originSubjectId ?? r.originSubjectId;
  if (origin !== undefined) delegation.originSubjectId = origin;
  if (r.actorSubjectId !== undefined) delegation.actorSubjectId = r.actorSubjectId;
  if (r.ageSeconds !== undefined) delegation.ageSeconds = r.ageSeconds;
  merged.delegation = Object.freeze(delegation);
}

/** The returned chain must start with the canonical chain, hop for hop, compared on the identifying fields. */
export function chainExtends(base: readonly DelegationHop[], next: readonly DelegationHop[]): boolean {
  if (next.length < base.length) return false;
  for (let i = 0; i < base.length; i++) {
    const a = base[i]!;
    const b = next[i]!;
    if (a === b) continue;
    if (
      a.subjectId !== b.subjectId ||
      a.subjectType !== b.subjectType ||
      a.audience !== b.audience ||
      a.strategy !== b.strategy ||
      !sameStrings(a.scopesGranted ?? [], b.scopesGranted ?? [])
    ) {
      return false;
    }
  }
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

function labelsSuperset(returned: Iterable<string> | undefined, canonical: MonotonicSet): boolean {
  if (canonical.size === 0) return true;
  if (returned === undefined) return false;
  const set = returned instanceof MonotonicSet ? returned : new MonotonicSet(returned);
  return set.isSupersetOf(canonical);
}

function copyHeaders(
  headers: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  if (headers !== undefined) {
    for (const [k, v] of Object.entries(headers)) if (typeof v === "string") setKey(out, k, v);
  }
  return Object.freeze(out);
}

function copyConstraint(value: CandidateConstraint | undefined): CandidateConstraint | undefined {
  return value === undefined ? undefined : frozenCopy(value);
}

function filteredCredentials(canonical: Extensions, caps: ReadonlySet<string>): unknown {
  const raw = canonical.rawCredentials;
  if (raw === undefined) return undefined;
  return {
    inboundTokens: caps.has("read_inbound_credentials") ? (raw.inboundTokens ?? {}) : {},
    delegatedTokens: caps.has("read_delegated_tokens") ? (raw.delegatedTokens ?? {}) : {},
  };
}

function setOrDelete<K extends keyof Extensions>(
  target: Mutable<Extensions>,
  key: K,
  value: Extensions[K],
): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/** Structural equality for JSON-shaped data (MonotonicSets compare as sets; undefined keys are ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof MonotonicSet || b instanceof MonotonicSet) {
    if (!(a instanceof MonotonicSet && b instanceof MonotonicSet)) return false;
    return a.size === b.size && a.isSupersetOf(b);
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
