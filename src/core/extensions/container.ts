// Building, freezing and copying extension containers.
//
// Canonical containers are deeply frozen: a plugin receives (parts of) them by reference, so freezing is what
// keeps one plugin from editing what the next one sees, and what makes the `===` immutability check meaningful.

import type { JsonValue } from "../config/types.js";
import { deepFreeze, setKey } from "../guards.js";
import { MonotonicSet } from "./monotonic.js";
import type { Extensions, OwnedExtensions, SecurityExtension } from "./types.js";

/** Input accepted by createExtensions: like Extensions, but labels may be any iterable of strings. */
export type ExtensionsInput = Omit<Extensions, "security"> & {
  readonly security?: Omit<SecurityExtension, "labels"> & { readonly labels?: Iterable<string> };
};

// setKey and deepFreeze live in ../guards.ts (shared with the config loader); re-exported for this folder.
export { deepFreeze, setKey } from "../guards.js";

/** Deep copy of JSON-shaped data, frozen. Used when taking data a plugin still holds references to. */
export function frozenCopy<T>(value: T): T {
  return deepFreeze(plainCopy(value));
}

/** Deep mutable copy of JSON-shaped data (MonotonicSets are cloned unfrozen). */
export function plainCopy<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof MonotonicSet) return value.clone() as T;
  if (value instanceof Uint8Array) return value.slice() as T;
  if (Array.isArray(value)) return value.map(plainCopy) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) setKey(out, k, plainCopy(v));
  return out as T;
}

/**
 * Build a canonical container: copies the input, turns `security.labels` into a MonotonicSet and freezes
 * everything. Hosts call this once per request.
 */
export function createExtensions(input: ExtensionsInput = {}): Extensions {
  const out: Record<string, unknown> = {};
  for (const [slot, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (slot === "security") {
      const { labels, ...rest } = value as NonNullable<ExtensionsInput["security"]>;
      out[slot] = { ...plainCopy(rest), labels: new MonotonicSet(labels ?? []) };
    } else {
      out[slot] = plainCopy(value);
    }
  }
  return deepFreeze(out) as Extensions;
}

/**
 * The container an invoke works on: a frozen container (from createExtensions, extensionsFromWire or a previous
 * merge) is used as is; anything else is copied and frozen. Call at the invoke boundary.
 */
export function toCanonicalExtensions(input: ExtensionsInput | Extensions | undefined): Extensions {
  if (input === undefined) return EMPTY_EXTENSIONS;
  if (isCanonical(input)) return input as Extensions;
  return createExtensions(input as ExtensionsInput);
}

function isCanonical(input: ExtensionsInput | Extensions): boolean {
  if (!Object.isFrozen(input)) return false;
  for (const slot of Object.values(input)) {
    if (slot !== null && typeof slot === "object" && !Object.isFrozen(slot)) return false;
  }
  const labels = input.security?.labels;
  return labels === undefined || (labels instanceof MonotonicSet && labels.isFrozen);
}

export const EMPTY_EXTENSIONS: Extensions = Object.freeze({});

/**
 * Copy-on-write working copy of a view: immutable slots (request, agent, mcp, completion, provenance, llm,
 * framework, meta, rawCredentials) keep the same references; writable slots (http, security, delegation,
 * candidateConstraint, custom) are fresh mutable copies the plugin may edit and return.
 */
export function cowCopy(view: Extensions): OwnedExtensions {
  const owned: OwnedExtensions = { ...view } as OwnedExtensions;
  if (view.http !== undefined) {
    owned.http = {
      ...view.http,
      requestHeaders: { ...view.http.requestHeaders },
      responseHeaders: { ...view.http.responseHeaders },
    };
  }
  if (view.security !== undefined) {
    owned.security = { ...view.security, labels: view.security.labels?.clone() ?? new MonotonicSet() };
  }
  if (view.delegation !== undefined) {
    owned.delegation = { ...view.delegation, chain: [...(view.delegation.chain ?? [])] };
  }
  if (view.candidateConstraint !== undefined) owned.candidateConstraint = plainCopy(view.candidateConstraint);
  if (view.custom !== undefined) owned.custom = plainCopy(view.custom) as Record<string, JsonValue>;
  return owned;
}
